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
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from probe import addresses, manifest
from probe.addresses import hosts_file_resolver
from probe.cli import main
from probe.diagnose.backends import BACKENDS_DISAGREE
from probe.model import Report, Verdict
from probe.sweep import run_sweep
from tests.loopback_wsgi import App, serve
from tests.test_sweep import apache


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
                stack.enter_context(serve(app, host, port))
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
        (sub, f"127.0.0.2:{port}", "wrong_instance", None),
        (sub, f"127.0.0.3:{port}", "ok", None),
    ]
    found = [f for f in report.findings if f.code == BACKENDS_DISAGREE]
    assert len(found) == 1
    assert found[0].explanation == (
        f"The backends of {sub} disagree: 127.0.0.2:{port} serves /suburl/ from project-1 "
        f"(wrong_instance); 127.0.0.1:{port} and 127.0.0.3:{port} serve it from project-2 "
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
    data = json.loads(as_json.stdout)
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
    # Two minutes ahead: every instance started before it, and within the 5 minutes of clock
    # skew a deploy time may be ahead (further ahead, it is refused).
    future = time.time() + 120
    os.utime(deployed, (future, future))
    runner = CliRunner()
    with fleet() as port:
        url = f"http://site-1.example.com:{port}/"
        args = ["sweep", url, "--connect", "127.0.0.1", "--connect", "127.0.0.3",
                "--samples", "1", "--format", "json"]
        stale = runner.invoke(main, [*args, "--restarted-after", f"@{deployed}"])
        fresh = runner.invoke(main, [*args, "--restarted-after", "2000-01-01T00:00:00.5Z"])
    assert stale.exit_code == 1
    assert [(t["address"], t["verdict"]) for t in json.loads(stale.stdout)["targets"]] == [
        (f"127.0.0.1:{port}", "stale"), (f"127.0.0.3:{port}", "stale")]
    assert fresh.exit_code == 0, fresh.output
    assert {t["verdict"] for t in json.loads(fresh.stdout)["targets"]} == {"ok"}


def test_bad_restarted_after_is_usage_error() -> None:
    result = CliRunner().invoke(main, ["sweep", "http://a.example/", "--restarted-after", "soon"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "probe: --restarted-after: not an ISO 8601 time or @FILE: 'soon' (e.g. "
        "2026-11-30T02:09:45Z, 2026-11-30T03:09:45.27+01:00, @/srv/app/wsgi.py)"]


def test_without_connect_the_address_is_the_one_that_answered() -> None:
    with fleet() as port:
        url = f"http://127.0.0.3:{port}/"
        result = CliRunner().invoke(main, ["sweep", url, "--samples", "1", "--format", "json"])
    [target] = json.loads(result.stdout)["targets"]
    assert target["address"] == f"127.0.0.3:{port}"


@pytest.mark.parametrize("host", ["127.0.0.9", "[::1]"])
def test_an_ip_in_the_url_is_the_address_of_a_url_that_did_not_answer(host: str) -> None:
    """No DNS chose it: an exported series keeps one address label whether it answers or not."""
    with socket.socket(socket.AF_INET6 if host.startswith("[") else socket.AF_INET) as free:
        free.bind((host.strip("[]"), 0))
        port = free.getsockname()[1]  # bound, not listening: refused
        result = CliRunner().invoke(main, ["sweep", f"http://{host}:{port}/", "--samples", "1",
                                           "--format", "json"])
    [target] = json.loads(result.stdout)["targets"]
    assert target["verdict"] == "unreachable"
    assert target["address"] == f"{host}:{port}"


def test_a_name_that_did_not_answer_has_no_address() -> None:
    result = CliRunner().invoke(main, ["sweep", "http://unresolvable.invalid/", "--samples", "1",
                                       "--format", "json"])
    [target] = json.loads(result.stdout)["targets"]
    assert target["address"] is None


def test_all_addresses_through_the_system_resolver() -> None:
    with fleet() as port:
        url = f"http://localhost:{port}/"
        result = CliRunner().invoke(main, ["sweep", url, "--all-addresses", "--samples", "1",
                                           "--format", "json"])
    found = {t["address"]: t["status_code"] for t in json.loads(result.stdout)["targets"]}
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


def test_check_names_the_address_of_every_line_of_a_fleet() -> None:
    from probe.check import plugin as check

    with fleet() as port:
        m = fleet_manifest(port, '["127.0.0.1", "127.0.0.2", "127.0.0.3"]')
        report = run_sweep(m)
    output = check.evaluate(report, check.CheckOptions("fleet.toml", verbose=3), manifest=m)
    lines = output.long_output
    at = [f"127.0.0.{n}:{port}" for n in (1, 2, 3)]
    site, sub = (f"http://site-1.example.com:{port}/", f"http://site-1.example.com:{port}/suburl/")
    # One OK line per URL and address, each naming its address.
    oks = [line for line in lines if line.startswith("OK: ")]
    assert len(oks) == 5
    for address in at:
        assert any(line.startswith(f"OK: {site} at {address} answered by project-1")
                   for line in oks), oks
    for address in (at[0], at[2]):
        assert any(line.startswith(f"OK: {sub} at {address} answered by project-2")
                   for line in oks), oks
    manifest_line = next(line for line in lines if line.startswith("manifest fleet.toml: "))
    assert "connect=127.0.0.1,127.0.0.2,127.0.0.3 " in manifest_line  # as the manifest says
    observed = [line for line in lines if line.startswith("observed at ")]
    assert len(observed) == 1 and observed[0].startswith(f"observed at {sub} at {at[1]}: ")


def _broken(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
    return [b"broken"]


def test_backends_that_did_not_answer_are_said_so() -> None:
    # 127.0.0.5 has nothing listening: it did not answer, it answered nothing "with" anything.
    with fleet_of({"127.0.0.1": apache()}) as port:
        m = fleet_manifest(port, '["127.0.0.1", "127.0.0.5"]')
        report = run_sweep(m)
    sub = f"http://site-1.example.com:{port}/suburl/"
    found = [f.explanation for f in report.findings
             if f.code == BACKENDS_DISAGREE and sub in f.explanation]
    assert found == [f"The backends of {sub} disagree: 127.0.0.5:{port} did not answer "
                     f"(unreachable); 127.0.0.1:{port} serves it from project-2 as expected."]
    # None answered, in two ways: no "disagree", each way said.
    with fleet_of({"127.0.0.1": _broken}) as port:
        report = run_sweep(fleet_manifest(port, '["127.0.0.1", "127.0.0.5"]'))
    sub = f"http://site-1.example.com:{port}/suburl/"
    found = [f.explanation for f in report.findings
             if f.code == BACKENDS_DISAGREE and sub in f.explanation]
    assert found == [f"No backend of {sub} answered it: 127.0.0.1:{port} answers /suburl/ with "
                     f"HTTP 500 (http_error); 127.0.0.5:{port} did not answer (unreachable)."]
