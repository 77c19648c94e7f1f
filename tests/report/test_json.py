"""probe/report/json_report.py: contract section 4, schema 1."""

from __future__ import annotations

import json
from typing import Any

from probe.model import Cause, Finding, Report, Status, TargetResult, Verdict
from probe.report import json_report, render

ALIAS_FIX = (
    "In the VirtualHost for site-1.example.com, list the WSGIScriptAlias for /suburl "
    "(project-2) before the one for /: the most deeply nested URL must come first."
)
ALIAS_EXPLANATION = (
    "http://site-1.example.com/suburl/ should be served by project-2 mounted at /suburl but "
    "was answered by project-1 (pid 101, daemon 'project-1') mounted at / (SCRIPT_NAME '', "
    "PATH_INFO '/suburl/__probe__'): the WSGIScriptAlias for / comes before the one for "
    "/suburl (or that one is missing), and mod_wsgi uses the first alias that matches."
)
FALLBACK_FIX = (
    "Make the first VirtualHost for this address:port a catch-all that refuses, listed "
    "first:\n<VirtualHost *:80>\n    ServerName default.invalid\n</VirtualHost>"
)
OBSERVED = {
    "schema": 1, "label": "project-1", "instance_id": "abc", "pid": 101,
    "process_group": "project-1", "application_group": "site-1.example.com|",
    "settings_module": {"environ": "mysite.settings", "loaded": None},
    "request": {"host": "site-1.example.com", "script_name": "", "path_info": "/__probe__"},
}


def result(url: str, expected: str | None, verdict: Verdict, **kwargs: Any) -> TargetResult:
    values: dict[str, Any] = {
        "cause": None, "explanation": "", "fix": "", "observed": None, "status_code": None,
        "samples": 3, "elapsed_ms": 1.5, "answered_by": None, "pids": (),
    }
    values.update(kwargs)
    return TargetResult(url=url, expected=expected, verdict=verdict, **values)


def sample_report() -> Report:
    """One of each kind of row: ok, alias_order, refused, served_unmapped, unreachable."""
    swallowed = {**OBSERVED, "request": {**OBSERVED["request"],
                                         "path_info": "/suburl/__probe__"}}
    return Report(
        targets=(
            result("http://site-1.example.com/", "project-1", Verdict.OK,
                   explanation="answered by project-1 (pid 101, daemon 'project-1')",
                   observed=OBSERVED, status_code=200, answered_by="project-1", pids=(101,),
                   elapsed_ms=4.2),
            result("http://site-1.example.com/suburl/", "project-2", Verdict.WRONG_INSTANCE,
                   cause=Cause.ALIAS_ORDER, explanation=ALIAS_EXPLANATION, fix=ALIAS_FIX,
                   observed=swallowed, status_code=200, answered_by="project-1",
                   pids=(101, 103)),
            result("http://www.site-2.example.com/", None, Verdict.OK,
                   explanation="refused (HTTP 403)", status_code=403, samples=2),
            result("http://unknown.invalid/", None, Verdict.SERVED_UNMAPPED,
                   cause=Cause.VHOST_FALLBACK,
                   explanation="http://unknown.invalid/ must be refused but was answered.",
                   fix=FALLBACK_FIX, observed=OBSERVED, status_code=200,
                   answered_by="project-1", pids=(101,)),
            result("http://site-2.example.com/", "project-2", Verdict.UNREACHABLE,
                   explanation="http://site-2.example.com/__probe__: connection refused",
                   fix="Check that the server is running and listening on this address.",
                   samples=1),
        ),
        findings=(
            Finding(code="embedded_shared_process", severity=Status.WARNING,
                    instances=("project-1", "project-2"),
                    explanation="project-1 and project-2 run embedded in the same process."),
        ),
        duration_s=0.4567,
    )


TARGET_KEYS = {
    "url", "expected", "verdict", "cause", "explanation", "fix", "observed", "status_code",
    "samples", "elapsed_ms",
}
EXTRA_TARGET_KEYS = {"answered_by", "pids"}
SUMMARY_KEYS = {"status", "targets", "ok", "problems"}
EXTRA_SUMMARY_KEYS = {"duration_s", "interrupted"}


def rendered(report: Report | None = None) -> dict[str, Any]:
    text = render(report or sample_report(), "json")
    assert text.endswith("}\n")
    data: dict[str, Any] = json.loads(text)
    return data


def test_top_level_and_summary_keys() -> None:
    data = rendered()
    assert set(data) == {"schema", "summary", "targets", "findings"}
    assert data["schema"] == 1
    assert set(data["summary"]) == SUMMARY_KEYS | EXTRA_SUMMARY_KEYS
    assert data["summary"] == {
        "status": "critical", "targets": 5, "ok": 2, "problems": 3,
        "duration_s": 0.457, "interrupted": False,
    }


def test_target_keys_and_values() -> None:
    targets = rendered()["targets"]
    assert [set(t) for t in targets] == [TARGET_KEYS | EXTRA_TARGET_KEYS] * 5
    assert [t["url"] for t in targets] == [
        "http://site-1.example.com/", "http://site-1.example.com/suburl/",
        "http://www.site-2.example.com/", "http://unknown.invalid/", "http://site-2.example.com/",
    ]
    alias = targets[1]
    assert alias == {
        "url": "http://site-1.example.com/suburl/",
        "expected": "project-2",
        "verdict": "wrong_instance",
        "cause": "alias_order",
        "explanation": ALIAS_EXPLANATION,
        "fix": ALIAS_FIX,
        "observed": {**OBSERVED, "request": {**OBSERVED["request"],
                                             "path_info": "/suburl/__probe__"}},
        "status_code": 200,
        "samples": 3,
        "elapsed_ms": 1.5,
        "answered_by": "project-1",
        "pids": [101, 103],
    }


def test_null_values() -> None:
    targets = rendered()["targets"]
    ok, refused, unreachable = targets[0], targets[2], targets[4]
    assert (ok["verdict"], ok["cause"]) == ("ok", None)
    assert ok["elapsed_ms"] == 4.2
    assert (refused["expected"], refused["observed"], refused["answered_by"]) == (None, None, None)
    assert (refused["status_code"], refused["samples"], refused["pids"]) == (403, 2, [])
    assert (unreachable["status_code"], unreachable["observed"]) == (None, None)
    assert targets[3]["cause"] == "vhost_fallback"


def test_findings() -> None:
    assert rendered()["findings"] == [
        {
            "code": "embedded_shared_process",
            "severity": "warning",
            "instances": ["project-1", "project-2"],
            "explanation": "project-1 and project-2 run embedded in the same process.",
        }
    ]


def test_ad_hoc_expected_is_star() -> None:
    report = Report((result("http://a.example/", "*", Verdict.OK, answered_by="x"),))
    data = rendered(report)
    assert data["targets"][0]["expected"] == "*"
    assert data["summary"]["status"] == "ok"
    assert data["findings"] == []


def test_status_warning_and_unknown() -> None:
    only_warning = Report(sample_report().targets[:1], sample_report().findings)
    assert rendered(only_warning)["summary"]["status"] == "warning"
    empty = rendered(Report((), interrupted=True))
    assert empty["summary"] == {
        "status": "unknown", "targets": 0, "ok": 0, "problems": 0,
        "duration_s": 0.0, "interrupted": True,
    }
    assert empty["targets"] == []


def test_to_dict_matches_render() -> None:
    report = sample_report()
    assert json.loads(json_report.render(report)) == json_report.to_dict(report)
