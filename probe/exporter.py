"""``probe exporter``: the sweep as a Prometheus exporter.

Endpoints:

- ``/metrics``: the manifest's sweep. One sweep per scrape, shared by scrapes
  that arrive while it runs (single flight); with ``--min-interval S`` a sweep
  younger than S seconds is served again instead. Each scrape waits at most its
  ``X-Prometheus-Scrape-Timeout-Seconds`` minus ``--timeout-offset`` (0.5 s, as
  blackbox_exporter), and the sweep gets that as its deadline; a scrape that
  still gets no finished sweep answers at once with the exporter's own metrics,
  ``wsgi_probe_sweep_success 0`` and ``wsgi_probe_sweep_errors_total``
  incremented, rather than hanging until Prometheus gives up.
- ``/probe?target=URL[&expected=NAME]``: blackbox_exporter's multi-target
  pattern, one URL per scrape, using the manifest's ``[probe]`` settings and,
  for a manifest URL, its expected instance. A failed target is still HTTP 200
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
from collections.abc import Callable, Iterable
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
from probe.model import Report
from probe.transport import abort_in_flight
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

# Lazy: a .bind() here would freeze the configuration in force at import time.
log = structlog.get_logger("probe.exporter", component="exporter")

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
SweepRunner = Callable[[float], Report]
"""Runs the manifest's sweep with a deadline (seconds from now)."""
ProbeRunner = Callable[[Target, float], Report]
"""Runs a sweep of one target with a deadline."""


# -- single flight ------------------------------------------------------------------


@dataclass
class _Flight:
    """One sweep in progress, which every scrape arriving meanwhile waits for."""

    deadline: float
    done: threading.Event = field(default_factory=threading.Event)
    report: Report | None = None
    finished_at: float | None = None
    """Unix time the sweep finished."""
    error: str | None = None
    errored: bool = False
    """Counted in sweep_errors_total already (once per sweep, however many scrapes gave up)."""


@dataclass(frozen=True)
class Completed:
    report: Report
    finished_at: float
    """Unix time."""
    finished_monotonic: float


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
        self._last: Completed | None = None
        self._sweeps = 0
        self._errors = 0

    @property
    def last(self) -> Completed | None:
        with self._lock:
            return self._last

    def counters(self) -> SweepCounters:
        with self._lock:
            return SweepCounters(self._sweeps, self._errors)

    def snapshot(self, budget: float) -> SweepSnapshot:
        """A finished sweep within ``budget`` seconds, or a snapshot without one."""
        with self._lock:
            last = self._last
            if (last is not None and self._min_interval > 0
                    and self._clock() - last.finished_monotonic < self._min_interval):
                return SweepSnapshot(SweepCounters(self._sweeps, self._errors), last.report,
                                     last.finished_at)
            flight = self._flight
            if flight is None:
                flight = self._start(budget)
        finished = flight.done.wait(budget + WAIT_SLACK)
        with self._lock:
            if not finished and not flight.errored:
                flight.errored = True
                self._errors += 1
                log.warning("exporter_scrape_timeout", budget_s=round(budget, 3),
                            detail="the sweep did not finish within the scrape's timeout")
            counters = SweepCounters(self._sweeps, self._errors)
            if not finished or flight.report is None:
                return SweepSnapshot(counters, None)
            return SweepSnapshot(counters, flight.report, flight.finished_at)

    def _start(self, budget: float) -> _Flight:
        """Start a sweep (the lock is held)."""
        flight = _Flight(deadline=budget)
        self._flight = flight
        self._sweeps += 1
        threading.Thread(target=self._fly, args=(flight,), name="sweep", daemon=True).start()
        return flight

    def _fly(self, flight: _Flight) -> None:
        started = self._clock()
        try:
            report: Report | None = self._run(flight.deadline)
            error = None
        except ProbeError as exc:
            report, error = None, str(exc)
        except Exception as exc:  # a bug must not kill the exporter; it is counted and logged
            report, error = None, f"internal error: {type(exc).__name__}: {exc}"
            log.exception("exporter_sweep_crashed")
        try:
            # Log before publishing, so that a scrape's answer is never ahead of the log.
            if report is not None:
                _log_sweep(report, self._clock() - started)
            else:
                log.error("exporter_sweep_failed", error=error)
        finally:
            self._publish(flight, report, error)

    def _publish(self, flight: _Flight, report: Report | None, error: str | None) -> None:
        """Hand the outcome to the waiting scrapes; the next scrape starts a new flight."""
        with self._lock:
            flight.report, flight.error = report, error
            if error is not None and not flight.errored:
                flight.errored = True
                self._errors += 1
            if report is not None:
                flight.finished_at = self._wall()
                self._last = Completed(report, flight.finished_at, self._clock())
            self._flight = None
            flight.done.set()


def _log_sweep(report: Report, elapsed: float) -> None:
    log.info("exporter_sweep", urls=len(report.targets), problems=len(report.problems),
             status=report.status.value, duration_s=round(elapsed, 3),
             interrupted=report.interrupted)
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
        target = self._target(query)
        budget = scrape_budget(environ, self.timeout_offset)
        started = time.monotonic()
        report = _run_bounded(lambda: self.probe(target, budget), budget + WAIT_SLACK)
        duration = time.monotonic() - started
        results = report.targets if report is not None else ()
        verdicts = [r.verdict.value for r in results] or ["timeout"]
        log.info("exporter_probe", target=public_url(target.url), expected=target.expected,
                 verdict=verdicts[0], duration_s=round(duration, 3))
        return self._encode(environ, ProbeCollector(results, duration))

    def _target(self, query: dict[str, list[str]]) -> Target:
        """The probe target from the query: validated, with the manifest's expectation."""
        targets = query.get("target", [])
        if len(targets) != 1 or not targets[0]:
            raise HTTPError("400 Bad Request", "give exactly one target parameter: "
                            "/probe?target=http://host/path/")
        try:
            url = check_url(targets[0], "target")
        except ManifestError as exc:
            raise HTTPError("400 Bad Request", str(exc)) from None
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
            listed = self.manifest.target_for(url)
            expected = listed.expected if listed is not None else ANY_INSTANCE
        return Target(url, expected)

    def _page(self) -> tuple[str, list[tuple[str, str]], bytes]:
        last = self.coordinator.last
        html = render_page(last.report if last else None, last.finished_at if last else None,
                           manifest=self.manifest.source, version=self.version)
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
    daemon_threads = True  # a scrape stuck in a sweep must not block shutdown
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops the SYNs of a burst of scrapes, which
    # then retry a second later and start a second, third... sweep.
    request_queue_size = 128

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
    if sweep is None:
        from probe.sweep import run_sweep
        sweep = run_sweep
    run = sweep

    def run_all(deadline: float) -> Report:
        return run(manifest, deadline=deadline)

    def run_one(target: Target, deadline: float) -> Report:
        return run(manifest, targets=[target], deadline=deadline)

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
