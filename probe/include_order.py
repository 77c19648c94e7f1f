"""Which file a wildcard include reads first, for both front servers.

httpd reads the files a wildcard ``Include``/``IncludeOptional`` matches in the sorted order
of their names (it sorts the matches; httpd's core documentation, ``Include``), and nginx
those a glob ``include`` matches likewise (``ngx_open_glob`` calls glob(3) without
``GLOB_NOSORT``; nginx sets no locale, so the order is that of the bytes). So the name of a
file, not the order the files were written in, decides which site of an address comes
first: the one that takes the names no site claims where nothing is marked the default. A
site renamed ``05-shop.conf`` beside ``15-default.conf``, or a catch-all renamed
``zz-catchall`` beside ``django-project.com``, changes which one that is.

The fronts' own words are :mod:`probe.apache.include_order` and
:mod:`probe.nginx.include_order`; this module finds the include and the order.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SHOWN = 6  # file names listed before "..."


@dataclass(frozen=True)
class Read:
    """One file an include read, and where that include is written (``FILE:LINE``)."""

    file: str
    by: str


@dataclass(frozen=True)
class SortedFirst:
    """The include that reads the first site's file before those of the others."""

    by: str  # FILE:LINE of the include
    names: tuple[str, ...]  # the base names of the files it read, in the order read
    first: str  # the base name of the first site's file

    def shown(self) -> str:
        return ", ".join(self.names[:SHOWN]) + (", ..." if len(self.names) > SHOWN else "")


def sorted_first(reads: Sequence[Read], first: str, others: Iterable[str]) -> SortedFirst | None:
    """Where the site in file ``first`` comes before the sites in files ``others`` only
    because one include reads ``first`` before them (the sorted order of the names); None
    where no include reads both, or ``first`` is not read by one."""
    line = next((r.by for r in reads if r.file == first), None)
    if line is None:
        return None
    read = [r.file for r in reads if r.by == line]
    later = set(others) & set(read[read.index(first) + 1:])
    if not later:
        return None
    return SortedFirst(line, tuple(os.path.basename(f) for f in read), os.path.basename(first))
