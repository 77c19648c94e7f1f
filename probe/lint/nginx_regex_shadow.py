"""Two ways a regular expression takes requests from a line written after, or beside, it
that ``nginx -t`` accepts silently (re-tester R34's item 7):

* ``nginx_regex_server_shadowed``: a ``server_name ~...`` whose names an earlier block's
  expression on the same address matches too: nginx tries the expressions in configuration
  order and the first match wins (tester T34's b-regex: ``~^www\\d*\\.example\\.test$`` after
  ``~^(?<site>[^.]+)\\.example\\.test$``, www went to a socket nothing binds). A name the later
  expression matches is made from it (:func:`example`) and routed as nginx does
  (:func:`probe.nginx.select.choose_server`); the fix is
  :func:`probe.nginx.regex_names.edit`'s;
* ``nginx_regex_takes_prefix``: a regular expression location that matches a prefix
  location's own path (T34's d-locations: ``~ ^/(?<app>shop|blog)`` and ``location
  /shop-admin/``): nginx checks the expressions after finding the longest prefix, unless that
  prefix is ``^~``, so the expression takes those URLs.
"""

from __future__ import annotations

import re

from probe.lint.findings import ConfigFinding, Severity
from probe.nginx.model import NginxModel, Server
from probe.nginx.regex_names import edit
from probe.nginx.select import choose_server
from probe.nginx.text import pcre

_PICK = "a1x0-"  # the characters tried for a class, in order
_QUANTIFIER = re.compile(r"[*+?]|\{(\d+)(?:,\d*)?\}")


class _Unsure(Exception):
    """A construct the example maker does not follow (a lookaround, a back reference)."""


def _sequence(p: str, i: int, more: int) -> tuple[str, int]:
    """An example of the alternatives from ``i`` to the closing ``)`` (the first one), each
    open quantifier taken ``more`` times beyond its least."""
    first: str | None = None
    out: list[str] = []
    while i < len(p) and p[i] != ")":
        if p[i] == "|":
            first = "".join(out) if first is None else first
            out, i = [], i + 1
            continue
        atom, i = _atom(p, i, more)
        quant = _QUANTIFIER.match(p, i)
        if quant is not None:
            count = more if quant.group(0) in ("*", "?") else 1 + more \
                if quant.group(0) == "+" else int(quant.group(1))
            atom, i = atom * count, quant.end()
            if i < len(p) and p[i] in "?+":  # lazy or possessive: the same example
                i += 1
        out.append(atom)
    return ("".join(out) if first is None else first), i


def _atom(p: str, i: int, more: int) -> tuple[str, int]:
    c = p[i]
    if c in "^$":
        return "", i + 1
    if c == ".":
        return "a", i + 1
    if c == "\\":
        e = p[i + 1:i + 2]
        if e.isdigit() or e in ("s", "S", "W", "D", "B"):
            raise _Unsure
        return {"d": "1", "w": "a", "b": ""}.get(e, e), i + 2
    if c == "[":
        end = p.index("]", i + 2)
        cls = p[i:end + 1]
        return next((x for x in _PICK if re.fullmatch(cls, x)), "a"), end + 1
    if c == "(":
        if p.startswith("(?", i):
            named = re.match(r"\(\?P?<[A-Za-z_]\w*>|\(\?:", p[i:])
            if named is None:
                raise _Unsure
            i += named.end() - 1
        inner, i = _sequence(p, i + 1, more)
        if i >= len(p):
            raise _Unsure
        return inner, i + 1
    return c, i + 1


def example(pattern: str, more: int = 0) -> str | None:
    """A host the expression matches (the least one, or with each open quantifier taken
    ``more`` times more), checked with it; None where it is not made."""
    try:
        made, end = _sequence(pattern, 0, more)
    except (_Unsure, ValueError, IndexError):
        return None
    regex = pcre(pattern, True)
    return made.lower() if end == len(pattern) and regex is not None and regex.search(made) \
        else None


def regex_server_shadowed(model: NginxModel) -> list[ConfigFinding]:
    findings: dict[str, ConfigFinding] = {}
    for server in model.servers:
        for written, at in server.names:
            # two names: the least may be another block's exact name (site-1 of site-\d+)
            hosts = [h for more in (0, 1) if written.startswith("~")
                     and (h := example(written[1:], more)) is not None]
            for host, listen in ((h, lst) for h in dict.fromkeys(hosts) for lst in server.listens):
                if at in findings:
                    break
                choice = choose_server(model.servers, listen.host, listen.port, host)
                first, chosen_at = choice.server, choice.where
                if first is None or first is server or chosen_at is None \
                        or not any(s is server for s, _, _ in choice.also):
                    continue
                earlier = next(n for n, w in first.names if w == chosen_at)
                if earlier == written:
                    break  # the same expression twice: nginx_duplicate_server_name says it
                findings[at] = ConfigFinding.at(
                    "nginx_regex_server_shadowed", Severity.WARNING, at,
                    f"server_name {written} matches {host}, and so does the earlier server_name "
                    f"{earlier} at {chosen_at} on {listen.address}: nginx tries regular "
                    f"expressions in configuration order and the first match wins, so "
                    f"{server.describe()} is never reached for {host}, nor for the other names "
                    f"both match", edit(earlier, chosen_at, written, at))
                break
    return list(findings.values())


def _takes(server: Server) -> list[ConfigFinding]:
    found = []
    regexes = [loc for loc in server.locations if loc.is_regex]
    for loc in server.locations:
        if loc.modifier != "" or loc.pattern in ("", "/"):
            continue
        for regex_loc in regexes:
            regex = pcre(regex_loc.pattern, regex_loc.modifier == "~*")
            if regex is None or not regex.search(loc.pattern):
                continue
            found.append(ConfigFinding.at(
                "nginx_regex_takes_prefix", Severity.WARNING, loc.where,
                f"location {regex_loc.modifier} {regex_loc.pattern} at {regex_loc.where} "
                f"matches {loc.pattern}, the path of location {loc.pattern}: nginx checks "
                f"regular expression locations after finding the longest prefix, unless that "
                f"prefix is written ^~, so the expression takes {loc.pattern} and the URLs "
                f"under it that it matches",
                f"write 'location ^~ {loc.pattern}' in place of 'location {loc.pattern}' at "
                f"{loc.where} (nginx then checks no regular expression for the URLs it takes), "
                f"or narrow the expression at {regex_loc.where} so that it does not match "
                f"{loc.pattern}"))
            break
    return found


def regex_takes_prefix(model: NginxModel) -> list[ConfigFinding]:
    return [f for server in model.servers for f in _takes(server)]
