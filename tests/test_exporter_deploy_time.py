"""A manifest deploy time the exporter cannot use (an ``@FILE`` touched into the future) does
not stop its sweeps: a real exporter process sweeping a real endpoint keeps reporting every
verdict, judges ``stale`` without that time, says so once in its log and on every scrape as
a finding; ``probe sweep`` still refuses it at start."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from probe.cli import main
from probe.endpoint_source import load_module
from tests.loopback_wsgi import serve
from tests.monitoring_helpers import ExporterProcess, log_events, start_exporter

FINDING = 'wsgi_probe_findings{code="deploy_time_unusable",severity="warning"} 1.0'


def site(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"the site"]


def scrape(running: ExporterProcess) -> str:
    time.sleep(1.1)  # past the burst window: each scrape is a sweep of its own
    text: str = running.get("/metrics",
                            headers={"X-Prometheus-Scrape-Timeout-Seconds": "10"}).text
    assert "wsgi_probe_sweep_success 1.0" in text, text
    return text


def verdict(text: str) -> str:
    (line,) = [line for line in text.splitlines()
               if line.startswith("wsgi_probe_url_verdict{")]
    return line.split('verdict="')[1].split('"')[0]


def test_a_deploy_time_in_the_future_is_left_out_said_once_and_shown(tmp_path: Path) -> None:
    endpoint = load_module("deploy_time_endpoint")
    deployed = tmp_path / "wsgi.py"
    deployed.write_text("")
    now = time.time()
    os.utime(deployed, (now + 86400, now + 86400))  # touch -d tomorrow, or a skewed clock
    with serve(endpoint.wrap(site, label="shop")) as port:
        manifest = tmp_path / "site.toml"
        manifest.write_text(f'[probe]\nconnect = "127.0.0.1:{port}"\nsamples = 1\n\n'
                            f'[instances.shop]\nlabel = "shop"\n'
                            f'urls = ["http://shop.example.com/"]\n'
                            f'restarted_after = "@{deployed}"\n')
        running = start_exporter(["-m", str(manifest), "--min-interval", "0"],
                                 env={"WSGI_PROBE_TOKEN": ""})
        try:
            for _ in range(3):
                text = scrape(running)
                assert verdict(text) == "ok" and FINDING in text
            # Within the clock skew allowed, after the process started: used, and stale.
            os.utime(deployed, (time.time() + 60, time.time() + 60))
            text = scrape(running)
            assert verdict(text) == "stale" and "deploy_time_unusable" not in text
        finally:
            _stdout, stderr = running.stop(timeout=10)
    assert running.process.returncode == 0, stderr
    events = log_events(stderr)
    said = [e for e in events if e["event"] == "exporter_deploy_time_unusable"]
    assert len(said) == 1, [e["event"] for e in events]
    assert said[0]["instance"] == "shop" and "later than this machine's clock" in said[0]["error"]
    assert not [e for e in events if e["event"] == "exporter_sweep_failed"]
    assert "Traceback" not in stderr

    # The one-shot sweep still refuses it at start, in one line.
    os.utime(deployed, (time.time() + 86400, time.time() + 86400))
    result = CliRunner().invoke(main, ["sweep", "-m", str(manifest)])
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "restarted_after" in line and "later than this machine's clock" in line
