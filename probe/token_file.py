"""Reading the probe token file without following a symbolic link another user placed.

``probe endpoint --install`` run as root gives the token file it creates to the script's
owner, in the application's directory (docs/security.md). A security tester, as that owner
(``nobody``), replaced the file with ``ln -s /root-only/secret``: root's ``probe sweep`` read
the root-only file through the link and sent its first line as ``X-Probe-Token`` to the
manifest's URL, their application. A link in a directory above the file does the same, and
``fs.protected_symlinks`` guards only sticky world-writable directories. So the token file's
path is followed only through links of this user or root (whoever owns a link chooses the
file it names); a regular file another user owns, as the install makes it, is still read.
The file is then opened one component at a time, each with ``O_NOFOLLOW``, along the path
the check resolved: a link placed between the check and the open is refused, not followed.
"""

from __future__ import annotations

import errno
import os
import pwd
import stat

from probe.files import FileRefused
from probe.output_links import followed


class ForeignLink(OSError):
    """A symbolic link on the token file's path owned by a user other than this one and root."""

    def __init__(self, link: str, owner: int) -> None:
        super().__init__(errno.EPERM, f"{link} is a symbolic link of {_user(owner)}, not of "
                         "this user or root: its owner chooses the file it names; remove it "
                         "or name the token file by a path without it", link)


def read_bytes(path: str, limit: int) -> bytes:
    """The token file's bytes (at most ``limit``): ForeignLink for another user's link on
    its path, FileRefused for what is not a regular file or larger, OSError otherwise."""
    if "\0" in path:  # os.open would raise ValueError, which no caller expects
        raise FileRefused(path, "a NUL character in the file name")
    fd = _open_along(resolved(path))
    with os.fdopen(fd, "rb") as file:
        found = os.fstat(file.fileno())
        if not stat.S_ISREG(found.st_mode):
            raise FileRefused(path, "not a regular file")
        data = file.read(limit + 1)
    if len(data) > limit:
        raise FileRefused(path, f"larger than {limit} bytes", too_large=True)
    return data


def resolved(path: str) -> str:
    """``path`` with its links followed (as ``os.path.realpath``), each link first checked:
    ForeignLink for one owned by a user other than this one and root. A part that does not
    exist ends the following; the open then says so."""
    return followed(path, _refuse_foreign)


def _refuse_foreign(link: str, found: os.stat_result, directory: str) -> None:
    if found.st_uid not in (os.geteuid(), 0):
        raise ForeignLink(link, found.st_uid)


def _open_along(real: str) -> int:
    """A descriptor for the file ``real`` names, no link followed on the way: a component
    that became a link since :func:`resolved` read it is refused, not followed."""
    parts = [part for part in real.split("/") if part]
    if not parts:
        raise FileRefused(real, "not a regular file")
    # O_PATH needs only search permission on a directory, as the path lookup it replaces.
    at = os.open("/", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parts[:-1]:
            step = _open_at(at, part, os.O_PATH | os.O_DIRECTORY)
            os.close(at)
            at = step
        # O_NONBLOCK: a FIFO opened here would wait for a writer forever.
        return _open_at(at, parts[-1], os.O_RDONLY | os.O_NONBLOCK)
    finally:
        os.close(at)


def _open_at(at: int, part: str, flags: int) -> int:
    try:
        return os.open(part, flags | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=at)
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
            raise
        try:
            now = os.lstat(part, dir_fd=at)
        except OSError:
            raise exc from None
        if not stat.S_ISLNK(now.st_mode):
            raise
        raise OSError(errno.ELOOP, f"{part} became a symbolic link (of {_user(now.st_uid)}) "
                      "after the path was checked: it is not followed", part) from None


def _user(uid: int) -> str:
    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"
