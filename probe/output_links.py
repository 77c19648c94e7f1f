"""The symbolic links ``-o`` and ``--save-baseline`` may write through: those the kernel's
``fs.protected_symlinks`` would follow, whatever that setting is on this machine.

A report is written to a temporary file and renamed over the path's target
(:mod:`probe.output_file`); finding that target means reading the links on the way, which
the kernel never checks for us (``readlink`` is not a follow). Without this, another user
could leave ``/tmp/report.json -> /root/.ssh/authorized_keys`` for root's ``probe sweep -o
/tmp/report.json`` to replace. The kernel's rule, kept here: in a sticky, world-writable
directory (``/tmp``), a link is followed only when its owner is the user following it or
the directory's owner; anywhere else, any link is.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable

MAX_LINKS = 40
"""Links followed for one path before giving up, as the kernel's ELOOP."""


class UnsafeLink(OSError):
    """A link in the path another user could have planted: not followed."""

    def __init__(self, link: str, owner: int, directory: str) -> None:
        super().__init__(errno.EPERM,
                         f"{link} is a symbolic link of uid {owner} in {directory}, a sticky "
                         "world-writable directory, where only links of this user or of the "
                         "directory's owner are followed (the rule of fs.protected_symlinks): "
                         "remove it or give another path", link)


Check = Callable[[str, os.stat_result, str], None]
"""Raises for a link (its path, its lstat, the directory it is in) that must not be followed."""


def followed(path: str, check: Check | None = None) -> str:
    """``path`` with every symbolic link on the way followed (as ``os.path.realpath``), each
    link first checked by the kernel's rule (UnsafeLink for one it would not follow), or by
    ``check`` (:mod:`probe.token_file`'s stricter one). A part that does not exist (yet)
    ends the following, the rest is kept as written."""
    refuse = check or _refuse_planted
    pending = (path if os.path.isabs(path) else os.path.join(os.getcwd(), path)).split("/")
    pending.reverse()
    resolved = "/"
    links = 0
    while pending:
        part = pending.pop()
        if part in ("", "."):
            continue
        if part == "..":  # after the links before it, as the kernel does
            resolved = os.path.dirname(resolved)
            continue
        candidate = os.path.join(resolved, part)
        try:
            found = os.lstat(candidate)
        except OSError:
            return os.path.join(candidate, *reversed(pending))
        if not stat.S_ISLNK(found.st_mode):
            resolved = candidate
            continue
        links += 1
        if links > MAX_LINKS:
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)
        refuse(candidate, found, resolved)
        target = os.readlink(candidate)
        if target.startswith("/"):
            resolved = "/"
        pending.extend(reversed(target.split("/")))
    return resolved


def _refuse_planted(link: str, found: os.stat_result, directory: str) -> None:
    """UnsafeLink when the kernel's protected_symlinks would not follow ``link`` for this
    user (fs/namei.c may_follow_link)."""
    if found.st_uid == os.geteuid():
        return
    try:
        parent = os.stat(directory)
    except OSError:
        return
    sticky_world = parent.st_mode & stat.S_ISVTX and parent.st_mode & stat.S_IWOTH
    if sticky_world and parent.st_uid != found.st_uid:
        raise UnsafeLink(link, found.st_uid, directory)
