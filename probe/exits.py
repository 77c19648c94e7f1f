"""Exit statuses, and the one place that maps an exception to one (as httpie's ExitStatus).

Every command runs inside :class:`probe.cli.ProbeGroup`, which hands whatever
escapes a command to :func:`outcome`: a user's error is one line and status 2,
a bug is one line and a status no verdict uses, never a traceback
(``WSGI_PROBE_TRACEBACK=1`` adds it on stderr, for a bug report).

``probe check`` is a Monitoring Plugin: there every failure is UNKNOWN (3), and
the status line goes to stdout, where Nagios reads it.

Every command's statuses are written here and nowhere else: the sweep's status -> exit
(:func:`sweep_exit`), the plugin's states (:data:`PLUGIN_EXIT`), the lint and the demo.
The module imports nothing heavy (no dataclasses): ``probe check``'s cheapest paths
(``--help``, a bad manifest) read their status from here too.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import NamedTuple


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


PLUGIN_EXIT: Mapping[str, int] = {"ok": 0, "warning": 1, "critical": 2,
                                  "unknown": ExitStatus.PLUGIN_UNKNOWN}
"""A Monitoring Plugin's exit status for each state (the values of ``probe.model.Status``)."""


def sweep_exit(status: str, *, interrupted: bool, fail_on_warning: bool) -> ExitStatus:
    """``probe sweep``'s status: 1 when a URL is critical or unknown (or, with
    ``--fail-on-warning``, warning), 130 for a sweep cut short by Ctrl-C."""
    if interrupted:
        return ExitStatus.INTERRUPTED
    failing = {"critical", "unknown"} | ({"warning"} if fail_on_warning else set())
    return ExitStatus.PROBLEM if status in failing else ExitStatus.SUCCESS


def lint_exit(failed: bool) -> ExitStatus:
    """``probe lint``: 1 when a finding is a warning or an error, notes alone pass."""
    return ExitStatus.PROBLEM if failed else ExitStatus.SUCCESS


PLUGIN_COMMANDS = frozenset({"check"})


class Outcome(NamedTuple):
    status: ExitStatus
    message: str
    """One line, without the ``probe:`` prefix; empty for a quiet exit."""
    internal: bool = False


def outcome(exc: BaseException, command: str | None = None) -> Outcome:
    """The exit status and the one line to print for an exception that ended ``command``."""
    from probe.errors import ProbeError
    from probe.safe_text import one_line

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
