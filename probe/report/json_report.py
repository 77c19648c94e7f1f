"""``--format json``: schema 1, described in docs/sweep.md (fields are only ever added)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from probe.compact import SharedAnswer
from probe.model import Report, TargetResult
from probe.report.counts import url_count
from probe.shared_once import JsonTexts

SCHEMA = 1


def to_dict(report: Report, *, targets: bool = True) -> dict[str, Any]:
    """The document; without ``targets`` its "targets" is an empty list (see chunks)."""
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
            "unprobed": report.unprobed,
        },
        "targets": [target_dict(t) for t in report.targets] if targets else [],
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
    observed = _plain(target.observed.raw) if target.observed is not None else None
    return {**_before_observed(target), "observed": observed, **_after_observed(target)}


def _before_observed(target: TargetResult) -> dict[str, Any]:
    return {
        "url": target.url,
        "expected": target.expected,
        "verdict": target.verdict.value,
        "cause": target.cause.value if target.cause else None,
        "explanation": target.explanation,
        "fix": target.fix,
    }


def _after_observed(target: TargetResult) -> dict[str, Any]:
    return {
        "status_code": target.status_code,
        "samples": target.samples,
        "elapsed_ms": target.elapsed_ms,
        "answered_by": target.answered_by,
        "pids": list(target.pids),
        "cache_headers": list(target.cache_headers),
        "address": target.address,
        "server_headers": list(target.server_headers),
        "via_headers": list(target.via_headers),
        "evidence": [{"kind": e.kind.value, "claim": e.claim, "source": e.source}
                     for e in target.evidence],
        "candidates": [{"cause": c.cause.value, "check": c.check} for c in target.candidates],
    }


_ONE_LINE = json.JSONEncoder(check_circular=False)
"""The C encoder without its cycle check: a target is a fresh tree of plain values."""


_OBSERVED = JsonTexts(_ONE_LINE.encode)


def _target_line(target: TargetResult) -> str:
    """``_ONE_LINE.encode(target_dict(target))``, the observed answer's shared part encoded
    once per shared part (probe.shared_once.JsonTexts) and put in its place."""
    raw = target.observed.raw if target.observed is not None else None
    if type(raw) is not SharedAnswer:
        return _ONE_LINE.encode(target_dict(target))
    head = _ONE_LINE.encode(_before_observed(target))
    tail = _ONE_LINE.encode(_after_observed(target))
    return f'{head[:-1]}, "observed": {_OBSERVED(raw)}, {tail[1:]}'


def _plain(raw: Mapping[str, Any]) -> dict[str, Any]:
    # Not copied when it already is a dict (clean_json makes one): encoded, never changed.
    if type(raw) is dict:
        return raw
    return raw.to_dict() if isinstance(raw, SharedAnswer) else dict(raw)


def render(report: Report) -> str:
    """The document indented at the top, one line per target (see :func:`chunks`)."""
    return "".join(chunks(report))


def chunks(report: Report) -> Iterator[str]:
    """:func:`render`'s text in pieces, one per target: written as they come, a report of
    a million targets never exists as one string (about 1.5 KB per target, and each copy
    of the whole made by joining was another).

    ``json.dumps(indent=...)`` runs the pure-Python encoder, which cost 13-14 % of a
    10,000-URL sweep (bench/RESULTS.md); without ``indent`` the C encoder runs. The small
    parts keep their indentation; each target is one C-encoded line, still readable and
    diffable per target. The parsed document is exactly ``to_dict(report)``.
    """
    head = to_dict(report, targets=False)
    yield "{\n"
    first = True
    for key, value in head.items():
        if not first:
            yield ",\n"
        first = False
        if key == "targets":
            if not report.targets:
                yield f"  {json.dumps(key)}: []"
                continue
            yield f"  {json.dumps(key)}: [\n    "
            for index, target in enumerate(report.targets):
                if index:
                    yield ",\n    "
                yield _target_line(target)
            yield "\n  ]"
        else:
            # JSON text never holds a raw newline inside a string, so shifting lines is safe.
            yield f"  {json.dumps(key)}: " + json.dumps(value, indent=2).replace("\n", "\n  ")
    yield "\n}\n"
