"""A scratch copy of a configuration in which lines httpd refused are commented out, so that
``apache2 -t`` can be asked for the refusal after them (httpd stops at the first one).

Every file lint read is copied below a scratch directory at its absolute path
(``SCRATCH/files/etc/apache2/sites-enabled/x.conf``), and each ``Include`` line of a copy
is pointed at the copies, on the same line: line numbers stay those of the user's files,
and httpd's messages name a copy that maps back to the file lint read. An ``Include`` whose
files are not all copied (lint did not read them: a section it judged not to hold) keeps
pointing at the originals; a refusal there cannot be neutralized and ends the chain. The
user's files are only ever read.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Sequence

from probe.apache.config_text import MAX_CONFIG_BYTES, files_under
from probe.files import read_text

_INCLUDE = re.compile(r"""^(\s*include(?:optional)?\s+)("[^"]*"|'[^']*'|\S+)(.*)$""", re.I)
_NAME = re.compile(r"^\s*(\S+)")


class ScratchCopy:
    """The copies of ``files`` below ``scratch``; relative ``Include`` paths are taken from
    ``server_root``, as httpd takes them."""

    def __init__(self, files: Sequence[str], server_root: str, scratch: str) -> None:
        self.top = os.path.join(scratch, "files")
        self.server_root = server_root
        self.copied = {os.path.abspath(f) for f in files}
        self.lines: dict[str, list[str]] = {}
        for file in self.copied:
            text = read_text(file, MAX_CONFIG_BYTES, errors="replace")
            self.lines[file] = [self._repoint(line) for line in text.splitlines()]
            self._write(file)

    def path(self, original: str) -> str:
        """Where the copy of a file lint read is."""
        return self.top + os.path.abspath(original)

    def original(self, path: str) -> str | None:
        """The file a copy was made from; None for a path that is no copy."""
        if not path.startswith(self.top + "/"):
            return None
        file = path[len(self.top):]
        return file if file in self.copied else None

    def unmirror(self, text: str) -> str:
        """httpd's words with the copies' paths put back to the user's."""
        return text.replace(self.top + "/", "/")

    def directive(self, original: str, line: int) -> str:
        """The name of the directive httpd names by ``line`` ("" where there is none)."""
        lines = self.lines.get(os.path.abspath(original), [])
        if not 0 < line <= len(lines):
            return ""
        found = _NAME.match(lines[_span(lines, line)[0] - 1])
        return found.group(1).lower() if found is not None else ""

    def comment_out(self, original: str, line: int) -> bool:
        """Comment out the directive httpd named by ``line`` (its last physical line, as
        httpd names a continued directive): all its physical lines. False, and nothing
        changed, where that is not safe: a section line (``<...>``, ``</...>``), a line that
        is no directive, a file that was not copied."""
        lines = self.lines.get(os.path.abspath(original))
        if lines is None or not 0 < line <= len(lines):
            return False
        first, last = _span(lines, line)
        text = lines[first - 1].strip()
        if not text or text.startswith(("<", "#")):
            return False
        for number in range(first, last + 1):
            lines[number - 1] = "#" + lines[number - 1]
        self._write(original)
        return True

    def _write(self, original: str) -> None:
        copy = self.path(original)
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        with open(copy, "w", encoding="utf-8") as out:
            out.write("\n".join(self.lines[os.path.abspath(original)]) + "\n")

    def _repoint(self, line: str) -> str:
        found = _INCLUDE.match(line)
        if found is None or "${" in found.group(2):
            return line
        pattern = found.group(2).strip("\"'")
        absolute = os.path.normpath(os.path.join(self.server_root, pattern))
        if not self._all_copied(absolute):
            return line
        return f'{found.group(1)}"{self.top}{absolute}"{found.group(3)}'

    def _all_copied(self, pattern: str) -> bool:
        """Whether every file httpd would read for an ``Include`` was copied."""
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        files: list[str] = []
        for match in matches:
            files += files_under(match) if os.path.isdir(match) else [match]
        return bool(files) and all(os.path.abspath(f) in self.copied for f in files)


def _span(lines: list[str], line: int) -> tuple[int, int]:
    """The first and last physical line of the directive continued through ``line``."""
    first = line
    while first > 1 and lines[first - 2].rstrip().endswith("\\"):
        first -= 1
    last = line
    while last < len(lines) and lines[last - 1].rstrip().endswith("\\"):
        last += 1
    return first, last
