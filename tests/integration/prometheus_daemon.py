"""A real prometheus run on a shipped scrape config and the shipped alert rules, asked over
its HTTP API: what test_monitoring_daemons and test_prometheus_shards each started alike.

The shipped intervals are minutes; a test cannot wait that long, so scrapes and rule
evaluation run every second, and the alerts' ``for:`` is made longer than any test: an
alert is seen pending, as it is for its first minutes in production.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from tests.monitoring_helpers import closed_port

from .daemons import Daemon, running, wait_for

RULES = Path(__file__).resolve().parents[2] / "contrib" / "prometheus" / "alerts.yml"


def every_second(config: str) -> str:
    """A shipped scrape config with 1 s scrape and evaluation intervals and scrape timeout."""
    config = re.sub(r"(scrape|evaluation)_interval: 1m", r"\1_interval: 1s", config)
    return re.sub(r"scrape_timeout: \d+s", "scrape_timeout: 1s", config)


def query(port: int, path: str, **params: str) -> Any:
    """The ``data`` of an answer of prometheus's API at ``/api/v1/PATH``."""
    answer = requests.get(f"http://127.0.0.1:{port}/api/v1/{path}", params=params, timeout=10)
    answer.raise_for_status()
    body = answer.json()
    assert body["status"] == "success", body
    return body["data"]


@dataclass(frozen=True)
class Prometheus:
    port: int
    daemon: Daemon

    def query(self, path: str, **params: str) -> Any:
        return query(self.port, path, **params)

    def pending_misroute(self) -> list[dict[str, Any]]:
        """The WSGIProbeMisroute alerts, once there is one (90 s at most)."""

        def alerts() -> list[dict[str, Any]] | None:
            found = [a for a in self.query("alerts")["alerts"]
                     if a["labels"]["alertname"] == "WSGIProbeMisroute"]
            return found or None

        return wait_for(alerts, what="WSGIProbeMisroute", timeout=90, context=self.daemon.log)


def _ready(port: int) -> bool | None:
    try:
        return requests.get(f"http://127.0.0.1:{port}/-/ready",
                            timeout=2).status_code == 200 or None
    except requests.RequestException:
        return None


@contextmanager
def prometheus(binary: str, workdir: Path, config: str) -> Iterator[Prometheus]:
    """``binary`` run on ``config`` (written as ``workdir/prometheus.yml``) and the shipped
    rules (``workdir/alerts.yml``) on a free loopback port, yielded once it is ready."""
    (workdir / "prometheus.yml").write_text(config)
    # A `for:` longer than the test: the alert is seen pending, as it is for 2 minutes.
    (workdir / "alerts.yml").write_text(re.sub(r"for: \d+m", "for: 10m", RULES.read_text()))
    port = closed_port()
    args = [binary, f"--config.file={workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"]
    with running("prometheus", args, workdir=workdir) as daemon:
        wait_for(lambda: _ready(port), what="prometheus to be ready", timeout=60,
                 context=daemon.log)
        yield Prometheus(port, daemon)
