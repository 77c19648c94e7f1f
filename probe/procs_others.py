"""What ``probe ps`` does not list, said rather than left out: other WSGI servers' processes
(gunicorn, uWSGI, waitress: counted by name and command line, not inspected) and processes
this user may not read.

A tester ran ``probe ps`` beside gunicorn, uWSGI and waitress and it never said it lists
Apache/mod_wsgi only; one line now says so, with the count of each server it recognises.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

# server -> the names its processes go by: the program (argv[0], comm, a console script run
# by python) or the module given to python -m. gunicorn's and uWSGI's titles start so too
# ("gunicorn: worker [app]", "uWSGI worker 1").
SERVERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("gunicorn", ("gunicorn",)),
    ("uWSGI", ("uwsgi", "uwsgi-core")),
    ("waitress", ("waitress-serve", "waitress")),
)


@dataclass(frozen=True)
class Census:
    """What the process table held besides the Apache processes ``probe ps`` lists."""

    others: tuple[tuple[str, int], ...]  # (server, processes), servers with any
    unreadable: int  # processes whose command line this user was refused
    hidden: str | None  # the /proc mount option hiding other users' processes: hidepid=2

    def as_json(self) -> dict[str, object]:
        return {"not_listed": dict(self.others), "unreadable_processes": self.unreadable,
                "proc_hidepid": self.hidden}

    def lines(self) -> list[str]:
        counted = ", ".join(f"{n} {server}" for server, n in self.others)
        *most, last = [server for server, _ in SERVERS]
        names = f"{', '.join(most)} or {last}"
        lines = ["probe ps lists Apache httpd and mod_wsgi processes only; "
                 + (f"also running, not listed: {counted} process(es)." if counted else
                    f"no {names} process is running (by name and command line).")]
        if self.unreadable:
            lines.append(f"{self.unreadable} process(es) could not be read (permission: another "
                         "user's): whether any is Apache is unknown; run 'probe ps' as root.")
        if self.hidden:
            lines.append(f"/proc is mounted with {self.hidden}: other users' processes are "
                         "invisible to this user; run 'probe ps' as root.")
        return lines


def other_server(name: str, cmdline: Sequence[str]) -> str | None:
    """The WSGI server (not Apache) a process is, by its name and command line, or None."""
    first = os.path.basename(cmdline[0]).lower() if cmdline else ""
    words = [name.lower(), first]
    if first.startswith("python") and len(cmdline) > 1:
        words.append(os.path.basename(cmdline[1]).lower())  # a console script: python BIN
        if cmdline[1] == "-m" and len(cmdline) > 2:
            words.append(cmdline[2].lower())
    for server, names in SERVERS:
        if any(word == n or word.startswith((n + ":", n + " ")) for word in words
               for n in names):
            return server
    return None


def hidepid(mounts: str, euid: int) -> str | None:
    """The hidepid= option of the /proc mount (``/proc/mounts`` text), when it hides other
    users' processes from this (non-root) user."""
    if euid == 0:
        return None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) > 3 and fields[1] == "/proc" and fields[2] == "proc":
            for option in fields[3].split(","):
                if option.startswith("hidepid=") and option not in ("hidepid=0",
                                                                      "hidepid=off"):
                    return option
    return None
