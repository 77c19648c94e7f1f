"""Mass virtual hosting: the file a ``VirtualDocumentRoot`` (mod_vhost_alias) maps a request
to, and the WSGI script a ``wsgi-script`` handler runs there.

httpd puts the Host of each request into the directory (mod_vhost_alias's
``vhost_alias_interpolate``, httpd 2.4): ``%0`` the whole name, ``%N`` its N-th dot-separated
part from the left, ``%-N`` from the right, ``%N+``/``%-N+`` that part and all after it /
before it, ``.M`` the same of the characters of what N selected, ``_`` where a part or a
character does not exist, ``%p`` the port, ``%%`` a ``%``; copied in lower case. The path
is appended, and httpd walks it on disk: the first file ends the script, the rest is
PATH_INFO; a directory with a trailing ``/`` is served by its ``DirectoryIndex`` (mod_dir).

The script runs under mod_wsgi where a ``SetHandler wsgi-script`` or ``AddHandler
wsgi-script .EXT`` applies to the file (a ``<Directory>`` around it, or the server's own
lines) and ``Options`` there allow ``ExecCGI`` (else mod_wsgi refuses it with a 403).

Where the files are not here (the sweep runs on another machine than the server) the model
cannot decide the route and says so, with the file to look for: never "no WSGI mount".
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

from probe.apache.config import Directive
from probe.apache.handlers import WSGI_SCRIPT
from probe.apache.sections import applicable_sections

_DEFAULT_INDEX = ("index.html",)  # mod_dir's default DirectoryIndex


def interpolate(pattern: str, name: str, port: int) -> str:
    """``pattern`` with the name ``name`` and ``port`` put in as mod_vhost_alias does."""
    parts = name.split(".")[:19]  # httpd counts at most 19 dots
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        i += 1
        if char != "%" or i >= len(pattern):
            out.append(char)
            continue
        if pattern[i] == "%":
            out.append("%")
            i += 1
            continue
        if pattern[i] == "p":
            out.append(str(port))
            i += 1
            continue
        spec, i = _spec(pattern, i)
        selected = _select(name, parts, *spec[:3])
        if spec[3]:
            selected = _select_chars(selected, *spec[3:])
        out.append(selected.lower())
    text = "".join(out)
    return text[:-1] if text.endswith("/") else text  # httpd: no double slashes


def _spec(pattern: str, i: int) -> tuple[tuple[int, bool, bool, int, bool, bool], int]:
    """(N, N's dash, N's plus, M, M's dash, M's plus) of ``%-N+.-M+`` at ``i``."""
    n_dash = pattern.startswith("-", i)
    i += n_dash
    n = int(pattern[i]) if i < len(pattern) and pattern[i].isdigit() else 0
    i += 1
    n_plus = pattern.startswith("+", i)
    i += n_plus
    m, m_dash, m_plus = 0, False, False
    if pattern.startswith(".", i):
        i += 1
        m_dash = pattern.startswith("-", i)
        i += m_dash
        m = int(pattern[i]) if i < len(pattern) and pattern[i].isdigit() else 0
        i += 1
        m_plus = pattern.startswith("+", i)
        i += m_plus
    return (n, n_dash, n_plus, m, m_dash, m_plus), i


def _select(name: str, parts: list[str], n: int, dash: bool, plus: bool) -> str:
    if n == 0:
        return name
    if n > len(parts):
        return "_"
    if not dash:
        return ".".join(parts[n - 1:]) if plus else parts[n - 1]
    return ".".join(parts[:len(parts) - n + 1]) if plus else parts[len(parts) - n]


def _select_chars(text: str, m: int, dash: bool, plus: bool) -> str:
    if m > len(text):
        return "_"
    if not dash:
        return text[m - 1:] if plus else text[m - 1]
    return text[:len(text) - m + 1] if plus else text[len(text) - m]


@dataclass(frozen=True)
class VirtualFile:
    """Where a request lands under a ``VirtualDocumentRoot``: the script and its URL, or why
    the model cannot say (``undecided``), or that httpd answers 404 (``missing``)."""

    root: str
    file: str | None = None
    script_name: str = ""
    handler: Directive | None = None  # the SetHandler/AddHandler wsgi-script that applies
    exec_cgi: bool = False
    undecided: str | None = None
    missing: str | None = None


def virtual_root(scopes: Sequence[Sequence[Directive]]) -> Directive | None:
    """The ``VirtualDocumentRoot`` in force (the server's own, else the main server's)."""
    found = None
    for scope in scopes:
        found = next((d for d in reversed(scope) if d.key == "virtualdocumentroot" and d.args),
                     found)
    return found


def virtual_file(scopes: Sequence[Sequence[Directive]], root_line: Directive, host: str,
                 port: int, path: str) -> VirtualFile:
    root = interpolate(root_line.args[0], host.rstrip("."), port)
    if not os.path.isdir(root):
        return VirtualFile(root, missing=f"{root} is not a directory here")
    walked, rest = root, [p for p in path.split("/") if p]
    script_name = ""
    while rest and os.path.isdir(os.path.join(walked, rest[0])):
        walked, script_name = os.path.join(walked, rest[0]), f"{script_name}/{rest[0]}"
        rest = rest[1:]
    if rest:
        found = os.path.join(walked, rest[0])
        if not os.path.isfile(found):
            return VirtualFile(root, missing=f"{found} does not exist here")
        script_name += "/" + rest[0]
    elif not path.endswith("/"):
        return VirtualFile(root, undecided=f"{walked} is a directory: mod_dir redirects "
                                            f"{path} to {path}/ (DirectorySlash)")
    else:
        index = _index(scopes, walked, path)
        found = next((os.path.join(walked, n) for n in index
                      if os.path.isfile(os.path.join(walked, n))), "")
        if not found:
            return VirtualFile(root, missing=f"no DirectoryIndex file ({' '.join(index)}) "
                                             f"in {walked} here")
        script_name = script_name + "/" + posixpath.basename(found)
    handler = _handler(scopes, found, path)
    return VirtualFile(root, found, script_name, handler,
                       handler is not None and _exec_cgi(scopes, found, path))


def _in_order(scopes: Sequence[Sequence[Directive]], file: str,
              path: str) -> list[Directive]:
    """The server lines, then those of the sections applying to ``file``, as httpd merges."""
    lines = [d for scope in scopes for d in scope]
    return lines + [d for s in applicable_sections(scopes, file, path) for d in s.body()]


def _index(scopes: Sequence[Sequence[Directive]], directory: str, path: str) -> tuple[str, ...]:
    found = [d for d in _in_order(scopes, directory + "/", path) if d.key == "directoryindex"]
    return tuple(found[-1].args) if found else _DEFAULT_INDEX


def _handler(scopes: Sequence[Sequence[Directive]], file: str, path: str) -> Directive | None:
    found = None
    extensions = {"." + e.lower() for e in posixpath.basename(file).split(".")[1:]}
    for d in _in_order(scopes, file, path):
        if d.key == "sethandler" and d.args:
            found = d if d.args[0].lower() == WSGI_SCRIPT else None
        elif d.key == "addhandler" and len(d.args) >= 2 and \
                d.args[0].lower() == WSGI_SCRIPT and \
                extensions & {("." + e.lstrip(".")).lower() for e in d.args[1:]}:
            found = d
    return found


def _exec_cgi(scopes: Sequence[Sequence[Directive]], file: str, path: str) -> bool:
    allowed = False
    for d in _in_order(scopes, file, path):
        if d.key != "options":
            continue
        if not all(a[:1] in "+-" for a in d.args):
            allowed = False  # options without + or - replace the ones before
        for arg in d.args:
            word = arg.lstrip("+-").lower()
            if word in ("execcgi", "all"):
                allowed = not arg.startswith("-")
    return allowed
