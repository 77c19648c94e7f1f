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

from probe.apache.config_text import MAX_CONFIG_BYTES, files_under, split_args
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

    def why_kept(self, original: str, line: int, start_root: str) -> str | None:
        """Why the directive httpd named by ``line`` cannot be commented out safely, in a
        few words; None where it can. Not a section line (``<...>``, ``</...>``: the
        sections would not balance), nor a ``Define``/``UnDefine`` whose name a ``${NAME}``
        or ``<IfDefine NAME>`` uses (without it they read otherwise), nor a ``ServerRoot``
        that moves the root from ``start_root`` (the one httpd starts with, ``-d``: every
        relative path after it would be read from elsewhere)."""
        lines = self.lines.get(os.path.abspath(original))
        if lines is None or not 0 < line <= len(lines):
            return "httpd names a line of a file lint did not copy"
        first, last = _span(lines, line)
        text = lines[first - 1].strip()
        if not text or text.startswith("#"):
            return "httpd names a line that holds no directive"
        if text.startswith("<"):
            return "it is a section line, and commenting it out would unbalance the sections"
        joined = " ".join(n.rstrip().removesuffix("\\") for n in lines[first - 1:last])
        name, *args = split_args(joined)
        if name.lower() in ("define", "undefine") and args and self._uses(args[0]):
            return (f"without this {name}, ${{{args[0]}}} or <IfDefine {args[0]}> elsewhere "
                    f"would read differently")
        if name.lower() == "serverroot" and not self._same_root(start_root):
            return "without this ServerRoot, relative paths after it would be read elsewhere"
        return None

    def comment_out(self, original: str, line: int) -> str:
        """Comment out the directive httpd named by ``line`` (its last physical line, as
        httpd names a continued directive): all its physical lines, once :meth:`why_kept`
        found nothing against it. Its name, lower case."""
        lines = self.lines[os.path.abspath(original)]
        first, last = _span(lines, line)
        name = self.directive(original, line)
        for number in range(first, last + 1):
            lines[number - 1] = "#" + lines[number - 1]
        self._write(original)
        return name

    def _uses(self, name: str) -> bool:
        """Whether a directive of any copy uses the variable ``name`` (anywhere: an include
        order is not worth guessing for a yes that only stops the chain)."""
        word = re.escape(name)
        use = re.compile(rf"\$\{{{word}\}}|^\s*<IfDefine\s+[\"']?!?{word}[\"']?\s*>", re.I)
        return any(use.search(text) for lines in self.lines.values() for text in lines
                   if not text.lstrip().startswith("#"))

    def _same_root(self, start_root: str) -> bool:
        """Every ``ServerRoot`` of the copies names the root httpd starts with: commenting
        one out changes nothing."""
        def same(line: str) -> bool:
            args = split_args(line)
            return len(args) > 1 and os.path.realpath(
                os.path.join(start_root, args[1])) == os.path.realpath(start_root)
        return all(same(t) for lines in self.lines.values() for t in lines
                   if t.split()[:1] and t.split()[0].lower() == "serverroot")

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
