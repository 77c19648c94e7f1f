"""The lines of a file httpd's grammar cannot read, and which other server's file it looks
like (:mod:`probe.front_files`).

httpd reads a configuration line by line: a directive ``Name args`` (a trailing ``\\``
continues it on the next line) or a section ``<Name args>`` ... ``</Name>``; it has no
blocks written with braces and no ``name = value`` settings. A file with such a line is not
httpd's, however many of its words are also httpd's (a Caddyfile's ``header`` is httpd's
``Header`` to a case-insensitive look-up): Caddy's ``shop.test:18080 {`` and lighttpd's
``server.port = 8080`` decide it. A name httpd does not know is weaker evidence (a typo, a
module it does not ship), except one in lower case with an underscore, which neither httpd
nor the modules named as it names its own (``reverse_proxy``, ``header_up``) spell so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from probe.apache.directive_names import DIRECTIVES
from probe.safe_text import one_line

_NAME = re.compile(r"([A-Za-z][A-Za-z0-9_]*)(?:[ \t]+(?![=:\s])|[ \t]*$)")
_ASSIGNMENT = re.compile(r"[A-Za-z_$][\w.\-\[\]\"$]*[ \t]*(?:\+=|:=|=)(?!=)")
_PERL = re.compile(r"<Perl\b", re.I)
"""mod_perl's ``<Perl>`` section holds Perl, braces and all: its body is not read."""
_PERL_END = re.compile(r"</Perl[ \t]*>", re.I)
_UNDERSCORED = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")
_MODULE_STYLE = re.compile(r"php_(?:admin_)?(?:value|flag)")
"""mod_php's names, the one module of lower-case names with underscores httpd loads."""

_CADDY = frozenset((
    "abort", "acme_server", "basicauth", "basic_auth", "bind", "encode", "file_server",
    "forward_auth", "handle", "handle_errors", "handle_path", "header_down", "header_up",
    "invoke", "lb_policy", "map", "method", "php_fastcgi", "redir", "request_body",
    "request_header", "respond", "reverse_proxy", "rewrite", "root", "route", "skip_log",
    "templates", "tls", "to", "transport", "try_files", "uri", "vars"))
"""Caddy's directives (Caddy 2.6 docs; not its global options: ``admin off`` says less)
that httpd has not: only to name the file, never to decide that it is not httpd's."""
_LIGHTTPD = re.compile(
    r"(?:\$(?:HTTP|SERVER|REQUEST_HEADER|PHYSICAL)\[|"
    r"(?:server|proxy|fastcgi|scgi|accesslog|dir-listing|mimetype|index-file|url|"
    r"static-file|alias|setenv|auth|ssl|deflate|expire|cgi|debug|status|webdav)"
    r"\.[\w.-]+[ \t]*(?:\+=|:=|=))")
"""lighttpd's ``module.option = value`` settings and ``$HTTP["host"] ==`` conditions."""


@dataclass(frozen=True, slots=True)
class Line:
    """A line of the file: its number (1-based) and its text, stripped and shortened."""

    number: int
    text: str

    def __str__(self) -> str:
        return f"line {self.number} {self.text!r}"


@dataclass(frozen=True, slots=True)
class Foreign:
    """A line httpd's grammar cannot read, and why."""

    line: Line
    reason: str


def _lines(text: str) -> Iterator[Line]:
    """Each line httpd would read as a directive or section: not blank, not a comment, not
    the continuation of the line before, not in a ``<Perl>`` body."""
    continued = perl = False
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        was_continued, continued = continued, stripped.endswith("\\")
        if perl:
            perl = not _PERL_END.match(stripped)
            continue
        if was_continued or not stripped or stripped.startswith("#"):
            continue
        perl = bool(_PERL.match(stripped)) and not _PERL_END.search(stripped)
        yield Line(number, one_line(stripped, limit=80))


def foreign_line(text: str) -> Foreign | None:
    """The first line httpd's grammar cannot read (the module docstring says which), else
    None."""
    for line in _lines(text):
        found = _foreign(line.text)
        if found:
            return Foreign(line, found)
    return None


def _foreign(text: str) -> str | None:
    if text.endswith("{"):
        return "opens a block with '{': httpd has none, its sections are written <Name ...>"
    if text.startswith("}"):
        return "closes a block with '}': httpd has none, its sections end with </Name>"
    name = _NAME.match(text)
    word = name.group(1) if name else None
    if word is not None and word.lower() in DIRECTIVES:
        return None
    if _ASSIGNMENT.match(text):
        return "sets a value with '=', which no directive of httpd's is written as"
    if word and _UNDERSCORED.fullmatch(word) and not _MODULE_STYLE.fullmatch(word):
        return (f"starts with {word!r}, which is no directive httpd knows nor named as a "
                f"module's (httpd's are CamelCase)")
    return None


def looks_like(text: str) -> tuple[str, Line] | None:
    """Which other server's file ``text`` is, where a line says so clearly: ("a
    Caddyfile", the line) or ("a lighttpd configuration", the line); else None."""
    for line in _lines(text):
        if _LIGHTTPD.match(line.text):
            return "a lighttpd configuration", line
        name = _NAME.match(line.text)
        if name and name.group(1) in _CADDY:
            return "a Caddyfile", line
    return None
