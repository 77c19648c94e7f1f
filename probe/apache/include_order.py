"""Why a VirtualHost is the first of its address where a wildcard ``Include`` decides it.

httpd reads the files a wildcard ``Include``/``IncludeOptional`` matches in the sorted order
of their names (it sorts the matches before reading them; httpd's core documentation,
``Include``), so the file name, not the order the files were written in, decides which
VirtualHost of an address comes first and takes every Host no ServerName or ServerAlias
claims. A site renamed ``05-shop.conf`` next to ``15-default.conf`` becomes that first one.
"""

from __future__ import annotations

import os

from probe.apache.model import Site
from probe.apache.vhost_select import VhostChoice

CATCH_ALL_FILE = "00-catch-all.conf"


def read_first_by_name(site: Site, choice: VhostChoice) -> str:
    """Where the first VirtualHost of ``choice``'s set comes first only because its file's
    name sorts before the files of the others one ``Include`` reads: that ``Include`` line
    and the order of the names; "" otherwise."""
    if len(choice.candidates) < 2:
        return ""
    first = choice.candidates[0]
    line = next((i for i in site.config.includes if i.file == first.file), None)
    if line is None:
        return ""
    read = [i.file for i in site.config.includes
            if (i.by_file, i.by_line) == (line.by_file, line.by_line)]
    later = {c.file for c in choice.candidates[1:]} & set(read[read.index(first.file) + 1:])
    if not later:
        return ""
    names = [os.path.basename(f) for f in read]
    shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
    own = os.path.basename(first.file)
    text = (f"{first.describe()} is the first for this address because the "
            f"Include at {line.by_file}:{line.by_line} reads the files it matches in the sorted "
            f"order of their names ({shown}), and {own} sorts before the files of the other "
            f"VirtualHosts of this address")
    if own > CATCH_ALL_FILE:
        text += (f"; the catch-all may also go in a file of its own that sorts first, such as "
                 f"{os.path.join(os.path.dirname(first.file), CATCH_ALL_FILE)}")
    return text
