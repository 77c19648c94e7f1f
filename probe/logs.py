"""structlog set-up: human lines on a terminal, JSON for machines, always on stderr."""

from __future__ import annotations

import logging
import sys

import structlog


def configure(verbosity: int = 0, fmt: str = "console") -> None:
    """``verbosity`` 0 logs warnings only, 1 info (each request), 2 debug."""
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    renderer: structlog.typing.Processor
    if fmt == "json" or (fmt == "auto" and not sys.stderr.isatty()):
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
