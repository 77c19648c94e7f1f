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
  pattern, one URL per scrape. A manifest URL (with its manifest expectation) is
  served from the manifest's sweep, shared as for ``/metrics``, since its cause can
  depend on the other URLs; any other URL is probed and diagnosed alone, with the
  manifest's ``[probe]`` settings. The manifest's token is only sent to an
  address and port the manifest names: to the manifest's URLs, or to its
  ``connect`` addresses when every one of them carries a port (a port-less one
  keeps the port of the URL, which the query chose), and over plain HTTP only
  to loopback or to an address the manifest's own http URLs go to (which the
  start-up warning names); any other target is probed without it, since the
  target is chosen by whoever can reach the exporter. A failed target is still
  HTTP 200 (``probe_success 0``); 4xx only for the exporter's own errors (bad
  target).
- ``/sd``: every manifest URL as Prometheus HTTP service discovery targets; with
  ``--shard I/N`` the exporter sweeps only the URLs Prometheus's ``hashmod`` puts in shard
  I of N, and /probe of another shard's manifest URL is 421 (:mod:`probe.exporter.discovery`).
- ``/``: the last sweep as an HTML table.

Port: the default is ``127.0.0.1:8397``. The 9100-9999 range is Prometheus'
allocation list for published exporters and is fully taken, and exporters for
a single application are advised to stay out of it; 9090-9099 are Prometheus'
own components; 8000/8080/8443/8888 are where WSGI applications themselves
often listen. 8397 is in none of those and has no common assignment. The
address is loopback, not client_python's 0.0.0.0: a probe exporter reveals
the site's routing and should only be reachable where an operator opens it.

One module per job: :mod:`probe.exporter.sweeps` (single flight, burst window),
:mod:`probe.exporter.http` (the WSGI application: /metrics, /probe, /),
:mod:`probe.exporter.lookups` (what a /probe request looks up, made once per manifest),
:mod:`probe.exporter.server` (the threaded HTTP server), :mod:`probe.exporter.metrics`
and :mod:`probe.exporter.page` (what is served); this one builds and runs them.

Metrics are built per scrape by a collector over an immutable snapshot: no
global registry, nothing registered at import time.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING

import structlog
from prometheus_client.registry import Collector

from probe import defaults, logs
from probe.credentials import check_ca_file, read_token
from probe.deploy_time import UNUSABLE
from probe.errors import ProbeError, UsageError
from probe.exporter.config_watch import ConfigWatch, ManifestWatch
from probe.exporter.discovery import Shard, shard_targets
from probe.exporter.exposure import warn_exposure, warn_listening
from probe.exporter.http import (
    DEFAULT_SCRAPE_TIMEOUT,
    DEFAULT_TIMEOUT_OFFSET,
    MAX_SCRAPE_TIMEOUT,
    ExporterApp,
    HTTPError,
    scrape_budget,
)
from probe.exporter.server import SHUTDOWN_GRACE, make_server
from probe.exporter.sweeps import BURST_WINDOW, WAIT_SLACK, Completed, SweepCoordinator
from probe.front_config import manifest_front
from probe.manifest import Manifest, Target, parse_connect
from probe.model import Report
from probe.token_exposure import MANIFEST_OPT_IN, refuse_unverified
from probe.transport import abort_in_flight

if TYPE_CHECKING:
    from probe.diagnose import ConfigJoin

__all__ = ["BURST_WINDOW", "DEFAULT_LISTEN", "DEFAULT_PORT", "DEFAULT_SCRAPE_TIMEOUT",
           "DEFAULT_TIMEOUT_OFFSET", "MAX_SCRAPE_TIMEOUT", "SHUTDOWN_GRACE", "WAIT_SLACK",
           "Completed", "ConfigWatch", "ExporterApp", "ExporterOptions", "HTTPError",
           "SweepCoordinator", "build_app", "configure_logging", "make_server",
           "process_collectors", "scrape_budget", "serve"]

DEFAULT_PORT = defaults.EXPORTER_PORT
DEFAULT_LISTEN = defaults.EXPORTER_LISTEN

# Lazy: a .bind() here would freeze the configuration in force at import time.
log = structlog.get_logger("probe.exporter", component="exporter")


def configure_logging(verbose: int, fmt: str) -> None:
    """Below -v only the exporter's own info events and everyone's warnings are kept."""
    logs.configure(verbose, fmt, always_info_from="exporter")


@dataclass(frozen=True)
class ExporterOptions:
    listen: str = DEFAULT_LISTEN
    min_interval: float = defaults.EXPORTER_MIN_INTERVAL
    timeout_offset: float = DEFAULT_TIMEOUT_OFFSET
    shard: Shard | None = None
    """``--shard I/N``: sweep only this shard of the manifest's URLs (probe.exporter.discovery)."""
    any_target: bool = False
    """``--probe-any-target``: /probe takes targets whose requests go where the manifest's do
    not (blackbox_exporter's relabelling set-ups); by default it refuses them (403)."""


def build_app(manifest: Manifest, options: ExporterOptions, *, version: str = "",
              token: str | None = None, config: ConfigJoin | ConfigWatch | None = None,
              sweep: Callable[..., Report] | None = None,
              clock: Callable[[], float] = time.monotonic,
              own: Sequence[Collector] = ()) -> ExporterApp:
    """The application with the real sweep (or ``sweep``, same signature as run_sweep).

    ``token`` goes to the manifest's URLs, never to a /probe target outside it; ``config``
    (the front server's configuration; a ConfigWatch: as of each sweep's start) to every
    sweep's diagnosis. ``clock``: the sweeps' monotonic clock (BURST_WINDOW, --min-interval).
    ``own``: collectors of the exporter's own process, on /metrics and /exporter/metrics
    (:func:`process_collectors`).
    """
    run_all, run_one = runners(manifest, options, token=token, config=config, sweep=sweep)
    coordinator = SweepCoordinator(run_all, min_interval=options.min_interval, clock=clock)
    return ExporterApp(manifest, coordinator, probe=run_one,
                       timeout_offset=options.timeout_offset, version=version,
                       shard=options.shard, own=own, has_token=bool(token),
                       any_target=options.any_target)


def runners(manifest: Manifest, options: ExporterOptions, *, token: str | None,
            config: ConfigJoin | ConfigWatch | None, sweep: Callable[..., Report] | None = None,
            ) -> tuple[Callable[[float], Report], Callable[[Target, float, bool], Report]]:
    """The manifest's sweep (this shard's URLs) and the sweep of one /probe target."""
    from probe.sweep import run_sweep

    swept: Callable[..., Report] = sweep or run_sweep
    mine = shard_targets(manifest, options.shard) if options.shard else None
    current = config.current if isinstance(config, ConfigWatch) else lambda: config
    said = DeployTimeWarnings()

    def run(*args: object, **kwargs: object) -> Report:
        # A deploy time that cannot be right must not stop every sweep for days.
        return said(swept(*args, skip_bad_deploy_times=True, **kwargs))

    def run_all(deadline: float) -> Report:
        if mine is None:
            return run(manifest, deadline=deadline, token=token, config=current())
        return run(manifest, targets=mine, deadline=deadline, token=token, config=current())

    def run_one(target: Target, deadline: float, with_token: bool) -> Report:
        return run(manifest, targets=[target], deadline=deadline,
                   token=token if with_token else None, config=current())

    return run_all, run_one


class DeployTimeWarnings:
    """Logs a manifest deploy time the sweeps cannot use once, not at every sweep: a file
    touched into the future stays so until the clock catches up. Said again when it was
    usable in between; the ``deploy_time_unusable`` finding is on every sweep's metrics."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._said: set[str] = set()

    def __call__(self, report: Report) -> Report:
        found = {f.instances[0]: f for f in report.findings
                 if f.code == UNUSABLE and f.instances}
        with self._lock:
            new = sorted(found.keys() - self._said)
            self._said = set(found)
        for instance in new:
            log.warning("exporter_deploy_time_unusable", instance=instance,
                        error=found[instance].explanation)
        return report


def reload(app: ExporterApp, options: ExporterOptions, read: Callable[[], Manifest],
           environ: Mapping[str, str]) -> bool:
    """Read the manifest again (SIGHUP, or its file changed) and sweep with it from now on;
    one that cannot be read or is not valid leaves the exporter on the one it had, with a
    warning."""
    try:
        manifest = read()
        token = read_token(manifest.probe, environ, manifest_file=manifest.source)
        refuse_unverified(manifest, token, MANIFEST_OPT_IN)
        check_ca_file(manifest.probe)
    except ProbeError as exc:
        log.warning("exporter_reload_failed", error=str(exc),
                    detail="the exporter goes on with the manifest it had")
        return False
    run_all, run_one = runners(manifest, options, token=token, config=_watch(manifest, environ))
    app.coordinator.replace(run_all)
    app.reload(manifest, run_one, has_token=bool(token))
    log.info("exporter_reloaded", manifest=manifest.source,
             targets=len(shard_targets(manifest, options.shard)))
    warn_exposure(manifest, token)
    return True


def _watch(manifest: Manifest, environ: Mapping[str, str]) -> ConfigWatch | None:
    """The manifest's ``[probe] config``, read now (an unreadable one is said once, and the
    exporter serves all the same), and again before a sweep when its files changed."""
    path = manifest.probe.config
    return None if path is None else ConfigWatch(path, lambda: manifest_front(path, environ))


def process_collectors(proc: str = "/proc") -> tuple[Collector, ...]:
    """The exporter's own process as every Prometheus client library exports it
    (``process_cpu_seconds_total``, ``process_resident_memory_bytes``, ... and ``python_info``),
    registered nowhere. A sweep runs on one core: the CPU rate of an exporter says how near
    it is to the end of one machine (docs/monitoring.md)."""
    from prometheus_client import PlatformCollector, ProcessCollector

    return ProcessCollector(proc=proc, registry=None), PlatformCollector(registry=None)


def serve(manifest: Manifest, options: ExporterOptions, *, version: str = "",
          environ: Mapping[str, str], read: Callable[[], Manifest] | None = None) -> int:
    """Serve until SIGTERM or SIGINT; return the exit status (0). ``environ`` is the
    command's (the token's variable is read from it); ``read`` reads the manifest again on
    SIGHUP, as the command line read it, and when its file changed (:class:`ManifestWatch`)."""
    host, port = parse_connect(options.listen, "--listen", allow_zero=True)
    # Fail at start, not at the first scrape, when the token file cannot be read.
    token = read_token(manifest.probe, environ, manifest_file=manifest.source)
    refuse_unverified(manifest, token, MANIFEST_OPT_IN)
    check_ca_file(manifest.probe)
    app = build_app(manifest, options, version=version, token=token,
                    config=_watch(manifest, environ), own=process_collectors())
    try:
        server = make_server(host, port, app)
    except OSError as exc:
        raise UsageError(f"--listen {options.listen}: {exc.strerror or exc}") from None

    def stopping(name: str) -> None:
        log.info("exporter_stopping", signal=name)
        app.coordinator.stop()  # first: the sweep about to be cut is not a result
        abort_in_flight()  # a sweep in progress must not hold up the exit
        server.shutdown()

    def stop(signum: int, frame: FrameType | None) -> None:
        # All of it on another thread: this handler interrupts the serving thread wherever
        # it is, maybe inside a log write holding the output's lock (logging here would
        # wait for it forever), and shutdown() waits for serve_forever() on this thread.
        threading.Thread(target=stopping, args=(signal.Signals(signum).name,),
                         name="shutdown", daemon=True).start()

    watch: ManifestWatch | None = None
    if read is not None:  # an edited manifest is read as SIGHUP reads it, at the next request
        again = read
        watch = ManifestWatch(manifest.source, lambda: reload(app, options, again, environ))
        app.before = watch.check

    def hang_up(signum: int, frame: FrameType | None) -> None:
        if watch is not None:  # off the serving thread: a large manifest takes a while
            threading.Thread(target=watch.reload, name="reload", daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, hang_up)
    bound_host, bound_port = (str(part) for part in server.server_address[:2])
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    # Before the listening line: whoever reads the log up to it (a test, an operator's
    # 'journalctl | head') sees what the address exposes.
    warn_listening(bound_host, f"{shown}:{bound_port}", any_target=options.any_target)
    log.info("exporter_listening", address=f"{shown}:{bound_port}",
             url=f"http://{shown}:{bound_port}/metrics", manifest=manifest.source,
             targets=len(shard_targets(manifest, options.shard)),
             min_interval_s=options.min_interval, shard=str(options.shard or "") or None)
    warn_exposure(manifest, token)
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("exporter_stopped")
    return 0
