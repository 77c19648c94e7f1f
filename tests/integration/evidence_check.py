"""Where each claim of an explanation comes from, checked on every report a scenario produces:
a ``configured`` claim cites a ``file:line`` that exists and holds the directive it names, and
an explanation names an Apache directive only when a configuration line was read for it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

DIRECTIVES = ("ServerName", "ServerAlias", "VirtualHost", "WSGIScriptAlias",
              "WSGIProcessGroup", "WSGIApplicationGroup", "WSGIDaemonProcess", "RewriteRule",
              "ProxyPass", "Alias ", "<Location", "<Directory")


def directive_tokens(line: str) -> list[str]:
    """The directive name and its first argument, as a claim quoting the line names them
    (httpd drops the quotes around an argument: a claim need not repeat them)."""
    words = line.strip().strip("<>").split()
    return [w.strip("<>").strip("\"'") or w for w in words[:2]]


def check_configured(evidence: dict[str, Any]) -> str | None:
    """Why a ``configured`` evidence item does not hold, or None when it does."""
    file, sep, line = str(evidence["source"]).rpartition(":")
    if not sep or not line.isdigit():
        return f"source {evidence['source']!r} is not file:line"
    path = Path(file)
    if not path.is_file():
        return f"{file} does not exist"
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    number = int(line)
    if not 1 <= number <= len(lines):
        return f"{file} has no line {number}"
    claim = str(evidence["claim"])
    wanted = directive_tokens(lines[number - 1])
    # a macro's $parameter or a ${VAR} is said with the value it had where it was read
    missing = [w for w in wanted if w.lower() not in claim.lower() and not w.startswith("$")]
    if missing:
        return f"{evidence['source']} says {lines[number - 1].strip()!r}, the claim " \
               f"{claim!r} does not name {missing}"
    return None


def assert_sourced(report: dict[str, Any]) -> int:
    """Check every target's evidence and explanation; return how many claims were checked."""
    checked = 0
    for target in report["targets"]:
        configured = [e for e in target.get("evidence", []) if e["kind"] == "configured"]
        for item in configured:
            problem = check_configured(item)
            assert problem is None, (target["url"], problem)
            checked += 1
        if not configured:
            named = [d for d in DIRECTIVES if re.search(re.escape(d), target["explanation"])]
            assert named == [], (target["url"], named, target["explanation"])
        if target["cause"] is None and target["verdict"] != "ok" and target["candidates"]:
            assert all(c["check"] for c in target["candidates"]), target
    return checked
