"""contrib/prometheus/prometheus-sharded.yml run by a real prometheus with two exporters
sharing one manifest (``--shard 0/2`` and ``--shard 1/2``) against a misrouted Apache:

- every manifest URL is one active target of one job, up, scraped at the exporter that
  sweeps its shard (none is misdirected: no 421);
- each exporter probed its own shard's URLs and no other (its log), so no URL was probed
  by both, and the server saw requests for every URL;
- the misroute raises one WSGIProbeMisroute alert, with the cause /metrics gives it;
- the exporters' own job reads each exporter's process at /exporter/metrics and adds no
  URL series (that page makes no sweep: tests/test_exporter_process.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from probe.exporter.discovery import hashmod
from probe.manifest import load
from tests.monitoring_helpers import ExporterProcess, start_exporter

from .apache import ApacheServer, scenario_manifest, scenario_template
from .conftest import ApacheFactory
from .daemons import tool, wait_for, warm
from .prometheus_daemon import every_second, prometheus

pytestmark = [pytest.mark.apache, pytest.mark.daemons]

CONTRIB = Path(__file__).resolve().parents[2] / "contrib" / "prometheus"
SUB = "http://site-1.example.com/suburl/"
SUB_REQUEST = '"GET /suburl/__probe__ '
SHIPPED_ADDRESSES = ("127.0.0.1:8397", "127.0.0.1:8398")


@pytest.fixture(scope="module")
def misrouted(apache_module: ApacheFactory) -> ApacheServer:
    server = apache_module(scenario_template("ordering"))
    warm(server)
    return server


def events(exporter_log: str, name: str) -> list[dict[str, Any]]:
    found = []
    for line in exporter_log.splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if event.get("event") == name:
            found.append(event)
    return found


def test_two_exporters_share_a_manifest_by_hashmod(tmp_path: Path,
                                                   misrouted: ApacheServer) -> None:
    binary = tool("prometheus")
    site = tmp_path / "site.toml"
    site.write_text(f'[probe]\nconnect = "{misrouted.connect}"\nsamples = 2\ntimeout = 10\n\n'
                    + scenario_manifest("ordering").read_text(), encoding="utf-8")
    urls = [t.url for t in load(str(site)).targets()]
    shards = {url: hashmod(url, 2) for url in urls}
    assert set(shards.values()) == {0, 1}, shards  # both exporters have work
    exporters: list[ExporterProcess] = []
    logs: list[str] = []
    before = misrouted.access_log().count(SUB_REQUEST)
    try:
        for index in (0, 1):
            exporters.append(start_exporter(["-m", str(site), "--shard", f"{index}/2"]))
        config = (CONTRIB / "prometheus-sharded.yml").read_text()
        for shipped, exporter in zip(SHIPPED_ADDRESSES, exporters, strict=True):
            config = config.replace(shipped, exporter.address)
        with prometheus(binary, tmp_path, every_second(config)) as prom:

            def all_up() -> list[dict[str, Any]] | None:
                targets = prom.query("targets")["activeTargets"]
                healthy = [t for t in targets if t["health"] == "up"]
                return targets if len(healthy) == len(urls) + len(exporters) else None

            pending = prom.pending_misroute()
            targets = wait_for(all_up, what="every URL's target up", timeout=60,
                               context=prom.daemon.log)
            ok = prom.query("query", query="wsgi_probe_url_ok")["result"]
            cpu = prom.query("query", query="process_cpu_seconds_total")["result"]
    finally:
        for exporter in exporters:
            logs.append("\n".join(exporter.stop()))
    context = f"alerts {pending}\ntargets {targets}\nok {ok}\ncpu {cpu}"
    # The exporters themselves: one target each in their own job, read without a sweep.
    own = [t for t in targets if t["labels"]["job"] == "wsgi-probe-exporters"]
    assert sorted(t["labels"]["instance"] for t in own) == sorted(
        e.address for e in exporters), context
    assert {s["metric"]["job"] for s in cpu} == {"wsgi-probe-exporters"}, context
    assert sorted(s["metric"]["instance"] for s in cpu) == sorted(
        e.address for e in exporters), context
    targets = [t for t in targets if t not in own]
    # Every URL one target, in the job of its shard, scraped at that shard's exporter.
    by_url = {t["labels"]["instance"]: t for t in targets}
    assert sorted(by_url) == sorted(urls) and len(targets) == len(urls), context
    for url, target in by_url.items():
        assert target["labels"]["job"] == f"wsgi-probe-shard-{shards[url]}", context
        assert exporters[shards[url]].address in target["scrapeUrl"], context
        # A scrape answered 421 (another shard's URL) is the target's last error. (The
        # exporter logs no refused request, and a log's timestamps may hold "421".)
        assert target["lastError"] == "", context
    # Each URL has one verdict series, from one job.
    assert sorted(sample["metric"]["url"] for sample in ok) == sorted(urls), context
    assert {s["metric"]["url"]: s["value"][1] for s in ok}[SUB] == "0", context
    # Each exporter probed its own shard only, and swept nothing else: none probed twice.
    for index, log in enumerate(logs):
        mine = {url for url, shard in shards.items() if shard == index}
        probed = {event["target"] for event in events(log, "exporter_probe")}
        assert probed == mine, log[-3000:]
        sweeps = events(log, "exporter_sweep")
        assert sweeps and {event["urls"] for event in sweeps} == {len(mine)}, log[-3000:]
    # At the server: SUB was requested by its shard's sweeps (2 samples each) and by no
    # other; a sweep cut short by the exporter's stop sent its requests without logging.
    requested = misrouted.access_log().count(SUB_REQUEST) - before
    swept = len(events(logs[shards[SUB]], "exporter_sweep"))
    assert 2 * swept <= requested <= 2 * (swept + 1), (requested, swept)
    # One alert for the misrouted URL, with the cause /metrics gives it, still pending.
    [alert] = pending
    assert alert["state"] == "pending", context
    assert alert["labels"]["url"] == SUB, context
    # Without the configuration the cause is undetermined (alias_order or url_mapping): the
    # metric's cause label is empty, which Prometheus drops.
    assert "cause" not in alert["labels"], context
