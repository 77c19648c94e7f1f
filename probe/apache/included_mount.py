"""A VirtualHost written for a name (its ServerName) whose WSGI lines come from an ``Include``
of another application's snippet: the ``Include`` line is the mistake, and the expected
instance's own mount, where the configuration writes it elsewhere, is what it should bring.

A tester's Bitnami stack gave ``wiki.example.com`` a VirtualHost of its own that Includes
``polls/conf/httpd-app.conf``; it was told to give the name up to ``_default_``, the
catch-all, which claims no name. What is said here is read from lines: the Include
(file:line), the snippet's mounts (file:line, whose script an answer reports), the expected
instance's mount elsewhere, and what its file also writes that a second Include would repeat
(a ``WSGIDaemonProcess``, which httpd refuses to define twice) or that would not serve this
VirtualHost (a group defined inside another VirtualHost serves that one's ServerName only).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from probe.apache.config import IncludeLine
from probe.apache.model import Server, Site, WsgiApp
from probe.front import Source

_MAX_DEPTH = 16  # nested includes, each followed once


@dataclass(frozen=True)
class IncludedMount:
    """The words (one or more sentences) and the lines they cite."""

    words: str
    cites: tuple[tuple[str, Source], ...]


def include_of(site: Site, server: Server, file: str) -> IncludeLine | None:
    """The ``Include`` written inside ``server``'s section (its own file, after its opening
    line) that brings ``file`` in, directly or through other includes."""
    if file == server.file:
        return None
    wanted = {file}
    for _ in range(_MAX_DEPTH):
        lines = [i for i in site.config.includes if i.file in wanted]
        here = [i for i in lines if i.by_file == server.file and i.by_line > server.line]
        if here:
            return min(here, key=lambda i: i.by_line)
        wanted = {i.by_file for i in lines} - wanted
        if not wanted:
            break
    return None


def included_mount(site: Site, server: Server, own: Sequence[WsgiApp], expected: str,
                   script: str | None, others: Mapping[str, str]) -> IncludedMount | None:
    """The words for ``server``'s mounts (``own``, every one another instance's: ``others``
    maps a real script path to the instance whose answers report it) brought in by an
    Include inside it; None where no Include inside it brings them."""
    brought = [(a, include_of(site, server, a.directive.file)) for a in own]
    if not brought or any(line is None for _, line in brought):
        return None
    found = brought[0][1]
    assert found is not None
    at = Source(found.by_file, found.by_line)
    mounts = "; ".join(
        f"{a.target} at {a.mount} ({a.where}), the script "
        f"{others.get(os.path.realpath(a.target), 'another instance')}'s answers report "
        f"(script_file), not {expected}'s" for a, _ in brought)
    words = (f"The Include at {at} brings in {found.file}, which mounts {mounts}. "
             f"That Include is the likely mistake: another application's snippet.")
    cites: list[tuple[str, Source]] = [("Include", at)]
    cites += [(f"{a.directive.name} {a.mount}", Source(a.directive.file, a.directive.line))
              for a, _ in brought]
    meant = next((a for a in site.apps if a.server is not server and script is not None
                  and os.path.realpath(a.target) == os.path.realpath(script)), None)
    if meant is None:
        return IncludedMount(words + (f" Nothing read mounts {expected}'s script elsewhere: "
                                      f"write its mount in {server.describe()} instead."),
                             tuple(cites))
    # The whole line, options too: without its process-group= a pasted copy runs embedded
    # (a re-tester's 500).
    line = " ".join((meant.directive.name, *meant.directive.args))
    words += (f" {expected}'s script is mounted by '{line}' at {meant.where}, in "
              f"{meant.server.describe()}: that mount belongs in {server.describe()} in place "
              f"of the Include.")
    cites.append((f"{meant.directive.name} {meant.mount}",
                  Source(meant.directive.file, meant.directive.line)))
    words += _daemon_words(site, server, meant, cites)
    return IncludedMount(words, tuple(cites))


def _daemon_words(site: Site, server: Server, meant: WsgiApp,
                  cites: list[tuple[str, Source]]) -> str:
    """What the expected mount's file writes besides it that matters once it is brought into
    ``server`` too: its ``WSGIDaemonProcess`` lines (included twice, httpd refuses to
    start), and a group defined inside another VirtualHost (it serves that one's name only)."""
    said = ""
    twice = [d for d in site.daemons if d.directive.file == meant.directive.file]
    if twice:
        lines = ", ".join(f"WSGIDaemonProcess {d.name} ({d.directive.where})" for d in twice)
        said += (f" Its file also writes {lines}: included a second time, httpd refuses to "
                 f"start (a daemon group defined twice), so copy the {meant.directive.name} "
                 f"line rather than Include that file.")
        cites += [(f"WSGIDaemonProcess {d.name}", Source(d.directive.file, d.directive.line))
                  for d in twice]
    group = site.daemon(meant.process_group) if meant.process_group else None
    if group is not None and not group.server.is_main and group.server is not server:
        said += (f" WSGIDaemonProcess {group.name} ({group.directive.where}) is written inside "
                 f"{group.server.describe()}: a group defined in a VirtualHost serves only "
                 f"that VirtualHost's ServerName, so write it once outside every VirtualHost "
                 f"for both to use it.")
        if not twice:
            cites.append((f"WSGIDaemonProcess {group.name}",
                          Source(group.directive.file, group.directive.line)))
    return said
