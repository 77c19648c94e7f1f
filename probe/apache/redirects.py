"""Where a VirtualHost sends every request elsewhere (the usual http -> https twin), so its
URLs are not an application's, and no request to them reaches mod_wsgi: mod_rewrite's
per-server rules and mod_alias's ``Redirect`` run at URL translation, before mod_wsgi maps a
``WSGIScriptAlias`` (mod_wsgi orders its translate hook after mod_alias's)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from probe.apache.config import Directive
from probe.apache.model import Server

_EVERY_PATH = {"^", "^/", "^/(.*)", "^/(.*)$", "(.*)", "^(.*)$", ".*", "^.*", "^.*$", "/(.*)"}
# mod_rewrite's R flag: R, R=3xx, R=permanent|temp|seeother (also spelt redirect=...)
_R_FLAG = re.compile(r"(r|redirect)(=(3\d\d|permanent|temp|seeother))?")


@dataclass(frozen=True)
class TakesEvery:
    """A directive that redirects every path of a VirtualHost, with the ``RewriteCond``
    lines it runs under. ``holds`` is whether they hold for the host asked about (True
    without conditions; None where the configuration alone cannot decide)."""

    rule: Directive
    conditions: tuple[Directive, ...]
    holds: bool | None

    def describe(self) -> str:
        conds = (f", under RewriteCond at {', '.join(c.where for c in self.conditions)}"
                 if self.conditions else "")
        return f"{self.rule.name} at {self.rule.where}{conds}"


def redirects_everything(server: Server) -> str | None:
    """Where a VirtualHost sends every request elsewhere (the usual http -> https twin):
    ``Redirect [3xx|permanent|temp|seeother] / URL``, ``RedirectPermanent / URL``, a
    ``RedirectMatch`` or RewriteRule (with an R flag, ``RewriteEngine on``) on every path.
    Its ``RewriteCond`` lines are not weighed (certbot's name the VirtualHost's own names)."""
    found = redirect_taking(server, None, None)
    return None if found is None else f"{found.rule.name} at {found.rule.where}"


def redirect_taking(server: Server, host: str | None, port: int | None) -> TakesEvery | None:
    """The first directive of ``server`` that redirects every path of a request for
    ``host`` (on ``port``) before mod_wsgi runs. A rule whose conditions fail for that host
    is passed over; ``host`` None weighs no condition."""
    engine = False
    conditions: list[Directive] = []
    for d in server.directives:
        args = [a.lower() for a in d.args]
        if d.key == "rewriteengine":
            engine = args[:1] == ["on"]
        if d.key == "rewritecond":
            conditions.append(d)
            continue
        if d.key == "redirect" and len(args) >= 2:
            status = args[0] if len(args) >= 3 else ""
            path = d.args[1] if len(args) >= 3 else d.args[0]
            if path == "/" and status in ("", "permanent", "temp", "seeother", "301", "302",
                                          "303", "307", "308"):
                return TakesEvery(d, (), True)
        if (d.key == "redirectpermanent" and d.args[:1] == ("/",)) or (
                d.key == "redirectmatch" and any(a in _EVERY_PATH for a in d.args[:2])):
            return TakesEvery(d, (), True)
        if d.key == "rewriterule":
            taken = tuple(conditions)
            conditions = []
            if not engine or len(d.args) < 3 or d.args[0] not in _EVERY_PATH:
                continue
            flags = args[2].strip("[]").split(",")
            if not any(_R_FLAG.fullmatch(f.strip()) for f in flags):
                continue
            holds = True if host is None else _conditions_hold(taken, server, host, port)
            if holds is not False:
                return TakesEvery(d, taken, holds)
    return None


def _conditions_hold(conditions: tuple[Directive, ...], server: Server, host: str,
                     port: int | None) -> bool | None:
    """mod_rewrite's reading: conditions are ANDed, ``[OR]`` joins one to the next."""
    result: bool | None = True
    group: bool | None = False
    for i, cond in enumerate(conditions):
        value = _condition(cond, server, host, port)
        group = True if group is True or value is True else (
            None if group is None or value is None else False)
        if "or" in _flags(cond) and i + 1 < len(conditions):
            continue
        result = False if result is False or group is False else (
            None if result is None or group is None else True)
        group = False
    return result


def _flags(cond: Directive) -> set[str]:
    return ({f.strip().lower() for f in cond.args[2].strip("[]").split(",")}
            if len(cond.args) >= 3 else set())


def _condition(cond: Directive, server: Server, host: str, port: int | None) -> bool | None:
    """One RewriteCond for a request to ``host``: only the host and HTTPS tests are
    decided by the configuration; any other (a path, a header, a file) is None."""
    if len(cond.args) < 2:
        return None
    test, pattern = cond.args[0].upper(), cond.args[1]
    default = 443 if server.ssl else 80
    values = {"%{SERVER_NAME}": host,
              "%{HTTP_HOST}": host if port in (None, default) else f"{host}:{port}",
              "%{HTTPS}": "on" if server.ssl else "off"}
    if test not in values:
        return None
    negated = pattern.startswith("!")
    pattern = pattern[1:] if negated else pattern
    nocase = "nc" in _flags(cond) or "nocase" in _flags(cond)
    value = values[test].lower() if nocase else values[test]
    if pattern.startswith(("<", ">", "-")):  # comparisons and file tests: not weighed
        return None
    if pattern.startswith("="):
        matched = value == (pattern[1:].lower() if nocase else pattern[1:])
    else:
        try:
            matched = re.search(pattern, value, re.IGNORECASE if nocase else 0) is not None
        except re.error:
            return None
    return matched != negated
