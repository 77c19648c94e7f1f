"""structlog set-up: human lines on a terminal, JSON for machines, always on stderr."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

_LEVELS = {"debug": 10, "info": 20, "warning": 30, "warn": 30, "error": 40, "exception": 40,
           "critical": 50}


def configure(verbosity: int = 0, fmt: str = "console", *,
              always_info_from: str | None = None, silent: bool = False) -> None:
    """``verbosity`` 0 logs warnings only, 1 info (each request), 2 debug.

    ``fmt`` is ``console``, ``json``, or ``auto`` (JSON when stderr is not a
    terminal). ``always_info_from`` keeps that component's info events at
    verbosity 0: the exporter's one event per sweep, without the sweep's one
    line per request per scrape. ``silent`` writes nothing at all, from
    structlog nor from libraries using the standard logging module (a
    Monitoring Plugin whose stderr would end up in its output).
    """
    if silent:
        # ReturnLogger hands the rendered event back to the caller and writes nothing.
        structlog.configure(
            wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL),
            logger_factory=structlog.ReturnLoggerFactory(),
            cache_logger_on_first_use=False,
        )
        logging.disable(logging.CRITICAL)
        return
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    renderer: structlog.typing.Processor
    if fmt == "json" or (fmt == "auto" and not sys.stderr.isatty()):
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    processors: list[structlog.typing.Processor] = [structlog.processors.add_log_level]
    if always_info_from and verbosity <= 0:
        level = logging.INFO
        processors.append(_drop_info_except(always_info_from))
    processors += [
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        renderer,
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def _drop_info_except(component: str) -> structlog.typing.Processor:
    def keep(logger: Any, method: str, event: structlog.typing.EventDict
             ) -> structlog.typing.EventDict:
        if event.get("component") != component and _LEVELS.get(method, 30) < logging.WARNING:
            raise structlog.DropEvent
        return event

    return keep
