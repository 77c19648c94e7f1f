"""A real gunicorn --preload after a deploy (T23's case c2): the master loaded the application
once and forks every worker from it, so a HUP forks them again from the old code. The stale
verdict names every worker that answered and the start time they share; its fix leads with
restarting the service, not with the HUP; applied, the sweep is ok."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import pytest

from .apache import ApacheError, ApacheUnavailable, free_port
from .conftest import unavailable
from .test_fleet_drift_reload import checkout
from .wsgi_servers import WsgiServer, _start, ensure_servers_venv

TOKEN = "nginx-fidelity-token-0123456789"  # the one tests/integration/nginx.py's WHOAMI takes
MANIFEST = """[probe]
connect = "127.0.0.1:{port}"
token_env = "WSGI_PROBE_TOKEN"
samples = 12

[instances.site]
label = "site"
code_version = "r2"
restarted_after = "{deployed}"
urls = ["http://site.example.com/"]
"""


@pytest.fixture
def started() -> Iterator[list[WsgiServer]]:
    running: list[WsgiServer] = []
    yield running
    for server in running:
        server.stop()


def preload(appdir: Path, port: int, started: list[WsgiServer]) -> WsgiServer:
    try:
        venv = ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    command = [str(venv / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "3",
               "--preload", "whoami:application"]
    try:
        server = _start("gunicorn-preload", command, cwd=appdir, port=port,
                        log_path=appdir.parent / "gunicorn.log")
    except ApacheError as exc:
        pytest.fail(str(exc), pytrace=False)
    started.append(server)
    return server


def workers(server: WsgiServer) -> set[int]:
    return {p.pid for p in server.tree() if p.status() != psutil.STATUS_ZOMBIE}


def hup(server: WsgiServer) -> None:
    """The usual reload: HUP to the master; back once all its old workers are replaced."""
    old = workers(server)
    os.kill(server.pid, signal.SIGHUP)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = workers(server)
        if len(now) >= 3 and not now & old:
            return
        time.sleep(0.05)
    pytest.fail(f"gunicorn {server.pid} did not replace its workers: {server.log()[-2000:]}")


def sweep(manifest: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "probe", "sweep", "-m", str(manifest), "--format", "json"],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "WSGI_PROBE_TOKEN": TOKEN})
    assert done.returncode in (0, 1), done.stderr
    [target] = json.loads(done.stdout)["targets"]
    found: dict[str, Any] = target
    return found


def test_preload_is_restarted_not_sent_a_hup(started: list[WsgiServer],
                                             tmp_path: Path) -> None:
    appdir = checkout(tmp_path, "r1")
    port = free_port()
    server = preload(appdir, port, started)
    time.sleep(0.05)  # the deploy comes after the start, by more than started_at's millisecond
    deployed = datetime.now(UTC).isoformat(timespec="milliseconds")
    (appdir / "REVISION").write_text("r2\n", encoding="utf-8")
    manifest = tmp_path / "m.toml"
    manifest.write_text(MANIFEST.format(port=port, deployed=deployed), encoding="utf-8")
    hup(server)

    stale = sweep(manifest)
    assert (stale["verdict"], stale["cause"]) == ("stale", "stale_code"), stale["explanation"]
    pids = stale["pids"]
    if len(pids) < 2:
        pytest.fail(f"one worker answered all 12 samples ({pids}): nothing shared to see",
                    pytrace=False)
    for pid in pids:
        assert f"pid {pid} at server.listen 127.0.0.1:{port}" in stale["explanation"], \
            stale["explanation"]
    # The endpoint says which process loaded the copy the workers run: the master.
    assert (f"came from processes running a copy of the application that pid {server.pid} "
            f"loaded at ") in stale["explanation"], stale["explanation"]
    assert f"(started_at; loaded_pid {server.pid}, observed)" in stale["explanation"], \
        stale["explanation"]
    # Forked by the HUP, after the deploy: new processes, an old load (tester R23, c2).
    assert "The processes themselves started later, forked from that copy: " in \
        stale["explanation"], stale["explanation"]
    assert "processes that all started at" not in stale["explanation"], stale["explanation"]
    # The HUP kept the master's code: the workers forked after it still read r1.
    assert "ran code.version 'r1' (observed)" in stale["explanation"], stale["explanation"]
    fix = stale["fix"]
    assert fix.startswith(f"Restart the gunicorn service (stop its master (ppid {server.pid}, "
                          f"the parent of pids "), fix
    assert not fix.startswith("Send HUP"), fix

    # The fix as printed: stop the master, start the service again.
    server.stop()
    started.remove(server)
    preload(appdir, port, started)
    fresh = sweep(manifest)
    assert fresh["verdict"] == "ok", fresh["explanation"]
