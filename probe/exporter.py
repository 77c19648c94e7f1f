"""``probe exporter``: the sweep as a Prometheus exporter.

Endpoints:

- ``/metrics``: the manifest's sweep. One sweep per scrape, shared by scrapes
  that arrive while it runs (single flight) and by those arriving less than
  BURST_WINDOW (1 s) after it finished, so that a burst of scrapes makes one
  sweep even when the sweep is faster than the exporter accepts connections;
  with ``--min-interval S`` a sweep younger than S seconds is served again
  instead. Each scrape waits at most its ``X-Prometheus-Scrape-Timeout-Seconds``
  minus ``--timeout-offset`` (0.5 s, as blackbox_exporter), and the sweep gets
  that as its deadline. A sweep that used up that deadline is incomplete (URLs
  it had no time for are ``unreachable``): it is exported, but with
  ``wsgi_probe_sweep_success 0`` and ``wsgi_probe_sweep_errors_total``
  incremented. A scrape that gets no finished sweep in time answers at once the
  same way, with only the exporter's own metrics, rather than hanging until
  Prometheus gives up.
- ``/probe?target=URL[&expected=NAME]``: blackbox_exporter's multi-target
  pattern, one URL per scrape, using the manifest's ``[probe]`` settings and,
  for a manifest URL, its expected instance. The manifest's token is only sent
  where the manifest sends it: to the manifest's URLs, or to its ``connect``
  address; any other target is probed without it, since the target is chosen
  by whoever can reach the exporter. A failed target is still HTTP 200
  (``probe_success 0``); 4xx only for the exporter's own errors (bad target).
- ``/``: the last sweep as an HTML table.

Port: the default is ``127.0.0.1:8397``. The 9100-9999 range is Prometheus'
allocation list for published exporters and is fully taken, and exporters for
a single application are advised to stay out of it; 9090-9099 are Prometheus'
own components; 8000/8080/8443/8888 are where WSGI applications themselves
often listen. 8397 is in none of those and has no common assignment. The
address is loopback, not client_python's 0.0.0.0: a probe exporter reveals
the site's routing and should only be reachable where an operator opens it.

Metrics are built per scrape by a collector over an immutable snapshot: no
global registry, nothing registered at import time.
"""

from __future__ import annotations

import math
import signal
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

import structlog
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from probe import logs
from probe.errors import ManifestError, ProbeError, UsageError
from probe.exporter_metrics import ProbeCollector, SweepCollector, SweepCounters, SweepSnapshot
from probe.exporter_page import CONTENT_SECURITY_POLICY, render_page
from probe.manifest import ANY_INSTANCE, Manifest, Target, check_url, parse_connect
from probe.model import Report, TargetResult
from probe.transport import Transport, abort_in_flight
from probe.urls import public_url

DEFAULT_PORT = 8397
DEFAULT_LISTEN = f"127.0.0.1:{DEFAULT_PORT}"
DEFAULT_SCRAPE_TIMEOUT = 10.0
"""Prometheus' default scrape_timeout; used when a request has no timeout header (curl)."""
DEFAULT_TIMEOUT_OFFSET = 0.5
"""blackbox_exporter's --timeout-offset default: room for the answer to travel back."""
WAIT_SLACK = 0.25
"""A scrape waits this much past the sweep's deadline for the diagnosis to finish."""
MIN_BUDGET = 0.1
MAX_SCRAPE_TIMEOUT = 3600.0
"""A longer X-Prometheus-Scrape-Timeout-Seconds is taken as this (no scrape interval is longer)."""
SHUTDOWN_GRACE = 2.0
"""Seconds the scrapes in progress get to be answered when the exporter stops."""
BURST_WINDOW = 1.0
"""Seconds after a sweep ended during which a scrape is served that sweep rather than
starting another. Fifty scrapes at once reach the exporter's handlers over some 0.1 s
(one thread accepts them all), while a sweep of a few URLs can take 0.03 s: without
this, one burst made four or five sweeps back to back."""

# Lazy: a .bind() here would freeze the configuration in force at import time.
log = structlog.get_logger("probe.exporter", component="exporter")

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
SweepRunner = Callable[[float], Report]
"""Runs the manifest's sweep with a deadline (seconds from now)."""
ProbeRunner = Callable[[Target, float, bool], Report]
"""Runs a sweep of one target with a deadline; the flag says whether to send the token."""


# -- single flight ------------------------------------------------------------------


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

    @property
    def last(self) -> Completed | None:
        with self._lock:
            return self._last

    def counters(self) -> SweepCounters:
        with self._lock:
            return SweepCounters(self._sweeps, self._errors)

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
                             outcome.finished_at, complete=outcome.complete)

    def _start(self, budget: float) -> _Flight:
        """Start a sweep (the lock is held, so it cannot publish before this returns)."""
        flight = _Flight(budget=budget)
        threading.Thread(target=self._fly, args=(flight,), name="sweep", daemon=True).start()
        # Only once the thread runs: a flight that never started would block every scrape.
        self._flight = flight
        self._sweeps += 1
        return flight

    def _fly(self, flight: _Flight) -> None:
        started = self._clock()
        report: Report | None = None
        error = "the sweep ended without a result"
        try:
            report = self._run(flight.budget)
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
                outcome = Completed(report, complete, self._wall(), self._clock())
                if not complete and not flight.errored:
                    flight.errored = True
                    self._errors += 1
                if report is not None:
                    self._last = outcome
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
                           "URLs without an answer by then are reported unreachable. Raise "
                           "scrape_timeout above ceil(URLs x samples / concurrency) x timeout.")
    for target in report.problems:
        log.warning("exporter_problem", url=public_url(target.url), expected=target.expected,
                    verdict=target.verdict.value,
                    cause=target.cause.value if target.cause else None,
                    answered_by=target.answered_by, explanation=target.explanation)


# -- the WSGI application -----------------------------------------------------------


class HTTPError(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


def scrape_budget(environ: Environ, offset: float) -> float:
    """Seconds this scrape may take: Prometheus' timeout header minus ``offset``."""
    raw = environ.get("HTTP_X_PROMETHEUS_SCRAPE_TIMEOUT_SECONDS")
    if raw is None:
        timeout = DEFAULT_SCRAPE_TIMEOUT
    else:
        try:
            timeout = float(raw)
        except ValueError:
            timeout = math.nan
        if not math.isfinite(timeout) or timeout <= 0:
            raise HTTPError("400 Bad Request", "X-Prometheus-Scrape-Timeout-Seconds is not "
                            f"a positive number: {raw!r}")
        timeout = min(timeout, MAX_SCRAPE_TIMEOUT)
    budget = timeout - offset
    # An offset larger than the timeout must not leave nothing: keep half of it.
    return max(budget if budget > 0 else timeout / 2, MIN_BUDGET)


class ExporterApp:
    """Routes ``/``, ``/metrics`` and ``/probe``."""

    def __init__(self, manifest: Manifest, coordinator: SweepCoordinator, *,
                 probe: ProbeRunner, timeout_offset: float = DEFAULT_TIMEOUT_OFFSET,
                 version: str = "") -> None:
        self.manifest = manifest
        self.coordinator = coordinator
        self.probe = probe
        self.timeout_offset = timeout_offset
        self.version = version

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/") or "/"
        try:
            if method not in ("GET", "HEAD"):
                raise HTTPError("405 Method Not Allowed", f"{method} is not allowed; use GET")
            if path == "/metrics":
                status, headers, body = self._metrics(environ)
            elif path == "/probe":
                status, headers, body = self._probe(environ)
            elif path == "/":
                status, headers, body = self._page()
            else:
                raise HTTPError("404 Not Found", f"no such page: {path}; try /metrics")
        except HTTPError as exc:
            status, headers, body = _text(exc.status, str(exc))
            if exc.status.startswith("405"):
                headers.append(("Allow", "GET, HEAD"))
        except Exception as exc:
            log.exception("exporter_request_failed", path=path)
            status, headers, body = _text("500 Internal Server Error",
                                          f"internal error: {type(exc).__name__}")
        headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [b""] if method == "HEAD" else [body]

    def _encode(self, environ: Environ, collector: Collector) -> tuple[str, list[tuple[str, str]],
                                                                      bytes]:
        encoder, content_type = choose_encoder(environ.get("HTTP_ACCEPT", ""))
        return "200 OK", [("Content-Type", content_type)], encoder(collector)

    def _metrics(self, environ: Environ) -> tuple[str, list[tuple[str, str]], bytes]:
        budget = scrape_budget(environ, self.timeout_offset)
        return self._encode(environ, SweepCollector(self.coordinator.snapshot(budget)))

    def _probe(self, environ: Environ) -> tuple[str, list[tuple[str, str]], bytes]:
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        target, listed = self._target(query)
        budget = scrape_budget(environ, self.timeout_offset)
        started = time.monotonic()
        results: Sequence[TargetResult]
        if listed is not None and listed.expected == target.expected:
            # A manifest URL is diagnosed with the rest of the manifest, as /metrics does:
            # whether its host is a ServerAlias of another URL's vhost, where its instance
            # answers elsewhere, which processes its neighbours run in. Alone, it could be
            # given another cause (and fix) than /metrics gives it. So it is served from the
            # manifest's sweep, shared with /metrics and with the other /probe scrapes.
            snapshot = self.coordinator.snapshot(budget)
            report = snapshot.report
            results = [r for r in report.targets if r.url == listed.url] if report else []
            context, with_token = "manifest", True
        else:
            # The token goes where the manifest sends it, never to a host a query names.
            with_token = listed is not None or self.manifest.probe.connect is not None
            alone = _run_bounded(lambda: self.probe(target, budget, with_token),
                                 budget + WAIT_SLACK)
            results = alone.targets if alone is not None else ()
            context = "alone"
        duration = time.monotonic() - started
        verdicts = [r.verdict.value for r in results] or ["timeout"]
        log.info("exporter_probe", target=public_url(target.url), expected=target.expected,
                 verdict=verdicts[0], duration_s=round(duration, 3), token=with_token,
                 diagnosed=context)
        return self._encode(environ, ProbeCollector(results, duration))

    def _target(self, query: dict[str, list[str]]) -> tuple[Target, Target | None]:
        """The probe target from the query, validated, with the manifest's expectation;
        and the manifest's own target for the URL, if it lists it."""
        targets = query.get("target", [])
        if len(targets) != 1 or not targets[0]:
            raise HTTPError("400 Bad Request", "give exactly one target parameter: "
                            "/probe?target=http://host/path/")
        try:
            url = check_url(targets[0], "target")
        except ManifestError as exc:
            raise HTTPError("400 Bad Request", str(exc)) from None
        listed = self.manifest.target_for(url)
        given = query.get("expected", [])
        if len(given) > 1:
            raise HTTPError("400 Bad Request", "give the expected parameter at most once")
        if given and given[0]:
            expected: str | None = given[0]
            if expected != ANY_INSTANCE and expected not in self.manifest.instances:
                known = ", ".join(sorted(self.manifest.instances)) or "none"
                raise HTTPError("400 Bad Request", f"expected: no instance {expected!r} in "
                                f"the manifest (known: {known}, or '*' for any)")
        else:
            expected = listed.expected if listed is not None else ANY_INSTANCE
        return Target(url, expected), listed

    def _page(self) -> tuple[str, list[tuple[str, str]], bytes]:
        last = self.coordinator.last
        html = render_page(last.report if last else None, last.finished_at if last else None,
                           manifest=self.manifest.source, version=self.version,
                           complete=last.complete if last else True)
        return "200 OK", [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
            ("X-Content-Type-Options", "nosniff"),
            ("Cache-Control", "no-store"),
        ], html.encode("utf-8")


def _text(status: str, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    return status, [("Content-Type", "text/plain; charset=utf-8")], (message + "\n").encode()


def _run_bounded(work: Callable[[], Report], wait: float) -> Report | None:
    """``work()`` in a thread, waited for at most ``wait`` seconds; None if late or failed."""
    box: list[Report] = []

    def target() -> None:
        try:
            box.append(work())
        except ProbeError as exc:
            log.error("exporter_probe_failed", error=str(exc))
        except Exception:
            log.exception("exporter_probe_crashed")

    thread = threading.Thread(target=target, name="probe", daemon=True)
    thread.start()
    thread.join(wait)
    return box[0] if box else None


# -- the server ---------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log: Prometheus scrapes would drown the sweep events."""


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    # A scrape stuck waiting for a sweep must not hold up the exit: daemon threads are not
    # joined at interpreter exit, and without block_on_close server_close() does not join
    # them either (by default it joins every handler thread, daemon or not, without a
    # limit). Instead it gives the scrapes in progress SHUTDOWN_GRACE seconds to be answered.
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops the SYNs of a burst of scrapes, which
    # then retry a second later and start a second, third... sweep.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type[WSGIRequestHandler]) -> None:
        self._busy = 0
        self._idle = threading.Condition()
        super().__init__(address, handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._idle:
            self._busy += 1
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def server_close(self) -> None:
        super().server_close()
        with self._idle:
            self._idle.wait_for(lambda: self._busy == 0, timeout=SHUTDOWN_GRACE)

    def server_bind(self) -> None:
        # WSGIServer.server_bind would call socket.getfqdn(), a reverse DNS lookup.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)
        self.setup_environ()


class _Server6(_Server):
    address_family = socket.AF_INET6


def make_server(host: str, port: int, app: ExporterApp) -> _Server:
    cls = _Server6 if ":" in host else _Server
    server = cls((host, port), _QuietHandler)
    server.set_app(app)
    return server


def configure_logging(verbose: int, fmt: str) -> None:
    """Below -v only the exporter's own info events and everyone's warnings are kept."""
    logs.configure(verbose, fmt, always_info_from="exporter")


@dataclass(frozen=True)
class ExporterOptions:
    listen: str = DEFAULT_LISTEN
    min_interval: float = 0.0
    timeout_offset: float = DEFAULT_TIMEOUT_OFFSET


def build_app(manifest: Manifest, options: ExporterOptions, *, version: str = "",
              sweep: Callable[..., Report] | None = None) -> ExporterApp:
    """The application with the real sweep (or ``sweep``, same signature as run_sweep)."""
    from probe.sweep import run_sweep

    run: Callable[..., Report] = sweep or run_sweep

    def run_all(deadline: float) -> Report:
        return run(manifest, deadline=deadline)

    def run_one(target: Target, deadline: float, with_token: bool) -> Report:
        if with_token:
            return run(manifest, targets=[target], deadline=deadline)
        settings = manifest.probe
        # Each target carries its connect address (probe.addresses), not the transport.
        tokenless = Transport(connect=None, timeout=settings.timeout,
                              ca_file=settings.ca_file)
        return run(manifest, targets=[target], deadline=deadline, transport=tokenless)

    coordinator = SweepCoordinator(run_all, min_interval=options.min_interval)
    return ExporterApp(manifest, coordinator, probe=run_one,
                       timeout_offset=options.timeout_offset, version=version)


def serve(manifest: Manifest, options: ExporterOptions, *, version: str = "") -> int:
    """Serve until SIGTERM or SIGINT; return the exit status (0)."""
    host, port = parse_connect(options.listen, "--listen", allow_zero=True)
    # Fail at start, not at the first scrape, when the token file cannot be read.
    manifest.probe.token()
    app = build_app(manifest, options, version=version)
    try:
        server = make_server(host, port, app)
    except OSError as exc:
        raise UsageError(f"--listen {options.listen}: {exc.strerror or exc}") from None

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("exporter_stopping", signal=signal.Signals(signum).name)
        app.coordinator.stop()  # first: the sweep about to be cut is not a result
        abort_in_flight()  # a sweep in progress must not hold up the exit
        # shutdown() waits for serve_forever() to return, and this handler runs on
        # the thread inside serve_forever(): call it from another thread.
        threading.Thread(target=server.shutdown, name="shutdown", daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    bound_host, bound_port = (str(part) for part in server.server_address[:2])
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    log.info("exporter_listening", address=f"{shown}:{bound_port}",
             url=f"http://{shown}:{bound_port}/metrics", manifest=manifest.source,
             targets=len(manifest.targets()), min_interval_s=options.min_interval)
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("exporter_stopped")
    return 0
