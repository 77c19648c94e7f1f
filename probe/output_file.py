"""The file a command writes its result to (``-o``, ``--save-baseline``).

Two promises, both about what was there before:

- it is never one of the files the command read (the manifest, a configuration file, the
  token file...): ``-o`` onto the manifest would replace it by the report without a word.
  Compared as files (device and inode, links followed), not as names;
- it is replaced in one step: the text goes to a temporary file beside it, renamed over it
  once whole, so a ``kill -9`` or a full disk mid-write leaves the old file as it was.
  A symbolic link's target is replaced (the link stays, as editors do), unless another user
  could have planted it (:mod:`probe.output_links`: refused);
- a FIFO is written only when it is this user's, and a device only when it is this user's
  or root's (``/dev/null``, ``/dev/stdout`` and a shell's ``>(cmd)`` are), each in place and
  opened without blocking: opening a FIFO for writing waits for a reader for ever (the
  kernel's wait_for_partner, which no ``--timeout`` bounds), so one without a reader is
  refused at once. Another user's FIFO, device or socket is refused, before the work and
  again at the write: one left in ``/tmp``, or made there during a sweep, would stop a
  cron'd sweep for good or hand that user the report. A regular file written in place is
  opened without following a link and without blocking, and checked through the descriptor
  before a byte goes in.

The new file is this user's unless the old one belonged to this user or to the directory's
owner (then its owner and group are kept, where this user may set them), and it keeps the
old mode only when the old file was this user's: another user's file lends no write bit for
group or others (a world-writable baseline left in ``/tmp`` for root to read later).

The temporary file cannot outlive the process where the filesystem allows: it is made
nameless (``O_TMPFILE``), given a name only once whole (``linkat`` through ``/proc/self/fd``),
and renamed over the target at once. Elsewhere (no ``O_TMPFILE``: NFS, older kernels, no
``/proc``) it has a name from the start, ``.NAME.wsgi-probe.XXXXXXXX.tmp``, and a ``kill -9``
leaves it; the next write to the same path removes such leftovers, and only those this tool
made: that name, a regular file of one link, owned by this user, untouched for
:data:`STALE_AFTER` seconds (a writer at work keeps its file's modification time fresh).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import time
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass

from probe.errors import UsageError
from probe.output_in_place import NOT_REGULAR, ours, write_in_place, write_special
from probe.output_links import UnsafeLink, followed

MARK = ".wsgi-probe."
"""In every temporary file's name, between the target's name and the random part."""
STALE_AFTER = 600.0
"""Seconds a temporary file is left untouched before another write may remove it."""
USE_TMPFILE = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")
"""Whether to try nameless temporary files at all (tests turn it off for the fallback)."""
@dataclass(frozen=True)
class ReadFile:
    """A file the command read, and what it was to the command (for the refusal's words)."""

    what: str
    path: str


def refuse_inputs(option: str, path: str, inputs: Iterable[ReadFile]) -> None:
    """UsageError when ``path`` is (the same file as) one of ``inputs``, or goes through a
    link another user could have planted; a path that does not exist yet, or an input that no
    longer does, is no clash."""
    try:
        followed(path)
    except UnsafeLink as exc:
        raise UsageError(f"{option} {path}: cannot write: {exc.strerror}") from None
    except OSError:
        pass  # a loop, a part unreadable: the write says so, as for any unwritable path
    try:
        out = os.stat(path)
    except (OSError, ValueError):
        return
    if not stat.S_ISREG(out.st_mode):
        if ours(out):
            return  # no file this command reads is a FIFO or a device it writes
        raise UsageError(f"{option} {path}: cannot write: {NOT_REGULAR}")
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


def write(path: str, parts: Iterable[str], *, regular_only: bool = False,
          new_mode: int | None = None) -> None:
    """``parts`` (UTF-8) written to ``path`` in one step; OSError when it cannot be.
    A path that is not a regular file (any more: replaced during the sweep) is refused
    (OSError, :data:`NOT_REGULAR`), not written.
    ``regular_only``: never written in place (a writable file in a directory that is not).
    ``new_mode``: the mode of a new file, whatever the umask (None: as ``open()`` gives it);
    a file replaced keeps its own.
    UnsafeLink (an OSError) for a link another user could have planted, before anything."""
    target = followed(path)
    try:
        before: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        before = None
    if before is not None and not stat.S_ISREG(before.st_mode):
        if not ours(before):
            raise OSError(errno.EINVAL, NOT_REGULAR, path)
        write_special(path, parts)  # through its links: /dev/stdout is /proc/self/fd/1, a pipe
        return
    directory, name = os.path.split(target)
    remove_leftovers(directory, name)
    try:
        fd, temporary = _temporary(directory, name)
    except PermissionError:
        if before is None or regular_only:
            raise
        # A writable file in a directory that is not (a log directory owned by root):
        # written in place, as before this module, rather than not at all.
        write_in_place(target, parts)
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            _take_over(stream.fileno(), before, directory, new_mode)
            for part in parts:
                stream.write(part)
            stream.flush()
            os.fsync(stream.fileno())  # the rename must not outlive the bytes on a crash
            if temporary is None:
                try:
                    temporary = _name(stream.fileno(), directory, name)
                except OSError:  # /proc/self/fd refused (a sandbox): a named copy instead
                    temporary = _copy(stream.fileno(), directory, name, before, new_mode)
        os.replace(temporary, target)
    except BaseException:
        if temporary is not None:
            with suppress(OSError):
                os.unlink(temporary)
        raise


def _temporary(directory: str, name: str) -> tuple[int, str | None]:
    """A new file in ``directory`` for the text, and its name; None for a nameless one,
    which no crash can leave behind."""
    if USE_TMPFILE:
        try:
            return os.open(directory, os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, 0o600), None
        except OSError as exc:
            # EOPNOTSUPP: a filesystem without it; EISDIR: a kernel before 3.11.
            if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                raise
    import tempfile  # a filesystem without O_TMPFILE only: not at every sweep's start

    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}{MARK}", suffix=".tmp")
    return fd, temporary


def _name(fd: int, directory: str, name: str) -> str:
    """The nameless file ``fd``, whole now, linked under a temporary name (to be renamed over
    the target at once: linkat cannot replace a file)."""
    # os.link() calls linkat() with AT_SYMLINK_FOLLOW, which the /proc link needs, only when
    # given a directory descriptor; without one it calls link(), which fails with EXDEV.
    where = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for _ in range(100):
            temporary = f".{name}{MARK}{os.urandom(4).hex()}.tmp"
            try:
                os.link(f"/proc/self/fd/{fd}", temporary, dst_dir_fd=where,
                        follow_symlinks=True)
            except FileExistsError:
                continue
            return os.path.join(directory, temporary)
    finally:
        os.close(where)
    raise OSError(errno.EEXIST, "no free temporary name", directory)


def _copy(fd: int, directory: str, name: str, before: os.stat_result | None,
          new_mode: int | None) -> str:
    """The whole nameless file ``fd`` copied to a named temporary file, synced."""
    import tempfile

    copy, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}{MARK}", suffix=".tmp")
    try:
        _take_over(copy, before, directory, new_mode)
        os.lseek(fd, 0, os.SEEK_SET)
        while chunk := os.read(fd, 1 << 20):
            os.write(copy, chunk)  # a regular file takes the whole chunk, or raises
        os.fsync(copy)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise
    finally:
        os.close(copy)
    return temporary


def remove_leftovers(directory: str, name: str, *, now: float | None = None) -> list[str]:
    """Remove the temporary files an earlier write of ``name`` left in ``directory`` (a
    ``kill -9`` mid-write): only this tool's (its name pattern), this user's, of one link,
    untouched for :data:`STALE_AFTER` seconds. Returns the names removed; never raises."""
    pattern = re.compile(re.escape(f".{name}{MARK}") + r"[A-Za-z0-9_]{8}\.tmp")
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            found = entry.stat(follow_symlinks=False)
            if (stat.S_ISREG(found.st_mode) and found.st_uid == os.geteuid()
                    and found.st_nlink == 1 and now - found.st_mtime > STALE_AFTER):
                os.unlink(entry.path)
                removed.append(entry.name)
        except OSError:
            continue
    return removed


def _take_over(fd: int, before: os.stat_result | None, directory: str,
               new_mode: int | None = None) -> None:
    """Give the temporary file the mode (and owner, where allowed) of the file it replaces,
    or, for a new file, ``new_mode`` or else the mode ``open()`` would have given it
    (mkstemp's is 0600).
    Another user's file is not taken over whole: its owner only when that is the
    directory's owner too, its mode without write bits for group and others."""
    if before is None:
        os.fchmod(fd, 0o666 & ~_umask() if new_mode is None else new_mode)
        return
    me = os.geteuid()
    mine = os.fstat(fd)
    if before.st_uid in (me, _owner(directory)) and \
            (mine.st_uid, mine.st_gid) != (before.st_uid, before.st_gid):
        try:
            os.fchown(fd, before.st_uid, before.st_gid)
        except PermissionError:  # not root: the group at least, if this user is in it
            with suppress(PermissionError):
                os.fchown(fd, -1, before.st_gid)
    mode = stat.S_IMODE(before.st_mode)
    if before.st_uid != me:
        mode &= ~(stat.S_IWGRP | stat.S_IWOTH | stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX)
    # After chown, which clears set-id bits.
    os.fchmod(fd, mode)


def _owner(directory: str) -> int | None:
    try:
        return os.stat(directory).st_uid
    except OSError:
        return None


def _umask() -> int:
    # Only readable by setting it; the command's work is done and no thread creates files.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
