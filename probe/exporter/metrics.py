"""Prometheus metric families built from a sweep Report (pure: no I/O, no registry).

Naming and label choices, all to keep cardinality bounded and queries simple:

- ``url`` is the manifest URL without credentials; ``expected`` the instance
  name, ``""`` for a ``[refuse]`` URL (an empty label value is the same as no
  label in PromQL), ``*`` for an ad hoc ``/probe`` target;
- ``wsgi_probe_url_verdict`` has one series per URL, for the current verdict,
  with value 1. Not a state set with every verdict at 0: ``cause`` only has a
  value together with the current verdict, so a state set would need
  verdict x cause zero series per URL for nothing; Prometheus marks the
  previous verdict's series stale at the next scrape, and
  ``wsgi_probe_url_ok`` is always present for ``absent()``-style alerts;
- what the endpoint reports that changes at every restart (pid, start time)
  is a value, never a label; ``wsgi_probe_instance_info`` has only labels that
  come from configuration (label, process group, application group, settings), and only
  from an answer that is neither ``not_live`` (forged, cached) nor ``bad_answer``: one series
  per distinct set of them among the URL's samples, so behind a balancer whose members differ
  the series do not change with the member that answered last.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from probe.model import Report, TargetResult, Verdict
from probe.urls import public_url

UNTRUSTED = frozenset({Verdict.NOT_LIVE, Verdict.BAD_ANSWER})
"""Verdicts of an answer that says nothing about who serves the URL (a forged or cached one,
a broken one): its fields become no label and no value. Their labels would be whatever its
sender chose, a new series at every scrape if it liked."""


def expected_label(expected: str | None) -> str:
    return "" if expected is None else expected


def url_families(results: Sequence[TargetResult]) -> list[Metric]:
    """The per-URL families, for /metrics (every URL) and /probe (one URL)."""
    ok = GaugeMetricFamily("wsgi_probe_url_ok",
                           "1 when the URL was answered by the instance the manifest expects.",
                           labels=["url", "address", "expected"])
    verdict = GaugeMetricFamily(
        "wsgi_probe_url_verdict",
        "The URL's current verdict and cause (1; only the current verdict is exported).",
        labels=["url", "address", "expected", "verdict", "cause"])
    duration = GaugeMetricFamily("wsgi_probe_url_duration_seconds",
                                 "Slowest probe request to the URL in this sweep.",
                                 labels=["url", "address"])
    info = GaugeMetricFamily(
        "wsgi_probe_instance_info",
        "What answered the URL, as the probe endpoint reported it (always 1).",
        labels=["url", "address", "label", "process_group", "application_group",
                "settings_module"])
    pid = GaugeMetricFamily("wsgi_probe_instance_pid",
                            "Process id of the instance that answered the URL.",
                            labels=["url", "address"])
    started = GaugeMetricFamily("wsgi_probe_instance_start_time_seconds",
                                "When the instance that answered the URL was loaded (Unix time).",
                                labels=["url", "address"])
    for result in results:
        url = public_url(result.url)
        # Bounded: the address comes from the manifest's connect list or DNS.
        address = result.address or ""
        expected = expected_label(result.expected)
        ok.add_metric([url, address, expected], 1.0 if result.ok else 0.0)
        cause = result.cause.value if result.cause is not None else ""
        verdict.add_metric([url, address, expected, result.verdict.value, cause], 1.0)
        duration.add_metric([url, address], result.elapsed_ms / 1000)
        answer = result.observed
        if answer is None or result.verdict in UNTRUSTED:
            continue
        # Every kind of answer the samples saw, not the last one's: behind a balancer the
        # members differ (a mod_wsgi-express group beside gunicorn's none), and the last
        # sample's labels made a new series whenever another member answered last.
        rows = dict.fromkeys((each.label or "", each.process_group or "",
                              each.application_group or "", each.settings or "")
                             for each in result.answered or (answer,))
        for row in rows:
            info.add_metric([url, address, *row], 1.0)
        if answer.pid is not None:
            pid.add_metric([url, address], float(answer.pid))
        if answer.started is not None:
            started.add_metric([url, address], answer.started.timestamp())
    return [ok, verdict, duration, info, pid, started]


@dataclass(frozen=True)
class SweepCounters:
    sweeps: int
    errors: int


@dataclass(frozen=True)
class SweepSnapshot:
    """What one /metrics scrape exports.

    ``report`` is None when no finished sweep could be served within the
    scrape's time budget (or the sweep failed): then only the exporter's own
    metrics are exported, with ``wsgi_probe_sweep_success 0``, rather than
    presenting an old sweep's URL results as current. An incomplete sweep
    (``complete`` False) is exported with ``wsgi_probe_sweep_success 0`` too.
    """

    counters: SweepCounters
    report: Report | None
    finished_at: float | None = None
    """Unix time the served sweep finished (differs from now with --min-interval)."""
    complete: bool = True
    """False when the sweep used up its deadline: its URL results are exported, but the
    URLs it had no time for are unreachable, so the scrape is not a success."""
    diagnosis_s: float = 0.0
    """How long the served sweep's diagnosis took (after its last request)."""


def counter_families(counters: SweepCounters) -> Iterator[Metric]:
    """The exporter's sweep counters: on /metrics, and on /exporter/metrics without a sweep."""
    sweeps = CounterMetricFamily("wsgi_probe_sweeps", "Sweeps started by this exporter.")
    sweeps.add_metric([], float(counters.sweeps))
    yield sweeps
    errors = CounterMetricFamily(
        "wsgi_probe_sweep_errors",
        "Sweeps that failed, ran out of time, or did not finish within a waiting scrape's "
        "timeout.")
    errors.add_metric([], float(counters.errors))
    yield errors


class CountersCollector:
    """/exporter/metrics, with the exporter's process (:class:`Chain`): its counters, no sweep,
    for the set-ups whose scrapes all go to /probe (docs/monitoring.md)."""

    def __init__(self, counters: SweepCounters) -> None:
        self.counters = counters

    def collect(self) -> Iterator[Metric]:
        return counter_families(self.counters)


class Chain:
    """Collectors encoded as one page, in order: the sweep's families or the counters, then
    the exporter's own process (probe.exporter.command.process_collectors)."""

    def __init__(self, *parts: Collector) -> None:
        self.parts = parts

    def collect(self) -> Iterator[Metric]:
        for part in self.parts:
            yield from part.collect()


class SweepCollector:
    """A prometheus_client collector for one scrape: fresh families on every collect()."""

    def __init__(self, snapshot: SweepSnapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        snapshot = self.snapshot
        yield from counter_families(snapshot.counters)
        success = GaugeMetricFamily(
            "wsgi_probe_sweep_success",
            "1 when this scrape carries a complete sweep's results; 0 when none finished in "
            "time, it failed, or it ran out of time (URLs it could not wait for: unreachable).")
        success.add_metric([], 1.0 if snapshot.report is not None and snapshot.complete
                           else 0.0)
        yield success
        report = snapshot.report
        if report is None:
            return
        yield GaugeMetricFamily("wsgi_probe_problems", "URLs whose verdict is not ok.",
                                value=float(len(report.problems)))
        # Not sent before the scrape's time ran out: no rows, and no problem either.
        yield GaugeMetricFamily("wsgi_probe_urls_unprobed",
                                "URLs whose requests the sweep had no time to send.",
                                value=float(report.unprobed))
        # Its requests and its diagnosis: Report.duration_s ends at the last answer (a
        # re-tester saw one URL's probe_duration_seconds longer than the whole sweep's).
        yield GaugeMetricFamily("wsgi_probe_sweep_duration_seconds",
                                "How long the served sweep took, its diagnosis included.",
                                value=report.duration_s + snapshot.diagnosis_s)
        if snapshot.finished_at is not None:
            yield GaugeMetricFamily("wsgi_probe_sweep_timestamp_seconds",
                                    "When the served sweep finished (Unix time).",
                                    value=snapshot.finished_at)
        yield _findings_family(report)
        yield from url_families(report.targets)


def _findings_family(report: Report) -> Metric:
    family = GaugeMetricFamily("wsgi_probe_findings",
                               "Cross-URL findings of the sweep, counted by code and severity.",
                               labels=["code", "severity"])
    counts = Counter((f.code, f.severity.value) for f in report.findings)
    for (code, severity), count in sorted(counts.items()):
        family.add_metric([code, severity], float(count))
    return family


class ProbeCollector:
    """The /probe answer for one target (blackbox_exporter's multi-target pattern)."""

    def __init__(self, results: Iterable[TargetResult], duration_s: float) -> None:
        self.results = list(results)
        self.duration_s = duration_s

    def collect(self) -> Iterator[Metric]:
        success = bool(self.results) and all(r.ok for r in self.results)
        yield GaugeMetricFamily("probe_success", "1 when the URL was answered as the manifest "
                                "expects.", value=1.0 if success else 0.0)
        yield GaugeMetricFamily("probe_duration_seconds",
                                "How long the probe took, diagnosis included.",
                                value=self.duration_s)
        yield from url_families(self.results)
