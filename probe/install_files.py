"""Reading and writing the files of ``probe endpoint --install`` without losing anything.

Every file is read with the manifest loader's guards (a regular file, a size limit: a FIFO
or /dev/zero gets one line, not a hang). The script is rewritten in place, through the
descriptor it was checked on: its inode, hard links, symbolic link, owner, group, mode and
extended attributes all stay as they are. Right before writing, its device, inode, size,
modification time and bytes are compared with what was read: a change made meanwhile (an
editor, a deploy) refuses the write instead of being overwritten. New files are created
with O_EXCL and O_NOFOLLOW, never through a link, owned like the script.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from probe.errors import ProbeError

MAX_SCRIPT_BYTES = 4 * 1024 * 1024
"""A WSGI script (or endpoint file) larger than this is not one."""


class InstallRefused(ProbeError):
    """The script cannot (or must not) be changed; the message says why, in one line."""


class NotRegularFile(ValueError):
    """What :func:`read_regular` refuses to read: its message says why, without the path."""


def read_regular(path: str | os.PathLike[str], limit: int, *,
                 follow: bool = True) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file ``path`` (at most ``limit + 1``) and its fstat.

    The manifest loader's guards (probe.manifest.load), with the fstat kept for the
    concurrency check and links refusable: opened without blocking and checked before
    reading, since a FIFO would wait for a writer forever and /dev/zero never ends.
    ``follow=False``: a symbolic link is refused too. Raises OSError when it cannot be
    opened, NotRegularFile for anything but a file.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError:
        if not follow and os.path.islink(path):
            raise NotRegularFile("is a symbolic link") from None
        raise
    try:
        status = os.fstat(fd)
        if stat.S_ISDIR(status.st_mode):
            raise NotRegularFile("is a directory")
        if not stat.S_ISREG(status.st_mode):
            raise NotRegularFile("not a regular file")
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as file:
        return file.read(limit + 1), status


@dataclass(frozen=True)
class Snapshot:
    """A file's bytes and the identity they were read with."""

    data: bytes
    identity: tuple[int, int, int, int]  # device, inode, size, modification time (ns)
    mode: int
    uid: int
    gid: int


def _identity(status: os.stat_result) -> tuple[int, int, int, int]:
    return status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns


def read(path: Path, *, follow: bool, missing_ok: bool = False) -> Snapshot | None:
    """The file at ``path``; None when it is missing and ``missing_ok``. Raises InstallRefused."""
    try:
        data, status = read_regular(path, MAX_SCRIPT_BYTES, follow=follow)
    except NotRegularFile as exc:
        raise InstallRefused(f"{path}: {exc}; nothing changed") from None
    except FileNotFoundError:
        if missing_ok:
            return None
        raise InstallRefused(f"{path}: cannot read: no such file") from None
    except OSError as exc:
        raise InstallRefused(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_SCRIPT_BYTES:
        raise InstallRefused(f"{path}: larger than {MAX_SCRIPT_BYTES} bytes: not a WSGI script; "
                             f"nothing changed")
    return Snapshot(data, _identity(status), status.st_mode & 0o7777, status.st_uid,
                    status.st_gid)


def open_unchanged(path: Path, snapshot: Snapshot, *, follow: bool, write: bool = True) -> int:
    """A descriptor of ``path`` (read-write, or read-only), which must still be ``snapshot``."""
    flags = ((os.O_RDWR if write else os.O_RDONLY) | os.O_CLOEXEC | os.O_NONBLOCK
             | (0 if follow else os.O_NOFOLLOW))
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InstallRefused(f"{path}: cannot write: {exc.strerror or exc}; "
                             f"nothing changed") from None
    try:
        current = _identity(os.fstat(fd))
        same = current == snapshot.identity and _read_all(fd) == snapshot.data
    except OSError:
        same = False
    if not same:
        os.close(fd)
        raise InstallRefused(f"{path}: changed while this command ran (edited or replaced); "
                             f"nothing changed, run it again")
    return fd


def _read_all(fd: int) -> bytes:
    chunks = []
    offset = 0
    while chunk := os.pread(fd, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def write_through(fd: int, old: bytes, new: bytes) -> None:
    """Make the file of ``fd`` (holding ``old``) hold ``new``, in place.

    Only the bytes from the first difference on are written (an install appends). If the
    write fails (a full disk), the old bytes are put back before the error is raised.
    """
    # bytes, not paths: commonprefix compares item by item, which is what is wanted
    common = len(os.path.commonprefix([old, new]))  # noqa: RUF071
    try:
        _pwrite_all(fd, new[common:], common)
        os.ftruncate(fd, len(new))
        os.fsync(fd)
    except OSError:
        try:
            _pwrite_all(fd, old[common:], common)
            os.ftruncate(fd, len(old))
        except OSError:
            pass
        raise


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def create(path: Path, data: bytes, *, mode: int, like: Snapshot,
           group: int | None = None) -> None:
    """Create ``path`` (never through a link, never over a file), owned like ``like``
    (in ``group`` where given)."""
    gid = like.gid if group is None else group
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 0o600)
    try:
        if os.geteuid() == 0:
            os.fchown(fd, like.uid, gid)  # root installs for the script's owner
        else:
            try:
                os.fchown(fd, -1, gid)  # the script's group, where this user may
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.EINVAL):
                    raise
        os.fchmod(fd, mode)
        _pwrite_all(fd, data, 0)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)


def remove_unchanged(path: Path, snapshot: Snapshot) -> None:
    """Delete ``path`` if it is still exactly ``snapshot`` (else refuse)."""
    os.close(open_unchanged(path, snapshot, follow=False, write=False))
    path.unlink()
