"""Single-process servers that say nothing of where they listen (Django's ``runserver``,
wsgiref: no ``server.listen``, and ``wsgi.multiprocess`` true, wsgiref's default), two of
them started under one parent process: two servers, never one.

Both are started by one supervisor that stays their parent (a shell that starts each and
waits, as supervisord or honcho does), on one machine, so host and parent are the same and
only the process (its pid) tells them apart. A fleet of the two
(two addresses in ``connect``) whose second runs an older ``REVISION`` is ``code_drift``
naming both, never one server's ``mixed_code``; both on one revision is ok.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import requests

from probe import manifest as manifests
from probe.model import Report, Status, Verdict
from probe.sweep import run_sweep
from tests import reaper

from .apache import free_port
from .test_fleet_app_servers import Project, project
from .test_fleet_orphans import copy_of, parents

pytestmark = pytest.mark.apache

__all__ = ["project"]  # the fixture, shared with test_fleet_app_servers

RUNSERVER = "runserver"
WSGIREF = ("import sys; from wsgiref.simple_server import make_server; "
           "from mysite.wsgi import application; "
           "make_server(sys.argv[2], int(sys.argv[1]), application).serve_forever()")


@dataclass
class Supervised:
    """Servers started by one supervisor (a shell that starts each and waits: their parent,
    as supervisord or honcho is), in its own session."""
    shell: subprocess.Popen[bytes]
    ports: list[int]

    def children(self) -> list[psutil.Process]:
        with contextlib.suppress(psutil.NoSuchProcess):
            return psutil.Process(self.shell.pid).children(recursive=True)
        return []

    def pids(self) -> list[int]:
        """The servers' pids, in the order of ``ports``."""
        found = {}
        for child in self.children():
            with contextlib.suppress(psutil.NoSuchProcess):
                found.update({port: child.pid for port in self.ports
                              if str(port) in " ".join(child.cmdline())})
        return [found[port] for port in self.ports]

    def stop(self) -> None:
        children = self.children()
        for process in [*children, psutil.Process(self.shell.pid)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.terminate()
        _, alive = psutil.wait_procs(children, timeout=15)
        for process in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        try:
            self.shell.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.shell.kill()
            self.shell.wait(timeout=15)
        reaper.forget(self.shell.pid)


@pytest.fixture
def supervised() -> Iterator[list[Supervised]]:
    started: list[Supervised] = []
    try:
        yield started
    finally:
        for each in reversed(started):
            each.stop()


def command(project: Project, kind: str, port: int) -> str:
    python = str(project.venv / "bin" / "python")
    args = ([python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
            if kind == RUNSERVER else [python, "-c", WSGIREF, str(port), "127.0.0.1"])
    return " ".join(shlex.quote(arg) for arg in args)


def supervise(project: Project, sites: list[Path], kind: str,
              started: list[Supervised]) -> Supervised:
    ports = [free_port() for _ in sites]
    log = project.workdir / f"{kind}-{ports[0]}.log"
    script = "".join(f"(cd {shlex.quote(str(site))} && exec {command(project, kind, port)}) "
                     f">>{shlex.quote(str(log))} 2>&1 & "
                     for site, port in zip(sites, ports, strict=True))
    shell = subprocess.Popen(["sh", "-c", script + "wait"], start_new_session=True,
                             stdin=subprocess.DEVNULL, env={
                                 k: v for k, v in os.environ.items()
                                 if not k.startswith(("PYTHON", "WSGI_PROBE", "VIRTUAL_ENV",
                                                      "DJANGO"))})
    servers = Supervised(shell, ports)
    reaper.remember(shell.pid, f"supervisor of {kind} on 127.0.0.1:{ports}")
    started.append(servers)
    deadline = time.monotonic() + 60
    waiting = set(ports)
    while waiting and time.monotonic() < deadline and shell.poll() is None:
        for port in list(waiting):
            with contextlib.suppress(requests.RequestException):
                requests.get(f"http://127.0.0.1:{port}/__probe__", timeout=5)
                waiting.discard(port)
        time.sleep(0.1)
    if waiting:
        pytest.fail(f"{kind} did not answer on {sorted(waiting)}: "
                    f"{log.read_text(errors='replace')}", pytrace=False)
    return servers


def sweep(addresses: list[str]) -> Report:
    return run_sweep(manifests.parse(f"""\
[probe]
connect = {json.dumps(addresses)}
samples = 3

[instances.mysite]
label = "mysite"
settings = "mysite.settings"
urls = ["http://localhost/"]
""", "single.toml"))


@pytest.mark.parametrize("kind", [RUNSERVER, "wsgiref"])
def test_two_single_process_servers_under_one_parent_are_two_servers(
        project: Project, supervised: list[Supervised], kind: str) -> None:
    now = time.time()
    sites = [copy_of(project, f"{kind}-a", "r1", now), copy_of(project, f"{kind}-b", "r0",
                                                                now + 1.4)]
    servers = supervise(project, sites, kind, supervised)
    a, b = servers.pids()
    # The case: one host, one parent for both (the supervisor, not init), no server.listen.
    assert parents(a, b) == {servers.shell.pid}, parents(a, b)
    at_a, at_b = (f"127.0.0.1:{port}" for port in servers.ports)

    report = sweep([at_a, at_b])
    assert {t.pids for t in report.targets} == {(a,), (b,)}, report.targets
    for target in report.targets:
        # Each backend's process runs one code: neither server runs mixed code.
        assert target.verdict is Verdict.OK, (target.verdict, target.explanation)
    [text] = [f.explanation for f in report.findings if f.code == "code_drift"]
    host = os.uname().nodename
    assert f"'r1' (from file:{sites[0]}/REVISION) at {at_a} (host {host}, pid {a})" in text, \
        text
    assert f"'r0' (from file:{sites[1]}/REVISION) at {at_b} (host {host}, pid {b})" in text, \
        text
    assert "A deploy reached some of them only" in text, text
    assert report.status is Status.WARNING

    # Both on one revision: two healthy servers, nothing said across them.
    (sites[1] / "REVISION").write_text("r1\n", encoding="utf-8")
    # REVISION is read when the application is loaded: a new pair on the same sites.
    servers.stop()
    supervised.remove(servers)
    again = supervise(project, sites, kind, supervised)
    healthy = sweep([f"127.0.0.1:{port}" for port in again.ports])
    assert {t.verdict for t in healthy.targets} == {Verdict.OK}, healthy.targets
    assert healthy.findings == ()
