"""probe check and probe exporter against real Apache/mod_wsgi (scenarios healthy, ordering).

Both run as subprocesses, as Nagios/Icinga and a service manager would run them: the plugin's
exit status and perfdata are parsed from its stdout; the exporter is scraped with requests
and its exposition parsed with prometheus_client's parser.
"""

from __future__ import annotations

import platform
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.monitoring_helpers import ExporterProcess, parse_output, start_exporter
from tests.test_contrib_prometheus import promtool

from .apache import ApacheServer, scenario_manifest, scenario_template
from .conftest import ApacheFactory
from .daemons import warm
from .test_scenarios import probe_command

pytestmark = pytest.mark.apache

S1 = "http://site-1.example.com/"
SUB = "http://site-1.example.com/suburl/"
URLS = [S1, "http://www.site-1.example.com/", SUB, "http://site-2.example.com/",
        "http://www.site-2.example.com/", "http://unknown.invalid/"]


@dataclass(frozen=True)
class Scenario:
    name: str
    server: ApacheServer


@pytest.fixture(scope="module", params=["healthy", "ordering"])
def scenario(request: pytest.FixtureRequest, apache_module: ApacheFactory) -> Scenario:
    name: str = request.param
    server = apache_module(scenario_template(name))
    warm(server)
    return Scenario(name, server)


def plugin(scenario: Scenario, *args: str) -> tuple[int, str, dict[str, dict[str, str]],
                                                    list[str], str]:
    """Run ``probe check``: (exit status, status text, perfdata, long output, context)."""
    done = subprocess.run(
        [*probe_command(), "check", "-m", str(scenario_manifest(scenario.name)),
         "--connect", scenario.server.connect, "-t", "60", *args],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    context = (f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}\n"
               f"apache error log:\n{scenario.server.error_log()[-3000:]}")
    assert done.stderr == "", context
    status, items, rest = parse_output(done.stdout)
    return done.returncode, status, items, rest, context


def test_check(scenario: Scenario) -> None:
    code, status, perf, lines, context = plugin(scenario, "--perfdata-urls")
    assert perf["urls"]["value"] == "6", context
    assert len(perf) == 4 + len(URLS), context
    assert len({label[:19] for label in perf}) == len(perf), context
    url_times = {label: p for label, p in perf.items()
                 if label not in ("urls", "ok", "problems", "time")}
    assert all(p["uom"] == "s" and p["value"] != "U" and p["min"] == "0"
               for p in url_times.values()), context
    if scenario.name == "healthy":
        assert code == 0, context
        assert status == ("WSGI-PROBE OK - 4 URLs answered by the expected instance, "
                          "2 URLs refused as required"), context
        assert perf["ok"]["value"] == "6" and perf["problems"]["value"] == "0", context
        assert lines == [], context
    else:
        assert code == 2, context
        assert status == ("WSGI-PROBE CRITICAL - 1 of 6 URLs misrouted: "
                          "site-1.example.com/suburl/ answered by project-1 (cause "
                          "undetermined: alias_order or url_mapping)"), context
        assert perf["problems"]["value"] == "1" and perf["problems"]["crit"] == "0", context
        assert len(lines) == 1, context
        assert lines[0].startswith(f"CRITICAL: {SUB} wrong_instance (expected project-2, "
                                   "answered by project-1"), context


def test_check_thresholds(scenario: Scenario) -> None:
    code, status, perf, _lines, context = plugin(scenario, "-w", "0", "-c", "3")
    assert perf["problems"]["warn"] == "0" and perf["problems"]["crit"] == "3", context
    if scenario.name == "healthy":
        assert (code, status.split(" - ")[0]) == (0, "WSGI-PROBE OK"), context
    else:
        assert (code, status.split(" - ")[0]) == (1, "WSGI-PROBE WARNING"), context


# -- the exporter ------------------------------------------------------------------------


def exporter_args(scenario: Scenario, connect: str) -> list[str]:
    return ["-m", str(scenario_manifest(scenario.name)), "--connect", connect]


@pytest.fixture(scope="module")
def exporter(scenario: Scenario) -> Iterator[ExporterProcess]:
    running = start_exporter(exporter_args(scenario, scenario.server.connect))
    try:
        yield running
    finally:
        running.stop()
        assert running.process.returncode == 0


def metrics(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return found


def test_exporter_metrics(scenario: Scenario, exporter: ExporterProcess) -> None:
    response = exporter.get("/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "30"})
    assert response.status_code == 200
    got = metrics(response.text)
    context = f"{response.text}\napache error log:\n{scenario.server.error_log()[-3000:]}"
    assert got["wsgi_probe_sweep_success"] == [({}, 1.0)], context
    ok = {labels["url"]: value for labels, value in got["wsgi_probe_url_ok"]}
    assert set(ok) == set(URLS), context
    verdicts = {labels["url"]: (labels["verdict"], labels["cause"])
                for labels, _ in got["wsgi_probe_url_verdict"]}
    info = {labels["url"]: labels for labels, _ in got["wsgi_probe_instance_info"]}
    pids = {labels["url"]: value for labels, value in got["wsgi_probe_instance_pid"]}
    assert all(pid > 1 for pid in pids.values()) and S1 in pids, context
    assert {labels["url"] for labels, _ in got["wsgi_probe_instance_start_time_seconds"]} \
        == set(pids), context
    if scenario.name == "healthy":
        assert got["wsgi_probe_problems"] == [({}, 0.0)], context
        assert set(ok.values()) == {1.0}, context
        assert info[SUB]["label"] == "project-2", context
        assert info[SUB]["settings_module"] == "mysite.settings_two", context
    else:
        assert got["wsgi_probe_problems"] == [({}, 1.0)], context
        assert ok[SUB] == 0.0 and ok[S1] == 1.0, context
        assert verdicts[SUB] == ("wrong_instance", ""), context  # undetermined: no label
        assert info[SUB]["label"] == "project-1", context
        # The same process answers / and /suburl/: one pid, two URLs.
        assert pids[SUB] == pids[S1], context


def test_exporter_metrics_carry_its_own_process(exporter: ExporterProcess) -> None:
    """process_* and python_info are the exporter's own, read from the real /proc: an operator
    sees how near one core its sweeps are (docs/monitoring.md); promtool accepts the page."""
    response = exporter.get("/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "30"})
    got = metrics(response.text)
    me = psutil.Process(exporter.process.pid)
    [(_, started)] = got["process_start_time_seconds"]
    assert started == pytest.approx(me.create_time(), abs=1.0)
    [(_, rss)] = got["process_resident_memory_bytes"]
    assert 10 * 2**20 < rss < 2 * me.memory_info().rss
    [(_, cpu)] = got["process_cpu_seconds_total"]
    times = me.cpu_times()
    assert 0 < cpu <= times.user + times.system + 0.01
    [(info, _)] = got["python_info"]
    assert info["version"] == platform.python_version()  # the venv's Python runs both
    checked = subprocess.run([promtool(), "check", "metrics"], input=response.text,
                             capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # The same process on the sweep-free page, without a URL's series.
    own = metrics(exporter.get("/exporter/metrics").text)
    assert own["process_start_time_seconds"] == [({}, started)]
    assert "wsgi_probe_url_ok" not in own and own["wsgi_probe_sweeps_total"][0][1] >= 1


def test_exporter_probe(scenario: Scenario, exporter: ExporterProcess) -> None:
    good = metrics(exporter.get("/probe", params={"target": S1}).text)
    assert good["probe_success"] == [({}, 1.0)]
    sub = metrics(exporter.get("/probe", params={"target": SUB}).text)
    expected = 1.0 if scenario.name == "healthy" else 0.0
    assert sub["probe_success"] == [({}, expected)]
    [(labels, _)] = sub["wsgi_probe_url_verdict"]
    assert labels["expected"] == "project-2"
    assert labels["verdict"] == ("ok" if scenario.name == "healthy" else "wrong_instance")
    assert exporter.get("/probe", params={"target": "not a url"}).status_code == 400


def test_exporter_page(scenario: Scenario, exporter: ExporterProcess) -> None:
    exporter.get("/metrics")
    page = exporter.get("/")
    assert page.status_code == 200
    assert SUB in page.text
    assert ("wrong_instance" in page.text) == (scenario.name == "ordering")


WWW_SUB = "http://www.site-1.example.com/suburl/"


def test_probe_agrees_with_metrics_for_an_alias(scenario: Scenario, tmp_path: Path) -> None:
    """www.site-1 is a ServerAlias of site-1's vhost: in the alias-order misroute its /suburl/
    is swallowed by the root application for the alias order, not by a vhost fallback. Only
    the manifest's other URLs show that (www.site-1/ is answered right by site-1's vhost), so
    /probe must diagnose a manifest URL with them, and name the cause /metrics names."""
    sub = '"http://site-1.example.com/suburl/",'
    text = scenario_manifest(scenario.name).read_text().replace(sub, f'{sub} "{WWW_SUB}",')
    assert WWW_SUB in text
    site = tmp_path / "alias.toml"
    site.write_text(text)
    running = start_exporter(["-m", str(site), "--connect", scenario.server.connect])
    try:
        probed = metrics(running.get("/probe", params={"target": WWW_SUB}).text)
        swept = metrics(running.get("/metrics").text)
    finally:
        running.stop()
    # The same URL where the manifest does not list it: alone, it cannot tell the causes
    # apart (the extra request shows that site claims the name, not whether it should), so
    # it names none.
    alone_exporter = start_exporter(exporter_args(scenario, scenario.server.connect))
    try:
        alone = metrics(alone_exporter.get("/probe", params={
            "target": WWW_SUB, "expected": "project-2"}).text)
    finally:
        alone_exporter.stop()
    [(alone_labels, _)] = alone["wsgi_probe_url_verdict"]
    [(labels, _)] = probed["wsgi_probe_url_verdict"]
    [(swept_labels, _)] = [(lb, v) for lb, v in swept["wsgi_probe_url_verdict"]
                           if lb["url"] == WWW_SUB]
    assert labels == swept_labels
    if scenario.name == "healthy":
        assert labels["verdict"] == "ok"
        assert alone_labels["verdict"] == "ok"
    else:
        assert (labels["verdict"], labels["cause"]) == ("wrong_instance", "")
        assert (alone_labels["verdict"], alone_labels["cause"]) == ("wrong_instance", "")


# -- many scrapes, short scrape timeouts --------------------------------------------------


class SlowForwarder:
    """A loopback TCP forwarder to Apache that holds every new connection ``delay`` seconds
    before connecting it through: a slow network or an overloaded server. Every probe
    request opens a connection, so a sweep through it takes at least ``delay``."""

    def __init__(self, port: int, delay: float) -> None:
        self.target = ("127.0.0.1", port)
        self.delay = delay
        self.stopping = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.listener.settimeout(0.2)
        self.connect = f"127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                continue
            threading.Thread(target=self._forward, args=(client,), daemon=True).start()

    def _forward(self, client: socket.socket) -> None:
        with client:
            if self.stopping.wait(self.delay):
                return
            with socket.create_connection(self.target) as upstream:
                back = threading.Thread(target=self._pump, args=(upstream, client), daemon=True)
                back.start()
                self._pump(client, upstream)
                back.join()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
            sink.shutdown(socket.SHUT_WR)
        except OSError:  # the other side went away (a probe request cut at its deadline)
            pass

    def close(self) -> None:
        self.stopping.set()
        self.listener.close()


@pytest.fixture
def slow_apache(scenario: Scenario) -> Iterator[SlowForwarder]:
    forwarder = SlowForwarder(scenario.server.port, delay=4.0)
    yield forwarder
    forwarder.close()


def value(text: str, name: str) -> float:
    [(_, found)] = metrics(text)[name]
    return found


def burst(running: ExporterProcess, count: int = 50) -> list[requests.Response]:
    """``count`` scrapes of /metrics sent at the same moment."""
    barrier = threading.Barrier(count)

    def scrape(_: int) -> requests.Response:
        barrier.wait()
        return running.get("/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "30"})

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(scrape, range(count)))


def test_fifty_concurrent_scrapes_make_a_couple_of_sweeps(scenario: Scenario,
                                                          exporter: ExporterProcess) -> None:
    """The sweep of this scenario takes ~0.03 s, less than a burst takes to arrive."""
    before = value(exporter.get("/metrics").text, "wsgi_probe_sweeps_total")
    time.sleep(1.5)  # past the exporter's burst window: the burst needs a sweep of its own
    responses = burst(exporter)
    assert all(r.status_code == 200 for r in responses)
    assert all(value(r.text, "wsgi_probe_sweep_success") == 1 for r in responses)
    after = max(value(r.text, "wsgi_probe_sweeps_total") for r in responses)
    assert 1 <= after - before <= 2, (before, after)


def test_fifty_scrapes_during_a_slow_sweep_share_it(scenario: Scenario,
                                                    slow_apache: SlowForwarder) -> None:
    running = start_exporter(exporter_args(scenario, slow_apache.connect))
    try:
        responses = burst(running)  # the forwarder holds each request: they overlap one sweep
    finally:
        running.stop()
    assert all(value(r.text, "wsgi_probe_sweep_success") == 1 for r in responses)
    sweeps = {value(r.text, "wsgi_probe_sweeps_total") for r in responses}
    assert max(sweeps) <= 2, sweeps
    assert all(len(metrics(r.text)["wsgi_probe_url_ok"]) == 6 for r in responses)


def test_short_scrape_timeout_answers_promptly_with_an_error(scenario: Scenario,
                                                             slow_apache: SlowForwarder) -> None:
    """A scrape timeout shorter than the sweep: an answer in time, counted as an error."""
    running = start_exporter(exporter_args(scenario, slow_apache.connect))
    try:
        # The client gives up before the slow sweep could end: waiting for it fails here.
        response = running.get("/metrics", timeout=slow_apache.delay - 1,
                               headers={"X-Prometheus-Scrape-Timeout-Seconds": "1.5"})
    finally:
        _stdout, stderr = running.stop()
    assert response.status_code == 200
    assert value(response.text, "wsgi_probe_sweep_success") == 0
    # A fresh exporter: its first sweep, and its first error.
    assert value(response.text, "wsgi_probe_sweeps_total") == 1
    assert value(response.text, "wsgi_probe_sweep_errors_total") == 1
    # What the sweep got by its deadline (nothing, here) is shown as such.
    verdicts = {labels["verdict"] for labels, _ in metrics(response.text)["wsgi_probe_url_verdict"]}
    assert verdicts == {"unreachable"}
    assert "exporter_sweep_incomplete" in stderr
