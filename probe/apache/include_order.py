"""Why a VirtualHost is the first of its address where a wildcard ``Include`` decides it.

httpd reads the files a wildcard ``Include``/``IncludeOptional`` matches in the sorted order
of their names (:mod:`probe.include_order`, which finds the Include line), so the file
name, not the order the files were written in, decides which VirtualHost of an address comes
first and takes every Host no ServerName or ServerAlias claims. A site renamed
``05-shop.conf`` next to ``15-default.conf`` becomes that first one.
"""

from __future__ import annotations

import os

from probe.apache.model import Site
from probe.apache.vhost_select import VhostChoice
from probe.include_order import Read, sorted_first

CATCH_ALL_FILE = "00-catch-all.conf"


def read_first_by_name(site: Site, choice: VhostChoice) -> str:
    """Where the first VirtualHost of ``choice``'s set comes first only because its file's
    name sorts before the files of the others one ``Include`` reads: that ``Include`` line
    and the order of the names; "" otherwise."""
    if len(choice.candidates) < 2:
        return ""
    first = choice.candidates[0]
    reads = [Read(i.file, f"{i.by_file}:{i.by_line}") for i in site.config.includes]
    found = sorted_first(reads, first.file, (c.file for c in choice.candidates[1:]))
    if found is None:
        return ""
    text = (f"{first.describe()} is the first for this address because the "
            f"Include at {found.by} reads the files it matches in the sorted "
            f"order of their names ({found.shown()}), and {found.first} sorts before the files "
            f"of the other VirtualHosts of this address")
    if found.first > CATCH_ALL_FILE:
        text += (f"; the catch-all may also go in a file of its own that sorts first, such as "
                 f"{os.path.join(os.path.dirname(first.file), CATCH_ALL_FILE)}")
    return text
