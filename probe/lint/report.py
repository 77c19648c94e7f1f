"""``probe lint`` output: ``file:line: severity code: message`` lines (the format editors
and CI annotators parse), each followed by its fix; or JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

from probe.lint import LintResult
from probe.lint.findings import Severity
from probe.safe_text import one_line, os_text


def cleaned(result: LintResult, text: Callable[[str], str] = os_text) -> LintResult:
    """``result`` with ``text`` applied to every file name, message and fix.

    File names come from the system (any bytes, undecodable ones as surrogates) and
    messages quote the configuration (any characters, ESC and BEL included): the default
    makes them strict UTF-8 for JSON, which escapes control characters itself.
    """
    return LintResult(
        tuple(replace(f, file=text(f.file), message=text(f.message),
                      fix=text(f.fix) if f.fix else f.fix) for f in result.findings),
        tuple(text(f) for f in result.files))


def _terminal(text: str) -> str:
    """One printable line: control characters (ESC, BEL, line breaks) as ``\\xNN``."""
    return one_line(os_text(text), limit=None)


def render_text(result: LintResult) -> str:
    result = cleaned(result, _terminal)
    lines: list[str] = []
    for f in result.findings:
        lines.append(f"{f.where}: {f.severity.value} {f.code}: {f.message}")
        if f.fix:
            lines.append(f"    fix: {f.fix}")
    counts = {s: sum(1 for f in result.findings if f.severity is s) for s in Severity}
    files = len(result.files)
    read = f"{files} configuration file{'s' if files != 1 else ''} read"
    if not result.findings:
        lines.append(f"clean: no findings ({read})")
    else:
        parts = [f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in counts.items() if n]
        lines.append(f"{', '.join(parts)} ({read})")
    return "\n".join(lines) + "\n"


def render_json(result: LintResult) -> str:
    result = cleaned(result)
    data = {
        "schema": 1,
        "status": "findings" if result.failed else "clean",
        "files": list(result.files),
        "findings": [
            {"code": f.code, "severity": f.severity.value, "file": f.file, "line": f.line,
             "message": f.message, "fix": f.fix}
            for f in result.findings
        ],
    }
    return json.dumps(data, indent=2) + "\n"
