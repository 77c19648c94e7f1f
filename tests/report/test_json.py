"""probe/report/json_report.py: schema 1 (docs/sweep.md)."""

from __future__ import annotations

import json
from typing import Any

from probe.model import Report, Verdict
from probe.report import json_report, render
from tests.report.report_samples import (
    ALIAS_EXPLANATION,
    ALIAS_FIX,
    OBSERVED,
    result,
    sample_report,
)

TARGET_KEYS = {
    "url", "expected", "verdict", "cause", "explanation", "fix", "observed", "status_code",
    "samples", "elapsed_ms",
}
EXTRA_TARGET_KEYS = {"answered_by", "pids", "cache_headers", "address", "server_headers",
                     "via_headers", "evidence", "candidates"}
SUMMARY_KEYS = {"status", "targets", "ok", "problems"}
EXTRA_SUMMARY_KEYS = {"duration_s", "interrupted", "unprobed", "urls"}


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
        "status": "critical", "targets": 5, "urls": 5, "ok": 2, "problems": 3,
        "duration_s": 0.457, "interrupted": False, "unprobed": 0,
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
        "cache_headers": [],
        "address": None,
        "server_headers": [],
        "via_headers": [],
        "evidence": [],
        "candidates": [],
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
        "status": "unknown", "targets": 0, "urls": 0, "ok": 0, "problems": 0,
        "duration_s": 0.0, "interrupted": True, "unprobed": 0,
    }
    assert empty["targets"] == []


def test_to_dict_matches_render() -> None:
    report = sample_report()
    assert json.loads(json_report.render(report)) == json_report.to_dict(report)


def test_the_fast_rendering_is_the_same_document_as_the_indented_one() -> None:
    # render() indents only the outer structure (the C encoder for each target); the parsed
    # document must be exactly what json.dumps(indent=2) of the same dict gives, odd text too.
    odd = result("http://site-1.example.com/\u00e9\"\\\n}", "p\u2028\U0001f600", Verdict.OK,
                 explanation="line\nbreak, \"quotes\" and ]}, brackets", fix="\t\x00")
    for report in (sample_report(), Report(()), Report((*sample_report().targets, odd),
                                                        sample_report().findings)):
        text = json_report.render(report)
        expected = json.loads(json.dumps(json_report.to_dict(report), indent=2))
        assert json.loads(text) == expected
        assert list(json.loads(text)) == list(expected)  # the keys in the same order
        # Still for humans: the outer structure indented, each target on its own line.
        assert text.startswith('{\n  "schema": 1,\n  "summary": {\n    "status": ')
        lines = [line.rstrip(",") for line in text.splitlines() if line.startswith('    {"url"')]
        assert [json.loads(line) for line in lines] == expected["targets"]


def test_evidence_and_candidates_are_lists_of_their_fields() -> None:
    from dataclasses import replace

    from probe.model import Candidate, Cause, Evidence, EvidenceKind
    from probe.report.json_report import target_dict

    base = sample_report().targets[0]
    target = replace(
        base, cause=None,
        evidence=(Evidence(EvidenceKind.CONFIGURED, "ServerName a.example.com", "h.conf:3"),
                  Evidence(EvidenceKind.OBSERVED, "process group 'b'",
                           'endpoint.process_group = "b"')),
        candidates=(Candidate(Cause.VHOST_FALLBACK, "GET http://x.invalid/__probe__"),))
    out = target_dict(target)
    assert out["evidence"] == [
        {"kind": "configured", "claim": "ServerName a.example.com", "source": "h.conf:3"},
        {"kind": "observed", "claim": "process group 'b'",
         "source": 'endpoint.process_group = "b"'}]
    assert out["candidates"] == [{"cause": "vhost_fallback",
                                  "check": "GET http://x.invalid/__probe__"}]
