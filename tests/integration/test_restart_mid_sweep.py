"""A real gunicorn restarted in the middle of a sweep, with new code: ``code_drift`` says one
server restarted during the sweep, not "a deploy reached some of them only".

The restart is timed by the server itself: a WSGI layer above the application counts the
probe requests and holds the Nth until the test says go. The test then starts the new
gunicorn (a new master, the new ``REVISION``) on the same port (``--reuse-port`` on both, so
no request is refused), stops the old master gracefully (it closes its socket and finishes
the held request) and lets the held request go. Requests are sent one at a time
(``concurrency = 1``): those before the Nth reach the old master's workers, those after it
the new one's (the held worker shuts its listening socket before it answers, so no later
request is queued on a socket about to close).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from probe.model import Verdict
from tests import reaper

from .apache import free_port
from .held_sweep import GATE, HELD, gunicorn, gunicorn_command, held, manifest, wait_for_one_left
from .test_fleet_app_servers import Project, project
from .test_fleet_orphans import copy_of
from .wsgi_servers import WsgiServer

pytestmark = pytest.mark.apache

__all__ = ["project"]  # the fixture, shared with test_fleet_app_servers

STOP_LISTENING = """

def _released():
    # This worker is stopping (its master was sent TERM), but its own SO_REUSEPORT socket
    # would take the next connection until it exits, then drop it: shut it down first.
    import socket

    for name in os.listdir("/proc/self/fd"):
        try:
            sock = socket.socket(fileno=os.dup(int(name)))
        except OSError:
            continue
        try:
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        finally:
            sock.close()
"""
"""The held worker's last act once let go (the gate calls it): the listening socket shut."""


def beside(project: Project, site: Path, port: int, old: WsgiServer) -> WsgiServer:
    """The new gunicorn on the old one's port, returned once it listens there (asking the
    port may reach the old one)."""
    log = project.workdir / "gunicorn-new.log"
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("PYTHON", "WSGI_PROBE", "VIRTUAL_ENV", "DJANGO", "HOLD"))}
    with log.open("ab") as out:
        process = subprocess.Popen(
            gunicorn_command(project, port, reuse_port=True), cwd=site,
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env=clean)
    reaper.remember(process.pid, f"gunicorn-new on 127.0.0.1:{port}")
    server = WsgiServer("gunicorn-new", port, process.pid, log, process)
    # Each of its workers listens (with --reuse-port gunicorn binds in each worker, before it
    # loads the application: a connection queued there waits for it).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        workers = {p.pid for p in server.tree()}
        if len(workers) == 2 and workers <= _listening(port):
            return server
        time.sleep(0.05)
    server.stop()
    pytest.fail(f"the new gunicorn did not listen: {server.log()[-3000:]}", pytrace=False)


def _listening(port: int) -> set[int | None]:
    return {c.pid for c in psutil.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port}


def test_a_gunicorn_restarted_during_the_sweep_is_said_so(project: Project) -> None:
    site = copy_of(project, "restarted", "r1", time.time())
    (site / "gate.py").write_text(GATE + STOP_LISTENING, encoding="utf-8")
    port = free_port()
    old = gunicorn(project, site, port, "gunicorn-old", {"HOLD_AT": str(HELD)},
                   reuse_port=True)
    new: WsgiServer | None = None
    try:
        with held(manifest([f"127.0.0.1:{port}"], "restart.toml"), site, old) as done:
            (site / "REVISION").write_text("r2\n", encoding="utf-8")
            new = beside(project, site, port, old)
            workers = old.tree()
            os.kill(old.pid, signal.SIGTERM)  # graceful: the idle worker exits, the held finishes
            # No request may be queued on the idle one's socket as it closes.
            wait_for_one_left(workers)
    finally:
        old.stop()
        if new is not None:
            new.stop()
    assert new is not None
    [report] = done
    assert {t.verdict for t in report.targets} == {Verdict.OK}, \
        [(t.url, t.verdict, t.explanation) for t in report.targets]
    [text] = [f.explanation for f in report.findings if f.code == "code_drift"]
    assert "A deploy reached some of them only" not in text, text
    assert (f"These answers all come from one server (host {os.uname().nodename}, "
            f"server.listen 127.0.0.1:{port}, at 127.0.0.1:{port}) whose processes were "
            f"replaced during the sweep (parent pids {old.pid}, {new.pid}, started from ") \
        in text, text
