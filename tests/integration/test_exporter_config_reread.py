"""``probe exporter`` re-reads the manifest's ``[probe] config`` when its files change, on real
Apache/mod_wsgi (scenario "ordering": /suburl/ is swallowed by the root alias above it).

The configuration is the running server's, split into a main file that ``Include``s the
VirtualHosts from a second file, as an operator's is; the exporter runs in-process with a
stepped clock for its sweeps (one sweep per scrape) and the reads counted through its seam.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import structlog

from probe import manifest as manifests
from probe.exporter import command as exporter
from probe.exporter.command import ConfigWatch, ExporterOptions
from probe.front_config import FrontConfig, manifest_front
from probe.model import Cause, EvidenceKind, TargetResult
from tests.test_exporter import Served

from .apache import ApacheServer, scenario_manifest, scenario_template
from .conftest import ApacheFactory
from .daemons import warm
from .test_monitoring_apache import metrics

pytestmark = pytest.mark.apache

SUB = "http://site-1.example.com/suburl/"
Metrics = dict[str, list[tuple[dict[str, str], float]]]


@pytest.fixture(scope="module")
def server(apache_module: ApacheFactory) -> ApacheServer:
    running = apache_module(scenario_template("ordering"))
    warm(running)
    return running


@dataclass
class Counted:
    """The watch's seams, counting: reads of the configuration, stats of its files."""

    path: str
    reads: int = 0
    stats: list[str] = field(default_factory=list)

    def read(self) -> FrontConfig:
        self.reads += 1
        return manifest_front(self.path, {})

    def stat(self, path: str) -> os.stat_result:
        self.stats.append(path)
        return os.stat(path)


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Exporter:
    served: Served
    seams: Counted
    clock: Clock
    main: Path
    vhosts: Path

    def scrape(self) -> tuple[TargetResult, Metrics, str]:
        """A scrape that makes a sweep (the last one is older than the burst window): the
        sweep's /suburl/ result, the metrics, and the page."""
        self.clock.now += exporter.BURST_WINDOW + 1
        swept = metrics(self.served.get("/metrics").text)
        page = self.served.get("/").text
        last = self.served.app.coordinator.last
        assert last is not None and last.report is not None
        [sub] = [t for t in last.report.targets if t.url == SUB]
        return sub, swept, page


def sources(target: TargetResult) -> list[str]:
    return [e.source for e in target.evidence if e.kind is EvidenceKind.CONFIGURED]


def cited_lines(page: str, file: Path) -> set[int]:
    """The lines of ``file`` the exporter's page cites."""
    return {int(n) for n in re.findall(re.escape(html.escape(str(file))) + r":(\d+)", page)}


@pytest.fixture
def running(server: ApacheServer, tmp_path: Path) -> Iterator[Exporter]:
    text = server.conf_path.read_text(encoding="utf-8")
    cut = text.index("<VirtualHost")
    vhosts = tmp_path / "vhosts.conf"
    vhosts.write_text(text[cut:], encoding="utf-8")
    main = tmp_path / "main.conf"
    main.write_text(f'{text[:cut]}Include "{vhosts}"\n', encoding="utf-8")
    site = tmp_path / "site.toml"
    site.write_text(f'[probe]\nconfig = "{main}"\nconnect = "{server.connect}"\ntimeout = 30\n'
                    + scenario_manifest("ordering").read_text(encoding="utf-8"))
    seams, clock = Counted(str(main)), Clock()
    watch = ConfigWatch(str(main), seams.read, stat=seams.stat)
    app = exporter.build_app(manifests.load(str(site)), ExporterOptions(), config=watch,
                             clock=clock)
    served = Served(app)
    try:
        yield Exporter(served, seams, clock, main, vhosts)
    finally:
        served.close()


def test_the_explanation_follows_an_edited_virtualhost_file(running: Exporter) -> None:
    before, _, page = running.scrape()
    cited = sources(before)
    assert before.cause is Cause.ALIAS_ORDER and cited, before
    assert all(s.startswith(f"{running.vhosts}:") for s in cited), before
    shown = cited_lines(page, running.vhosts)
    assert shown, page
    # Three lines above the VirtualHosts move every cited line down by three.
    text = running.vhosts.read_text(encoding="utf-8")
    running.vhosts.write_text("# moved\n# down\n# by three\n" + text, encoding="utf-8")
    with structlog.testing.capture_logs() as logs:
        after, _, page = running.scrape()
    moved = [f"{running.vhosts}:{int(s.rpartition(':')[2]) + 3}" for s in cited]
    assert after.cause is Cause.ALIAS_ORDER and sources(after) == moved, after
    assert any(s in after.explanation for s in moved), after
    assert cited_lines(page, running.vhosts) == {n + 3 for n in shown}, page
    assert running.seams.reads == 2
    assert [e["event"] for e in logs if e["log_level"] == "info"
            and e["event"].startswith("exporter_config")] == ["exporter_config_reread"]


def test_an_unreadable_configuration_is_said_once_and_the_exporter_serves(
        running: Exporter) -> None:
    assert running.scrape()[0].cause is Cause.ALIAS_ORDER
    kept = running.main.read_text(encoding="utf-8")
    running.main.unlink()
    os.mkfifo(running.main)  # exists, and no reader may wait on it
    with structlog.testing.capture_logs() as logs:
        without, swept, _ = running.scrape()
        again, swept_again, _ = running.scrape()
    unread = [e for e in logs if e["event"] == "exporter_config_unread"]
    assert [(e["log_level"], e["error"]) for e in unread] == [
        ("warning", f"{running.main}: cannot read: not a regular file")], logs
    for target, got in ((without, swept), (again, swept_again)):
        assert got["wsgi_probe_sweep_success"] == [({}, 1.0)]
        # Measured, not configured: the cause only a configuration line decides is left open.
        assert target.cause is not Cause.ALIAS_ORDER and sources(target) == [], target
    assert running.seams.reads == 3  # tried again before the second sweep
    # Put back, it is read again at the next sweep and explains once more.
    running.main.unlink()
    running.main.write_text(kept, encoding="utf-8")
    with structlog.testing.capture_logs() as logs:
        back, _, _ = running.scrape()
    assert back.cause is Cause.ALIAS_ORDER and sources(back), back
    assert [e["event"] for e in logs if e["event"].startswith("exporter_config")] == [
        "exporter_config_reread"]


def test_nothing_changed_nothing_read_again(running: Exporter) -> None:
    stats = running.seams.stats
    at_start = len(stats)
    assert {str(running.main), str(running.vhosts), str(running.main.parent)} <= set(stats)
    for _ in range(3):
        assert running.scrape()[0].cause is Cause.ALIAS_ORDER
    assert running.seams.reads == 1  # at start only
    # Each sweep checked both files before it ran (and their directory: a file added).
    assert stats[at_start:].count(str(running.vhosts)) == 3, stats
    assert stats[at_start:].count(str(running.main)) == 3, stats
    # A new modification time alone (same size, same inode) is a change.
    stat = running.vhosts.stat()
    os.utime(running.vhosts, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert running.scrape()[0].cause is Cause.ALIAS_ORDER
    assert running.seams.reads == 2
