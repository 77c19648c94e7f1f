"""Writing in place, where no temporary file is renamed over the path (probe.output_file):
this user's FIFO or device (a pipe to another command, ``/dev/null``, a terminal), written as
it comes, and a regular file in a directory where no temporary file can be made.

Both are opened without blocking: opening a FIFO for writing waits for a reader for ever
(the kernel's wait_for_partner, which no ``--timeout`` bounds), so one without a reader is
refused at once; and both are checked through the opened descriptor, since what was
stat'ed may have been replaced since (another user's FIFO planted during a sweep).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable

NOT_REGULAR = ("not a regular file, nor a FIFO of this user's or a device of this user's or "
               "root's (another user's FIFO, device or socket); give a regular file's path, "
               "or - for stdout")
"""Why a path is not written: the one line's end, before the sweep and at the write."""
NO_READER = "a FIFO no process reads (nothing written); start its reader first"


def ours(found: os.stat_result) -> bool:
    """A FIFO of this user's, or a character device of this user's or root's: written in
    place, as it comes (a pipe to another command, /dev/null, a terminal)."""
    if stat.S_ISFIFO(found.st_mode):
        return found.st_uid == os.geteuid()
    return stat.S_ISCHR(found.st_mode) and found.st_uid in (os.geteuid(), 0)


def write_special(path: str, parts: Iterable[str]) -> None:
    """``parts`` into this user's FIFO or device ``path``, as they come: opened without
    waiting for a reader (none: refused at once), checked through the descriptor."""
    _write(path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC, parts,
           ours, truncate=False)


def write_in_place(path: str, parts: Iterable[str]) -> None:
    """``parts`` over the regular file ``path`` (a link's target, already checked): opened
    without following a link nor waiting for a FIFO's reader, checked through the descriptor
    (what was stat'ed may have been replaced since), and only then truncated."""
    _write(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, parts,
           lambda found: stat.S_ISREG(found.st_mode), truncate=True)


def _write(path: str, flags: int, parts: Iterable[str],
           accepted: Callable[[os.stat_result], bool], *, truncate: bool) -> None:
    """Opened with ``flags`` (never blocking), ``accepted`` through the descriptor, made
    blocking for the writes (a pipe's reader may be slower than the report)."""
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ENXIO and not truncate:  # this user's FIFO, no reader
            raise OSError(errno.ENXIO, NO_READER, path) from None
        if exc.errno in (errno.ENXIO, errno.ELOOP):  # a FIFO where a file was; a link since
            raise OSError(errno.EINVAL, NOT_REGULAR, path) from None
        raise
    try:
        if not accepted(os.fstat(fd)):  # replaced since it was stat'ed
            raise OSError(errno.EINVAL, NOT_REGULAR, path)
        os.set_blocking(fd, True)
        if truncate:
            os.ftruncate(fd, 0)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        for part in parts:
            stream.write(part)
