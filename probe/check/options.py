"""``probe check``'s options once parsed: the ``-w``/``-c`` thresholds and the ``-t`` limit.

Apart from :mod:`probe.report.nagios_evaluate` (which judges with them) so that a check
whose manifest cannot be read says UNKNOWN without importing the judgement: the model is
imported only when a state is decided. Ranges are :mod:`probe.check.ranges` (nagiosplugin's
reading, without importing nagiosplugin).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from probe import defaults
from probe.check.ranges import Range
from probe.errors import UsageError

if TYPE_CHECKING:
    from probe.model import Status

DEFAULT_TIMEOUT = defaults.CHECK_TIMEOUT

SWEEP_MARGIN = 1.0
"""Seconds kept between the sweep's deadline and ``-t`` for diagnosis and output."""

DEFAULT_CRITICAL = "0"
"""The critical range without -w and -c: 0..0, so one problem URL is already outside it."""


@dataclass(frozen=True)
class Thresholds:
    """``-w``/``-c`` on the number of problem URLs."""

    warning: Range | None = None
    critical: Range | None = None

    @property
    def effective_critical(self) -> Range | None:
        """``-c``; the default range only when neither ``-w`` nor ``-c`` was given.

        A lone ``-w 5`` must be able to say WARNING: with a default ``-c 0`` the
        first problem URL would already be CRITICAL and ``-w`` would never matter.
        """
        if self.critical is None and self.warning is None:
            return Range(DEFAULT_CRITICAL)
        return self.critical

    def status(self, problems: int) -> Status:
        """A value outside a range (inside for ``@``) is an alert, critical first."""
        from probe.model import Status

        critical = self.effective_critical
        if critical is not None and not critical.match(problems):
            return Status.CRITICAL
        if self.warning is not None and not self.warning.match(problems):
            return Status.WARNING
        return Status.OK


def parse_range(spec: str, option: str) -> Range:
    """A threshold range, or UsageError naming the option.

    nagiosplugin (and :class:`Range`) accepts an empty range (and ``@``/``:``) as 0..inf; the
    guidelines say an empty range is not valid, so those are refused here.
    """
    if spec.lstrip("@").strip() in ("", ":"):
        raise UsageError(f"{option}: empty threshold range {spec!r}")
    try:
        return Range(spec)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{option}: not a threshold range {spec!r} "
                         f"(expected [@][start:][end], e.g. 10, 10:, ~:10, 10:20, @10:20): {exc}"
                         ) from None


def parse_thresholds(warning: str | None, critical: str | None) -> Thresholds:
    """``-w``/``-c`` as given on the command line (None: not given)."""
    return Thresholds(
        warning=parse_range(warning, "-w") if warning is not None else None,
        critical=parse_range(critical, "-c") if critical is not None else None,
    )


def check_timeout(seconds: float) -> float:
    """``-t``: a finite number of seconds above 0 (``nan`` passes a range check)."""
    if not math.isfinite(seconds) or seconds <= 0:
        raise UsageError(f"-t: not a number of seconds above 0: {seconds!r}")
    return seconds


@dataclass(frozen=True)
class CheckOptions:
    """``probe check``'s command line, checked."""

    manifest_path: str
    thresholds: Thresholds = Thresholds()
    timeout: float = DEFAULT_TIMEOUT
    verbose: int = 0
    perfdata_urls: bool = False
    connect: tuple[str, ...] = ()
    """--connect, repeated for a fleet; empty: the manifest's."""
    token_file: str | None = None


def sweep_deadline(timeout: float) -> float:
    """The sweep's share of ``-t``: all but SWEEP_MARGIN, and never less than half."""
    return max(timeout - SWEEP_MARGIN, timeout / 2)
