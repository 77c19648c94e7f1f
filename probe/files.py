"""Reading and writing the files a user names: regular files only, never a hang.

Every file the tool reads (manifest, baseline, token file, Apache configuration, WSGI
scripts) comes through :func:`read_bytes`: opened without blocking and checked before a
byte is read, since a FIFO would wait for a writer forever and ``/dev/zero`` never ends;
then read up to a limit, past which it is not what it claims to be. A refusal is a
:class:`FileRefused`, an ``OSError`` whose ``strerror`` says why, so every caller's
existing ``except OSError`` turns it into its one line.
"""

from __future__ import annotations

import glob
import os
import stat

MIB = 1024 * 1024


class FileRefused(OSError):
    """A path that is not a regular file, or a file larger than the reader's limit."""

    def __init__(self, path: str, reason: str, *, too_large: bool = False) -> None:
        super().__init__(None, reason, path)
        self.too_large = too_large


def _name(path: str | os.PathLike[str]) -> str:
    name = os.fspath(path)
    if "\0" in name:  # os.open would raise ValueError, which no caller expects
        raise FileRefused(name, "a NUL character in the file name")
    return name


def head_bytes(path: str | os.PathLike[str], size: int) -> bytes:
    """Up to ``size`` bytes from the start of the regular file ``path``, else FileRefused."""
    name = _name(path)
    fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise FileRefused(name, "not a regular file")
        # read(n) allocates n bytes first: ask for what the file holds (a 64 MiB limit would
        # cost every manifest read that much), and read on only if it grew since.
        data = file.read(min(status.st_size, size) + 1)
        if len(data) > status.st_size and len(data) < size:
            data += file.read(size - len(data))
        return data[:size]


def read_bytes(path: str | os.PathLike[str], limit: int) -> bytes:
    """The content of the regular file ``path``, at most ``limit`` bytes, else FileRefused."""
    data = head_bytes(path, limit + 1)
    if len(data) > limit:
        raise FileRefused(os.fspath(path), f"larger than {limit} bytes", too_large=True)
    return data


def regular_stat(path: str | os.PathLike[str]) -> os.stat_result:
    """``os.stat(path)`` of a regular file (links followed), else FileRefused."""
    name = _name(path)
    found = os.stat(name)
    if not stat.S_ISREG(found.st_mode):
        raise FileRefused(name, "not a regular file")
    return found


def read_text(path: str | os.PathLike[str], limit: int, *, errors: str = "strict") -> str:
    """:func:`read_bytes` decoded as UTF-8 (UnicodeDecodeError with ``errors="strict"``)."""
    return read_bytes(path, limit).decode("utf-8", errors)


def check_writable(path: str | os.PathLike[str]) -> str:
    """``path`` if it names a regular file or nothing yet, else FileRefused: checked before
    the work whose result goes there, not after."""
    name = _name(path)
    try:
        before = os.stat(name)
    except FileNotFoundError:
        return name
    if not stat.S_ISREG(before.st_mode):
        raise FileRefused(name, "not a regular file")
    return name


def write_text(path: str | os.PathLike[str], text: str, *, new_mode: int | None = None) -> None:
    """Write ``text`` (UTF-8) to ``path``: a new file or a regular one, never a FIFO or device,
    replaced in one step (:mod:`probe.output_file`); a new file gets ``new_mode`` where given.

    A FIFO would block until a reader came, a device would take the bytes somewhere
    else: both are refused (FileRefused) before anything is written.
    """
    from probe import output_file

    output_file.write(check_writable(path), [text], regular_only=True, new_mode=new_mode)


MAX_WATCHED_DIRS = 1000
"""Most directories one include's wildcards make a watch look at (a glob over a whole tree
is not a site layout)."""


def include_dirs(pattern: str) -> tuple[str, ...]:
    """The directories whose entries an include of ``pattern`` (absolute; a file, a directory,
    or a glob) depends on: a file added to one of them can change what the include reads,
    even when it matched nothing. For a glob, its deepest directory without a wildcard, and
    each existing directory a wildcard in a directory name matches (``/srv/*/site.conf``:
    ``/srv`` and every ``/srv/NAME``), up to :data:`MAX_WATCHED_DIRS`."""
    parts = pattern.split(os.sep)
    fixed = next((at for at, part in enumerate(parts) if glob.has_magic(part)), None)
    if fixed is None:
        return (pattern if os.path.isdir(pattern) else os.path.dirname(pattern),)
    found = [os.sep.join(parts[:fixed]) or os.sep]
    # The directory part's wildcard levels, each as far as it matches now: a new NAME is seen
    # in its parent, a new file in NAME only here.
    for end in range(fixed + 1, len(parts)):
        level = os.sep.join(parts[:end])
        found += sorted(p for p in glob.iglob(level) if os.path.isdir(p))[:MAX_WATCHED_DIRS]
        if len(found) > MAX_WATCHED_DIRS:
            break
    return tuple(found[:MAX_WATCHED_DIRS])
