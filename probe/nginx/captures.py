"""The variables a regular expression gives a request: the named captures
(``(?<site>...)``) and ``$1``..``$9`` of a ``server_name ~...`` that chose the server block
and of a ``location ~ ...`` that took the path.

nginx sets them when its regular expression matches (ngx_http_regex_exec): the server
block's from the Host, then the location's from the path, whose numbered captures replace
the server name's (one set of ``$1``.. per request, the last match's). A named capture of a
regular expression that did not match for this request is empty: nginx defines the variable
when it reads the line, and a request that never set it reads nothing (a proxy_pass
``unix:/run/$site.sock`` then names ``unix:/run/.sock``). Python's ``re`` reads the PCRE of
these lines (:func:`probe.nginx.text.pcre`); one it cannot compile leaves its variables
undecided, said with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from probe.nginx.flow import Vars
from probe.nginx.model import Location, Server
from probe.nginx.text import pcre

_NAMED = re.compile(r"\(\?P?<([A-Za-z_]\w*)>")
_NUMBERED = tuple(f"${n}" for n in range(1, 10))


@dataclass
class Captures:
    """What one regular expression line gives: ``known`` by ``$name``, ``said`` how (the
    line and the value it matched), ``unknown`` why not (a pattern Python cannot read)."""

    known: dict[str, str] = field(default_factory=dict)
    said: dict[str, str] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)

    def into(self, vars_: Vars) -> None:
        for name, value in self.known.items():
            vars_.known[name] = value
            vars_.unknown.pop(name, None)
            vars_.by_set[name] = self.said[name]
        for name, why in self.unknown.items():
            vars_.known.pop(name, None)
            vars_.by_set.pop(name, None)
            vars_.unknown[name] = why


def _of(pattern: str, caseless: bool, text: str, line: str, what: str) -> Captures:
    """The captures of ``line`` (as written, with its file:line) matched against ``text``."""
    found = Captures()
    regex = pcre(pattern, caseless)
    if regex is None:
        for name in [f"${n}" for n in _NAMED.findall(pattern)] + list(_NUMBERED):
            found.unknown[name] = (f"{name} would be a capture of {line}, whose regular "
                                   f"expression this reading cannot run")
        return found
    match = regex.search(text)
    for name in regex.groupindex:
        value = (match.group(name) or "") if match else ""
        found.known[f"${name}"] = value
        found.said[f"${name}"] = (
            f"${name} = {value!r}: named capture of {line} on {what} {text!r}" if match else
            f"${name} = '': named capture of {line}, which does not match {what} {text!r}, "
            f"so nginx leaves it empty")
    if match:
        for n in range(1, min(regex.groups, 9) + 1):
            value = match.group(n) or ""
            found.known[f"${n}"] = value
            found.said[f"${n}"] = f"${n} = {value!r}: capture {n} of {line} on {what} {text!r}"
    return found


def server_captures(server: Server, host: str, chosen_at: str | None) -> Captures:
    """The captures of the block's ``server_name`` regular expressions for ``host``: that
    of the line that chose the block (``chosen_at``: its file:line) when a regular
    expression did; the named ones of its other regular expressions are empty."""
    found = Captures()
    # the line that matched first: its values win over another line's empty one
    for written, where in sorted(server.names, key=lambda n: n[1] != chosen_at):
        if not written.startswith("~"):
            continue
        text = host if where == chosen_at else ""
        one = _of(written[1:], True, text, f"server_name {written} at {where}", "the Host")
        if where != chosen_at:
            # not the line that matched: its named captures are empty, its numbers not set
            one = Captures({k: "" for k in one.known if not k[1:].isdigit()},
                           {k: f"{k} = '': named capture of server_name {written} at "
                               f"{where}, which did not choose the block for the Host "
                               f"{host!r}, so nginx leaves it empty"
                            for k in one.known if not k[1:].isdigit()}, one.unknown)
        for part in ("known", "said", "unknown"):
            mine: dict[str, str] = getattr(found, part)
            for k, v in getattr(one, part).items():
                mine.setdefault(k, v)
    return found


def after_rewrite(vars_: Vars, rewrote: tuple[str, str]) -> None:
    """A rewrite line that matched runs its own regular expression: ``$1``.. are its from
    then on, which the route does not keep (:mod:`probe.nginx.rewrites` uses them itself)."""
    line, where = rewrote
    for name in _NUMBERED:
        if name in vars_.known:
            vars_.known.pop(name)
            vars_.by_set.pop(name, None)
            vars_.unknown[name] = (f"{name} is a capture of {line} at {where}, which this "
                                   f"reading does not keep")


def request_vars(url: str, server: Server, path: str, url_host: str, netloc: str,
                 chosen_at: str | None) -> Vars:
    """The variables the URL gives a request in ``server``: those a map may look up, and
    the captures of the server_name regular expression that chose the block."""
    name = next((n for n, _ in server.names if n and not n.startswith("~")), "")
    parts = urlsplit(url)
    vars_ = Vars({"$host": url_host, "$http_host": netloc, "$server_name": name,
                  "$scheme": parts.scheme, "$request_uri": path, "$uri": path,
                  "$args": parts.query, "$query_string": parts.query,
                  "$is_args": "?" if parts.query else "",
                  "$request_method": "GET"})  # what the sweep sends
    server_captures(server, url_host, chosen_at).into(vars_)
    return vars_


def location_captures(loc: Location, path: str) -> Captures:
    """The captures of a regular expression location that took ``path``; none for a
    prefix location (nginx runs no regular expression for it)."""
    if not loc.is_regex:
        return Captures()
    return _of(loc.pattern, loc.modifier == "~*", path,
               f"location {loc.modifier} {loc.pattern} at {loc.where}", "the path")
