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
    """Per-directory sections applying to a script and mount, in httpd's merge order:
    ``<Directory>`` shortest path first, then DirectoryMatch, Files, Location."""
    sections = [s for scope in scopes for s in scope
                if s.key in SECTION_ORDER and s.args and _applies(s, script, mount)]
    return sorted(sections, key=lambda s: (SECTION_ORDER[s.key],
                                           s.args[0].count("/") if s.key == "directory" else 0))


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
