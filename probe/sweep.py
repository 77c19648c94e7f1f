"""Run a sweep: probe every target concurrently, then diagnose."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import nullcontext
from datetime import datetime

import structlog

from probe import addresses
from probe.diagnose import diagnose
from probe.manifest import Manifest, Target
from probe.model import Observation, Report, Sample
from probe.transport import Transport, abort_in_flight

log = structlog.get_logger("probe.sweep")


def run_sweep(
    manifest: Manifest,
    *,
    targets: Sequence[Target] | None = None,
    restarted_after: datetime | None = None,
    progress: bool = False,
    deadline: float | None = None,
    transport: Transport | None = None,
    resolver: addresses.Resolver | None = None,
) -> Report:
    """Probe ``targets`` (default: all of the manifest's) and diagnose them.

    ``deadline`` (seconds from now) bounds the whole sweep: targets still
    unanswered then get verdict ``unreachable`` with a timeout explanation.
    Ctrl-C returns what was gathered with ``Report.interrupted`` set.
    Raises ProbeError only for what stops every request (an unreadable token file).
    """
    settings = manifest.probe
    chosen = addresses.expand(
        manifest.targets() if targets is None else targets,
        settings.connects, settings.all_addresses, resolver or addresses.system_resolver,
    )
    transport = transport or Transport(
        # Each target carries its address (Transport.at); this one is for DNS's choice.
        connect=None,
        timeout=settings.timeout,
        token=settings.token(),
        ca_file=settings.ca_file,
    )
    started = time.monotonic()
    end = started + deadline if deadline is not None else None
    bar = _Bar(len(chosen) * settings.samples) if progress else None
    with bar or nullcontext():
        samples, interrupted = gather(
            chosen, transport, settings.samples, settings.concurrency, settings.segment, end,
            on_done=bar.advance if bar else None,
        )
    observations = [
        Observation(target, tuple(samples[i])) for i, target in enumerate(chosen)
        if samples[i] or not interrupted
    ]
    report = diagnose(
        manifest, observations, restarted_after=restarted_after,
        duration_s=time.monotonic() - started, interrupted=interrupted,
    )
    log.info("sweep", targets=len(report.targets), problems=len(report.problems),
             status=report.status.value, duration_s=round(report.duration_s, 3))
    return report


def gather(
    targets: Sequence[Target],
    transport: Transport,
    samples: int,
    concurrency: int,
    segment: str,
    end: float | None,
    on_done: Callable[[], None] | None = None,
) -> tuple[list[list[Sample]], bool]:
    """Every target's samples, in target order; and whether Ctrl-C cut it short."""
    results: list[list[Sample | None]] = [[None] * samples for _ in targets]
    pool = ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(targets) * samples)),
                              thread_name_prefix="probe")
    pending: dict[Future[Sample], tuple[int, int]] = {
        pool.submit(_probe, _at(transport, target.address), target.probe_url(segment), end):
        (i, n)
        for i, target in enumerate(targets)
        for n in range(samples)
    }
    interrupted = False
    timeout = None if end is None else max(0.0, end - time.monotonic())
    try:
        # as_completed registers one waiter per future, once; a wait() per
        # completion would register them all again each time.
        for future in as_completed(pending, timeout=timeout):
            i, n = pending[future]
            results[i][n] = sample = future.result()
            # Logged once recorded, so a "probe" event means the report will include it.
            _log_probe(targets[i].probe_url(segment), sample)
            if on_done:
                on_done()
    except TimeoutError:
        pass  # the sweep's deadline passed: what is missing becomes "late" below
    except KeyboardInterrupt:
        interrupted = True
        abort_in_flight()
    finally:
        # Requests still in flight end within their own timeout; nobody waits for them.
        pool.shutdown(wait=False, cancel_futures=True)
    late = Sample(elapsed_ms=0.0, error="no answer before the sweep's deadline",
                  error_kind="timeout")
    gathered: list[list[Sample]] = []
    for per_target in results:
        if interrupted:
            gathered.append([s for s in per_target if s is not None])
        else:
            gathered.append([late if s is None else s for s in per_target])
    return gathered, interrupted


def _at(transport: Transport, address: str | None) -> Transport:
    """The transport for one address; one without ``at`` (a test's fake) serves them all."""
    at = getattr(transport, "at", None)
    return transport if address is None or at is None else at(address)


def _probe(transport: Transport, url: str, end: float | None) -> Sample:
    return transport.probe(url, deadline=end)


def _log_probe(url: str, sample: Sample) -> None:
    log.info("probe", url=url, status=sample.status_code, error=sample.error,
             label=sample.endpoint.label if sample.endpoint else None,
             pid=sample.endpoint.pid if sample.endpoint else None,
             elapsed_ms=round(sample.elapsed_ms, 2))


class _Bar:
    """A rich progress bar on stderr (only used when stderr is a terminal)."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(
            TextColumn("probing"), BarColumn(), MofNCompleteColumn(),
            console=Console(stderr=True), transient=True,
        )
        self._task = self._progress.add_task("probe", total=total)

    def __enter__(self) -> _Bar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def advance(self) -> None:
        self._progress.advance(self._task)

