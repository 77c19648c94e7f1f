"""The exporter's sweeps: one at a time, shared by every /metrics scrape that waits for it.

One sweep per scrape, shared by scrapes that arrive while it runs (single flight) and by
those arriving less than BURST_WINDOW after it finished; with ``--min-interval S`` a sweep
younger than S seconds is served again instead. A scrape waits at most its budget (see
:func:`probe.exporter.http.scrape_budget`) plus WAIT_SLACK; a sweep that used up its
deadline is *incomplete* and counted as an error.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog

from probe.errors import ProbeError
from probe.exporter.metrics import SweepCounters, SweepSnapshot
from probe.model import Report
from probe.urls import public_url

WAIT_SLACK = 0.25
"""A scrape waits this much past the sweep's deadline for the diagnosis to finish."""
BURST_WINDOW = 1.0
"""Seconds after a sweep ended during which a scrape is served that sweep rather than
starting another. Fifty scrapes at once reach the exporter's handlers over some 0.1 s
(one thread accepts them all), while a sweep of a few URLs can take 0.03 s: without
this, one burst made four or five sweeps back to back."""

# Lazy: a .bind() here would freeze the configuration in force at import time.
log = structlog.get_logger("probe.exporter", component="exporter")

SweepRunner = Callable[[float], Report]
"""Runs the manifest's sweep with a deadline (seconds from now)."""


@dataclass(frozen=True)
class Completed:
    """How a sweep ended."""

    report: Report | None
    """None when the sweep failed, or was abandoned because the exporter is stopping."""
    complete: bool
    """False when the sweep used up its deadline: URLs it had no time for are unreachable."""
    finished_at: float
    """Unix time."""
    finished_monotonic: float
    diagnosis_s: float = 0.0
    """The sweep's time after its requests (the report's ``duration_s``): its diagnosis of
    every URL, what a /probe of one of them adds to the URL's own requests."""


@dataclass
class _Flight:
    """One sweep in progress, which every scrape arriving meanwhile waits for."""

    budget: float
    """Seconds the sweep may take: its deadline, counted from its start."""
    done: threading.Event = field(default_factory=threading.Event)
    outcome: Completed | None = None
    """Set (under the coordinator's lock) just before ``done``."""
    errored: bool = False
    """Counted in sweep_errors_total already (once per sweep, however many scrapes gave up)."""
    generation: int = 0
    """The runner it was started with (:meth:`SweepCoordinator.replace`)."""


class SweepCoordinator:
    """Starts sweeps on demand, one at a time, and shares each among the scrapes waiting."""

    def __init__(self, run: SweepRunner, *, min_interval: float = 0.0,
                 clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        self._run = run
        self._min_interval = min_interval
        self._clock = clock
        self._wall = wall
        self._lock = threading.Lock()
        self._flight: _Flight | None = None
        self._latest: Completed | None = None
        """The last sweep to end, whatever its outcome (for BURST_WINDOW)."""
        self._last: Completed | None = None
        """The last sweep that produced a report (for the page and --min-interval)."""
        self._sweeps = 0
        self._errors = 0
        self._stopping = False
        self._generation = 0

    @property
    def last(self) -> Completed | None:
        with self._lock:
            return self._last

    def counters(self) -> SweepCounters:
        with self._lock:
            return SweepCounters(self._sweeps, self._errors)

    def replace(self, run: SweepRunner) -> None:
        """Sweep with ``run`` from now on (a manifest read again): no sweep of the old one is
        served after this, even one in flight; the counters go on."""
        with self._lock:
            self._run = run
            self._generation += 1
            self._last = self._latest = None

    def stop(self) -> None:
        """The exporter is stopping: start no sweep, and do not present the one in flight.

        Stopping cuts the requests in flight, so that sweep ends with every URL
        still waiting ``unreachable``; it is published as failed, not as a result.
        """
        with self._lock:
            self._stopping = True

    def snapshot(self, budget: float) -> SweepSnapshot:
        """A finished sweep within ``budget`` seconds, or a snapshot without one."""
        with self._lock:
            now = self._clock()
            last = self._last
            if (last is not None and self._min_interval > 0
                    and now - last.finished_monotonic < self._min_interval):
                return self._served(last)
            flight = self._flight
            if flight is None:
                latest = self._latest
                if latest is not None and now - latest.finished_monotonic < BURST_WINDOW:
                    return self._served(latest)
                if self._stopping:
                    return SweepSnapshot(SweepCounters(self._sweeps, self._errors), None)
                flight = self._start(budget)
        finished = flight.done.wait(budget + WAIT_SLACK)
        with self._lock:
            if not finished and not flight.errored:
                flight.errored = True
                self._errors += 1
                log.warning("exporter_scrape_timeout", budget_s=round(budget, 3),
                            detail="the sweep did not finish within the scrape's timeout")
            if not finished or flight.outcome is None:
                return SweepSnapshot(SweepCounters(self._sweeps, self._errors), None)
            return self._served(flight.outcome)

    def _served(self, outcome: Completed) -> SweepSnapshot:
        """The snapshot of a finished sweep (the lock is held)."""
        return SweepSnapshot(SweepCounters(self._sweeps, self._errors), outcome.report,
                             outcome.finished_at, complete=outcome.complete,
                             diagnosis_s=outcome.diagnosis_s)

    def _start(self, budget: float) -> _Flight:
        """Start a sweep (the lock is held, so it cannot publish before this returns)."""
        flight = _Flight(budget=budget, generation=self._generation)
        threading.Thread(target=self._fly, args=(flight, self._run), name="sweep",
                         daemon=True).start()
        # Only once the thread runs: a flight that never started would block every scrape.
        self._flight = flight
        self._sweeps += 1
        return flight

    def _fly(self, flight: _Flight, run: SweepRunner) -> None:
        started = self._clock()
        report: Report | None = None
        error = "the sweep ended without a result"
        try:
            report = run(flight.budget)
        except ProbeError as exc:
            error = str(exc)
        except Exception as exc:  # a bug must not kill the exporter; it is counted and logged
            error = f"internal error: {type(exc).__name__}: {exc}"
            log.exception("exporter_sweep_crashed")
        finally:
            # Whatever happened (even a BaseException), the waiting scrapes get an answer.
            self._publish(flight, report, error, self._clock() - started)

    def _publish(self, flight: _Flight, report: Report | None, error: str,
                 elapsed: float) -> None:
        """Log the outcome, then hand it to the waiting scrapes."""
        with self._lock:
            stopping = self._stopping
        if stopping:
            report = None
        complete = report is not None and elapsed < flight.budget
        try:
            # Log before publishing, so that a scrape's answer is never ahead of the log.
            if stopping:
                log.info("exporter_sweep_abandoned",
                         detail="the exporter is stopping; the sweep in flight was cut short")
            elif report is not None:
                _log_sweep(report, elapsed, complete=complete)
            else:
                log.error("exporter_sweep_failed", error=error)
        finally:
            with self._lock:
                diagnosis = max(0.0, elapsed - report.duration_s) if report is not None else 0.0
                outcome = Completed(report, complete, self._wall(), self._clock(), diagnosis)
                if not complete and not flight.errored:
                    flight.errored = True
                    self._errors += 1
                # The scrapes waiting get it; later ones never see the old manifest's sweep.
                current = flight.generation == self._generation
                if report is not None and current:
                    self._last = outcome
                if current:
                    self._latest = outcome
                flight.outcome = outcome
                self._flight = None
                flight.done.set()


def _log_sweep(report: Report, elapsed: float, *, complete: bool) -> None:
    log.info("exporter_sweep", urls=len(report.targets), problems=len(report.problems),
             status=report.status.value, duration_s=round(elapsed, 3), complete=complete)
    if not complete:
        log.warning("exporter_sweep_incomplete", duration_s=round(elapsed, 3),
                    detail="the sweep used up the scrape's timeout (minus --timeout-offset); "
                           "a request cut then is unreachable, a URL not sent by then has no "
                           "rows. Raise scrape_timeout above ceil(URLs x samples / "
                           "concurrency) x timeout.")
    for target in report.problems:
        log.warning("exporter_problem", url=public_url(target.url), expected=target.expected,
                    verdict=target.verdict.value,
                    cause=target.cause.value if target.cause else None,
                    answered_by=target.answered_by, explanation=target.explanation)
