"""The restart the stale fix prints for a uWSGI without a master, applied on a real uWSGI.

uWSGI started with ``--processes 3`` and no ``--master``: its first process serves and forks
the other two (T23's case c4c). After a deploy (a new ``REVISION``) the sweep says ``stale``;
the fix lists the processes before stopping any ('ps -o pid= --ppid FIRST'), since a stopped
first process leaves its children serving the old code with ppid 1. The test runs the printed
command with ``sh`` as printed, stops the first pid and every pid it listed, checks that no
process of that uWSGI is left, starts uWSGI again with the command it was started with, and
sweeps ok.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from probe import manifest as manifests
from probe.model import Cause, Report, Verdict
from probe.sweep import run_sweep

from .apache import ApacheError, free_port
from .test_fleet_app_servers import Project, project
from .test_fleet_orphans import copy_of
from .wsgi_servers import WsgiServer, _start

pytestmark = pytest.mark.apache

__all__ = ["project"]  # the fixture, shared with test_fleet_app_servers

PROCESSES = 3


def command(project: Project, site: Path, port: int) -> list[str]:
    """T23 c4c's command: no --master, so the first process serves and forks the others."""
    return [str(project.venv / "bin" / "uwsgi"), "--http-socket", f"127.0.0.1:{port}",
            "--processes", str(PROCESSES), "--virtualenv", str(project.venv), "--wsgi-file",
            str(site / "mysite" / "wsgi.py"), "--chdir", str(site), "--need-app",
            "--die-on-term", "--disable-logging"]


class Groups:
    """The process groups of every uWSGI started here: each start is its own session, so its
    children keep the group after the first process is gone (orphans with ppid 1), and the
    group is what is killed at the end whatever the fix did."""

    def __init__(self) -> None:
        self.servers: list[WsgiServer] = []

    def start(self, project: Project, site: Path, port: int, log: Path) -> WsgiServer:
        try:
            server = _start("uwsgi", command(project, site, port), cwd=site, port=port,
                            log_path=log, stop_signal=signal.SIGINT)
        except ApacheError as exc:
            pytest.fail(str(exc), pytrace=False)
        self.servers.append(server)
        return server

    def alive(self) -> list[int]:
        groups = {server.pid for server in self.servers}
        return [p.pid for p in psutil.process_iter(["status"])
                if p.info["status"] != psutil.STATUS_ZOMBIE and _pgid(p.pid) in groups]

    def stop(self) -> None:
        for server in self.servers:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(server.pid, signal.SIGKILL)
            server.stop()  # waits for the process started and forgets its reaper record


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


@pytest.fixture
def groups() -> Iterator[Groups]:
    started = Groups()
    try:
        yield started
    finally:
        started.stop()


def sweep(port: int) -> Report:
    return run_sweep(manifests.parse(f"""\
[probe]
connect = {json.dumps([f"127.0.0.1:{port}"])}
samples = 12

[instances.mysite]
label = "mysite"
settings = "mysite.settings"
code_version = "r2"
urls = ["http://localhost/"]
""", "uwsgi-no-master.toml"))


def forked(first: int) -> list[int]:
    deadline = time.monotonic() + 30
    children: list[int] = []
    while time.monotonic() < deadline and len(children) < PROCESSES - 1:
        children = [p.pid for p in psutil.Process(first).children()]
        time.sleep(0.1)
    return children


def stop(pids: list[int]) -> None:
    """What "stop pid N" means for uWSGI started with --die-on-term: SIGTERM to each pid."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(
            psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
            for p in pids):
        time.sleep(0.05)


def test_the_restart_printed_for_uwsgi_without_a_master_stops_every_process(
        project: Project, groups: Groups) -> None:
    site = copy_of(project, "uwsgi-no-master", "r1", time.time())
    port = free_port()
    log = project.workdir / "uwsgi-no-master.log"
    first = groups.start(project, site, port, log)
    children = forked(first.pid)
    assert len(children) == PROCESSES - 1, (children, first.log()[-2000:])
    everyone = {first.pid, *children}

    (site / "REVISION").write_text("r2\n", encoding="utf-8")
    [stale] = sweep(port).targets
    assert (stale.verdict, stale.cause) == (Verdict.STALE, Cause.STALE_CODE), stale.explanation
    assert set(stale.pids) <= everyone, (stale.pids, everyone)
    fix = stale.fix
    assert "HUP" not in fix.replace("where a HUP reloads nothing", ""), fix
    # The fix as printed: the listing command, then the pids to stop, then the start.
    listing = re.search(r"list every process of this uWSGI.*? before stopping any: '([^']+)' "
                        r"lists the processes pid (\d+) forked", fix)
    assert listing, fix
    said_first = int(listing.group(2))
    assert f"then stop pid {said_first} and every pid listed" in fix, fix
    assert "and start uWSGI again" in fix, fix
    listed = subprocess.run(["sh", "-c", listing.group(1)], capture_output=True, text=True,
                            check=False, timeout=30).stdout.split()
    to_stop = [said_first, *(int(p) for p in listed)]
    # Every process of this uWSGI is among those the fix has stopped, none other.
    assert set(to_stop) == everyone, (to_stop, everyone, fix)

    stop(to_stop)
    assert groups.alive() == [], (groups.alive(), fix)  # no orphan left serving r1
    groups.start(project, site, port, log)
    [fresh] = sweep(port).targets
    assert fresh.verdict is Verdict.OK, (fresh.verdict, fresh.explanation)
    assert not set(fresh.pids) & everyone, (fresh.pids, everyone)
