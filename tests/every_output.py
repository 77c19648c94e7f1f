"""Every way a Report leaves the probe, as bytes: the reports, check, the exporter.

Shared by the property tests and the hostile-server tests: whatever a server
answered, each of these must come out, encoded, without an exception.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics

from probe.check import plugin as check
from probe.exporter.metrics import ProbeCollector, SweepCollector, SweepCounters, SweepSnapshot
from probe.exporter.page import render_page
from probe.manifest import Manifest
from probe.model import Report
from probe.report import render
from probe.report.nagios import render as render_plugin

FORMATS = ("table", "json", "junit")


def _exposition(collector: SweepCollector | ProbeCollector) -> dict[str, bytes]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    openmetrics: bytes = generate_openmetrics(registry)  # type: ignore[no-untyped-call] # untyped upstream
    return {"prometheus": generate_latest(registry), "openmetrics": openmetrics}


def every_output(report: Report, manifest: Manifest | None = None) -> dict[str, bytes]:
    """Each output format of ``report``, encoded as it is written (UTF-8), by name."""
    out: dict[str, bytes] = {}
    for fmt in FORMATS:
        out[fmt] = render(report, fmt).encode("utf-8")
        out[f"{fmt}-color"] = render(report, fmt, color=True).encode("utf-8")
    json.loads(out["json"])
    ET.fromstring(out["junit"])  # noqa: S314 - our own output, parsed to prove it is XML
    for verbose in (0, 3):
        options = check.CheckOptions(manifest_path="m.toml", verbose=verbose, perfdata_urls=True)
        plugin = check.evaluate(report, options, elapsed=0.1, manifest=manifest)
        out[f"check-v{verbose}"] = render_plugin(plugin).encode("utf-8")
    snapshot = SweepSnapshot(SweepCounters(1, 0), report, finished_at=1.0)
    for name, body in _exposition(SweepCollector(snapshot)).items():
        out[f"metrics-{name}"] = body
    for name, body in _exposition(ProbeCollector(report.targets[:1], 0.1)).items():
        out[f"probe-{name}"] = body
    out["page"] = render_page(report, 1.0, manifest="m.toml", version="t").encode("utf-8")
    return out


def check_status(report: Report) -> int:
    """The exit status ``probe check`` gives ``report`` (0..3)."""
    plugin = check.evaluate(report, check.CheckOptions(manifest_path="m.toml"), elapsed=0.1)
    render_plugin(plugin).encode("utf-8")
    return plugin.exit_code
