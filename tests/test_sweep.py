"""probe/sweep.py: run_sweep against a real WSGI server on loopback.

The server is wsgiref with threads. Behind it a tiny router plays Apache: it picks a
VirtualHost by Host header (the first one when no ServerName/ServerAlias matches), then the
first WSGIScriptAlias mount that matches, in the order listed, and sets SCRIPT_NAME,
PATH_INFO and mod_wsgi's process and application group. Each mount runs its own copy of the
real endpoint (contrib/wsgi_endpoint.py), like a separate sub interpreter would.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from probe import manifest
from probe.endpoint_source import load_module
from probe.manifest import Manifest
from probe.model import Cause, EvidenceKind, Report, Status, TargetResult, Verdict
from probe.report import json_report
from probe.sweep import run_sweep
from tests.loopback_wsgi import App, deny_all, serve


def inner_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"no such page"]


def project(label: str) -> App:
    """One loaded copy of a project: the inner app wrapped by the real endpoint."""
    endpoint = load_module(f"wsgi_endpoint_{label.replace('-', '_')}")
    app: App = endpoint.wrap(inner_app, label=label)
    return app


@dataclass
class Mount:
    path: str  # "" for /
    app: App
    process_group: str  # "" = embedded


@dataclass
class VHost:
    name: str
    mounts: list[Mount]
    aliases: tuple[str, ...] = ()


@dataclass
class Router:
    """Apache's choice of VirtualHost and WSGIScriptAlias, in the order given."""

    vhosts: list[VHost]
    delay: float = 0.0
    in_flight: int = 0
    peak: int = 0
    probes: Counter[tuple[str, str]] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self.probes[(environ.get("HTTP_HOST", ""), environ["PATH_INFO"])] += 1
        try:
            if self.delay:
                time.sleep(self.delay)
            return list(self.route(environ, start_response))
        finally:
            with self.lock:
                self.in_flight -= 1

    def route(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST", "").rsplit(":", 1)[0].lower()
        vhost = next((v for v in self.vhosts if host in (v.name, *v.aliases)), self.vhosts[0])
        path = environ["PATH_INFO"]
        for mount in vhost.mounts:
            if mount.path == "" or path == mount.path or path.startswith(mount.path + "/"):
                environ["SCRIPT_NAME"] = mount.path
                environ["PATH_INFO"] = path[len(mount.path):]
                environ["mod_wsgi.process_group"] = mount.process_group
                environ["mod_wsgi.application_group"] = f"{vhost.name}|{mount.path}"
                return mount.app(environ, start_response)
        return deny_all(environ, start_response)


@contextmanager
def black_hole() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SITE1 = "http://site-1.example.com/"
WWW1 = "http://www.site-1.example.com/"
SUB = "http://site-1.example.com/suburl/"
SITE2 = "http://site-2.example.com/"
WWW2 = "http://www.site-2.example.com/"
UNKNOWN = "http://unknown.invalid/"


def sites_manifest(port: int, *, samples: int = 3, concurrency: int = 8,
                   timeout: float = 5.0, settings: bool = False) -> Manifest:
    text = f"""\
[probe]
connect = "127.0.0.1:{port}"
samples = {samples}
concurrency = {concurrency}
timeout = {timeout}

[instances.project-1]
label = "project-1"
urls = ["{SITE1}", "{WWW1}"]

[instances.project-2]
label = "project-2"
urls = ["{SUB}", "{SITE2}"]

[refuse]
urls = ["{WWW2}", "{UNKNOWN}"]
"""
    if settings:
        text = text.replace('label = "project-1"\n',
                            'label = "project-1"\nsettings = "mysite.settings"\n')
        text = text.replace('label = "project-2"\n',
                            'label = "project-2"\nsettings = "mysite.settings_two"\n')
    return manifest.parse(text, "site.toml")


def apache(*, longest_first: bool = True, process_group: str | None = None) -> Router:
    """site-1 (alias www.site-1) with / and /suburl, site-2, and a deny-all first vhost."""

    def group(label: str) -> str:
        return label if process_group is None else process_group

    root = Mount("", project("project-1"), group("project-1"))
    sub = Mount("/suburl", project("project-2"), group("project-2"))
    return Router([
        VHost("default.invalid", [Mount("", deny_all, "")]),
        VHost("site-1.example.com", [sub, root] if longest_first else [root, sub],
              aliases=("www.site-1.example.com",)),
        VHost("site-2.example.com", [Mount("", project("project-2"), group("project-2"))]),
    ])


def by_url(report: Report) -> dict[str, TargetResult]:
    return {t.url: t for t in report.targets}


def verdicts(report: Report) -> dict[str, tuple[str, str | None]]:
    return {
        t.url: (t.verdict.value, t.cause.value if t.cause else None) for t in report.targets
    }


# --- verdicts through the real endpoint -------------------------------------------------------


def test_correct_routing_is_all_ok() -> None:
    router = apache()
    with serve(router) as port:
        report = run_sweep(sites_manifest(port))
    assert verdicts(report) == {url: ("ok", None) for url in
                                (SITE1, WWW1, SUB, SITE2, WWW2, UNKNOWN)}
    assert report.status is Status.OK
    assert report.findings == ()
    assert not report.interrupted
    results = by_url(report)
    assert results[SUB].answered_by == "project-2"
    assert results[WWW1].answered_by == "project-1"
    observed = results[SUB].observed
    assert observed is not None
    assert observed.raw["request"]["script_name"] == "/suburl"
    assert observed.raw["request"]["path_info"] == "/__probe__"
    assert observed.raw["request"]["host"] == "site-1.example.com"
    assert observed.raw["application_group"] == "site-1.example.com|/suburl"
    assert results[WWW2].status_code == 403
    assert results[WWW2].observed is None
    assert report.duration_s > 0


def test_alias_order_broken_routing() -> None:
    with serve(apache(longest_first=False)) as port:
        report = run_sweep(sites_manifest(port))
    assert verdicts(report) == {
        SITE1: ("ok", None),
        WWW1: ("ok", None),
        SUB: ("wrong_instance", None),
        SITE2: ("ok", None),
        WWW2: ("ok", None),
        UNKNOWN: ("ok", None),
    }
    sub = by_url(report)[SUB]
    assert sub.answered_by == "project-1"
    assert sub.observed is not None
    assert sub.observed.raw["request"]["path_info"] == "/suburl/__probe__"
    assert "mounted at /suburl" in sub.explanation
    assert "the mount at / took it (observed script_name ''" in sub.explanation
    assert [c.cause for c in sub.candidates] == [Cause.ALIAS_ORDER, Cause.URL_MAPPING]
    assert report.status is Status.CRITICAL


def test_vhost_fallback_without_a_default_vhost() -> None:
    router = apache()
    router.vhosts.pop(0)  # no deny-all vhost: site-1 is first and catches unknown names
    with serve(router) as port:
        report = run_sweep(sites_manifest(port))
    results = by_url(report)
    for url in (WWW2, UNKNOWN):
        # The extra request for a .invalid name got the same instance: site-1 is the
        # default site. Whether it claims these names itself only the configuration says.
        assert (results[url].verdict, results[url].cause) == (Verdict.SERVED_UNMAPPED, None)
        assert {c.cause for c in results[url].candidates} == {Cause.VHOST_FALLBACK,
                                                              Cause.VHOST_SHADOWED}
        assert [e.kind for e in results[url].evidence] == [EvidenceKind.OBSERVED,
                                                           EvidenceKind.PROBED]
        assert "the default site of this address" in results[url].evidence[1].claim
        assert results[url].answered_by == "project-1"


def test_environ_leak_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every copy runs in this one process and shares os.environ, like sub interpreters of
    # one embedded-mode Apache child after project-1 set DJANGO_SETTINGS_MODULE.
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "mysite.settings")
    with serve(apache(process_group="")) as port:
        m = sites_manifest(port, samples=1, settings=True)
        assert m.instances["project-2"].settings == "mysite.settings_two"
        report = run_sweep(m)
    found = verdicts(report)
    assert found[SITE1] == ("ok", None)
    assert found[SUB] == ("settings_mismatch", "environ_leak")
    assert found[SITE2] == ("settings_mismatch", "environ_leak")
    assert [f.code for f in report.findings] == ["embedded_shared_process"]


# --- samples and concurrency ------------------------------------------------------------------


@pytest.mark.parametrize("samples", [1, 2])
def test_samples_per_url(samples: int) -> None:
    router = apache()
    with serve(router) as port:
        report = run_sweep(sites_manifest(port, samples=samples))
    assert {t.url: t.samples for t in report.targets} == {
        url: samples for url in (SITE1, WWW1, SUB, SITE2, WWW2, UNKNOWN)
    }
    assert router.probes == {
        ("site-1.example.com", "/__probe__"): samples,
        ("www.site-1.example.com", "/__probe__"): samples,
        ("site-1.example.com", "/suburl/__probe__"): samples,
        ("site-2.example.com", "/__probe__"): samples,
        ("www.site-2.example.com", "/__probe__"): samples,
        ("unknown.invalid", "/__probe__"): samples,
    }


def test_hits_count_every_sample() -> None:
    with serve(apache()) as port:
        report = run_sweep(sites_manifest(port, samples=3, concurrency=1))
    observed = by_url(report)[SITE2].observed
    assert observed is not None
    assert observed.raw["hits"] == 3  # site-2's copy answered only these three requests


def test_concurrency_is_bounded() -> None:
    router = apache()
    router.delay = 0.05
    with serve(router) as port:
        report = run_sweep(sites_manifest(port, samples=3, concurrency=2))
    assert sum(router.probes.values()) == 18
    assert router.peak == 2  # never more than two, and two were really used
    assert {t.verdict for t in report.targets} == {Verdict.OK}


def test_only_the_given_targets_are_probed() -> None:
    router = apache()
    with serve(router) as port:
        m = sites_manifest(port, samples=1)
        chosen = [t for t in m.targets() if t.url == SUB]
        report = run_sweep(m, targets=chosen)
    assert [t.url for t in report.targets] == [SUB]
    assert router.probes == {("site-1.example.com", "/suburl/__probe__"): 1}


# --- failures do not stop the sweep -----------------------------------------------------------


def ad_hoc(urls: list[str], *, timeout: float = 5.0, samples: int = 1) -> Manifest:
    m = manifest.from_urls(urls)
    return m.with_probe(timeout=timeout, samples=samples, concurrency=4)


def loopback_router() -> Router:
    return Router([VHost("127.0.0.1", [Mount("", project("adhoc"), "adhoc")])])


def test_deadline_makes_an_unanswered_target_unreachable_promptly() -> None:
    with serve(loopback_router()) as port, black_hole() as stuck:
        good = f"http://127.0.0.1:{port}/"
        bad = f"http://127.0.0.1:{stuck}/"
        start = time.monotonic()
        report = run_sweep(ad_hoc([good, bad], timeout=30.0, samples=2), deadline=1.0)
        took = time.monotonic() - start
    assert took < 4.0
    results = by_url(report)
    assert results[good].verdict is Verdict.OK
    assert results[good].answered_by == "adhoc"
    assert results[bad].verdict is Verdict.UNREACHABLE
    assert results[bad].samples == 2
    assert "too slow" in results[bad].fix
    assert not report.interrupted


def test_a_target_not_sent_before_the_deadline_gets_no_verdict() -> None:
    """One request at a time, the first one stuck: the deadline ends it (unreachable, it was
    asked), and the URLs after it were never asked: no verdict, counted apart."""
    with serve(loopback_router()) as port, black_hole() as stuck:
        bad = f"http://127.0.0.1:{stuck}/"
        good = [f"http://127.0.0.1:{port}/{i}/" for i in range(3)]
        report = run_sweep(ad_hoc([bad, *good], timeout=30.0).with_probe(concurrency=1),
                           deadline=1.0)
    assert [(t.url, t.verdict) for t in report.targets] == [(bad, Verdict.UNREACHABLE)]
    assert report.unprobed == 3
    assert not report.interrupted
    assert "unprobed" in json_report.to_dict(report)["summary"]
    assert json_report.to_dict(report)["summary"]["unprobed"] == 3


def test_unreachable_server_does_not_stop_other_targets() -> None:
    closed = f"http://127.0.0.1:{free_port()}/"
    with serve(loopback_router()) as port:
        good = f"http://127.0.0.1:{port}/"
        report = run_sweep(ad_hoc([closed, good], samples=2))
    results = by_url(report)
    assert results[closed].verdict is Verdict.UNREACHABLE
    address = closed.removeprefix("http://").rstrip("/")
    assert results[closed].explanation == f"{closed}__probe__: connection refused by {address}"
    assert results[good].verdict is Verdict.OK
    assert results[good].samples == 2
    assert report.status is Status.CRITICAL


def test_the_token_given_goes_with_every_request() -> None:
    seen: list[str | None] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ.get("HTTP_X_PROBE_TOKEN"))
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"no"]

    with serve(app) as port:
        run_sweep(ad_hoc([f"http://127.0.0.1:{port}/"], samples=2), token="s3cr3t-tökén")
        run_sweep(ad_hoc([f"http://127.0.0.1:{port}/"], samples=1))
    assert sorted(seen, key=str) == [None, "s3cr3t-tökén".encode().decode("latin-1"),
                                     "s3cr3t-tökén".encode().decode("latin-1")]


def test_progress_is_called_once_per_request() -> None:
    # The CLI's progress bar is a callback: the sweep itself draws nothing.
    calls: list[None] = []
    with serve(apache()) as port:
        report = run_sweep(sites_manifest(port, samples=2), progress=lambda: calls.append(None))
    assert len(calls) == len(report.targets) * 2
