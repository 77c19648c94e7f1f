"""probe/report/junit.py: one testcase per URL, readable by xml.etree."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from probe.model import Finding, Report, Status, Verdict
from probe.report import render
from tests.report.report_samples import ALIAS_EXPLANATION, ALIAS_FIX, result, sample_report


def parsed(report: Report | None = None) -> ET.Element:
    text = render(report or sample_report(), "junit")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))  # noqa: S314 - our own output


def url_cases(suite: ET.Element) -> list[ET.Element]:
    return [c for c in suite.iter("testcase") if c.get("classname") != "wsgi-probe.findings"]


def test_suite_counts() -> None:
    suite = parsed()
    assert suite.tag == "testsuite"
    assert suite.get("name") == "wsgi-probe"
    cases = suite.findall("testcase")
    assert suite.get("tests") == str(len(cases)) == "6"  # five URLs and one finding
    assert suite.get("failures") == str(len(suite.findall("testcase/failure"))) == "3"
    assert suite.get("errors") == "0"
    assert suite.get("time") == "0.457"


def test_one_testcase_per_url_in_order() -> None:
    cases = url_cases(parsed())
    assert [c.get("name") for c in cases] == [t.url for t in sample_report().targets]
    assert [c.get("classname") for c in cases] == [
        "wsgi-probe.project-1", "wsgi-probe.project-2", "wsgi-probe.refuse",
        "wsgi-probe.refuse", "wsgi-probe.project-2",
    ]
    assert cases[0].get("time") == "0.004"


def test_problems_are_failures_with_explanation_and_fix() -> None:
    cases = url_cases(parsed())
    failures = {c.get("name"): c.find("failure") for c in cases}
    assert failures["http://site-1.example.com/"] is None
    assert failures["http://www.site-2.example.com/"] is None
    alias = failures["http://site-1.example.com/suburl/"]
    assert alias is not None
    assert alias.get("type") == "wrong_instance"
    assert alias.get("message") == "wrong_instance (alias_order)"
    assert alias.text == f"{ALIAS_EXPLANATION}\nFix: {ALIAS_FIX}"
    unmapped = failures["http://unknown.invalid/"]
    assert unmapped is not None
    assert unmapped.get("message") == "served_unmapped (vhost_fallback)"
    assert unmapped.text is not None
    assert "<VirtualHost *:80>" in unmapped.text  # escaped in XML, intact when parsed
    unreachable = failures["http://site-2.example.com/"]
    assert unreachable is not None
    assert unreachable.get("message") == "unreachable"


def test_ok_cases_carry_the_explanation() -> None:
    ok = url_cases(parsed())[0]
    out = ok.find("system-out")
    assert out is not None
    assert out.text == "answered by project-1 (pid 101, daemon 'project-1')"


def test_warning_finding_is_reported_but_not_a_failure() -> None:
    (case,) = [c for c in parsed().iter("testcase")
               if c.get("classname") == "wsgi-probe.findings"]
    assert case.get("name") == "embedded_shared_process"
    assert case.find("failure") is None
    out = case.find("system-out")
    assert out is not None
    assert out.text == "warning: project-1 and project-2 run embedded in the same process."


def test_critical_finding_fails() -> None:
    # A critical finding makes the sweep exit 1: CI must not show it as passed.
    ok = sample_report().targets[:1]
    report = Report(ok, (Finding("shared_interpreter", Status.CRITICAL,
                                 ("project-1", "project-2"), "one interpreter"),))
    suite = parsed(report)
    assert suite.get("failures") == "1"
    assert suite.get("tests") == "2"
    (case,) = [c for c in suite.iter("testcase") if c.get("classname") == "wsgi-probe.findings"]
    failure = case.find("failure")
    assert failure is not None
    assert failure.text == "one interpreter"


def test_all_ok_has_no_failures() -> None:
    suite = parsed(Report(sample_report().targets[:1]))
    assert suite.get("failures") == "0"
    assert suite.find(".//failure") is None


def test_special_characters_survive() -> None:
    report = Report((result('http://a.example/x&y"<z>/', "p", Verdict.NO_ENDPOINT,
                           explanation="answered <html> & \"quotes\"", fix="wrap it"),))
    (case,) = url_cases(parsed(report))
    assert case.get("name") == 'http://a.example/x&y"<z>/'
    failure = case.find("failure")
    assert failure is not None
    assert failure.text == 'answered <html> & "quotes"\nFix: wrap it'
