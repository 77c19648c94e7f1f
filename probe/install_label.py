"""The label ``probe endpoint --install`` gives an endpoint when ``--label`` is not given.

The label is how the probe's manifest knows an instance, so two scripts must not answer
with the same one. One WSGI script in a directory (Django's ``mysite/mysite/wsgi.py``) is
named by its directory. Several sharing a directory (mod_wsgi's ``site1.wsgi``,
``site2.wsgi`` for three sites of one project) would all answer the directory's name: a
re-tester's three sites all answered 'chain'. There each is named by its file name without
the extension.

A sibling counts when it is a ``.wsgi`` file (mod_wsgi's name for a script) or a ``.py``
file holding the block of an earlier install. Any ``.py`` defining ``application`` would
not do: Django's ``asgi.py`` beside ``wsgi.py`` does too, and is no WSGI script. A sibling
installed earlier with the directory's name keeps it until installed again; the summary
says so, since only then do their labels differ.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass
from pathlib import Path

from probe.install_block import BEGIN
from probe.install_files import InstallRefused, read
from probe.safe_text import one_line

ENDPOINT_NAME = "wsgi_endpoint.py"
# The label in an installed block's wrap() line (install_block renders it with ascii()).
_BLOCK_LABEL = re.compile(rb"wsgi_endpoint\.wrap\(application, label=('(?:[^'\\\n]|\\.)*'|"
                          rb"\"(?:[^\"\\\n]|\\.)*\")")


@dataclass(frozen=True)
class Sibling:
    """Another WSGI script in the script's directory, and the label its block gives."""

    name: str
    label: str | None  # None: no block, or none this could read


@dataclass(frozen=True)
class DefaultLabel:
    label: str
    siblings: tuple[Sibling, ...]  # empty: the script is alone and named by its directory

    def said(self, directory: str) -> str:
        """Why the label is this one, for the summary; empty when alone."""
        if not self.siblings:
            return ""
        names = ", ".join(s.name for s in self.siblings)
        stale = [s.name for s in self.siblings if s.label == directory]
        again = (f"; {', '.join(stale)} answer{'s' if len(stale) == 1 else ''} with the "
                 f"directory's name {directory!r} from an earlier install: run --install on "
                 f"{'it' if len(stale) == 1 else 'each'} again to give "
                 f"{'it' if len(stale) == 1 else 'each'} its own" if stale else "")
        return (f": the script's name, since other WSGI scripts share its directory ({names}); "
                f"--label gives another, and the manifest's instance must carry the same"
                f"{again}")


def _sibling(path: Path) -> Sibling | None:
    try:
        snapshot = read(path, follow=True)
    except InstallRefused:
        return None  # a FIFO or a huge file is no WSGI script
    data = snapshot.data if snapshot is not None else b""
    if BEGIN.encode() not in data and path.suffix != ".wsgi":
        return None
    found = _BLOCK_LABEL.search(data)
    try:
        label = ast.literal_eval(found.group(1).decode("ascii")) if found else None
    except (ValueError, SyntaxError, UnicodeDecodeError):
        label = None
    return Sibling(one_line(path.name, limit=None), label if isinstance(label, str) else None)


def default_label(script: Path) -> DefaultLabel:
    """The script's directory as given, not a link's target (which changes each release);
    the script's own name where other WSGI scripts share that directory."""
    here = Path(os.path.abspath(script))
    siblings = []
    for path in sorted([*here.parent.glob("*.wsgi"), *here.parent.glob("*.py")]):
        if path.name in (here.name, ENDPOINT_NAME):
            continue
        sibling = _sibling(path)
        if sibling is not None:
            siblings.append(sibling)
    if not siblings:
        return DefaultLabel(here.parent.name, ())
    taken = {Path(s.name).stem for s in siblings}
    return DefaultLabel(here.stem if here.stem not in taken else here.name, tuple(siblings))


def check_label(label: str) -> None:
    if not label.strip():
        raise InstallRefused(f"--label {label!r}: give a name (the probe's manifest knows the "
                             f"instance by it)")
    if any(ord(c) < 32 or ord(c) == 127 for c in label):
        raise InstallRefused(f"--label {label!r}: give a name without control characters")
