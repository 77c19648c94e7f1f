"""The exporter's HTTP side: a WSGI application routing ``/metrics``, ``/probe``, ``/sd``, ``/``.

Errors of the request itself (a bad ``target``, an unknown ``expected``, a bad timeout
header) are 4xx with one line of text; a URL that fails is still 200 with its verdict.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import parse_qs

import structlog
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from probe import defaults
from probe.addresses import split_connect
from probe.errors import ManifestError, ProbeError
from probe.exporter.discovery import Shard, hashmod, sd_document
from probe.exporter.lookups import ManifestIndex, RowsByURL, destinations
from probe.exporter.metrics import Chain, CountersCollector, ProbeCollector, SweepCollector
from probe.exporter.page import CONTENT_SECURITY_POLICY, render_page
from probe.exporter.sweeps import WAIT_SLACK, SweepCoordinator
from probe.manifest import ANY_INSTANCE, Manifest, Target, check_url, is_ip
from probe.model import Report, TargetResult
from probe.urls import public_url

DEFAULT_SCRAPE_TIMEOUT = 10.0
"""Prometheus' default scrape_timeout; used when a request has no timeout header (curl)."""
DEFAULT_TIMEOUT_OFFSET = defaults.EXPORTER_TIMEOUT_OFFSET
MIN_BUDGET = 0.1
MAX_SCRAPE_TIMEOUT = 3600.0
"""A longer X-Prometheus-Scrape-Timeout-Seconds is taken as this (no scrape interval is longer)."""
# Lazy: a .bind() here would freeze the configuration in force at import time.
log = structlog.get_logger("probe.exporter", component="exporter")

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
ProbeRunner = Callable[[Target, float, bool], Report]
"""Runs a sweep of one target with a deadline; the flag says whether to send the token."""


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
                 version: str = "", shard: Shard | None = None,
                 own: Sequence[Collector] = (), has_token: bool = False,
                 any_target: bool = False) -> None:
        self.index = ManifestIndex.of(manifest)
        self.any_target = any_target
        """``--probe-any-target``: /probe takes a target whose requests go anywhere, not only
        to an address and port the manifest's own requests go to."""
        self.rows = RowsByURL()
        self.has_token = has_token
        """Whether the manifest gives a token at all: what the ``exporter_probe`` log says
        is whether one was sent, not whether one would have been allowed."""
        self.coordinator = coordinator
        self.probe = probe
        self.timeout_offset = timeout_offset
        self.version = version
        self.shard = shard
        self.own = tuple(own)
        """The exporter's own process metrics, on /metrics after the sweep's and on
        /exporter/metrics (not on /probe, as blackbox_exporter's /probe carries only the
        probe's)."""
        self.before: Callable[[], None] = _nothing
        """Runs before each request is routed: the manifest's watch (probe exporter -m),
        which reads it again when the file changed."""

    @property
    def manifest(self) -> Manifest:
        return self.index.manifest

    def reload(self, manifest: Manifest, probe: ProbeRunner, *, has_token: bool) -> None:
        """A manifest read again: its URLs for /sd and /probe, its settings for each probe
        (the coordinator is given its sweep apart)."""
        index = ManifestIndex.of(manifest)  # before the swap: requests go on meanwhile
        self.index, self.probe, self.has_token = index, probe, has_token

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/") or "/"
        try:
            if method not in ("GET", "HEAD"):
                raise HTTPError("405 Method Not Allowed", f"{method} is not allowed; use GET")
            self.before()
            if path == "/metrics":
                status, headers, body = self._metrics(environ)
            elif path == "/probe":
                status, headers, body = self._probe(environ)
            elif path == "/":
                status, headers, body = self._page()
            elif path == "/exporter/metrics":
                status, headers, body = self._encode(
                    environ, Chain(CountersCollector(self.coordinator.counters()), *self.own))
            elif path == "/sd":
                status, headers, body = "200 OK", [
                    ("Content-Type", "application/json")], sd_document(self.manifest)
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
        return self._encode(environ, Chain(SweepCollector(self.coordinator.snapshot(budget)),
                                           *self.own))

    def _probe(self, environ: Environ) -> tuple[str, list[tuple[str, str]], bytes]:
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        index = self.index  # once: a reload meanwhile does not mix two manifests
        target, listed = self._target(query, index)
        budget = scrape_budget(environ, self.timeout_offset)
        started = time.monotonic()
        results: Sequence[TargetResult]
        spent: float | None
        if listed is not None and listed.expected == target.expected:
            # A manifest URL is diagnosed with the rest of the manifest, as /metrics does:
            # whether its host is a ServerAlias of another URL's vhost, where its instance
            # answers elsewhere, which processes its neighbours run in. Alone, it could be
            # given another cause (and fix) than /metrics gives it. So it is served from the
            # manifest's sweep, shared with /metrics and with the other /probe scrapes.
            if self.shard is not None and not self.shard.holds(listed.url):
                # Another exporter sweeps it: serving it here would probe it twice.
                raise HTTPError("421 Misdirected Request", (
                    f"{public_url(listed.url)} is in shard "
                    f"{hashmod(listed.url, self.shard.count)}/{self.shard.count}; this "
                    f"exporter sweeps shard {self.shard} (check the hashmod relabelling)"))
            snapshot = self.coordinator.snapshot(budget)
            report = snapshot.report
            results = self.rows.of(report, listed.url) if report else []
            context, with_token = "manifest", True
            # The probe's time is the URL's, not that of reading a sweep already made
            # (blackbox_exporter's meaning): its slowest request there, plus the diagnosis
            # its verdict waited for. Without its rows, the time this scrape waited.
            took = max((r.elapsed_ms for r in results), default=None)
            spent = None if took is None else took / 1000 + snapshot.diagnosis_s
        else:
            if not self.any_target and not index.reaches(target):
                raise HTTPError("403 Forbidden", (
                    f"target {public_url(target.url)}: its requests would go to "
                    f"{', '.join(sorted(destinations(index.manifest, target)))}, where none of "
                    "the manifest's go; add the URL to the manifest, or start the exporter "
                    "with --probe-any-target"))
            with_token = index.token_goes_to(target, listed)
            alone = _run_bounded(lambda: self.probe(target, budget, with_token),
                                 budget + WAIT_SLACK)
            results = alone.targets if alone is not None else ()
            context, spent = "alone", None
        duration = time.monotonic() - started if spent is None else spent
        verdicts = [r.verdict.value for r in results] or ["timeout"]
        log.info("exporter_probe", target=public_url(target.url), expected=target.expected,
                 verdict=verdicts[0], duration_s=round(duration, 3),
                 token=with_token and self.has_token, diagnosed=context)
        return self._encode(environ, ProbeCollector(results, duration))

    def _target(self, query: dict[str, list[str]],
                index: ManifestIndex) -> tuple[Target, Target | None]:
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
        manifest = index.manifest
        listed = index.target_for(url)
        given = query.get("expected", [])
        if len(given) > 1:
            raise HTTPError("400 Bad Request", "give the expected parameter at most once")
        if given and given[0]:
            expected: str | None = given[0]
            if expected != ANY_INSTANCE and expected not in manifest.instances:
                known = ", ".join(sorted(manifest.instances)) or "none"
                raise HTTPError("400 Bad Request", f"expected: no instance {expected!r} in "
                                f"the manifest (known: {known}, or '*' for any)")
        else:
            expected = listed.expected if listed is not None else ANY_INSTANCE
        target = Target(url, expected)
        connects = manifest.connects_for(target)
        if not manifest.probe.sni and url[:6].lower() == "https:" and not (connects and all(
                is_ip(split_connect(c, "connect")[0]) for c in connects)):
            # The manifest's check (probe.manifest._check_sni) covers its own URLs only.
            raise HTTPError("400 Bad Request", "sni = false: an https target is probed "
                            "without SNI only through a connect IP:PORT, and the manifest "
                            "sends this one elsewhere")
        return target, listed

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


def _nothing() -> None:
    """No watch: the manifest is the one the application was built with."""
