"""Fleets: every URL at every address (probe/addresses.py) and the cross-backend finding.

The backends are real HTTP servers on 127.0.0.1, 127.0.0.2 and 127.0.0.3 (all loopback on
Linux), each running the test router of tests/test_sweep.py with the real endpoint; the one on
127.0.0.2 lists the WSGIScriptAlias mounts in the wrong order.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from probe import addresses, check, manifest
from probe.addresses import addresses_for, expand, hosts_file_resolver, split_connect
from probe.check import CheckOptions
from probe.cli import main
from probe.diagnose import diagnose
from probe.diagnose.backends import BACKENDS_DISAGREE, processes_seen
from probe.errors import ManifestError
from probe.manifest import Target
from probe.model import EndpointAnswer, Observation, Report, Sample, TargetResult, Verdict
from probe.sweep import run_sweep
from tests.loopback_wsgi import App, QuietHandler, ThreadingWSGIServer
from tests.test_sweep import apache


@contextmanager
def serve_at(host: str, port: int, app: App) -> Iterator[int]:
    from wsgiref.simple_server import make_server

    server = make_server(host, port, app, server_class=ThreadingWSGIServer,
                         handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def fleet_of(apps: dict[str, App]) -> Iterator[int]:
    """``apps`` served at their loopback addresses, all on one port number."""
    for _ in range(20):
        with socket.socket() as probe_sock:
            probe_sock.bind(("127.0.0.1", 0))
            port = int(probe_sock.getsockname()[1])
        stack = ExitStack()
        try:
            for host, app in apps.items():
                stack.enter_context(serve_at(host, port, app))
        except OSError:
            stack.close()
            continue  # the port was taken on another address meanwhile
        with stack:
            yield port
        return
    raise AssertionError("no port free on every address")


def fleet(bad: str = "127.0.0.2") -> contextlib.AbstractContextManager[int]:
    """Three backends on one port number at 127.0.0.1-3; ``bad`` has the alias_order bug."""
    return fleet_of({host: apache(longest_first=host != bad)
                     for host in ("127.0.0.1", "127.0.0.2", "127.0.0.3")})


def fleet_manifest(port: int, connect: str) -> manifest.Manifest:
    return manifest.parse(f"""\
[probe]
connect = {connect}
samples = 2

[instances.project-1]
label = "project-1"
urls = ["http://site-1.example.com:{port}/"]

[instances.project-2]
label = "project-2"
urls = ["http://site-1.example.com:{port}/suburl/"]
""", "fleet.toml")


# --- addresses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("127.0.0.1:8080", ("127.0.0.1", 8080)),
    ("127.0.0.1", ("127.0.0.1", None)),
    ("backend-1.example.com", ("backend-1.example.com", None)),
    ("[::1]:8443", ("::1", 8443)),
    ("[::1]", ("::1", None)),
    ("::1", ("::1", None)),
])
def test_split_connect(value: str, expected: tuple[str, int | None]) -> None:
    assert split_connect(value, "connect") == expected


@pytest.mark.parametrize("value", ["", "h:0", "h:99999", "h:x", "[::1", "[::1]x", "a b:80"])
def test_split_connect_rejects(value: str) -> None:
    with pytest.raises(ManifestError, match="not HOST or HOST:PORT"):
        split_connect(value, "connect")


def no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"resolved {host} unasked")


def test_connect_list_keeps_each_urls_port_without_one() -> None:
    found = addresses_for("https://a.example/", ["10.0.0.1", "10.0.0.2:8443", "[::1]"], False,
                          no_dns)
    assert found == ["10.0.0.1:443", "10.0.0.2:8443", "[::1]:443"]


def test_no_connect_no_all_addresses_is_dns_choice() -> None:
    assert addresses_for("http://a.example/", [], False, no_dns) == [None]


def test_all_addresses_probes_v4_and_v6_separately() -> None:
    asked: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return ["192.0.2.1", "2001:db8::1", "192.0.2.2"]

    assert addresses_for("http://a.example:8080/", [], True, resolver) == [
        "192.0.2.1:8080", "[2001:db8::1]:8080", "192.0.2.2:8080"]
    assert asked == [("a.example", 8080)]


def test_all_addresses_name_that_does_not_resolve_keeps_dns_verdict() -> None:
    def resolver(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "no such name")

    assert addresses_for("http://a.example/", [], True, resolver) == [None]


def test_expand_goes_url_by_url_so_addresses_alternate() -> None:
    targets = [Target("http://a.example/", "x"), Target("http://b.example/", "y")]
    found = expand(targets, ["127.0.0.1", "127.0.0.2"], False, no_dns)
    assert [(t.url, t.address) for t in found] == [
        ("http://a.example/", "127.0.0.1:80"), ("http://a.example/", "127.0.0.2:80"),
        ("http://b.example/", "127.0.0.1:80"), ("http://b.example/", "127.0.0.2:80")]
    assert [t.expected for t in found] == ["x", "x", "y", "y"]


def test_hosts_file_resolver(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    hosts.write_text("# fleet\n127.0.0.1 site-1.example.com\n127.0.0.2  other site-1.example.com"
                     "\n::1 site-1.example.com  # v6\n", encoding="utf-8")
    resolve = hosts_file_resolver(str(hosts))
    assert resolve("SITE-1.example.com", 80) == ["127.0.0.1", "127.0.0.2", "::1"]
    with pytest.raises(OSError):
        resolve("nowhere.example", 80)


def test_system_resolver_resolves_localhost() -> None:
    found = addresses.system_resolver("localhost", 80)
    assert found and all(a in ("127.0.0.1", "::1") for a in found)


def test_manifest_connect_list_and_all_addresses() -> None:
    m = manifest.parse('[probe]\nconnect = ["10.0.0.1", "10.0.0.2:81"]\nall_addresses = true\n'
                       '[refuse]\nurls = ["http://a.example/"]\n', "m.toml")
    assert m.probe.connects == ("10.0.0.1", "10.0.0.2:81")
    assert m.probe.connect == "10.0.0.1"
    assert m.probe.all_addresses is True
    # A command-line override replaces the list, and keeps it when not given.
    assert m.with_probe(connect=("10.0.0.9",)).probe.connects == ("10.0.0.9",)
    assert m.with_probe(samples=1).probe.connects == ("10.0.0.1", "10.0.0.2:81")


@pytest.mark.parametrize(("line", "message"), [
    ("connect = []", "give at least one HOST or HOST:PORT"),
    ("connect = [1]", "must be HOST[:PORT] or a list of them, not 1"),
    ('connect = ["ok:1", "bad:0"]', "not HOST or HOST:PORT: 'bad:0'"),
    ('all_addresses = "yes"', "must be bool"),
])
def test_manifest_rejects_bad_fleet_settings(line: str, message: str) -> None:
    with pytest.raises(ManifestError) as info:
        manifest.parse(f"[probe]\n{line}\n[refuse]\nurls = ['http://a.example/']\n", "m.toml")
    assert message in str(info.value)


# --- a sweep of a real fleet --------------------------------------------------------------------


def test_sweep_names_the_misrouting_backend() -> None:
    with fleet() as port:
        m = fleet_manifest(port, '["127.0.0.1", "127.0.0.2", "127.0.0.3"]')
        report = run_sweep(m)
    site = f"http://site-1.example.com:{port}/"
    sub = f"{site}suburl/"
    rows = [(t.url, t.address, t.verdict.value, t.cause.value if t.cause else None)
            for t in report.targets]
    assert rows == [
        (site, f"127.0.0.1:{port}", "ok", None),
        (site, f"127.0.0.2:{port}", "ok", None),
        (site, f"127.0.0.3:{port}", "ok", None),
        (sub, f"127.0.0.1:{port}", "ok", None),
        (sub, f"127.0.0.2:{port}", "wrong_instance", "alias_order"),
        (sub, f"127.0.0.3:{port}", "ok", None),
    ]
    found = [f for f in report.findings if f.code == BACKENDS_DISAGREE]
    assert len(found) == 1
    assert found[0].explanation == (
        f"The backends of {sub} disagree: 127.0.0.2:{port} serves /suburl/ from project-1 "
        f"(alias_order); 127.0.0.1:{port} and 127.0.0.3:{port} serve it from project-2 "
        f"as expected.")
    assert found[0].instances == ("project-1", "project-2")


def test_one_address_reports_the_address_that_answered() -> None:
    with fleet() as port:
        m = fleet_manifest(port, '"127.0.0.3"')
        report = run_sweep(m)
    assert {t.address for t in report.targets} == {f"127.0.0.3:{port}"}
    assert not [f for f in report.findings if f.code == BACKENDS_DISAGREE]


def test_all_addresses_through_a_hosts_file(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 site-1.example.com\n127.0.0.2 site-1.example.com\n",
                     encoding="utf-8")
    with fleet() as port:
        m = manifest.parse(
            f'[probe]\nall_addresses = true\nsamples = 1\n[instances.project-2]\n'
            f'label = "project-2"\nurls = ["http://site-1.example.com:{port}/suburl/"]\n', "m")
        report = run_sweep(m, resolver=hosts_file_resolver(str(hosts)))
    assert [(t.address, t.verdict) for t in report.targets] == [
        (f"127.0.0.1:{port}", Verdict.OK), (f"127.0.0.2:{port}", Verdict.WRONG_INSTANCE)]


def test_cli_repeated_connect_and_every_format() -> None:
    runner = CliRunner()
    with fleet() as port:
        url = f"http://site-1.example.com:{port}/suburl/"
        args = ["sweep", url, "--connect", "127.0.0.1", "--connect", f"127.0.0.2:{port}",
                "--samples", "1"]
        as_json = runner.invoke(main, [*args, "--format", "json"])
        junit = runner.invoke(main, [*args, "--format", "junit"])
        table = runner.invoke(main, args)
    data = json.loads(as_json.output)
    assert [t["address"] for t in data["targets"]] == [f"127.0.0.1:{port}", f"127.0.0.2:{port}"]
    # Any instance may answer a command-line URL, but the backends differ: a finding.
    assert [f["code"] for f in data["findings"]] == [BACKENDS_DISAGREE]
    assert f'name="{url} @ 127.0.0.1:{port}"' in junit.output
    assert f'name="{url} @ 127.0.0.2:{port}"' in junit.output
    lines = [line for line in table.output.splitlines() if "127.0.0." in line and "│" in line]
    assert len(lines) == 2
    assert url in lines[0] and url not in lines[1]  # one URL's rows grouped, URL written once


def test_restarted_after_at_file_is_stale_per_address(tmp_path: Path) -> None:
    deployed = tmp_path / "wsgi.py"
    deployed.write_text("", encoding="utf-8")
    future = 4_102_444_800  # 2100-01-01: every instance started before it
    os.utime(deployed, (future, future))
    runner = CliRunner()
    with fleet() as port:
        url = f"http://site-1.example.com:{port}/"
        args = ["sweep", url, "--connect", "127.0.0.1", "--connect", "127.0.0.3",
                "--samples", "1", "--format", "json"]
        stale = runner.invoke(main, [*args, "--restarted-after", f"@{deployed}"])
        fresh = runner.invoke(main, [*args, "--restarted-after", "2000-01-01T00:00:00.5Z"])
    assert stale.exit_code == 1
    assert [(t["address"], t["verdict"]) for t in json.loads(stale.output)["targets"]] == [
        (f"127.0.0.1:{port}", "stale"), (f"127.0.0.3:{port}", "stale")]
    assert fresh.exit_code == 0, fresh.output
    assert {t["verdict"] for t in json.loads(fresh.output)["targets"]} == {"ok"}


def test_bad_restarted_after_is_usage_error() -> None:
    result = CliRunner().invoke(main, ["sweep", "http://a.example/", "--restarted-after", "soon"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "probe: --restarted-after: not an ISO 8601 time or @FILE: 'soon' (e.g. "
        "2026-11-30T02:09:45Z, 2026-11-30T03:09:45.27+01:00, @/srv/app/wsgi.py)"]


def answer(label: str, pid: int, instance: str) -> EndpointAnswer:
    return EndpointAnswer.from_json({"schema": 1, "label": label, "pid": pid,
                                     "instance_id": instance, "process_group": label})


def test_processes_seen_counts_samples_per_process() -> None:
    answers = [answer("project-1", 7, "a1"), answer("project-2", 8, "b2"),
               answer("project-1", 7, "a1")]
    assert processes_seen(answers) == (
        "Seen: project-1 pid 7 (instance a1): 2 samples; project-2 pid 8 (instance b2): "
        "1 sample.")


def test_processes_seen_says_when_more_processes_may_exist() -> None:
    answers = [answer("project-1", 7, "a1"), answer("project-2", 8, "b2")]
    assert processes_seen(answers).endswith(
        "Each of the 2 samples reached a different process, so there may be processes no "
        "sample reached: raise --samples to see them all.")


def test_inconsistent_verdict_names_processes() -> None:
    m = fleet_manifest(80, '"127.0.0.1"')
    url = "http://site-1.example.com:80/suburl/"
    samples = tuple(Sample(1.0, 200, answer(label, pid, inst)) for label, pid, inst in
                    [("project-2", 8, "b2"), ("project-1", 7, "a1"), ("project-2", 8, "b2")])
    report = diagnose(m, [Observation(Target(url, "project-2", "127.0.0.1:80"), samples)])
    [result] = report.targets
    assert result.verdict is Verdict.INCONSISTENT
    assert result.explanation.endswith(
        "Seen: project-2 pid 8 (instance b2): 2 samples; project-1 pid 7 (instance a1): "
        "1 sample.")
    assert result.address == "127.0.0.1:80"


# --- monitoring outputs of a fleet ---------------------------------------------------------------


def fleet_result(url: str, address: str, verdict: Verdict = Verdict.OK) -> TargetResult:
    return TargetResult(url=url, expected="project-2", verdict=verdict, cause=None,
                        explanation="explained", fix="", observed={"label": "project-2"},
                        status_code=200, samples=1, elapsed_ms=4.0, answered_by="project-2",
                        address=address)


FLEET_URLS = ["http://site-1.example.com/suburl/", "http://site-2.example.com/"]
FLEET_ADDRESSES = ["127.0.0.1:80", "127.0.0.2:80", "[::1]:80"]


def fleet_report(order: list[tuple[str, str]]) -> Report:
    return Report(tuple(fleet_result(url, address,
                                     Verdict.WRONG_INSTANCE if address == "127.0.0.2:80"
                                     else Verdict.OK)
                        for url, address in order))


def test_nagios_perfdata_labels_unique_and_stable_per_url_and_address() -> None:
    from probe.report.nagios import render
    from tests.monitoring_helpers import parse_output

    order = [(u, a) for u in FLEET_URLS for a in FLEET_ADDRESSES]
    labels: list[list[str]] = []
    for shown in (order, list(reversed(order)), order[:-1]):
        output = check.evaluate(fleet_report(shown), CheckOptions("m.toml", perfdata_urls=True,
                                                                  verbose=1), elapsed=0.1)
        _line, perf, lines = parse_output(render(output))
        per_url = [label for label in perf if label not in ("urls", "ok", "problems", "time")]
        assert len({label[:19] for label in perf}) == len(perf)
        labels.append(per_url)
        if shown is order:
            assert [line for line in lines if "127.0.0.2:80" in line] == [
                f"CRITICAL: {u} wrong_instance (expected project-2, answered by project-2, "
                f"at 127.0.0.2:80, HTTP 200): explained" for u in FLEET_URLS]
    assert len(labels[0]) == 6
    assert sorted(labels[0]) == sorted(labels[1])  # the same label whatever the order
    assert set(labels[2]) <= set(labels[0])  # an address less changes no other label


def test_exporter_address_label() -> None:
    from probe.exporter_metrics import url_families

    report = fleet_report([(FLEET_URLS[0], a) for a in FLEET_ADDRESSES[:2]])
    families = {f.name: f for f in url_families(report.targets)}
    ok = families["wsgi_probe_url_ok"]
    assert [(s.labels["address"], s.value) for s in ok.samples] == [
        ("127.0.0.1:80", 1.0), ("127.0.0.2:80", 0.0)]


def test_without_connect_the_address_is_the_one_that_answered() -> None:
    with fleet() as port:
        url = f"http://127.0.0.3:{port}/"
        result = CliRunner().invoke(main, ["sweep", url, "--samples", "1", "--format", "json"])
    [target] = json.loads(result.output)["targets"]
    assert target["address"] == f"127.0.0.3:{port}"


def test_all_addresses_through_the_system_resolver() -> None:
    with fleet() as port:
        url = f"http://localhost:{port}/"
        result = CliRunner().invoke(main, ["sweep", url, "--all-addresses", "--samples", "1",
                                           "--format", "json"])
    found = {t["address"]: t["status_code"] for t in json.loads(result.output)["targets"]}
    expected = {addresses.join(ip, port) for ip in addresses.system_resolver("localhost", port)}
    assert set(found) == expected
    assert found[f"127.0.0.1:{port}"] == 403  # the router's catch-all vhost answered there


def test_a_hanging_backend_does_not_starve_the_others() -> None:
    """Two connections for two addresses, the first one hanging: the second is still probed.

    With one request loop for all, the hanging backend's four requests (queued first) would
    hold both connections and the healthy backend would get nothing until they time out.
    """
    release = threading.Event()
    healthy_done = threading.Event()
    seen: list[str] = []

    def hanging(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        release.wait(60)
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"late"]

    router = apache()

    def healthy(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen.append(environ["PATH_INFO"])
        if len(seen) == 4:
            healthy_done.set()
        return router(environ, start_response)

    with fleet_of({"127.0.0.2": hanging, "127.0.0.1": healthy}) as port:
        m = manifest.parse(f"""\
[probe]
connect = ["127.0.0.2", "127.0.0.1"]
samples = 4
concurrency = 2
timeout = 60

[instances.project-1]
label = "project-1"
urls = ["http://site-1.example.com:{port}/"]
""", "m")
        reports: list[Report] = []
        sweeping = threading.Thread(target=lambda: reports.append(run_sweep(m)))
        sweeping.start()
        try:
            assert healthy_done.wait(30), f"healthy backend starved: {len(seen)} of 4 requests"
        finally:
            release.set()
            sweeping.join(60)
    [report] = reports
    assert [(t.address, t.verdict) for t in report.targets] == [
        (f"127.0.0.2:{port}", Verdict.HTTP_ERROR), (f"127.0.0.1:{port}", Verdict.OK)]


def test_exporter_page_shows_the_address() -> None:
    from probe.exporter_page import render_page

    report = fleet_report([(FLEET_URLS[0], a) for a in FLEET_ADDRESSES[:2]])
    page = render_page(report, 0.0, manifest="m.toml", version="1")
    for address in FLEET_ADDRESSES[:2]:
        assert f'<td class="url">{FLEET_URLS[0]}</td><td>{address}</td>' in page
