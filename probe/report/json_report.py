"""``--format json``: contract section 4, schema 1."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from probe.model import Report, TargetResult
from probe.report.counts import url_count

SCHEMA = 1


def to_dict(report: Report) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "summary": {
            "status": report.status.value,
            "targets": len(report.targets),
            "urls": url_count(report),
            "ok": sum(1 for t in report.targets if t.ok),
            "problems": len(report.problems),
            "duration_s": round(report.duration_s, 3),
            "interrupted": report.interrupted,
        },
        "targets": [target_dict(t) for t in report.targets],
        "findings": [
            {
                "code": f.code,
                "severity": f.severity.value,
                "instances": list(f.instances),
                "explanation": f.explanation,
            }
            for f in report.findings
        ],
    }


def target_dict(target: TargetResult) -> dict[str, Any]:
    return {
        "url": target.url,
        "expected": target.expected,
        "verdict": target.verdict.value,
        "cause": target.cause.value if target.cause else None,
        "explanation": target.explanation,
        "fix": target.fix,
        "observed": _plain(target.observed.raw) if target.observed is not None else None,
        "status_code": target.status_code,
        "samples": target.samples,
        "elapsed_ms": target.elapsed_ms,
        "answered_by": target.answered_by,
        "pids": list(target.pids),
        "cache_headers": list(target.cache_headers),
        "address": target.address,
        "evidence": [{"kind": e.kind.value, "claim": e.claim, "source": e.source}
                     for e in target.evidence],
        "candidates": [{"cause": c.cause.value, "check": c.check} for c in target.candidates],
    }


_ONE_LINE = json.JSONEncoder(check_circular=False)
"""The C encoder without its cycle check: a target is a fresh tree of plain values."""


def _plain(raw: Mapping[str, Any]) -> dict[str, Any]:
    # Not copied when it already is a dict (clean_json makes one): encoded, never changed.
    return raw if type(raw) is dict else dict(raw)


def render(report: Report) -> str:
    """The document indented at the top, one line per target.

    ``json.dumps(indent=...)`` runs the pure-Python encoder, which cost 13-14 % of a
    10,000-URL sweep (bench/RESULTS.md); without ``indent`` the C encoder runs. The small
    parts keep their indentation; each target is one C-encoded line, still readable and
    diffable per target. The parsed document is exactly ``to_dict(report)``.
    """
    document = to_dict(report)
    parts = []
    for key, value in document.items():
        if key == "targets" and value:
            body = ",\n    ".join(map(_ONE_LINE.encode, value))
            encoded = f"[\n    {body}\n  ]"
        else:
            # JSON text never holds a raw newline inside a string, so shifting lines is safe.
            encoded = json.dumps(value, indent=2).replace("\n", "\n  ")
        parts.append(f"  {json.dumps(key)}: {encoded}")
    return "{\n" + ",\n".join(parts) + "\n}\n"
