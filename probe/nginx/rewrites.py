"""The rewrite-phase and try_files directives of a server block or location, as the route
needs them (ngx_http_rewrite_module, ngx_http_core_module ``try_files``):

* ``set $x value;``: in configuration order, a server block's before the location is
  chosen, a location's after; the value may name other variables;
* ``if (condition) { ... }``: a condition on a variable (``$v``, ``$v = s``, ``$v != s``,
  ``~``, ``~*``, ``!~``, ``!~*``) is decided here when the request gives the variable's value;
  a file test (``-f``, ``-d``, ``-e``, ``-x``) or another variable leaves it to the request;
  what the block holds that changes the route (``return``, ``rewrite``, a ``*_pass``, a
  ``set``) is kept with its line;
* ``rewrite regex replacement [flag];``: applied in order to the path, ``$1``... from the
  match (:func:`apply_rewrites`);
* ``try_files file ... fallback;``: the files are looked up on disk, which is not read
  here; the fallback is a named location (``@django``), ``=code``, or a URI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from probe.nginx.text import Directive, pcre

ROUTING = ("return", "rewrite", "proxy_pass", "uwsgi_pass", "fastcgi_pass", "scgi_pass",
           "grpc_pass", "set", "try_files")
_TESTS = ("-f", "!-f", "-d", "!-d", "-e", "!-e", "-x", "!-x")


@dataclass(frozen=True)
class SetVar:
    name: str  # "$backend"
    value: str  # as written
    where: str
    inside: str | None = None  # the if line it is inside: set only when that holds


@dataclass(frozen=True)
class IfBlock:
    condition: tuple[str, ...]  # the arguments inside the parentheses
    where: str
    routing: tuple[Directive, ...]  # what it holds that changes the route

    def written(self) -> str:
        return f"if ({' '.join(self.condition)})"


@dataclass(frozen=True)
class TryFiles:
    files: tuple[str, ...]
    fallback: str  # "@django", "=404", "/index.html"
    where: str


def read_sets(block: Directive) -> tuple[SetVar, ...]:
    found: list[SetVar] = []
    for d in block.block or ():
        if d.name == "set" and len(d.args) > 1:
            found.append(SetVar(d.args[0], d.args[1], d.where))
        elif d.name == "if":
            found += [SetVar(s.args[0], s.args[1], s.where, d.where)
                      for s in d.children("set") if len(s.args) > 1]
    return tuple(found)


def read_ifs(block: Directive) -> tuple[IfBlock, ...]:
    return tuple(IfBlock(d.args, d.where, tuple(c for c in d.block or () if c.name in ROUTING))
                 for d in block.children("if") if any(c.name in ROUTING for c in d.block or ()))


def read_try_files(block: Directive) -> TryFiles | None:
    found = next((d for d in block.children("try_files") if len(d.args) > 1), None)
    return None if found is None else TryFiles(found.args[:-1], found.args[-1], found.where)


def holds(block: IfBlock, known: dict[str, str]) -> bool | None:
    """Whether the condition holds for a request whose variables are ``known``; None when
    the request alone (a file on disk, a header, a cookie) decides it."""
    args = block.condition
    if not args or args[0] in _TESTS or not args[0].startswith("$"):
        return None
    value = known.get(args[0].replace("{", "").replace("}", ""))
    if value is None:
        return None
    if len(args) == 1:
        return value not in ("", "0")
    if len(args) != 3:
        return None
    op, operand = args[1], args[2]
    if op in ("=", "!="):
        # A string operand may hold variables; in a regex '$' is the end anchor.
        if re.search(r"\$(\w|\{)", operand):
            return None
        return (value == operand) == (op == "=")
    if op.lstrip("!") in ("~", "~*"):
        regex = pcre(operand, op.endswith("*"))
        return None if regex is None else bool(regex.search(value)) != op.startswith("!")
    return None


@dataclass(frozen=True)
class Rewrite:
    regex: str
    replacement: str
    flag: str  # "", "last", "break", "redirect", "permanent"
    where: str

    def written(self) -> str:
        return f"rewrite {self.regex} {self.replacement}" + (f" {self.flag}" if self.flag else "")


def read_rewrites(block: Directive) -> tuple[Rewrite, ...]:
    return tuple(Rewrite(d.args[0], d.args[1], d.args[2] if len(d.args) > 2 else "", d.where)
                 for d in block.children("rewrite") if len(d.args) > 1)


@dataclass(frozen=True)
class Rewritten:
    """What a level's rewrite lines do to a path: each that matched, the URI it left (None:
    a variable the request alone gives), and how nginx goes on."""

    applied: tuple[tuple[Rewrite, str | None], ...]
    uri: str | None  # the new path, without its query
    flag: str  # the last one's: "" or "last" (search the location again), "break"...
    redirect: int | None  # 301 or 302: nginx answers with a redirect, no application


def apply_rewrites(rewrites: tuple[Rewrite, ...], path: str,
                   known: dict[str, str]) -> Rewritten | None:
    """ngx_http_rewrite_module: each line in order on the current URI; a match replaces it
    ($1...$9 from the match), ``last``/``break`` stop the lines, a replacement starting
    with ``http://``, ``https://`` or ``$scheme``, or ``redirect``/``permanent``, answers a
    redirect."""
    applied: list[tuple[Rewrite, str | None]] = []
    uri: str | None = path
    for r in rewrites:
        regex = pcre(r.regex, False)
        found = regex.search(uri) if regex is not None and uri is not None else None
        if found is None:
            continue
        text = _captures(r.replacement, found)
        for name in sorted(known, key=len, reverse=True):  # $host before $ho
            text = text.replace("${" + name[1:] + "}", known[name]).replace(name, known[name])
        external = r.replacement.startswith(("http://", "https://", "$scheme"))
        uri = None if "$" in text else text.partition("?")[0]
        applied.append((r, uri))
        if external or r.flag in ("redirect", "permanent"):
            return Rewritten(tuple(applied), uri, r.flag, 301 if r.flag == "permanent" else 302)
        if r.flag in ("last", "break") or uri is None:
            return Rewritten(tuple(applied), uri, r.flag, None)
    return Rewritten(tuple(applied), uri, "", None) if applied else None


def _captures(replacement: str, found: re.Match[str]) -> str:
    def group(m: re.Match[str]) -> str:
        number = int(m.group(1))
        return (found.group(number) or "") if number <= (found.re.groups or 0) else ""
    return re.sub(r"\$(\d)", group, replacement)


@dataclass(frozen=True)
class Phase:
    """A server block's or location's own lines of the rewrite phase, and try_files."""

    sets: tuple[SetVar, ...] = ()
    ifs: tuple[IfBlock, ...] = ()  # those holding a return, rewrite, *_pass or set
    rewrites: tuple[Rewrite, ...] = ()
    try_files: TryFiles | None = None


def read_phase(block: Directive) -> Phase:
    return Phase(read_sets(block), read_ifs(block), read_rewrites(block),
                 read_try_files(block))
