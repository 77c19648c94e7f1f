"""The rewrite-phase and try_files directives of a server block or location, as the route
needs them (ngx_http_rewrite_module, ngx_http_core_module ``try_files``). nginx runs a
level's rewrite-module lines (``set``, ``if``, ``rewrite``, ``return``, ``break``) one after
the other in configuration order, an ``if``'s own lines where the ``if`` stands when it
holds, so they are kept in that order (:attr:`Phase.ops`, run by
:mod:`probe.nginx.phase_steps`):

* ``set $x value;``: in configuration order, a server block's before the location is
  chosen, a location's after; the value may name other variables;
* ``if (condition) { ... }``: a condition on a variable (``$v``, ``$v = s``, ``$v != s``,
  ``~``, ``~*``, ``!~``, ``!~*``) is decided here when the request gives the variable's value;
  a file test (``-f``, ``-d``, ``-e``, ``-x``) or another variable leaves it to the request;
  what the block holds that changes the route (``return``, ``rewrite``, a ``*_pass``, a
  ``set``) is kept with its line;
* ``rewrite regex replacement [flag];``: applied to the current URI, ``$1``... from the
  match (:func:`rewrite_once`);
* ``try_files file ... fallback;``: the files are looked up on disk, which is not read
  here; the fallback is a named location (``@django``), ``=code``, or a URI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from probe.nginx.text import Directive, pcre

ROUTING = ("return", "rewrite", "proxy_pass", "uwsgi_pass", "fastcgi_pass", "scgi_pass",
           "grpc_pass", "set", "try_files", "break")
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


OPS = ("set", "if", "rewrite", "return", "break")  # the rewrite module's, run in order


def if_block(d: Directive) -> IfBlock:
    return IfBlock(d.args, d.where, tuple(c for c in d.block or () if c.name in ROUTING))


def set_var(d: Directive, inside: str | None = None) -> SetVar | None:
    return SetVar(d.args[0], d.args[1], d.where, inside) if len(d.args) > 1 else None


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


def rewrite_of(d: Directive) -> Rewrite | None:
    return Rewrite(d.args[0], d.args[1], d.args[2] if len(d.args) > 2 else "", d.where) \
        if len(d.args) > 1 else None


@dataclass(frozen=True)
class Rewritten:
    """What one rewrite line does to a URI that it matches."""

    uri: str | None  # the new path, without its query; None: a value only a request has
    redirect: int | None  # 301 or 302: nginx answers with a redirect, no application


def rewrite_once(r: Rewrite, uri: str, known: dict[str, str]) -> Rewritten | None:
    """ngx_http_rewrite_module: a match replaces the URI ($1...$9 from the match); a
    replacement starting with ``http://``, ``https://`` or ``$scheme``, or
    ``redirect``/``permanent``, answers a redirect; None: the line does not match."""
    regex = pcre(r.regex, False)
    found = regex.search(uri) if regex is not None else None
    if found is None:
        return None
    text = _captures(r.replacement, found)
    for name in sorted(known, key=len, reverse=True):  # $host before $ho
        text = text.replace("${" + name[1:] + "}", known[name]).replace(name, known[name])
    new = None if "$" in text else text.partition("?")[0]
    external = r.replacement.startswith(("http://", "https://", "$scheme"))
    if external or r.flag in ("redirect", "permanent"):
        return Rewritten(new, 301 if r.flag == "permanent" else 302)
    return Rewritten(new, None)


def _captures(replacement: str, found: re.Match[str]) -> str:
    def group(m: re.Match[str]) -> str:
        number = int(m.group(1))
        return (found.group(number) or "") if number <= (found.re.groups or 0) else ""
    return re.sub(r"\$(\d)", group, replacement)


@dataclass(frozen=True)
class Phase:
    """A server block's or location's own lines of the rewrite phase, and try_files."""

    ops: tuple[Directive, ...] = ()  # set, if, rewrite, return, break: in order
    try_files: TryFiles | None = None


def read_phase(block: Directive) -> Phase:
    return Phase(tuple(d for d in block.block or () if d.name in OPS), read_try_files(block))
