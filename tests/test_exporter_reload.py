"""``probe exporter`` reads its manifest again on SIGHUP, as blackbox_exporter and
Prometheus read their configuration: a real exporter process, its /sd and /metrics before and
after, and an invalid manifest that leaves it on the one it had."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from probe.exporter.sweeps import SweepCoordinator
from probe.model import Report
from tests.monitoring_helpers import (
    MANIFEST,
    ExporterProcess,
    closed_port,
    log_events,
    start_exporter,
)

ONE = """
[instances.shop]
label = "shop"
urls = ["http://shop.example.com/"]
"""


def _sd_urls(running: ExporterProcess) -> list[str]:
    return [group["targets"][0] for group in running.get("/sd").json()]


def _logged(running: ExporterProcess, name: str, timeout: float = 15) -> dict[str, Any]:
    """The next log event called ``name``, read from stderr before any request is sent (a
    request would let the manifest's watch read the file first); kept for stop()."""
    assert running.process.stderr is not None
    watchdog = threading.Timer(timeout, running.process.kill)
    watchdog.start()
    try:
        while line := running.process.stderr.readline():
            running.startup_log.append(line)
            event: dict[str, Any] = json.loads(line)
            if event["event"] == name:
                return event
    finally:
        watchdog.cancel()
    raise AssertionError(f"no {name} event within {timeout} s")


def test_sighup_reads_the_manifest_again_and_keeps_it_when_the_new_one_is_bad(
        tmp_path: Path) -> None:
    manifest = tmp_path / "site.toml"
    head = f'[probe]\nconnect = "127.0.0.1:{closed_port()}"\nsamples = 1\n'
    manifest.write_text(head + MANIFEST)
    running = start_exporter(["-m", str(manifest)], env={"WSGI_PROBE_TOKEN": ""})
    try:
        before = _sd_urls(running)
        assert len(before) == 6
        scraped = running.get("/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "10"})
        assert 'url="http://site-2.example.com/"' in scraped.text

        manifest.write_text(head + ONE)
        running.process.send_signal(signal.SIGHUP)
        _logged(running, "exporter_reloaded")
        assert _sd_urls(running) == ["http://shop.example.com/"]
        # The next scrape sweeps the new manifest: none of the old URLs' series is served.
        scraped = running.get("/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "10"})
        assert 'url="http://shop.example.com/"' in scraped.text
        assert "site-2.example.com" not in scraped.text

        manifest.write_text("[instances.x\n")  # a TOML error
        running.process.send_signal(signal.SIGHUP)
        _logged(running, "exporter_reload_failed")
        assert running.process.poll() is None  # SIGHUP's default would have ended it
        assert _sd_urls(running) == ["http://shop.example.com/"]
    finally:
        _stdout, stderr = running.stop(timeout=10)
    assert running.process.returncode == 0, stderr
    events = log_events(stderr)
    names = [e["event"] for e in events]
    assert names.count("exporter_reloaded") == 1, names
    (failed,) = [e for e in events if e["event"] == "exporter_reload_failed"]
    assert "TOML" in failed["error"] and "Traceback" not in stderr


def test_an_edited_manifest_is_read_again_as_sighup_reads_it(tmp_path: Path) -> None:
    """No signal: configuration management writes the file (a new file renamed over it, or
    written in place), and the next request is served the manifest written."""
    manifest = tmp_path / "site.toml"
    head = f'[probe]\nconnect = "127.0.0.1:{closed_port()}"\nsamples = 1\n'
    manifest.write_text(head + MANIFEST)
    running = start_exporter(["-m", str(manifest)], env={"WSGI_PROBE_TOKEN": ""})
    scrape = {"X-Prometheus-Scrape-Timeout-Seconds": "10"}
    try:
        assert len(_sd_urls(running)) == 6
        assert 'url="http://site-2.example.com/"' in running.get("/metrics", headers=scrape).text

        written = tmp_path / ".site.toml.tmp"  # what Ansible's copy and template modules do
        written.write_text(head + ONE)
        os.replace(written, manifest)
        assert _sd_urls(running) == ["http://shop.example.com/"]
        # The first scrape after the edit sweeps the new manifest: no series of the old one.
        scraped = running.get("/metrics", headers=scrape).text
        assert 'url="http://shop.example.com/"' in scraped and "site-2" not in scraped

        manifest.write_text("[instances.x\n")  # in place, and a TOML error
        for _ in range(3):  # read once, said once: not at every request
            assert _sd_urls(running) == ["http://shop.example.com/"]
        assert 'url="http://shop.example.com/"' in running.get("/metrics", headers=scrape).text
        assert running.process.poll() is None

        manifest.write_text(head + MANIFEST)
        assert len(_sd_urls(running)) == 6
    finally:
        _stdout, stderr = running.stop(timeout=10)
    assert running.process.returncode == 0, stderr
    events = log_events(stderr)
    names = [e["event"] for e in events]
    assert names.count("exporter_reloaded") == 2, names
    (failed,) = [e for e in events if e["event"] == "exporter_reload_failed"]
    assert "TOML" in failed["error"] and "Traceback" not in stderr


def _report() -> Report:
    return Report(targets=(), findings=())


def _runner(name: str, ran: list[str]) -> Callable[[float], Report]:
    def run(budget: float) -> Report:
        ran.append(name)
        return _report()
    return run


def test_a_sweep_of_the_old_runner_is_not_served_after_the_replacement() -> None:
    """The sweep in flight when the manifest changes answers the scrapes waiting for it,
    and no later one: those sweep with the new runner."""
    ran: list[str] = []
    coordinator = SweepCoordinator(_runner("old", ran), min_interval=60)
    assert coordinator.snapshot(5).report is not None
    assert coordinator.snapshot(5).report is not None  # --min-interval: the same sweep
    assert ran == ["old"]
    coordinator.replace(_runner("new", ran))
    assert coordinator.snapshot(5).report is not None
    assert ran == ["old", "new"]
    assert coordinator.counters().sweeps == 2  # the counters go on


def test_the_sweep_in_flight_at_the_replacement_is_not_kept() -> None:
    import threading

    release = threading.Event()
    ran: list[str] = []

    def old(budget: float) -> Report:
        release.wait(10)
        ran.append("old")
        return _report()

    coordinator = SweepCoordinator(old, min_interval=60)
    waiting = threading.Thread(target=coordinator.snapshot, args=(5,))
    waiting.start()
    deadline = time.monotonic() + 5
    while coordinator.counters().sweeps == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    coordinator.replace(_runner("new", ran))
    release.set()
    waiting.join(10)
    assert coordinator.snapshot(5).report is not None
    assert ran == ["old", "new"]
