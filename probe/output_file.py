"""The file a command writes its result to (``-o``, ``--save-baseline``).

Two promises, both about what was there before:

- it is never one of the files the command read (the manifest, a configuration file, the
  token file...): ``-o`` onto the manifest would replace it by the report without a word.
  Compared as files (device and inode, links followed), not as names;
- it is replaced in one step: the text goes to a temporary file beside it, renamed over it
  once whole, so a ``kill -9`` or a full disk mid-write leaves the old file as it was.
  A symbolic link's target is replaced (the link stays, as editors do); a FIFO or a device
  is written in place, since there is nothing to rename over.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass

from probe.errors import UsageError


@dataclass(frozen=True)
class ReadFile:
    """A file the command read, and what it was to the command (for the refusal's words)."""

    what: str
    path: str


def refuse_inputs(option: str, path: str, inputs: Iterable[ReadFile]) -> None:
    """UsageError when ``path`` is (the same file as) one of ``inputs``; a path that does not
    exist yet, or an input that no longer does, is no clash."""
    try:
        out = os.stat(path)
    except (OSError, ValueError):
        return
    for item in inputs:
        try:
            read = os.stat(item.path)
        except (OSError, ValueError):
            continue
        if (read.st_dev, read.st_ino) == (out.st_dev, out.st_ino):
            same = "" if os.path.abspath(item.path) == os.path.abspath(path) \
                else f" ({item.path})"
            raise UsageError(f"{option} {path} is {item.what}{same} this command reads: not "
                             "overwritten; give another path")


def write(path: str, parts: Iterable[str], *, regular_only: bool = False) -> None:
    """``parts`` (UTF-8) written to ``path`` in one step; OSError when it cannot be.
    ``regular_only``: a path that is not a regular file (any more) is refused, not written."""
    try:
        before: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        before = None
    if before is not None and not stat.S_ISREG(before.st_mode):
        if regular_only:
            raise OSError(errno.EINVAL, "not a regular file", path)
        _in_place(path, parts)  # /dev/stdout, a FIFO a reader waits on: no rename
        return
    target = os.path.realpath(path)
    directory, name = os.path.split(target)
    try:
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    except PermissionError:
        if before is None or regular_only:
            raise
        # A writable file in a directory that is not (a log directory owned by root):
        # written in place, as before this module, rather than not at all.
        _in_place(path, parts)
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            _take_over(stream.fileno(), before)
            for part in parts:
                stream.write(part)
            stream.flush()
            os.fsync(stream.fileno())  # the rename must not outlive the bytes on a crash
        os.replace(temporary, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise


def _in_place(path: str, parts: Iterable[str]) -> None:
    with open(path, "w", encoding="utf-8") as stream:
        for part in parts:
            stream.write(part)


def _take_over(fd: int, before: os.stat_result | None) -> None:
    """Give the temporary file the mode (and owner, where allowed) of the file it replaces,
    or, for a new file, the mode ``open()`` would have given it (mkstemp's is 0600)."""
    if before is None:
        os.fchmod(fd, 0o666 & ~_umask())
        return
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) != (before.st_uid, before.st_gid):
        try:
            os.fchown(fd, before.st_uid, before.st_gid)
        except PermissionError:  # not root: the group at least, if this user is in it
            with suppress(PermissionError):
                os.fchown(fd, -1, before.st_gid)
    # After chown, which clears set-id bits.
    os.fchmod(fd, stat.S_IMODE(before.st_mode))


def _umask() -> int:
    # Only readable by setting it; the command's work is done and no thread creates files.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
