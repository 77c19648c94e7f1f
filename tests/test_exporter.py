"""probe exporter: metrics, single flight, scrape timeouts, /probe, the page, SIGTERM.

Most tests serve the real WSGI application on a loopback port with a fake sweep, and scrape
it with requests; the exposition is parsed with prometheus_client's own parser.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.server
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
import structlog
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from probe.credentials import read_token
from probe.diagnose import ConfigJoin
from probe.endpoint_answer import EndpointAnswer
from probe.errors import ProbeError
from probe.exporter import command as exporter
from probe.exporter.command import ExporterApp, ExporterOptions, SweepCoordinator
from probe.exporter.metrics import SweepCollector, SweepCounters, SweepSnapshot
from probe.manifest import Manifest, Target, parse, parse_connect
from probe.model import Cause, Finding, Report, Status, TargetResult, Verdict
from probe.transport import Transport
from tests.monitoring_helpers import (
    MANIFEST,
    PROBE,
    closed_port,
    log_events,
    silent_server,
    start_exporter,
)


def endpoint(label: str, pid: int = 1234) -> dict[str, Any]:
    return {"schema": 1, "label": label, "pid": pid, "process_group": label,
            "application_group": "site-1.example.com|", "started_at": "2024-05-01T10:00:00Z",
            "settings_module": {"environ": "mysite.settings", "loaded": "mysite.settings"}}


def result(url: str, expected: str | None, verdict: Verdict = Verdict.OK, *,
           cause: Cause | None = None, observed: dict[str, Any] | None = None,
           answered_by: str | None = None, explanation: str = "fine") -> TargetResult:
    return TargetResult(url=url, expected=expected, verdict=verdict, cause=cause,
                        explanation=explanation, fix="",
                        observed=EndpointAnswer.from_json(observed) if observed else None,
                        status_code=200 if observed else None, samples=3, elapsed_ms=12.5,
                        answered_by=answered_by)


REPORT = Report((
    result("http://site-1.example.com/", "project-1", observed=endpoint("project-1", 101),
           answered_by="project-1"),
    result("http://site-1.example.com/suburl/", "project-2", Verdict.WRONG_INSTANCE,
           cause=Cause.ALIAS_ORDER, observed=endpoint("project-1", 102),
           answered_by="project-1", explanation="swallowed"),
    result("http://user:secret@site-2.example.com/", "project-2", Verdict.UNREACHABLE),
    result("http://unknown.invalid/", None),
), (Finding("embedded_shared_process", Status.WARNING, ("project-1", "project-2"), "shared"),),
    duration_s=0.75)


def families(text: str) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    return [(dict(s.labels), s.value) for f in text_string_to_metric_families(text)
            for s in f.samples if s.name == name]


def value(text: str, name: str, **labels: str) -> float:
    found = [v for got, v in samples(text, name) if all(got.get(k) == x for k, x in labels.items())]
    assert len(found) == 1, (name, labels, found)
    return found[0]


# -- the metrics ----------------------------------------------------------------------


def test_collector_exports_the_issue_metrics() -> None:
    text = generate_latest(SweepCollector(SweepSnapshot(SweepCounters(3, 1), REPORT,
                                                        1_700_000_000.0))).decode()
    names = set(families(text))
    assert {"wsgi_probe_url_ok", "wsgi_probe_url_verdict", "wsgi_probe_url_duration_seconds",
            "wsgi_probe_instance_info", "wsgi_probe_instance_pid",
            "wsgi_probe_instance_start_time_seconds", "wsgi_probe_problems",
            "wsgi_probe_sweep_duration_seconds", "wsgi_probe_sweeps",
            "wsgi_probe_sweep_errors", "wsgi_probe_sweep_success"} <= names
    assert families(text)["wsgi_probe_sweeps"].type == "counter"
    assert value(text, "wsgi_probe_sweeps_total") == 3
    assert value(text, "wsgi_probe_sweep_errors_total") == 1
    assert value(text, "wsgi_probe_sweep_success") == 1
    assert value(text, "wsgi_probe_problems") == 2
    assert value(text, "wsgi_probe_sweep_duration_seconds") == 0.75
    # its diagnosis included, as a URL's probe_duration_seconds includes it
    timed = generate_latest(SweepCollector(SweepSnapshot(
        SweepCounters(3, 1), REPORT, 1_700_000_000.0, diagnosis_s=0.25))).decode()
    assert value(timed, "wsgi_probe_sweep_duration_seconds") == 1.0
    assert value(text, "wsgi_probe_sweep_timestamp_seconds") == 1_700_000_000
    assert value(text, "wsgi_probe_findings", code="embedded_shared_process",
                 severity="warning") == 1

    assert samples(text, "wsgi_probe_url_ok") == [
        ({"url": "http://site-1.example.com/", "address": "", "expected": "project-1"}, 1.0),
        ({"url": "http://site-1.example.com/suburl/", "address": "", "expected": "project-2"}, 0.0),
        ({"url": "http://site-2.example.com/", "address": "", "expected": "project-2"}, 0.0),
        ({"url": "http://unknown.invalid/", "address": "", "expected": ""}, 1.0),
    ]
    # One verdict series per URL, the current one, with value 1.
    assert samples(text, "wsgi_probe_url_verdict") == [
        ({"url": "http://site-1.example.com/", "address": "", "expected": "project-1",
          "verdict": "ok", "cause": ""}, 1.0),
        ({"url": "http://site-1.example.com/suburl/", "address": "", "expected": "project-2",
          "verdict": "wrong_instance", "cause": "alias_order"}, 1.0),
        ({"url": "http://site-2.example.com/", "address": "", "expected": "project-2",
          "verdict": "unreachable", "cause": ""}, 1.0),
        ({"url": "http://unknown.invalid/", "address": "", "expected": "", "verdict": "ok",
          "cause": ""}, 1.0),
    ]
    assert value(text, "wsgi_probe_url_duration_seconds", url="http://unknown.invalid/") == 0.0125
    assert value(text, "wsgi_probe_instance_info", url="http://site-1.example.com/suburl/",
                 label="project-1", process_group="project-1",
                 application_group="site-1.example.com|",
                 settings_module="mysite.settings") == 1
    assert value(text, "wsgi_probe_instance_pid", url="http://site-1.example.com/suburl/") == 102
    assert value(text, "wsgi_probe_instance_start_time_seconds",
                 url="http://site-1.example.com/") == 1714557600
    assert "secret" not in text


@pytest.mark.parametrize(("started_at", "seconds"), [
    ("2024-05-01T10:00:00Z", 1714557600), ("2024-05-01T10:00:00+00:00", 1714557600),
    ("2024-05-01T12:00:00+02:00", 1714557600), ("2024-05-01T10:00:00", 1714557600),
    ("yesterday", None), (None, None)])
def test_start_time_from_started_at(started_at: str | None, seconds: float | None) -> None:
    observed = {**endpoint("project-1"), "started_at": started_at}
    report = Report((result("http://site-1.example.com/", "project-1", observed=observed),))
    text = generate_latest(SweepCollector(SweepSnapshot(SweepCounters(1, 0), report))).decode()
    found = [v for _, v in samples(text, "wsgi_probe_instance_start_time_seconds")]
    assert found == ([] if seconds is None else [seconds])


def test_urls_the_sweep_had_no_time_to_send_are_counted_not_rowed() -> None:
    report = Report(REPORT.targets[:1], unprobed=4)
    text = generate_latest(SweepCollector(SweepSnapshot(SweepCounters(1, 1), report,
                                                        complete=False))).decode()
    assert value(text, "wsgi_probe_urls_unprobed") == 4
    assert len(samples(text, "wsgi_probe_url_ok")) == 1
    assert value(text, "wsgi_probe_sweep_success") == 0


def test_bounded_labels_pid_and_start_time_are_values() -> None:
    text = generate_latest(SweepCollector(SweepSnapshot(SweepCounters(1, 0), REPORT))).decode()
    allowed = {"url", "address", "expected", "verdict", "cause", "label", "process_group",
               "application_group", "settings_module", "code", "severity"}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            assert set(sample.labels) <= allowed, sample
            assert "pid" not in sample.labels and "started_at" not in sample.labels
    # Instances without an endpoint answer have no instance series at all.
    assert [s for s, _ in samples(text, "wsgi_probe_instance_pid")] == [
        {"url": "http://site-1.example.com/", "address": ""},
        {"url": "http://site-1.example.com/suburl/", "address": ""}]


def test_without_a_finished_sweep_only_exporter_metrics() -> None:
    text = generate_latest(SweepCollector(SweepSnapshot(SweepCounters(2, 2), None))).decode()
    assert set(families(text)) == {"wsgi_probe_sweeps", "wsgi_probe_sweep_errors",
                                   "wsgi_probe_sweep_success"}
    assert value(text, "wsgi_probe_sweep_success") == 0


# -- serving the application -------------------------------------------------------------


class SlowSweep:
    """A fake run_sweep: counts calls, optionally sleeps or fails."""

    def __init__(self, delay: float = 0.0, report: Report = REPORT,
                 error: Exception | None = None) -> None:
        self.delay = delay
        self.report = report
        self.error = error
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.released = threading.Event()
        """Set by the fixture's teardown: a sweep still sleeping ends now."""

    def __call__(self, manifest: Manifest, *, targets: Sequence[Target] | None = None,
                 deadline: float | None = None, transport: Transport | None = None,
                 token: str | None = None, config: ConfigJoin | None = None,
                 skip_bad_deploy_times: bool = False) -> Report:
        with self._lock:
            self.calls.append({"targets": targets, "deadline": deadline,
                               "transport": transport, "token": token, "config": config})
        self.released.wait(self.delay)
        if self.error:
            raise self.error
        if targets is not None:
            return Report(tuple(result(t.url, t.expected, Verdict.UNREACHABLE) for t in targets))
        return self.report


class Served:
    def __init__(self, app: ExporterApp) -> None:
        self.app = app
        self.server = exporter.make_server("127.0.0.1", 0, app)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={
            "poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, timeout: float = 30, **kwargs: Any) -> requests.Response:
        return requests.get(self.url(path), timeout=timeout, **kwargs)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


ServeFactory = Callable[..., tuple[Served, SlowSweep]]


@pytest.fixture
def serve() -> Iterator[ServeFactory]:
    started: list[Served] = []
    sweeps: list[SlowSweep] = []

    def factory(sweep: SlowSweep | None = None, **options: Any) -> tuple[Served, SlowSweep]:
        sweep = sweep or SlowSweep()
        sweeps.append(sweep)
        app = exporter.build_app(parse(MANIFEST, "site.toml"), ExporterOptions(**options),
                                 version="9.9", token="s3cret", sweep=sweep)
        served = Served(app)
        started.append(served)
        return served, sweep

    yield factory
    for served in started:
        served.close()
    # A sweep a scrape stopped waiting for runs on in its thread and logs when it ends: ended
    # here, not during a later test (a CLI test read that log in its output).
    for sweep in sweeps:
        sweep.released.set()
    for thread in threading.enumerate():
        if thread.name == "sweep":
            thread.join(timeout=10)


def test_metrics_over_http(serve: ServeFactory) -> None:
    served, sweep = serve()
    response = served.get("/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "10"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert value(response.text, "wsgi_probe_url_ok", url="http://site-1.example.com/") == 1
    assert len(sweep.calls) == 1
    assert sweep.calls[0]["deadline"] == pytest.approx(9.5)  # header minus the 0.5 s offset


def test_every_sweep_is_diagnosed_with_the_configuration(tmp_path: Path) -> None:
    from probe.front_config import load_front

    conf = tmp_path / "httpd.conf"
    conf.write_text("<VirtualHost *:80>\n    ServerName site-1.example.com\n</VirtualHost>\n")
    join = load_front(str(conf), {})
    sweep = SlowSweep()
    # other.example is no address of the manifest's: /probe takes it with --probe-any-target
    served = Served(exporter.build_app(parse(MANIFEST, "site.toml"),
                                       ExporterOptions(any_target=True), config=join,
                                       sweep=sweep))
    try:
        assert served.get("/metrics").status_code == 200
        assert served.get("/probe", params={"target": "http://other.example/"}).status_code \
            == 200
    finally:
        served.close()
    assert [(call["targets"] is None, call["config"]) for call in sweep.calls] == [
        (True, join), (False, join)]


def test_openmetrics_when_asked(serve: ServeFactory) -> None:
    served, _ = serve()
    response = served.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert response.headers["Content-Type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")


def burst(served: Any, scrapes: int) -> list[requests.Response]:
    """``scrapes`` scrapes of /metrics released at the same moment."""
    barrier = threading.Barrier(scrapes)

    def scrape(_: int) -> requests.Response:
        barrier.wait()
        response: requests.Response = served.get("/metrics")
        return response

    with ThreadPoolExecutor(scrapes) as pool:
        return list(pool.map(scrape, range(scrapes)))


def test_fifty_concurrent_scrapes_share_a_couple_of_sweeps(serve: ServeFactory) -> None:
    served, sweep = serve(SlowSweep(delay=0.5))
    responses = burst(served, 50)
    assert all(r.status_code == 200 for r in responses)
    assert all(value(r.text, "wsgi_probe_sweep_success") == 1 for r in responses)
    assert len(sweep.calls) <= 2, len(sweep.calls)


def test_scrape_timeout_answers_promptly_and_counts_an_error(serve: ServeFactory) -> None:
    served, sweep = serve(SlowSweep(delay=5))
    # The client gives up at 3 s: an exporter that waited for the 5 s sweep fails here.
    response = served.get("/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "1"},
                          timeout=3)
    assert response.status_code == 200
    # Not waited for: the sweep had not finished when the scrape was answered.
    assert value(response.text, "wsgi_probe_sweep_success") == 0
    assert value(response.text, "wsgi_probe_sweep_errors_total") == 1
    assert value(response.text, "wsgi_probe_sweeps_total") == 1
    assert "wsgi_probe_url_ok" not in response.text  # no stale results presented as current
    assert sweep.calls[0]["deadline"] == pytest.approx(0.5)


def test_failing_sweep_counts_errors(serve: ServeFactory) -> None:
    served, _ = serve(SlowSweep(error=ProbeError("token file 'x' cannot be read")))
    response = served.get("/metrics")
    assert response.status_code == 200
    assert value(response.text, "wsgi_probe_sweep_errors_total") == 1
    assert value(response.text, "wsgi_probe_sweeps_total") == 1
    assert value(response.text, "wsgi_probe_sweep_success") == 0
    assert "wsgi_probe_url_ok" not in response.text


def test_crashing_sweep_does_not_kill_the_exporter(serve: ServeFactory) -> None:
    served, _ = serve(SlowSweep(error=RuntimeError("bug")))
    assert value(served.get("/metrics").text, "wsgi_probe_sweep_errors_total") == 1
    assert served.get("/").status_code == 200


def test_min_interval_serves_the_cached_sweep(serve: ServeFactory) -> None:
    served, sweep = serve(min_interval=60)
    first = served.get("/metrics")
    second = served.get("/metrics")
    assert len(sweep.calls) == 1
    assert value(second.text, "wsgi_probe_sweep_timestamp_seconds") == \
        value(first.text, "wsgi_probe_sweep_timestamp_seconds")


class Clock:
    """A monotonic clock the test moves; a sweep may move it to take time."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_without_min_interval_every_scrape_after_the_burst_window_sweeps() -> None:
    clock = Clock()
    runs: list[float] = []

    def run(budget: float) -> Report:
        runs.append(budget)
        return REPORT

    coordinator = SweepCoordinator(run, clock=clock)
    coordinator.snapshot(5)
    clock.now += exporter.BURST_WINDOW * 0.9  # a scrape of the same burst
    coordinator.snapshot(5)
    assert len(runs) == 1
    clock.now += exporter.BURST_WINDOW * 0.2
    coordinator.snapshot(5)
    clock.now += exporter.BURST_WINDOW + 0.1
    coordinator.snapshot(5)
    assert len(runs) == 3
    assert coordinator.counters() == SweepCounters(3, 0)


def test_failures_are_shared_within_the_burst_window_then_retried() -> None:
    clock = Clock()
    runs: list[float] = []

    def run(budget: float) -> Report:
        runs.append(budget)
        raise ProbeError("token file 'x' cannot be read")

    coordinator = SweepCoordinator(run, clock=clock)
    assert coordinator.snapshot(5).report is None
    assert coordinator.snapshot(5).report is None
    assert coordinator.counters() == SweepCounters(1, 1)
    clock.now += exporter.BURST_WINDOW
    assert coordinator.snapshot(5).report is None
    assert coordinator.counters() == SweepCounters(2, 2)
    assert coordinator.last is None  # the page keeps showing the last sweep with results


def test_fifty_concurrent_scrapes_of_a_fast_sweep_make_one_sweep(serve: ServeFactory) -> None:
    """The handlers of a burst start over ~0.1 s; a 10 ms sweep must not run once per slice."""
    served, sweep = serve(SlowSweep(delay=0.01))
    responses = burst(served, 50)
    assert all(value(r.text, "wsgi_probe_sweep_success") == 1 for r in responses)
    assert len(sweep.calls) <= 2, len(sweep.calls)


def test_sweep_that_uses_up_its_deadline_is_exported_as_incomplete() -> None:
    clock = Clock()

    def run(budget: float) -> Report:
        clock.now += budget  # the sweep's own deadline cut it (URLs not sent: no rows)
        return REPORT

    coordinator = SweepCoordinator(run, clock=clock)
    with structlog.testing.capture_logs() as logs:
        snapshot = coordinator.snapshot(2)
    assert snapshot.report is REPORT and not snapshot.complete
    assert coordinator.counters() == SweepCounters(1, 1)
    text = generate_latest(SweepCollector(snapshot)).decode()
    assert value(text, "wsgi_probe_sweep_success") == 0
    assert value(text, "wsgi_probe_sweep_errors_total") == 1
    assert value(text, "wsgi_probe_url_ok", url="http://site-1.example.com/") == 1
    assert next(e["event"] for e in logs if e["log_level"] == "warning") == \
        "exporter_sweep_incomplete"
    # A sweep that ends in time is complete.
    clock.now += exporter.BURST_WINDOW
    assert SweepCoordinator(lambda budget: REPORT, clock=clock).snapshot(2).complete


def test_stopping_abandons_the_sweep_in_flight() -> None:
    """SIGTERM cuts the requests in flight: that sweep is no result and logs no problems."""
    started, release = threading.Event(), threading.Event()
    runs: list[float] = []

    def run(budget: float) -> Report:
        runs.append(budget)
        started.set()
        release.wait(10)
        return REPORT  # every URL "unreachable", as after abort_in_flight()

    coordinator = SweepCoordinator(run)
    answers: list[SweepSnapshot] = []
    with structlog.testing.capture_logs() as logs:
        scrape = threading.Thread(target=lambda: answers.append(coordinator.snapshot(10)))
        scrape.start()
        assert started.wait(10)
        coordinator.stop()
        release.set()
        scrape.join(10)
        after = coordinator.snapshot(10)
    [answer] = answers
    assert answer.report is None and after.report is None
    assert len(runs) == 1  # nothing starts once stopping
    assert coordinator.last is None
    events = [e["event"] for e in logs]
    assert "exporter_sweep_abandoned" in events
    assert "exporter_sweep" not in events and "exporter_problem" not in events


def test_a_sweep_that_cannot_start_does_not_block_later_scrapes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    coordinator = SweepCoordinator(lambda budget: REPORT)

    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    with monkeypatch.context() as patched:
        patched.setattr(threading.Thread, "start", refuse)
        with pytest.raises(RuntimeError):
            coordinator.snapshot(5)
    assert coordinator.counters() == SweepCounters(0, 0)
    assert coordinator.snapshot(5).report is REPORT


class Escape(BaseException):
    """Not an Exception: what a bare ``except Exception`` lets through."""


def test_a_base_exception_in_the_sweep_still_answers_the_scrapes() -> None:
    calls: list[float] = []

    def run(budget: float) -> Report:
        calls.append(budget)
        if len(calls) == 1:
            raise Escape
        return REPORT

    clock = Clock()
    coordinator = SweepCoordinator(run, clock=clock)
    hook = threading.excepthook
    threading.excepthook = lambda args: None  # the sweep thread's Escape is expected
    try:
        started = time.monotonic()
        assert coordinator.snapshot(5).report is None
        assert time.monotonic() - started < 2  # answered at once, not after the budget
    finally:
        threading.excepthook = hook
    assert coordinator.counters() == SweepCounters(1, 1)
    clock.now += exporter.BURST_WINDOW
    assert coordinator.snapshot(5).report is REPORT


@pytest.mark.parametrize("header", ["soon", "-1", "0", "nan", "inf", "-inf", "1e400"])
def test_bad_timeout_header_is_400(serve: ServeFactory, header: str) -> None:
    served, sweep = serve()
    response = served.get("/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": header})
    assert response.status_code == 400
    assert sweep.calls == []


@pytest.mark.parametrize(("header", "offset", "budget"), [
    (None, 0.5, 9.5), ("10", 0.5, 9.5), ("2.5", 1.0, 1.5), ("0.4", 0.5, 0.2), ("0.1", 0.5, 0.1),
    ("1e308", 0.5, 3599.5), ("86400", 0.5, 3599.5),
])
def test_scrape_budget(header: str | None, offset: float, budget: float) -> None:
    environ = {} if header is None else {"HTTP_X_PROMETHEUS_SCRAPE_TIMEOUT_SECONDS": header}
    assert exporter.scrape_budget(environ, offset) == pytest.approx(budget)


def test_huge_timeout_header_is_served(serve: ServeFactory) -> None:
    served, sweep = serve()
    headers = {"X-Prometheus-Scrape-Timeout-Seconds": "1e308"}
    assert served.get("/metrics", headers=headers).status_code == 200
    assert sweep.calls[0]["deadline"] == pytest.approx(exporter.MAX_SCRAPE_TIMEOUT - 0.5)
    response = served.get("/probe", params={"target": "http://site-1.example.com/"},
                          headers=headers)
    assert response.status_code == 200


# -- /probe --------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    "", "?target=", "?target=site-1.example.com", "?target=ftp://x/", "?target=http:///path",
    "?target=http://a.example/?q=1", "?target=http://a.example:99999/",
    "?target=http://a.example/&target=http://b.example/",
    "?target=http://a.example/&expected=nobody",
    "?target=http://a.example/&expected=project-1&expected=project-2",
])
def test_probe_bad_target_is_400(serve: ServeFactory, query: str) -> None:
    served, sweep = serve()
    response = served.get("/probe" + query)
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    assert sweep.calls == []


def test_probe_failed_target_is_200_with_probe_success_0(serve: ServeFactory) -> None:
    served, sweep = serve(any_target=True)  # other.example: no address of the manifest's
    response = served.get("/probe", params={"target": "http://other.example/"})
    assert response.status_code == 200
    assert value(response.text, "probe_success") == 0
    assert value(response.text, "probe_duration_seconds") >= 0
    assert value(response.text, "wsgi_probe_url_verdict", verdict="unreachable",
                 expected="*") == 1
    # A URL the manifest does not list is probed alone.
    [call] = sweep.calls
    assert call["targets"] == [Target("http://other.example/", "*")]
    assert "wsgi_probe_sweeps_total" not in response.text


def test_probe_manifest_url_agrees_with_metrics(serve: ServeFactory) -> None:
    """A manifest URL is diagnosed in the manifest's sweep: same verdict and cause as /metrics
    (alone, a URL cannot tell a ServerAlias from a fallback), and scrapes share the sweep."""
    served, sweep = serve()
    response = served.get("/probe", params={"target": "http://site-1.example.com/suburl/"})
    assert response.status_code == 200
    assert value(response.text, "probe_success") == 0
    assert value(response.text, "wsgi_probe_url_verdict", verdict="wrong_instance",
                 cause="alias_order", expected="project-2") == 1
    assert len(samples(response.text, "wsgi_probe_url_ok")) == 1  # only the URL asked for
    other = served.get("/probe", params={"target": "http://SITE-1.example.com:80/"})
    assert value(other.text, "probe_success") == 1
    metrics = served.get("/metrics")
    assert value(metrics.text, "wsgi_probe_url_verdict", verdict="wrong_instance",
                 cause="alias_order", expected="project-2") == 1
    # One sweep of the whole manifest served all three (within the burst window).
    assert [call["targets"] for call in sweep.calls] == [None]


@pytest.mark.parametrize(("params", "expected", "listed"), [
    ({"target": "http://other.example/"}, "*", False),
    ({"target": "http://other.example/", "expected": "project-1"}, "project-1", False),
    ({"target": "http://site-1.example.com/", "expected": "project-2"}, "project-2", True),
])
def test_probe_expected_instance(serve: ServeFactory, params: dict[str, str],
                                 expected: str | None, listed: bool) -> None:
    served, sweep = serve(any_target=True)  # other.example: no address of the manifest's
    assert served.get("/probe", params=params).status_code == 200
    [call] = sweep.calls
    assert call["targets"][0].expected == expected
    # A manifest URL is swept with the token; any other URL without it.
    assert call["token"] == ("s3cret" if listed else None)


@pytest.mark.parametrize("target", [
    "http://www.site-2.example.com",  # a [refuse] URL, path "" == "/"
    "http://SITE-1.example.com:80/",
])
def test_probe_manifest_url_uses_the_manifest_sweep(serve: ServeFactory, target: str) -> None:
    served, sweep = serve()
    assert served.get("/probe", params={"target": target}).status_code == 200
    [call] = sweep.calls
    assert call["targets"] is None and call["transport"] is None


def test_probe_success_1_when_ok(serve: ServeFactory) -> None:
    class OkSweep(SlowSweep):
        def __call__(self, manifest: Manifest, *, targets: Sequence[Target] | None = None,
                     deadline: float | None = None, transport: Transport | None = None,
                     token: str | None = None, config: ConfigJoin | None = None,
                     skip_bad_deploy_times: bool = False) -> Report:
            assert targets is not None
            return Report((result(targets[0].url, targets[0].expected,
                                  observed=endpoint("project-1")),))

    served, _ = serve(OkSweep(), any_target=True)
    response = served.get("/probe", params={"target": "http://other.example/"})
    assert value(response.text, "probe_success") == 1
    assert value(response.text, "wsgi_probe_url_ok", url="http://other.example/") == 1


class Spy:
    """A loopback HTTP server that records the path and X-Probe-Token of every request."""

    def __init__(self) -> None:
        seen: list[tuple[str, str | None]] = []
        self.seen = seen

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append((self.path, self.headers.get("X-Probe-Token")))
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def spy() -> Iterator[Spy]:
    server = Spy()
    yield server
    server.close()


def test_probe_sends_the_token_only_to_manifest_urls(tmp_path: Path, spy: Spy) -> None:
    """/probe?target= is chosen by whoever reaches the exporter: the token stays home."""
    token = tmp_path / "token"
    token.write_text("s3cret\n")
    manifest = parse(f'[probe]\ntoken_file = "{token}"\nsamples = 1\n'
                     f'[instances.a]\nlabel = "a"\nurls = ["http://127.0.0.1:{spy.port}/listed/"]\n')
    served = Served(exporter.build_app(manifest, ExporterOptions(),
                                       token=read_token(manifest.probe, {})))
    try:
        # The manifest's URL, written differently: still the manifest's (token sent).
        served.get("/probe", params={"target": f"http://127.0.0.1:{spy.port}/listed"})
        # Any other URL, even with a manifest instance expected: no token.
        served.get("/probe", params={"target": f"http://127.0.0.1:{spy.port}/elsewhere/"})
        served.get("/probe", params={"target": f"http://127.0.0.1:{spy.port}/other/",
                                     "expected": "a"})
    finally:
        served.close()
    assert spy.seen == [("/listed/__probe__", "s3cret"), ("/elsewhere/__probe__", None),
                        ("/other/__probe__", None)]


def test_probe_sends_the_token_with_connect(tmp_path: Path, spy: Spy) -> None:
    """With connect every request goes to the configured server, whatever the target."""
    token = tmp_path / "token"
    token.write_text("s3cret\n")
    manifest = parse(f'[probe]\ntoken_file = "{token}"\nsamples = 1\n'
                     f'connect = "127.0.0.1:{spy.port}"\n'
                     '[instances.a]\nlabel = "a"\nurls = ["http://site-1.example.com/"]\n')
    served = Served(exporter.build_app(manifest, ExporterOptions(),
                                       token=read_token(manifest.probe, {})))
    try:
        served.get("/probe", params={"target": "http://elsewhere.example/x/"})
    finally:
        served.close()
    assert spy.seen == [("/x/__probe__", "s3cret")]


def test_probe_timeout_answers_promptly(serve: ServeFactory) -> None:
    served, _ = serve(SlowSweep(delay=5))
    # The client gives up at 3 s: an exporter that waited for the 5 s sweep fails here.
    response = served.get("/probe", params={"target": "http://site-1.example.com/"},
                          headers={"X-Prometheus-Scrape-Timeout-Seconds": "1"}, timeout=3)
    assert response.status_code == 200
    assert value(response.text, "probe_success") == 0


# -- the page and the rest of HTTP ----------------------------------------------------------


HOSTILE = "<script>alert('x')</script>"


def test_page_escapes_everything(serve: ServeFactory) -> None:
    report = Report((
        result("http://site-1.example.com/%3Cscript%3E/", "project-1", Verdict.WRONG_INSTANCE,
               observed={"label": HOSTILE}, answered_by=HOSTILE, explanation=HOSTILE + '"&'),
    ), (Finding(HOSTILE, Status.WARNING, (HOSTILE,), HOSTILE),))
    served, _ = serve(SlowSweep(report=report))
    assert "No sweep has finished yet" in served.get("/").text
    served.get("/metrics")
    page = served.get("/")
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "<script" not in page.text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page.text
    assert "&quot;&amp;" in page.text
    assert "wrong_instance" in page.text


def test_page_puts_problems_first_and_colours_the_status() -> None:
    from probe.exporter.page import render_page

    page = render_page(REPORT, 1_700_000_000.0, manifest="m.toml", version="1")
    # The two problems as blocks in manifest order, then the rest as a list in manifest order.
    blocks = re.findall(r'<article class="problem"><h3><span class="url">([^<]*)</span>', page)
    assert blocks == ["http://site-1.example.com/suburl/", "http://site-2.example.com/"]
    healthy = re.findall(r'<li><span class="url">([^<]*)</span>', page)
    assert healthy == ["http://site-1.example.com/", "http://unknown.invalid/"]
    assert page.index("<h2>Problems (2)</h2>") < page.index("<h2>OK (2)</h2>")
    assert '<span class="status status-critical">CRITICAL</span>' in page
    assert ".url { white-space: nowrap;" in page
    assert "4 URLs, 2 problems" in page
    # each block: verdict and cause, who answered, the explanation and the fix
    first = page[page.index('<article class="problem">'):page.index("</article>")]
    problem = REPORT.problems[0]
    assert f'<span class="verdict">{problem.verdict.value}' in first
    assert f'<dd class="fact-answered-by">{problem.answered_by}</dd>' in first
    assert '<p class="explanation">swallowed</p>' in first
    assert '<p class="fix">' not in first  # this result has no fix: no empty "Fix:"


def test_page_links_to_no_other_host(serve: ServeFactory) -> None:
    served, _ = serve()
    page = served.get("/").text
    assert "href=\"probe" not in page and "example.com" not in page
    assert "<code>/probe?target=URL</code>" in page


def test_page_marks_an_incomplete_sweep(serve: ServeFactory) -> None:
    served, _ = serve(SlowSweep(delay=0.6))
    served.get("/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "1"})  # budget 0.5
    time.sleep(0.3)  # the sweep ends after the scrape gave up
    assert "Incomplete:" in served.get("/").text


def test_closing_the_server_does_not_wait_for_a_stuck_scrape(serve: ServeFactory) -> None:
    served, _ = serve(SlowSweep(delay=30))

    def scrape() -> None:
        with contextlib.suppress(requests.RequestException):
            served.get("/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "60"})

    threading.Thread(target=scrape, daemon=True).start()
    time.sleep(0.3)
    started = time.monotonic()
    served.close()
    assert time.monotonic() - started < exporter.SHUTDOWN_GRACE + 2


def test_unknown_path_404_and_methods(serve: ServeFactory) -> None:
    served, sweep = serve()
    assert served.get("/nope").status_code == 404
    post = requests.post(served.url("/metrics"), timeout=10)
    assert post.status_code == 405 and post.headers["Allow"] == "GET, HEAD"
    head = requests.head(served.url("/"), timeout=10)
    assert head.status_code == 200 and head.content == b""
    assert sweep.calls == []


# -- logging ----------------------------------------------------------------------------------


def test_one_log_event_per_sweep_and_per_problem() -> None:
    coordinator = SweepCoordinator(lambda deadline: REPORT)
    with structlog.testing.capture_logs() as logs:
        snapshot = coordinator.snapshot(5)
    assert snapshot.report is REPORT
    sweeps = [e for e in logs if e["event"] == "exporter_sweep"]
    problems = [e for e in logs if e["event"] == "exporter_problem"]
    assert len(sweeps) == 1 and sweeps[0]["problems"] == 2 and sweeps[0]["urls"] == 4
    assert [p["url"] for p in problems] == ["http://site-1.example.com/suburl/",
                                           "http://site-2.example.com/"]
    assert problems[0]["cause"] == "alias_order" and problems[0]["log_level"] == "warning"


# -- options ----------------------------------------------------------------------------------


def test_default_listen_is_loopback_outside_the_exporter_range() -> None:
    host, port = parse_connect(exporter.DEFAULT_LISTEN, "--listen", allow_zero=True)
    assert host == "127.0.0.1"
    assert not 9100 <= port <= 9999 and not 9090 <= port <= 9099
    assert ExporterOptions().listen == exporter.DEFAULT_LISTEN
    done = subprocess.run([*PROBE, "exporter", "--help"], capture_output=True, text=True,
                          check=True)
    assert exporter.DEFAULT_LISTEN in done.stdout


@pytest.mark.parametrize(("text", "parsed"), [
    ("127.0.0.1:8397", ("127.0.0.1", 8397)), ("[::1]:0", ("::1", 0)),
    ("localhost:80", ("localhost", 80))])
def test_listen_address(text: str, parsed: tuple[str, int]) -> None:
    assert parse_connect(text, "--listen", allow_zero=True) == parsed


def test_port_zero_only_for_listening() -> None:
    with pytest.raises(ProbeError, match="--connect"):
        parse_connect("127.0.0.1:0", "--connect")


@pytest.mark.parametrize("text", ["8397", ":8397", "host:", "host:99999", "host:x"])
def test_listen_address_refused(text: str) -> None:
    with pytest.raises(ProbeError, match="--listen"):
        parse_connect(text, "--listen", allow_zero=True)


# -- the real process ---------------------------------------------------------------------------


def test_sigterm_stops_the_exporter_cleanly(tmp_path: Path) -> None:
    manifest = tmp_path / "site.toml"
    manifest.write_text(f'[probe]\nconnect = "127.0.0.1:{closed_port()}"\nsamples = 1\n'
                        + MANIFEST)
    running = start_exporter(["-m", str(manifest)], env={"WSGI_PROBE_TOKEN": ""})
    try:
        response = running.get("/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "10"})
        # Every target is down, and that is still a successful scrape.
        assert response.status_code == 200
        assert value(response.text, "wsgi_probe_problems") == 6
        assert value(response.text, "wsgi_probe_sweep_success") == 1
        assert {v for _, v in samples(response.text, "wsgi_probe_url_ok")} == {0.0}
    finally:
        stdout, stderr = running.stop(timeout=10)
    assert running.process.returncode == 0, stderr
    events = [e["event"] for e in log_events(stderr)]
    assert "exporter_sweep" in events
    assert events[-2:] == ["exporter_stopping", "exporter_stopped"]
    assert "Traceback" not in stderr and stdout == ""


def test_sigterm_during_a_sweep_abandons_it(tmp_path: Path) -> None:
    """The cut requests must not become a sweep of unreachable URLs, logged as problems."""
    with silent_server() as port:
        manifest = tmp_path / "site.toml"
        manifest.write_text(f'[probe]\nconnect = "127.0.0.1:{port}"\nsamples = 1\n'
                            'timeout = 60.0\n' + MANIFEST)
        running = start_exporter(["-m", str(manifest)], env={"WSGI_PROBE_TOKEN": ""})
        answers: list[requests.Response] = []
        scrape = threading.Thread(target=lambda: answers.append(running.get(
            "/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "30"})))
        try:
            scrape.start()
            time.sleep(1)  # the sweep is waiting for the silent server
            started = time.monotonic()
            _stdout, stderr = running.stop(timeout=10)
            stopped_in = time.monotonic() - started
        finally:
            running.stop()
            scrape.join(30)
    assert running.process.returncode == 0, stderr
    assert stopped_in < 5, stopped_in
    events = log_events(stderr)
    names = [e["event"] for e in events]
    assert "exporter_sweep_abandoned" in names, names
    assert "exporter_sweep" not in names and "exporter_problem" not in names, names
    assert names[-1] == "exporter_stopped"
    # The scrape waiting for that sweep is answered before the exit, without results.
    [answer] = answers
    assert value(answer.text, "wsgi_probe_sweep_success") == 0
    assert "wsgi_probe_url_ok" not in answer.text


def test_exporter_bad_manifest_exits_2(tmp_path: Path) -> None:
    done = subprocess.run([*PROBE, "exporter", "-m", str(tmp_path / "none.toml")],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 2
    assert "cannot read manifest" in done.stderr and "Traceback" not in done.stderr


def test_exporter_unreadable_token_file_fails_at_start(tmp_path: Path) -> None:
    manifest = tmp_path / "site.toml"
    manifest.write_text(MANIFEST)
    done = subprocess.run([*PROBE, "exporter", "-m", str(manifest), "--listen", "127.0.0.1:0",
                           "--token-file", str(tmp_path / "token")],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 2
    assert "token file" in done.stderr


def test_probe_duration_of_a_shared_sweep_is_the_urls_requests_and_the_diagnosis(
        serve: ServeFactory) -> None:
    """A tester's (T14): /probe served from a sweep another scrape made said 1.5e-05 s, the
    time to read it. blackbox_exporter's probe_duration_seconds is the probe's own time: here
    the URL's slowest request (12.5 ms) plus the sweep's diagnosis (its time after the
    requests, 0.05 s in the report: about 0.3 s of 0.35 s)."""
    served, _ = serve(SlowSweep(delay=0.35, report=dataclasses.replace(REPORT, duration_s=0.05)))
    served.get("/metrics")  # the sweep, made by another scrape
    response = served.get("/probe", params={"target": "http://site-1.example.com/"})
    took = value(response.text, "probe_duration_seconds")
    assert 0.0125 + 0.25 <= took < 0.0125 + 0.35 + 0.5, took
