"""probe check and probe exporter against real Apache/mod_wsgi (scenarios healthy, ordering).

Both run as subprocesses, as Nagios/Icinga and a service manager would run them: the plugin's
exit status and perfdata are parsed from its stdout; the exporter is scraped with requests
and its exposition parsed with prometheus_client's parser.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from .apache import ApacheServer, scenario_manifest, scenario_template
from .conftest import ApacheFactory
from .test_scenarios import probe_command

pytestmark = pytest.mark.apache

S1 = "http://site-1.example.com/"
SUB = "http://site-1.example.com/suburl/"
URLS = [S1, "http://www.site-1.example.com/", SUB, "http://site-2.example.com/",
        "http://www.site-2.example.com/", "http://unknown.invalid/"]

PERFDATUM = re.compile(
    r"'(?P<label>[^'=]+)'=(?P<value>U|-?[0-9.]+)(?P<uom>[a-zA-Z%]*)"
    r"(?:;(?P<warn>[^; ]*))?(?:;(?P<crit>[^; ]*))?(?:;(?P<min>[-0-9.]*))?(?:;(?P<max>[-0-9.]*))?$")


@dataclass(frozen=True)
class Scenario:
    name: str
    server: ApacheServer


@pytest.fixture(scope="module", params=["healthy", "ordering"])
def scenario(request: pytest.FixtureRequest, apache_module: ApacheFactory) -> Scenario:
    name: str = request.param
    return Scenario(name, apache_module(scenario_template(name)))


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
    first, *rest = done.stdout.rstrip("\n").split("\n")
    status, _, perf = first.partition(" | ")
    items: dict[str, dict[str, str]] = {}
    for item in re.findall(r"'[^']*'=\S*|\S+", perf):
        match = PERFDATUM.match(item)
        assert match, (item, context)
        assert match["label"] not in items, context
        items[match["label"]] = {k: v or "" for k, v in match.groupdict().items()}
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
        assert status == "WSGI-PROBE OK - 6 URLs answered by the expected instance", context
        assert perf["ok"]["value"] == "6" and perf["problems"]["value"] == "0", context
        assert lines == [], context
    else:
        assert code == 2, context
        assert status == ("WSGI-PROBE CRITICAL - 1 of 6 URLs misrouted: "
                          "site-1.example.com/suburl/ answered by project-1 (alias_order)"), context
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


@dataclass
class Exporter:
    address: str
    process: subprocess.Popen[str]

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 60)
        return requests.get(f"http://{self.address}{path}", **kwargs)


@pytest.fixture(scope="module")
def exporter(scenario: Scenario) -> Iterator[Exporter]:
    process = subprocess.Popen(
        [*probe_command(), "exporter", "-m", str(scenario_manifest(scenario.name)),
         "--connect", scenario.server.connect, "--listen", "127.0.0.1:0",
         "--log-format", "json"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    address = None
    seen = []
    deadline = time.monotonic() + 30
    while address is None and time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        seen.append(line)
        event = json.loads(line)
        if event["event"] == "exporter_listening":
            address = event["address"]
    if address is None:
        process.kill()
        pytest.fail(f"exporter did not start: {''.join(seen)}")
    running = Exporter(address, process)
    try:
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
        assert process.returncode == 0


def metrics(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return found


def test_exporter_metrics(scenario: Scenario, exporter: Exporter) -> None:
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
        assert verdicts[SUB] == ("wrong_instance", "alias_order"), context
        assert info[SUB]["label"] == "project-1", context
        # The same process answers / and /suburl/: one pid, two URLs.
        assert pids[SUB] == pids[S1], context


def test_exporter_probe(scenario: Scenario, exporter: Exporter) -> None:
    good = metrics(exporter.get("/probe", params={"target": S1}).text)
    assert good["probe_success"] == [({}, 1.0)]
    sub = metrics(exporter.get("/probe", params={"target": SUB}).text)
    expected = 1.0 if scenario.name == "healthy" else 0.0
    assert sub["probe_success"] == [({}, expected)]
    [(labels, _)] = sub["wsgi_probe_url_verdict"]
    assert labels["expected"] == "project-2"
    assert labels["verdict"] == ("ok" if scenario.name == "healthy" else "wrong_instance")
    assert exporter.get("/probe", params={"target": "not a url"}).status_code == 400


def test_exporter_page(scenario: Scenario, exporter: Exporter) -> None:
    exporter.get("/metrics")
    page = exporter.get("/")
    assert page.status_code == 200
    assert SUB in page.text
    assert ("wrong_instance" in page.text) == (scenario.name == "ordering")
