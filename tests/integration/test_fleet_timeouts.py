"""A fleet swept directly at each member's address, one member slower than the sweep's
timeout on one path: two real gunicorn (one sync worker each) serving ``contrib/wsgi_endpoint.py``
around a 404 application, the slow one behind a layer that sleeps on ``/slow/`` before the
endpoint answers (the endpoint answers the probe before the application runs, so the sleep
must come first to delay the probe).

The timeout's words (probe/diagnose/timeout_queue.py) say how many of the sweep's requests
were in flight to that address at once, from the concurrency and how the sweep shares it
between the addresses, and name a lower ``--concurrency`` as the check; the check run (one
request at a time per address) still times out here, and is then worded as the server's own
slowness, with no queue of the sweep's. Timeouts of 1 s, two URLs, two samples: a few seconds.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .apache import ApacheError, free_port
from .endpoint_sites import AppServers, app_servers
from .nginx import TOKEN, sweep_report
from .wsgi_servers import WsgiServer

pytestmark = pytest.mark.apache

SLOW, ROOT = "http://fleet.test/slow/", "http://fleet.test/"
DELAY = 2.0
"""Seconds the slow member sleeps on /slow/: longer than the sweep's 1 s timeout."""

APP = """\
import os
import time

import wsgi_endpoint


def not_found(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not the probe"]


_inner = wsgi_endpoint.wrap(not_found, label="fleet", token={token!r})
_DELAY = float(os.environ.get("SLOW_DELAY", "0"))


def application(environ, start_response):
    # outside the endpoint's wrap: it answers the probe before the application runs
    if _DELAY and environ.get("PATH_INFO", "").startswith("/slow/"):
        time.sleep(_DELAY)
    return _inner(environ, start_response)
"""
MANIFEST = f"""[probe]
connect = ["127.0.0.1:{{slow}}", "127.0.0.1:{{fast}}"]
token_env = "WSGI_PROBE_TOKEN"
samples = 2
timeout = 1
concurrency = 4

[instances.fleet]
label = "fleet"
urls = ["{SLOW}", "{ROOT}"]
"""


@dataclass
class Fleet:
    slow: WsgiServer
    fast: WsgiServer
    manifest: Path


def _member(apps: AppServers, name: str, delay: float) -> WsgiServer:
    appdir = apps.workdir / name
    appdir.mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "contrib" / "wsgi_endpoint.py", appdir)
    (appdir / "slowapp.py").write_text(APP.format(token=TOKEN), encoding="utf-8")
    port = free_port()
    # --graceful-timeout 1: a worker still asleep does not hold the test's stop for 30 s
    command = [str(apps.venv / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}",
               "--workers", "1", "--graceful-timeout", "1", "slowapp:application"]
    return apps.start(f"gunicorn-{name}", command, appdir, port=port, token=TOKEN,
                      env={"SLOW_DELAY": f"{delay:g}"})


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    with app_servers() as apps:
        try:
            slow, fast = _member(apps, "slow", DELAY), _member(apps, "fast", 0)
        except ApacheError as exc:
            pytest.fail(str(exc), pytrace=False)
        manifest = tmp_path / "manifest.toml"
        manifest.write_text(MANIFEST.format(slow=slow.port, fast=fast.port), encoding="utf-8")
        yield Fleet(slow, fast, manifest)


def _targets(fleet: Fleet, *extra: str) -> dict[tuple[str, str], dict[str, Any]]:
    report = sweep_report(fleet.manifest, *extra)
    return {(t["url"], t["address"]): t for t in report["targets"]}


def test_a_member_slower_than_the_timeout_is_told_the_sweeps_own_queue_and_its_check(
        fleet: Fleet) -> None:
    slow, fast = f"127.0.0.1:{fleet.slow.port}", f"127.0.0.1:{fleet.fast.port}"
    targets = _targets(fleet)
    assert targets[SLOW, fast]["verdict"] == "ok", targets[SLOW, fast]
    assert targets[ROOT, fast]["verdict"] == "ok", targets[ROOT, fast]
    found = targets[SLOW, slow]
    assert found["verdict"] == "unreachable", found
    assert "timed out" in found["explanation"], found["explanation"]
    # concurrency 4 shared by 2 addresses: 2 at once; 2 URLs x 2 samples sent to each
    fix = found["fix"]
    assert (f"Up to 2 of this sweep's requests were in flight to {slow} at once (concurrency 4, "
            f"shared between the sweep's 2 addresses; 4 requests sent there), each given 1 s "
            f"(timeout)") in fix, fix
    assert "Sweep again with --concurrency 2 (one request at a time per address)" in fix, fix
    # the check named, run: one at a time, /slow/ still times out, so the member is slow
    checked = _targets(fleet, "--concurrency", "2")[SLOW, slow]
    assert checked["verdict"] == "unreachable", checked
    assert (f"Only one of this sweep's requests at a time was in flight to {slow} "
            f"(concurrency 2, shared between the sweep's 2 addresses), each given 1 s "
            f"(timeout): no queue of the sweep's own at this address; the server or the "
            f"network is too slow or stuck") in checked["fix"], checked["fix"]
    assert "--concurrency" not in checked["fix"], checked["fix"]
