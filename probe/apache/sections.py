"""Which per-directory sections (``<Directory>``, ``<Files>``, ``<Location>`` and their
``Match`` forms) apply to a script and mount, in httpd's merge order: where a
``WSGIProcessGroup`` or ``WSGIApplicationGroup`` inside one of them takes effect."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from probe.apache.config import Directive

SECTION_ORDER = {"directory": 0, "directorymatch": 1, "files": 2, "filesmatch": 2,
                  "location": 3, "locationmatch": 3}


def per_directory(scope: Sequence[Directive]) -> list[tuple[Directive, Directive]]:
    """Directives inside per-directory sections, with their section."""
    return [(d, s) for s in scope if s.key in SECTION_ORDER for d in s.body()]


def applicable_sections(scopes: Sequence[Sequence[Directive]], script: str,
                         mount: str) -> list[Directive]:
    """Per-directory sections applying to a script and a URL path, in httpd's merge order
    (later wins): ``<Directory>`` shortest path first, then ``<Directory ~>`` and
    ``<DirectoryMatch>``, then ``<Files>``/``<FilesMatch>``, then ``<Location>``/
    ``<LocationMatch>``, each kind in configuration order (the main server's before a
    VirtualHost's)."""
    sections = [s for scope in scopes for s in scope
                if s.key in SECTION_ORDER and s.args and _applies(s, script, mount)]
    return sorted(sections, key=_merge_key)


def _merge_key(section: Directive) -> tuple[int, int]:
    order = SECTION_ORDER[section.key]
    if section.key == "directory" and section.args[0] == "~":
        return 1, 0  # a regular expression: merged with the DirectoryMatch sections
    return order, section.args[0].count("/") if section.key == "directory" else 0


def deciding_directive(scopes: Sequence[Sequence[Directive]], script: str, path: str,
                       key: str) -> Directive | None:
    """The directive ``key`` (``wsgiprocessgroup``...) in effect for ``script`` reached at
    URL ``path``: the last one in httpd's merge order, the servers' own lines (main server,
    then VirtualHost) first, then the per-directory sections."""
    found: Directive | None = None
    for scope in scopes:
        found = _last(scope, key) or found
    for section in applicable_sections(scopes, script, path):
        found = _last(section.body(), key) or found
    return found


def _last(directives: Sequence[Directive], key: str) -> Directive | None:
    return next((d for d in reversed(directives) if d.key == key and d.args), None)


def _applies(section: Directive, script: str, mount: str) -> bool:
    pattern = section.args[0]
    regex = section.key.endswith("match") or pattern == "~"
    if pattern == "~" and len(section.args) > 1:
        pattern = section.args[1]
    if section.key.startswith("directory"):
        directory = str(PurePosixPath(script).parent)
        if regex:
            return _search(pattern, directory)
        return _under(directory, pattern)
    if section.key.startswith("files"):
        name = PurePosixPath(script).name
        return _search(pattern, name) if regex else fnmatch.fnmatchcase(name, pattern)
    if regex:
        return _search(pattern, mount)
    return _under(mount, pattern)


def _under(path: str, pattern: str) -> bool:
    """``path`` is ``pattern`` or below it; ``pattern`` may hold shell wildcards."""
    pattern = pattern.rstrip("/") or "/"
    if pattern == "/":
        return True
    parts = PurePosixPath(path).parts
    return any(fnmatch.fnmatchcase(str(PurePosixPath(*parts[:end])), pattern)
               for end in range(1, len(parts) + 1))


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False
