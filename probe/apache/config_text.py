"""Configuration text as httpd reads it, before any meaning: where a server root keeps its
main file, Debian's ``envvars``, the files below a directory, logical lines (continuations
joined, comments dropped) and arguments split like ``ap_getword_conf``."""

from __future__ import annotations

import fnmatch
import glob
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from probe.files import MIB, read_text

MAX_CONFIG_BYTES = 16 * MIB
"""Debian's whole /etc/apache2 is well under 1 MB; a larger file is not configuration."""


def split_args(text: str) -> tuple[str, ...]:
    """Split directive arguments the way httpd's ``ap_getword_conf`` does."""
    args: list[str] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            return tuple(args)
        quote = text[i]
        if quote in "\"'":
            i += 1
            word: list[str] = []
            while i < n and text[i] != quote:
                if text[i] == "\\" and i + 1 < n and text[i + 1] == quote:
                    i += 1
                word.append(text[i])
                i += 1
            args.append("".join(word))
            i += 1  # the closing quote (or the end of an unterminated one)
        else:
            start = i
            while i < n and not text[i].isspace():
                i += 1
            args.append(text[start:i])


MAIN_CONFIG_NAMES = ("apache2.conf", "httpd.conf", os.path.join("conf", "httpd.conf"))
"""Where a server root keeps the file httpd starts from: Debian's ``/etc/apache2``, a
source build's ``conf/`` copied flat, Red Hat's ``/etc/httpd`` (``conf/httpd.conf``)."""


def main_config(directory: str | os.PathLike[str]) -> str | None:
    """The configuration httpd starts from in a server root directory, if it has one."""
    for name in MAIN_CONFIG_NAMES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None


def default_server_root(paths: Sequence[str | os.PathLike[str]]) -> str:
    """The directory of the first path (the path itself when it is a directory)."""
    first = Path(paths[0])
    return str((first if first.is_dir() else first.parent).resolve())


_EXPORT = re.compile(r"^\s*export\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def read_envvars(path: str | os.PathLike[str]) -> dict[str, str]:
    """The ``export NAME=value`` lines of Debian's ``/etc/apache2/envvars``, which
    ``apache2ctl`` sources before starting httpd (so ``${APACHE_LOG_DIR}`` and friends
    resolve). ``$SUFFIX`` is taken as empty: the default instance, not ``apache2-NAME``."""
    try:
        text = read_text(path, MAX_CONFIG_BYTES, errors="replace")
    except OSError:
        return {}
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _EXPORT.match(line)
        if match:
            value = match.group(2).strip().strip("'\"")
            found[match.group(1)] = re.sub(r"\$\{?SUFFIX\}?", "", value)
    return found


def files_under(directory: str, limit: int | None = None) -> list[str]:
    """All files below a directory, sorted, as httpd reads an ``Include`` of a directory.

    With ``limit``, stops once more than ``limit`` are found: ``Include /`` must not walk
    the whole file system to learn that it is a mistake.
    """
    found: list[str] = []
    for top, dirs, files in os.walk(directory):
        dirs.sort()
        found += [os.path.join(top, f) for f in sorted(files)]
        if limit is not None and len(found) > limit:
            break
    return found


def logical_lines(text: str) -> Iterator[tuple[int, int, str]]:
    """(first line number, last line number, text) with continuations joined and comments
    and blanks dropped: httpd names a continued directive by its last physical line."""
    pending: list[str] = []
    start = 0
    number = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not pending:
            start = number
            if not line or line.startswith("#"):
                continue
        if line.endswith("\\"):
            pending.append(line[:-1].strip())
            continue
        pending.append(line)
        yield start, number, " ".join(p for p in pending if p)
        pending = []
    if pending:
        yield start, number, " ".join(p for p in pending if p)


def name_and_rest(text: str) -> tuple[str, str]:
    parts = text.strip().split(None, 1)
    return (parts[0], parts[1] if len(parts) > 1 else "") if parts else ("", "")


def lists_nothing(pattern: str) -> bool:
    """Whether a path pattern that matched no file is known to name nothing: what it names
    before its first wildcard exists, and each directory httpd lists (for a wildcard, or as
    the whole of what is named) can be listed here, so an ``IncludeOptional`` of it reads
    nothing, as of an empty ``conf-enabled/``. A path missing or unlistable here is not
    known to be missing where the server runs: lint may be reading a copy that lacks it.
    Below a directory listed for a wildcard, what is missing was seen to be missing."""
    parts = [p for p in pattern.split(os.sep) if p]
    tops = [os.sep if os.path.isabs(pattern) else os.curdir]
    listed = False
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        below: list[str] = []
        for top in tops:
            if not glob.has_magic(part):
                path = os.path.join(top, part)
                if os.path.isdir(path):
                    below.append(path)
                elif not listed:
                    return False  # named without a wildcard and missing here
                continue
            try:
                names = sorted(os.listdir(top))
            except OSError:
                return False
            below += [os.path.join(top, n) for n in fnmatch.filter(names, part)
                      if last or os.path.isdir(os.path.join(top, n))]
        tops = below
        listed = listed or glob.has_magic(part)
    return all(_listable(t) for t in tops if os.path.isdir(t))


def _listable(directory: str) -> bool:
    try:
        for _ in os.walk(directory, onerror=_raise):
            pass
    except OSError:
        return False
    return True


def _raise(exc: OSError) -> None:
    raise exc
