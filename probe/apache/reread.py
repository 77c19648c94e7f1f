"""A configuration file read more than once: two ``Include`` lines name it (a site file in
``sites-enabled`` and again from ``conf-enabled``), so every line of it is in the server
twice. A "duplicate" found between a line and itself is this, and its fix is to remove
one of the ``Include`` lines, not to rename or reorder anything in the file."""

from __future__ import annotations

import os
from collections import Counter

from probe.apache.config import ApacheConfig, IncludeLine


def includes_of(config: ApacheConfig, file: str) -> tuple[IncludeLine, ...]:
    """The ``Include`` lines that read ``file``, where there are two or more."""
    real = os.path.realpath(file)
    found = tuple(i for i in config.includes if os.path.realpath(i.file) == real)
    return found if len(found) > 1 else ()


def read_twice(config: ApacheConfig, file: str, line: int, where: str) -> str | None:
    """Why ``file:line`` is found twice when ``where`` (the other copy's ``file:line``) is
    the same line: the Include lines that read it; None when it is another line."""
    if where != f"{file}:{line}":
        return None
    lines = includes_of(config, file)
    if not lines:
        return None
    named = " and ".join(f"{i.by_file}:{i.by_line}" for i in lines)
    return (f"{file} is read {len(lines)} times (Include at {named}), so its line {line} "
            f"is in the server {len(lines)} times")


def reread_fix(config: ApacheConfig, file: str) -> str:
    """Remove an Include that reads only this file: one reading several (a glob over
    ``sites-enabled``) would take the other sites with it. Both alone: the later one."""
    lines = includes_of(config, file)
    read = Counter((i.by_file, i.by_line) for i in config.includes)
    alone = [i for i in lines if read[(i.by_file, i.by_line)] == 1]
    drop = alone[-1] if alone else lines[-1]
    keep = next(i for i in lines if i is not drop)
    also = "" if alone else " (it reads other files too: have it read them without this one)"
    return (f"remove the Include at {drop.by_file}:{drop.by_line} (it reads {file} again, "
            f"also read by the Include at {keep.by_file}:{keep.by_line}){also}, so that the "
            f"file is read once")
