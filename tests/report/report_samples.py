"""A Report with one of each kind of row, shared by the report tests."""

from __future__ import annotations

from typing import Any

from probe.endpoint_answer import EndpointAnswer
from probe.model import Cause, Finding, Report, Status, TargetResult, Verdict

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
OBSERVED: dict[str, Any] = {
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
    if values["observed"] is not None:
        values["observed"] = EndpointAnswer.from_json(values["observed"])
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
