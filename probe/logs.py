"""structlog set-up: human lines on a terminal, JSON for machines, always on stderr.

structlog is imported at the first event that will be written, not by ``configure``:
structlog brings rich along (its tracebacks), 50-100 ms that ``probe check`` on a bad
manifest (the UNKNOWN path) or a quiet ``probe sweep`` would pay for logs never written.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import structlog

# The standard logging module's levels, without importing it: ``probe check`` never writes a
# log line (silent), and logging with its traceback and string modules was ~5 % of its start-up.
DEBUG, INFO, WARNING, ERROR, CRITICAL = 10, 20, 30, 40, 50

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
    global _pending, _lowest
    if silent:
        # Libraries that log through the standard module are silenced too; where nothing
        # imported it yet, nothing can write through it either (tests/test_startup.py checks
        # that the check imports none).
        if "logging" in sys.modules:
            sys.modules["logging"].disable(CRITICAL)
        _lowest = CRITICAL + 1
    elif verbosity >= 2:
        _lowest = DEBUG
    else:
        _lowest = INFO if verbosity == 1 or always_info_from else WARNING
    _pending = functools.partial(_apply, verbosity, fmt, always_info_from, silent)
    if "structlog" in sys.modules:
        _apply_pending()


def writes(level: int) -> bool:
    """Whether an event of ``level`` can be written (True before any ``configure``)."""
    return _lowest is None or level >= _lowest


class Logger:
    """structlog's logger ``name``, imported at its first event that will be written."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._real: Any = None

    def _emit(self, level: int, method: str, event: str, fields: dict[str, Any]) -> None:
        if not writes(level):
            return
        if self._real is None:
            import structlog

            _apply_pending()
            self._real = structlog.get_logger(self._name)
        getattr(self._real, method)(event, **fields)

    def debug(self, event: str, **fields: Any) -> None:
        self._emit(DEBUG, "debug", event, fields)

    def info(self, event: str, **fields: Any) -> None:
        self._emit(INFO, "info", event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._emit(WARNING, "warning", event, fields)

    def error(self, event: str, **fields: Any) -> None:
        self._emit(ERROR, "error", event, fields)


def get_logger(name: str) -> Logger:
    return Logger(name)


def reset() -> None:
    """Forget ``configure`` (tests: structlog.reset_defaults() does not reach this module)."""
    global _pending, _lowest
    _pending = _lowest = None


_pending: Callable[[], None] | None = None
_lowest: int | None = None


def _apply_pending() -> None:
    global _pending
    if _pending is not None:
        apply, _pending = _pending, None
        apply()


def _apply(verbosity: int, fmt: str, always_info_from: str | None, silent: bool) -> None:
    import structlog

    if silent:
        # ReturnLogger hands the rendered event back to the caller and writes nothing.
        structlog.configure(
            wrapper_class=structlog.make_filtering_bound_logger(CRITICAL),
            logger_factory=structlog.ReturnLoggerFactory(),
            cache_logger_on_first_use=False,
        )
        return
    level = WARNING if verbosity <= 0 else INFO if verbosity == 1 else DEBUG
    renderer: structlog.typing.Processor
    if fmt == "json" or (fmt == "auto" and not sys.stderr.isatty()):
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    processors: list[structlog.typing.Processor] = [structlog.processors.add_log_level]
    if always_info_from and verbosity <= 0:
        level = INFO
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
    import structlog

    def keep(logger: Any, method: str, event: structlog.typing.EventDict
             ) -> structlog.typing.EventDict:
        if event.get("component") != component and _LEVELS.get(method, 30) < WARNING:
            raise structlog.DropEvent
        return event

    return keep
