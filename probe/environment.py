"""What a command may know of its process: the streams, whether they are terminals, how wide
stdout is, and the process environment.

Asked once, by the command's entry (as httpie's Environment is), and passed down: nothing
below it reads ``sys.stdout``, ``os.environ`` or the terminal itself, so a test runs a
command in-process with its own streams, width and variables. Not a dataclass:
``probe check`` builds one before it knows whether the manifest is good, and its cheapest
path imports nothing it does not need (tests/test_startup.py).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO


class Environment:
    __slots__ = ("environ", "stderr", "stderr_isatty", "stdout", "stdout_isatty", "width")

    def __init__(self, stdout: TextIO | None = None, stderr: TextIO | None = None,
                 stdout_isatty: bool = False, width: int | None = None, *,
                 environ: Mapping[str, str] | None = None,
                 stderr_isatty: bool = False) -> None:
        self.stdout: TextIO = stdout if stdout is not None else sys.stdout
        self.stderr: TextIO = stderr if stderr is not None else sys.stderr
        self.stdout_isatty = stdout_isatty
        self.stderr_isatty = stderr_isatty
        self.width = width
        """Columns to render for; None: no limit (a file or a pipe keeps whole lines)."""
        self.environ: Mapping[str, str] = environ if environ is not None else {}

    @property
    def color(self) -> bool:
        # no-color.org: NO_COLOR set to anything but "" turns colour off, even on a terminal.
        return self.stdout_isatty and not self.environ.get("NO_COLOR")

    def __repr__(self) -> str:
        return (f"Environment(stdout_isatty={self.stdout_isatty}, width={self.width}, "
                f"{len(self.environ)} variables)")

    @classmethod
    def from_process(cls) -> Environment:
        """The real process: $COLUMNS if set (also for a pipe), else the terminal's width."""
        fill_closed_stdio()
        tty = sys.stdout.isatty()
        width: int | None = None
        columns = os.environ.get("COLUMNS", "")
        if columns.isdigit() and int(columns) > 0:
            width = int(columns)
        elif tty:
            import shutil

            width = shutil.get_terminal_size((80, 24)).columns
        return cls(sys.stdout, sys.stderr, tty, width, environ=os.environ,
                   stderr_isatty=sys.stderr.isatty())


def fill_closed_stdio() -> None:
    """Give a closed stdout or stderr (``>&-``: Python then sets ``sys.stdout`` to None)
    /dev/null, so that a command still does its job (writes ``-o``, exits with its status)
    and what it would have printed is dropped.

    The descriptor itself is filled too, as daemons do: left free, the next file opened
    (the ``-o`` report) would get descriptor 1 or 2, and the status line, a log line or a
    child's output would be written into it.
    """
    for fd, name in ((1, "stdout"), (2, "stderr")):
        if getattr(sys, name) is not None:
            continue
        try:
            os.fstat(fd)
        except OSError:  # really closed: take the descriptor back before anything opens it
            void = os.open(os.devnull, os.O_WRONLY)
            if void != fd:
                os.dup2(void, fd)
                os.close(void)
            stream = open(fd, "w", encoding="utf-8", closefd=False)  # noqa: SIM115 - for the process
        else:  # None for another reason (an embedding): leave the descriptor alone
            stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for the process
        setattr(sys, name, stream)
