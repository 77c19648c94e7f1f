"""Where a command's output goes: the streams, whether stdout is a terminal, and how wide.

Asked once, by the CLI (as httpie's Environment is), and passed down: a renderer is given a
width and never asks the terminal itself, so a test renders at 80 or 160 columns in-process.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from typing import TextIO


@dataclass(frozen=True)
class Environment:
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdout_isatty: bool = False
    width: int | None = None
    """Columns to render for; None: no limit (a file or a pipe keeps whole lines)."""

    @property
    def color(self) -> bool:
        return self.stdout_isatty

    @classmethod
    def from_process(cls) -> Environment:
        """The real process: $COLUMNS if set (also for a pipe), else the terminal's width."""
        tty = sys.stdout.isatty()
        width: int | None = None
        columns = os.environ.get("COLUMNS", "")
        if columns.isdigit() and int(columns) > 0:
            width = int(columns)
        elif tty:
            width = shutil.get_terminal_size((80, 24)).columns
        return cls(sys.stdout, sys.stderr, tty, width)
