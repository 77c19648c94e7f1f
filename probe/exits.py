"""Exit statuses, and the one place that maps an exception to one (as httpie's ExitStatus).

Every command runs inside :class:`probe.cli.ProbeGroup`, which hands whatever
escapes a command to :func:`outcome`: a user's error is one line and status 2,
a bug is one line and a status no verdict uses, never a traceback
(``WSGI_PROBE_TRACEBACK=1`` adds it on stderr, for a bug report).

``probe check`` is a Monitoring Plugin: there every failure is UNKNOWN (3), and
the status line goes to stdout, where Nagios reads it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from probe.errors import ProbeError
from probe.safe_text import one_line


class ExitStatus(enum.IntEnum):
    SUCCESS = 0
    PROBLEM = 1
    """sweep: a URL's verdict is not ok; lint: findings."""
    ERROR = 2
    """Bad usage, a bad manifest, unreadable input or output."""
    PLUGIN_UNKNOWN = 3
    """check: the plugin could not check (any failure of its own)."""
    INTERNAL_ERROR = 70
    """A bug in wsgi-probe (EX_SOFTWARE of sysexits.h): not a verdict about the servers."""
    INTERRUPTED = 130
    """Ctrl-C (128 + SIGINT), as shells report it."""


PLUGIN_COMMANDS = frozenset({"check"})


@dataclass(frozen=True)
class Outcome:
    status: ExitStatus
    message: str
    """One line, without the ``probe:`` prefix; empty for a quiet exit."""
    internal: bool = False


def outcome(exc: BaseException, command: str | None = None) -> Outcome:
    """The exit status and the one line to print for an exception that ended ``command``."""
    plugin = command in PLUGIN_COMMANDS
    if isinstance(exc, KeyboardInterrupt):
        return Outcome(ExitStatus.PLUGIN_UNKNOWN if plugin else ExitStatus.INTERRUPTED,
                       "interrupted")
    if isinstance(exc, BrokenPipeError):
        # The reader (head, a closed pager) went away: nobody is left to tell.
        return Outcome(ExitStatus.ERROR, "")
    if isinstance(exc, ProbeError):
        return Outcome(ExitStatus.PLUGIN_UNKNOWN if plugin else ExitStatus.ERROR,
                       one_line(str(exc), limit=None))
    text = one_line(f"internal error: {type(exc).__name__}: {exc}", limit=500)
    return Outcome(ExitStatus.PLUGIN_UNKNOWN if plugin else ExitStatus.INTERNAL_ERROR,
                   text, internal=True)
