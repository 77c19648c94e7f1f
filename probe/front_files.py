"""Which front a configuration file belongs to, read from the file itself: ``probe lint``,
``probe discover`` and ``probe sweep --config`` take Apache's or nginx's and must not read
one as the other (nginx's ``listen 127.0.0.1:8080;`` is not Apache's ``Listen``)."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from probe.apache.directive_names import DIRECTIVES, SECTIONS
from probe.errors import ProbeError
from probe.files import head_bytes
from probe.front import FrontKind
from probe.front_grammar import foreign_line, looks_like

_DIRECTIVE = re.compile(r"^[ \t]*(?:</?([A-Za-z][A-Za-z0-9_]*)|([A-Za-z][A-Za-z0-9_]*)"
                        r"(?:[ \t]+(?![=:\s])|[ \t\r]*$))", re.M)
"""A line shaped like a directive of either front: a section tag, or a name alone or
followed by arguments (not ``key = value``, ``key: value``, ``[table]``, ``"string",``)."""
_MODULE_NAME = re.compile(r"[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*|"
                          r"php_(?:admin_)?(?:value|flag)")
"""How the modules httpd does not ship name their directives (PassengerRuby, SecRuleEngine,
JkMount, OIDCProviderMetadataURL, mod_php's php_value): words of capitalised parts, which no
Python, shell or prose line starts with before arguments."""
_CONTENT = re.compile(r"^[ \t]*[^#\s]", re.M)
_HAPROXY = re.compile(r"^(?:global|defaults(?:[ \t]+\S+)?|frontend[ \t]+\S+|backend[ \t]+\S+)"
                      r"[ \t]*\r?$", re.M)
"""An HAProxy section header at the start of a line: no directive of httpd or nginx is
written so (its ``timeout``, ``user``, ``group`` inside are also httpd's names, which made a
haproxy.cfg lint "clean" as Apache's)."""
_HAPROXY_LISTEN = re.compile(
    r"^(?P<head>listen[ \t]+(?![\d\[*])(?![^\s:]*:\d)\S+(?:[ \t]+\S+)?)[ \t]*\r?\n"
    r"(?:[ \t]*(?:#[^\n]*)?\r?\n)*"
    r"[ \t]*(?:bind|mode|server|default-server|balance|option|default_backend|use_backend|"
    r"stats|acl|http-request|http-response|tcp-request|cookie|hash-type|retries)\b", re.M)
"""HAProxy's ``listen NAME`` section (a frontend and backend in one): a name, not httpd's
``Listen [ADDRESS:]PORT``, and HAProxy's keywords below it (``bind``, ``mode``, ``server``)."""
_NGINX_MAIN = "nginx.conf"
_APACHE_MAIN = ("apache2.conf", "httpd.conf", os.path.join("conf", "httpd.conf"))
_SAMPLE = 1 << 20  # the first MiB says which it is


class NotThatFront(ProbeError):
    """A configuration given as one front's is not recognisably that front's."""


def _sample(path: str) -> str:
    try:  # the guard of every file read: a FIFO or a device is refused, not waited on
        return head_bytes(path, _SAMPLE).decode("utf-8", "replace")
    except OSError:
        return ""  # unreadable: the front's own reader says so, with the reason


def detect(path: str) -> FrontKind:
    """NGINX or APACHE from a file's content (a directory: its main file's name), else
    UNKNOWN."""
    from probe.nginx.text import looks_like_nginx  # crossplane loads only when asked

    if os.path.isdir(path):
        if os.path.isfile(os.path.join(path, _NGINX_MAIN)):
            return FrontKind.NGINX
        if any(os.path.isfile(os.path.join(path, name)) for name in _APACHE_MAIN):
            return FrontKind.APACHE
        return FrontKind.UNKNOWN
    text = _sample(path)
    if _haproxy(text) is not None:
        return FrontKind.UNKNOWN
    if looks_like_nginx(text):
        return FrontKind.NGINX
    if _known_line(text) is not None and foreign_line(text) is None:
        return FrontKind.APACHE
    return FrontKind.UNKNOWN


def _known_line(text: str) -> str | None:
    """The first line (stripped) that is a directive or section httpd knows, or None."""
    for match in _DIRECTIVE.finditer(text):
        section, name = match.group(1), match.group(2)
        if (section.lower() in SECTIONS) if section else (name.lower() in DIRECTIVES):
            return match.group(0).strip()
    return None


def require_configuration(path: str) -> None:
    """NotThatFront (one line) for a file with a line httpd's grammar cannot read
    (:func:`probe.front_grammar.foreign_line`: a Caddyfile's ``example.org {``), or of which
    no line is a directive httpd knows (:mod:`probe.apache.directive_names`) and some line
    is no directive at all (a manifest, JSON, a Python file): taken for Apache's it would
    lint clean. Passes an empty file, one of comments only, a directory, and a file whose
    every directive-shaped line is named as the modules httpd does not ship name theirs
    (:data:`_MODULE_NAME`: Passenger's alone)."""
    if os.path.isdir(path):
        return
    text = _sample(path).removeprefix("\ufeff")  # a byte order mark starts no directive
    _refuse_haproxy(path, text)
    reason = _not_httpds(text)
    if reason is None:
        return
    named = looks_like(text)
    raise NotThatFront(f"{path}: not an apache or nginx configuration ({reason})"
                       + (f"; it looks like {named[0]} ({named[1]}): wsgi-probe reads "
                          f"Apache's and nginx's only" if named else ""))


def _not_httpds(text: str) -> str | None:
    """Why ``text`` is no configuration of httpd's (the line that decides), or None."""
    if not _CONTENT.search(text):
        return None
    known = _known_line(text)
    if known is not None:
        foreign = foreign_line(text)
        return f"{foreign.line} {foreign.reason}" if foreign else None
    shaped = list(_DIRECTIVE.finditer(text))
    if not shaped:
        return "no line in it reads as a directive"
    for match in shaped:
        word = match.group(1) or match.group(2)
        if not _MODULE_NAME.fullmatch(word):
            line = text.count("\n", 0, match.start()) + 1
            return (f"no line in it is a directive httpd knows; line {line} starts with "
                    f"{word!r}")
    return None


def _haproxy(text: str) -> tuple[int, str] | None:
    """The first HAProxy section header of ``text``: where it starts, and the line."""
    found = [(m.start(), m.group(0).strip()) for m in (_HAPROXY.search(text),) if m]
    found += [(m.start(), m.group("head").strip()) for m in (_HAPROXY_LISTEN.search(text),)
              if m]
    return min(found) if found else None


def _refuse_haproxy(path: str, text: str) -> None:
    haproxy = _haproxy(text)
    if haproxy:
        line = text.count("\n", 0, haproxy[0]) + 1
        raise NotThatFront(f"{path}: an HAProxy configuration (line {line}: "
                           f"{haproxy[1]!r}); wsgi-probe reads Apache's and "
                           f"nginx's only: sweep the balancer and each backend with a connect "
                           f"list instead")


def choose(paths: Sequence[str], wanted: str) -> FrontKind:
    """The front to read ``paths`` as: ``wanted`` ("apache", "nginx") when the files are
    that front's (NotThatFront, one line, when they are not), else what they look like
    (Apache's, the older reader, when nothing tells, unless a file is no configuration at
    all: :func:`require_configuration`)."""
    kinds = {p: detect(p) for p in paths}
    if wanted == "auto":
        for path, kind in kinds.items():
            if kind is FrontKind.UNKNOWN:
                require_configuration(path)
        return (FrontKind.NGINX if set(kinds.values()) == {FrontKind.NGINX}
                else FrontKind.APACHE)
    front = FrontKind(wanted)
    other = FrontKind.APACHE if front is FrontKind.NGINX else FrontKind.NGINX
    for path, kind in kinds.items():
        if kind is FrontKind.UNKNOWN:
            require_configuration(path)  # HAProxy's, a Caddyfile...: said as what it is
        if kind is not front:
            raise NotThatFront(f"{path}: not an {front.value} configuration"
                               + (f" (it reads as {kind.value}'s)" if kind is other else ""))
    return front
