"""Whether another user could have chosen where the probe token goes: checked before the
token is read, as ssh checks its configuration and sudo its sudoers file.

The manifest names the URLs the token is sent to and the file it is read from. A manifest
another user can write (0666 in ``/tmp``, or owned by another user) let a security tester
make root's ``probe sweep`` read a root-only one-line file as ``token_file`` and send it, as
``X-Probe-Token``, to a listener of theirs, without a word. So a token is read for a manifest
only when nobody but this user and root could have written it: the file is owned by one of
them and not writable by group or others (ssh's rule for ``~/.ssh/config``: "Bad owner or
permissions"), no directory above it lets another user replace it (owned by another user, or
writable by group or others without the sticky bit; sshd's ``StrictModes`` walk), and no
symbolic link on the way is one the kernel's ``fs.protected_symlinks`` would not follow.
The token file itself: a link of another user in a sticky world-writable directory is not
followed (the rule ``-o`` applies, :mod:`probe.output_links`), and a file another user left
in such a directory (where anyone may create one) is not read.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat

from probe.output_links import UnsafeLink, followed

WRITE_BITS = stat.S_IWGRP | stat.S_IWOTH


def foreign_writer(path: str) -> str | None:
    """Why a user other than this one and root could have written the file ``path`` (its
    link, a directory above it), in a few words; None when none could."""
    me = os.geteuid()
    try:
        real = followed(path)
    except UnsafeLink as exc:
        return exc.strerror
    except OSError:
        return None  # unreadable: the caller's own read says so
    try:
        found = os.stat(real)
    except OSError:
        return None
    if found.st_uid not in (me, 0):
        return f"it is owned by {_user(found.st_uid)}, another user"
    if found.st_mode & WRITE_BITS:
        return f"it is writable by {_writers(found)} (mode {stat.S_IMODE(found.st_mode):04o})"
    directory = os.path.dirname(real)
    while True:
        try:
            above = os.stat(directory)
        except OSError:
            return None
        if above.st_uid not in (me, 0):
            return f"its directory {directory} is owned by {_user(above.st_uid)}, another user"
        if above.st_mode & WRITE_BITS and not above.st_mode & stat.S_ISVTX:
            return (f"its directory {directory} is writable by {_writers(above)} without the "
                    f"sticky bit (mode {stat.S_IMODE(above.st_mode):04o})")
        if directory == "/":
            return None
        directory = os.path.dirname(directory)


def planted_token_file(path: str) -> str | None:
    """Why the token file ``path`` may be another user's plant; None when it is not."""
    try:
        real = followed(path)
    except UnsafeLink as exc:
        return exc.strerror
    except OSError:
        return None  # the read says why
    try:
        found = os.stat(real)
        directory = os.stat(os.path.dirname(real))
    except OSError:
        return None
    public = directory.st_mode & stat.S_ISVTX and directory.st_mode & stat.S_IWOTH
    if public and found.st_uid not in (os.geteuid(), 0, directory.st_uid):
        return (f"{real} is owned by {_user(found.st_uid)} in {os.path.dirname(real)}, a "
                "sticky world-writable directory where any user may leave a file, so that "
                "user chose the token and may change it")
    return None


def _user(uid: int) -> str:
    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def _writers(found: os.stat_result) -> str:
    if found.st_mode & stat.S_IWOTH:
        return "every user"
    try:
        return f"group {grp.getgrgid(found.st_gid).gr_name}"
    except KeyError:
        return f"group {found.st_gid}"
