"""A fleet in diagnosis and reports: who gave which inconsistent sample, Nagios labels and long
output, the exporter's address label and page.
"""

from __future__ import annotations

from probe.check import plugin as check
from probe.check.plugin import CheckOptions
from probe.diagnose import diagnose
from probe.diagnose.backends import processes_seen
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target
from probe.model import Finding, Observation, Report, Sample, Status, TargetResult, Verdict
from tests.test_fleet import fleet_manifest


def answer(label: str, pid: int, instance: str) -> EndpointAnswer:
    return EndpointAnswer.from_json({
        "schema": 1, "label": label, "pid": pid, "instance_id": instance,
        "process_group": label, "application_group": f"site-1.example.com|/{label}",
        "settings_module": {"environ": "mysite.settings", "loaded": "mysite.settings"},
        "request": {"host": "site-1.example.com", "script_name": "", "path_info": "/"}})


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


def fleet_result(url: str, address: str, verdict: Verdict = Verdict.OK) -> TargetResult:
    return TargetResult(url=url, expected="project-2", verdict=verdict, cause=None,
                        explanation="explained", fix="",
                        observed=EndpointAnswer.from_json({"label": "project-2"}),
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


def test_nagios_status_line_names_the_address_of_a_fleet_url() -> None:
    from probe.report.nagios import render
    from tests.monitoring_helpers import parse_output

    fleet = check.evaluate(fleet_report([(u, a) for u in FLEET_URLS for a in FLEET_ADDRESSES]),
                           CheckOptions("m.toml"), elapsed=0.1)
    status_line, _perf, _lines = parse_output(render(fleet))
    assert "site-1.example.com/suburl/ at 127.0.0.2:80 answered by" in status_line
    # One address per URL: the address is noise there, the line stays as before.
    single = check.evaluate(fleet_report([(u, "127.0.0.2:80") for u in FLEET_URLS]),
                            CheckOptions("m.toml"), elapsed=0.1)
    status_line, _perf, _lines = parse_output(render(single))
    assert "site-1.example.com/suburl/ answered by" in status_line
    assert " at 127.0.0.2:80" not in status_line


def test_exporter_address_label() -> None:
    from probe.exporter.metrics import url_families

    report = fleet_report([(FLEET_URLS[0], a) for a in FLEET_ADDRESSES[:2]])
    families = {f.name: f for f in url_families(report.targets)}
    ok = families["wsgi_probe_url_ok"]
    assert [(s.labels["address"], s.value) for s in ok.samples] == [
        ("127.0.0.1:80", 1.0), ("127.0.0.2:80", 0.0)]


def test_exporter_page_shows_the_address() -> None:
    from probe.exporter.page import render_page

    report = fleet_report([(FLEET_URLS[0], a) for a in FLEET_ADDRESSES[:2]])
    page = render_page(report, 0.0, manifest="m.toml", version="1")
    # the problem block and the healthy line each say where
    assert f'{FLEET_URLS[0]}</span> at 127.0.0.2:80: <span class="verdict">' in page
    assert f'{FLEET_URLS[0]}</span> at 127.0.0.1:80: <span class="verdict">ok</span>' in page
    assert "1 URL at 2 addresses (2 targets)" in page


def test_junit_names_every_case_uniquely() -> None:
    from xml.etree import ElementTree

    from probe.report import junit

    report = fleet_report([(u, a) for u in FLEET_URLS for a in FLEET_ADDRESSES[:2]])
    report = Report(report.targets, (Finding("baseline_not_restarted", Status.CRITICAL, (), "a"),
                                     Finding("baseline_not_restarted", Status.CRITICAL, (), "b")))
    cases = ElementTree.fromstring(junit.render(report)).findall("testcase")  # noqa: S314 - ours
    names = [case.get("name") for case in cases]
    assert len(names) == len(set(names)) == 6
    assert f"{FLEET_URLS[0]} @ 127.0.0.2:80" in names
    assert "baseline_not_restarted #2" in names


def test_summaries_count_urls_as_urls() -> None:
    """2 URLs at 3 addresses are 6 targets, not "6 URLs" (issue 24)."""
    import json

    from probe.report import render as render_report
    from probe.report.nagios import render
    from tests.monitoring_helpers import parse_output

    all_six = [(u, a) for u in FLEET_URLS for a in FLEET_ADDRESSES]
    report = fleet_report(all_six)
    table = render_report(report, "table", width=200)
    assert "CRITICAL: 2 URLs at 3 addresses (6 targets), 4 ok, 2 problems" in table
    status_line, _perf, _lines = parse_output(render(check.evaluate(report, CheckOptions(
        "m.toml"), elapsed=0.1)))
    assert status_line.startswith(
        "WSGI-PROBE CRITICAL - 2 of 6 targets (2 URLs at 3 addresses) misrouted: ")
    summary = json.loads(render_report(report, "json"))["summary"]
    assert (summary["targets"], summary["urls"]) == (6, 2)
    healthy = Report(tuple(fleet_result(u, a) for u, a in all_six))
    status_line, _perf, _lines = parse_output(render(check.evaluate(healthy, CheckOptions(
        "m.toml"), elapsed=0.1)))
    assert status_line.startswith("WSGI-PROBE OK - 6 targets answered by the expected instance "
                                  "(2 URLs at 3 addresses)")
    # Without a fleet, URLs as before.
    single = Report(tuple(fleet_result(u, "127.0.0.1:80") for u in FLEET_URLS))
    assert "OK: 2 URLs, 2 ok" in render_report(single, "table", width=200)
