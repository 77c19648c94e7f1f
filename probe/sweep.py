"""Run a sweep: probe every target concurrently, then diagnose."""

from __future__ import annotations

import gc
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from types import FrameType
from typing import TYPE_CHECKING, overload

from probe import addresses, logs
from probe.deploy_time import UNUSABLE, RestartCutoffs, sweep_cutoffs
from probe.diagnose import diagnose
from probe.extra_requests import discriminating
from probe.http_messages import Request
from probe.liveness import NONCE_HEADER, judge, new_nonce, with_liveness
from probe.manifest import Manifest, Target
from probe.model import Finding, Observation, Report, Sample, Status
from probe.token_redaction import signed_fields_redacted
from probe.transport import Transport
from probe.urls import public_url

if TYPE_CHECKING:
    from probe.diagnose import ConfigJoin

Progress = Callable[[], None]
"""Called once per finished request (the CLI's progress bar; the core draws nothing)."""


def run_sweep(
    manifest: Manifest,
    *,
    targets: Sequence[Target] | None = None,
    restarted_after: datetime | RestartCutoffs | None = None,
    progress: Progress | None = None,
    deadline: float | None = None,
    transport: Transport | None = None,
    token: str | None = None,
    resolver: addresses.Resolver | None = None,
    config: ConfigJoin | None = None,
    extra_probes: bool = True,
    skip_bad_deploy_times: bool = False,
) -> Report:
    """Probe ``targets`` (default: all of the manifest's) and diagnose them.

    ``deadline`` (seconds from now) bounds the whole sweep: a request still in flight then
    ends as timed out (verdict ``unreachable``); a target whose requests were not sent by then
    gets no verdict, counted in ``Report.unprobed``. Ctrl-C returns what was gathered with
    ``Report.interrupted`` set.
    ``token`` (read by the command, see probe.credentials) goes with every request of the
    default transport. ``config``: the front's configuration, joined to each answer.
    ``extra_probes``: send the few requests that tell causes apart
    (:mod:`probe.diagnose.discriminate`), through the same transport.
    ``skip_bad_deploy_times`` (the exporter, which sweeps for days): a manifest deploy time
    that cannot be used (an ``@FILE`` in the future, or gone) does not refuse the sweep: the
    stale verdict is judged without it, and a ``deploy_time_unusable`` finding says so.
    """
    # Read before any request: an @FILE deploy time changes with each deploy.
    declared = {i.name: i.restarted_after for i in manifest.instances.values()
                if i.restarted_after is not None}
    cutoffs, unusable = sweep_cutoffs(declared, restarted_after,
                                      skip_unusable=skip_bad_deploy_times)
    settings = manifest.probe
    # One target per URL and address (a fleet); each request carries its address.
    chosen = addresses.expand(
        manifest.targets() if targets is None else targets,
        settings.connects, settings.all_addresses, resolver or addresses.system_resolver,
        own=manifest.own_connects(),
    )
    transport = transport or Transport(
        connect=None,
        timeout=settings.timeout,
        token=token,
        ca_file=settings.ca_file,
        sni=settings.sni,
        send_token_unverified=settings.send_token_unverified,
    )
    started = time.monotonic()
    end = started + deadline if deadline is not None else None
    with fewer_collections():
        samples, interrupted = gather(chosen, transport, settings.samples,
                                      settings.concurrency, settings.segment, end,
                                      on_done=progress)
        # A target none of whose requests was sent (the deadline, Ctrl-C came first) gets
        # no verdict: not asked, it has not failed to answer.
        observations = [Observation(target, tuple(samples[i]))
                        for i, target in enumerate(chosen) if samples[i]]
        unprobed = len(chosen) - len(observations)
        del samples  # one list per URL: gone before diagnosis holds its own per URL
        probed = {} if interrupted or not extra_probes else discriminating(
            manifest, observations, transport, end, config)
        report = diagnose(
            manifest, observations, restarted_after=cutoffs,
            duration_s=time.monotonic() - started, interrupted=interrupted, config=config,
            probed=probed, unprobed=unprobed, token_sent=transport.token is not None,
        )
    if unusable:
        report = replace(report, findings=report.findings + tuple(
            Finding(UNUSABLE, Status.WARNING, (u.instance,), u.explanation) for u in unusable))
    logs.get_logger("probe.sweep").info(
        "sweep", targets=len(report.targets), problems=len(report.problems),
        status=report.status.value, duration_s=round(report.duration_s, 3))
    return report


class _FewerCollections:
    """The garbage collector's first threshold raised while sweeps run, then given back.

    A sweep makes a few objects per answer that live to the report, nearly none of them in a
    cycle; at the usual threshold (700) the collector ran hundreds of times over them, about
    2% of a large sweep's CPU. Process-wide, so counted: the last sweep to end (threads of
    an exporter may overlap) restores what it found, unless someone has set another since;
    a collector turned off (threshold 0) stays off."""

    FIRST = 50_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._found = self._set = (0, 0, 0)

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._running == 0:
                self._found = self._set = gc.get_threshold()
                if 0 < self._found[0] < self.FIRST:
                    self._set = (self.FIRST, *self._found[1:])
                    gc.set_threshold(*self._set)
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0 and gc.get_threshold() == self._set:
                    gc.set_threshold(*self._found)


fewer_collections = _FewerCollections()


def requests_for(targets: Sequence[Target], samples: int, segment: str) -> SweepRequests:
    """The probe requests of a sweep, target after target, ``samples`` each.

    Each carries a fresh X-Probe-Nonce, so its answer can be judged live (probe.liveness).
    """
    return SweepRequests(targets, samples, segment)


class SweepRequests(Sequence[Request]):
    """:func:`requests_for`'s requests, each made when it is first asked for and kept until
    its answer is judged (:meth:`nonce`): a million URLs' requests (a URL, a header table and
    a nonce each, about 400 bytes) never exist all at once, only those in flight."""

    def __init__(self, targets: Sequence[Target], samples: int, segment: str) -> None:
        self._targets = targets
        self._samples = samples
        self._segment = segment
        self._issued: dict[int, Request] = {}

    def __len__(self) -> int:
        return len(self._targets) * self._samples

    @overload
    def __getitem__(self, index: int) -> Request: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Request]: ...

    def __getitem__(self, index: int | slice) -> Request | Sequence[Request]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        request = self._issued.get(index)
        if request is None:  # the same request however often it is asked for, until judged
            request = self._issued[index] = self._made(index)
        return request

    def _made(self, index: int) -> Request:
        target = self._targets[index // self._samples]
        return Request(target.probe_url(self._segment), {NONCE_HEADER: new_nonce()},
                       connect=target.address)

    def connect(self, index: int) -> str | None:
        """The address request ``index`` goes to, without making the request."""
        return self._targets[index // self._samples].address

    def nonce(self, index: int) -> str:
        """The nonce request ``index`` carried; the request is forgotten (asked once, when its
        answer has come)."""
        request = self._issued.pop(index, None)
        return (request or self._made(index)).headers[NONCE_HEADER]


def gather(
    targets: Sequence[Target],
    transport: Transport,
    samples: int,
    concurrency: int,
    segment: str,
    end: float | None,
    on_done: Progress | None = None,
) -> tuple[list[list[Sample]], bool]:
    """Every target's samples, in target order (none for a request never sent); and whether
    Ctrl-C cut it short."""
    log = logs.get_logger("probe.sweep")
    each = logs.writes(logs.INFO)  # no event to build per request when none is written
    requests = requests_for(targets, samples, segment)
    results: list[Sample | None] = [None] * len(requests)

    def done(index: int, sample: Sample) -> None:
        request = requests[index]
        nonce = requests.nonce(index)  # every answered request's, or it would stay kept
        if sample.endpoint is not None:
            sample = _judged(sample, nonce, transport.token)
        results[index] = sample
        # Logged once recorded, so a "probe" event means the report will include it.
        if each:
            log.info("probe", url=public_url(request.url),
                     status=sample.status_code, error=sample.error,
                     label=sample.endpoint.label if sample.endpoint else None,
                     pid=sample.endpoint.pid if sample.endpoint else None,
                     elapsed_ms=round(sample.elapsed_ms, 2))
        if on_done:
            on_done()

    with _ctrl_c() as pressed:
        # A fleet: each address its own share of the concurrency (probe.addresses).
        addresses.probe_fairly(transport, requests, concurrency=max(1, concurrency), end=end,
                               on_sample=done, interrupted=pressed.is_set,
                               connect_of=requests.connect)
    # A request without a sample was never sent: the deadline or Ctrl-C came first.
    gathered = [[s for s in results[i * samples:(i + 1) * samples] if s is not None]
                for i in range(len(targets))]
    return gathered, pressed.is_set()


def _judged(sample: Sample, nonce: str, token: str | None) -> Sample:
    """``sample`` with its liveness; an answer that cannot be judged (a bug its fields set
    off) is an invalid answer of that URL alone, never the end of the sweep."""
    answer = sample.endpoint
    assert answer is not None
    try:
        judged = with_liveness(sample, judge(answer, nonce, token, sample.cache))
    except Exception as exc:
        problem = f"its nonce or signature could not be checked ({type(exc).__name__})"
        judged = replace(sample, endpoint=replace(answer, problems=(*answer.problems, problem)))
    # Judged on the signed fields as sent; only then is the token taken out of them.
    return signed_fields_redacted(judged, token)


@contextmanager
def _ctrl_c() -> Iterator[threading.Event]:
    """Ctrl-C sets an event instead of raising, while the requests are in flight.

    A KeyboardInterrupt raised inside a libcurl callback would be printed and lost;
    the request loop checks the event between rounds instead. Only the main
    thread gets signals, and only Python's default handler is replaced.
    """
    pressed = threading.Event()
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield pressed
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        pressed.set()

    signal.signal(signal.SIGINT, handler)
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
