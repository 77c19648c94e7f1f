"""The exporter's own process (``process_*``, ``python_info``), as Prometheus client libraries
export it: read from the proc directory passed in, on /metrics after the sweep's families and
on /exporter/metrics (no sweep), not on /probe (blackbox_exporter's /probe carries only the
probe's metrics)."""

from __future__ import annotations

import os
import platform
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from probe.exporter import command as exporter
from probe.exporter.command import ExporterOptions
from probe.manifest import parse
from tests.monitoring_helpers import MANIFEST
from tests.test_exporter import Served, SlowSweep

TICKS = os.sysconf("SC_CLK_TCK")


def fake_proc(root: Path) -> Path:
    """A proc directory with a boot time of 1,000,000 s and a process that has spent 250
    ticks in user mode and 50 in the kernel, started 500 ticks after boot, 3 files open."""
    (root / "self" / "fd").mkdir(parents=True)
    (root / "stat").write_text("cpu  1 2 3 4\nbtime 1000000\n")
    # Fields after the command's ')': state, then ppid ... utime is the 12th, stime the
    # 13th, starttime the 20th, vsize the 21st, rss (pages) the 22nd.
    after = ["S", "1", "1", "1", "0", "-1", "0", "0", "0", "0", "0", "250", "50", "0", "0",
             "20", "0", "1", "0", "500", "123456789", "1000"]
    (root / "self" / "stat").write_text("4242 (probe) " + " ".join(after) + "\n")
    (root / "self" / "limits").write_text(
        "Limit                     Soft Limit           Hard Limit           Units\n"
        "Max open files            1024                 4096                 files\n")
    for fd in range(3):
        (root / "self" / "fd" / str(fd)).touch()
    return root


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    app = exporter.build_app(parse(MANIFEST, "site.toml"), ExporterOptions(), version="9.9",
                             sweep=SlowSweep(),
                             own=exporter.process_collectors(str(fake_proc(tmp_path))))
    running = Served(app)
    yield running
    running.close()


def families(text: str) -> dict[str, dict[str, float | dict[str, str]]]:
    found: dict[str, dict[str, float | dict[str, str]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[sample.name] = {"value": sample.value, "labels": dict(sample.labels)}
    return found


def test_metrics_carry_the_exporters_own_process(served: Served) -> None:
    text = served.get("/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "10"}).text
    got = families(text)
    assert got["process_cpu_seconds_total"]["value"] == pytest.approx(300 / TICKS)
    assert got["process_start_time_seconds"]["value"] == pytest.approx(1_000_000 + 500 / TICKS)
    assert got["process_open_fds"]["value"] == 3
    assert got["process_max_fds"]["value"] == 1024
    info = got["python_info"]["labels"]
    assert isinstance(info, dict) and info["version"] == platform.python_version()
    # The sweep's families first: what a person reading the page looks for.
    assert text.index("wsgi_probe_sweep_success") < text.index("process_cpu_seconds_total")


def test_probe_answers_carry_only_the_probe(served: Served) -> None:
    names = set(families(served.get("/probe?target=http://site-1.example.com/").text))
    assert "probe_success" in names
    assert not {name for name in names if name.startswith(("process_", "python_"))}, names


def test_without_them_the_page_has_none(tmp_path: Path) -> None:
    # What build_app gives a caller that passes none (the tests' default): serve() passes them.
    app = exporter.build_app(parse(MANIFEST, "site.toml"), ExporterOptions(), sweep=SlowSweep())
    running = Served(app)
    try:
        text = running.get("/metrics").text
    finally:
        running.close()
    assert "wsgi_probe_sweep_success" in text and "process_cpu_seconds_total" not in text


def test_exporter_metrics_page_makes_no_sweep(tmp_path: Path) -> None:
    """/exporter/metrics: the counters and the process, for set-ups scraping only /probe."""
    sweep = SlowSweep()
    app = exporter.build_app(parse(MANIFEST, "site.toml"), ExporterOptions(), sweep=sweep,
                             own=exporter.process_collectors(str(fake_proc(tmp_path))))
    running = Served(app)
    try:
        before = families(running.get("/exporter/metrics").text)
        running.get("/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "10"})
        after = families(running.get("/exporter/metrics").text)
    finally:
        running.close()
    assert len(sweep.calls) == 1  # the /metrics scrape's only
    assert before["wsgi_probe_sweeps_total"]["value"] == 0
    assert after["wsgi_probe_sweeps_total"]["value"] == 1
    assert after["process_cpu_seconds_total"]["value"] == pytest.approx(300 / TICKS)
    assert "python_info" in after
    assert not {name for name in after if name.startswith(("wsgi_probe_url", "probe_"))}
