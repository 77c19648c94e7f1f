"""Which per-directory sections (``<Directory>``, ``<Files>``, ``<Location>`` and their
``Match`` forms) apply to a script and mount, in httpd's merge order: where a
``WSGIProcessGroup`` or ``WSGIApplicationGroup`` inside one of them takes effect.

httpd merges ``<Directory>`` sections shortest path first (a ``<Directory>`` naming the
script file itself applies too: the directory walk reaches the file), then
``<DirectoryMatch>``, then ``<Files>``/``<FilesMatch>`` and last ``<Location>``/
``<LocationMatch>``, these in configuration order; the later merged wins. A ``<Files>``
inside a ``<Directory>`` applies where both do."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from probe.apache.config import Directive

SECTION_ORDER = {"directory": 0, "directorymatch": 1, "files": 2, "filesmatch": 2,
                  "location": 3, "locationmatch": 3}


@dataclass(frozen=True)
class Section:
    """A per-directory section and the sections around it (a ``<Files>`` in a
    ``<Directory>``)."""

    directive: Directive
    outer: tuple[Directive, ...] = ()

    @property
    def key(self) -> str:
        return self.directive.key

    def applies(self, script: str, mount: str) -> bool:
        return all(_applies(s, script, mount) for s in (*self.outer, self.directive))


def sections(scope: Sequence[Directive], outer: tuple[Directive, ...] = ()) -> list[Section]:
    """The per-directory sections of a scope, nested ones included, in configuration
    order."""
    found: list[Section] = []
    for d in scope:
        if d.key in SECTION_ORDER and d.args:
            found.append(Section(d, outer))
            found += sections(d.body(), (*outer, d))
    return found


def per_directory(scope: Sequence[Directive]) -> list[tuple[Directive, Section]]:
    """Directives inside per-directory sections (nested ones too), with their section."""
    return [(d, s) for s in sections(scope) for d in s.directive.body()
            if d.key not in SECTION_ORDER]


def applicable_sections(scopes: Sequence[Sequence[Directive]], script: str,
                         mount: str) -> list[Directive]:
    """Per-directory sections applying to a script and mount, in httpd's merge order:
    ``<Directory>`` shortest path first, then DirectoryMatch, Files, Location (these in
    configuration order)."""
    found = [s.directive for scope in scopes for s in sections(scope)
             if s.applies(script, mount)]
    return sorted(found, key=merge_key)


def merge_key(section: Directive) -> tuple[int, int]:
    """Where httpd merges a section: its phase, and a ``<Directory>``'s depth."""
    depth = section.arg(0).rstrip("/").count("/") if section.key == "directory" else 0
    return SECTION_ORDER[section.key], depth


def _applies(section: Directive, script: str, mount: str) -> bool:
    pattern = section.args[0]
    regex = section.key.endswith("match") or pattern == "~"
    if pattern == "~" and len(section.args) > 1:
        pattern = section.args[1]
    if section.key.startswith("directory"):
        if regex:
            return _search(pattern, str(PurePosixPath(script).parent))
        return _under(script, pattern)
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
