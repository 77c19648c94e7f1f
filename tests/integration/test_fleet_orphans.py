"""Single-process servers whose parent is nobody's master, behind a real nginx round robin.

Two waitress processes on one machine, each started the way a supervisor leaves them (its own
session, the starting shell gone: reparented to init, ``ps -o ppid`` says 1), share host and
parent: only ``server.listen`` (and ``server.multiprocess`` false, waitress never forking
workers) tells them apart. nginx (``upstream`` with both, round robin) is the one address
probed. A healthy pair (one commit checked out 1.4 s apart) is ok; one on an older
``REVISION`` is ``code_drift`` naming both servers, never one server's ``mixed_code``.

A gunicorn with two workers under one master, started the same way (the master's parent is
init), stays one server: a worker on newer code beside one on older code is ``mixed_code``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import requests

from probe import manifest as manifests
from probe.model import Report, Status, Verdict
from probe.sweep import run_sweep
from tests import reaper

from .apache import ApacheUnavailable, free_port
from .conftest import unavailable
from .nginx import Nginx, start_nginx
from .test_fleet_app_servers import Project, project
from .wsgi_servers import make_readable

pytestmark = pytest.mark.apache

__all__ = ["project"]  # the fixture, shared with test_fleet_app_servers


@dataclass
class Orphan:
    """A server started in its own session by a shell that exits at once: its parent is
    init (or the nearest subreaper), not this test."""
    pid: int
    port: int

    def children(self) -> list[psutil.Process]:
        with contextlib.suppress(psutil.NoSuchProcess):
            return psutil.Process(self.pid).children(recursive=True)
        return []

    def stop(self) -> None:
        pids = [self.pid, *(p.pid for p in self.children())]
        reaper.forget(self.pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(psutil.pid_exists(p) and psutil.Process(
                p).status() != psutil.STATUS_ZOMBIE for p in pids):
            time.sleep(0.05)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def start_orphan(command: Sequence[str], *, cwd: Path, port: int, log: Path) -> Orphan:
    """``sh -c 'setsid CMD & echo $!'``: the shell prints the server's pid and exits."""
    quoted = " ".join(f"'{arg}'" for arg in command)
    shell = subprocess.run(
        ["sh", "-c", f"setsid {quoted} >>'{log}' 2>&1 </dev/null & echo $!"], cwd=cwd,
        capture_output=True, text=True, check=True, timeout=30, start_new_session=True,
        env={**{k: v for k, v in os.environ.items()
                if not k.startswith(("PYTHON", "WSGI_PROBE", "VIRTUAL_ENV", "DJANGO"))},
             # the token-less endpoint under waitress answers nobody without it
             "WSGI_PROBE_DIRECT_ONLY": "1"})
    server = Orphan(int(shell.stdout.strip()), port)
    reaper.remember(server.pid, f"orphaned server on 127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and psutil.pid_exists(server.pid):
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=5)
            return server
        except requests.RequestException:
            time.sleep(0.1)
    server.stop()
    pytest.fail(f"{command[0]} did not answer on {port}: {log.read_text(errors='replace')}",
                pytrace=False)


@pytest.fixture
def started() -> Iterator[list[Orphan | Nginx]]:
    servers: list[Orphan | Nginx] = []
    try:
        yield servers
    finally:
        for server in reversed(servers):
            server.stop()


def copy_of(project: Project, name: str, revision: str, moment: float) -> Path:
    """One backend's checkout: its own copy of the site, its REVISION, its script written at
    ``moment`` (two hosts checking out one commit write it at their own times)."""
    site = project.workdir / name
    shutil.copytree(project.project, site)
    (site / "REVISION").write_text(f"{revision}\n", encoding="utf-8")
    os.utime(site / "mysite" / "wsgi.py", (moment, moment))
    make_readable(site)
    return site


def waitress(project: Project, site: Path, started: list[Orphan | Nginx]) -> Orphan:
    port = free_port()
    server = start_orphan([str(project.venv / "bin" / "waitress-serve"),
                           f"--listen=127.0.0.1:{port}", "mysite.wsgi:application"],
                          cwd=site, port=port, log=project.workdir / f"waitress-{port}.log")
    started.append(server)
    return server


def balancer(ports: list[int], started: list[Orphan | Nginx], workdir: Path) -> int:
    port = free_port()
    members = "".join(f"        server 127.0.0.1:{p};\n" for p in ports)
    body = (f"    upstream fleet {{\n{members}    }}\n"
            f"    server {{\n        listen 127.0.0.1:{port};\n"
            f"        location / {{ proxy_pass http://fleet; proxy_set_header Host $host; }}\n"
            "    }\n")
    try:
        started.append(start_nginx(body, [port], workdir=workdir))
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    return port


def sweep(address: str, samples: int = 6) -> Report:
    return run_sweep(manifests.parse(f"""\
[probe]
connect = {json.dumps([address])}
samples = {samples}

[instances.mysite]
label = "mysite"
settings = "mysite.settings"
urls = ["http://localhost/"]
""", "orphans.toml"))


def answering(port: int) -> set[int]:
    """The pids that answer 8 probe requests, each on a new connection."""
    return set(versions(port))


def versions(port: int) -> dict[int, str | None]:
    """The code version (``code.version``) each pid answering 8 probe requests loaded."""
    found: dict[int, str | None] = {}
    for _ in range(8):
        with contextlib.suppress(requests.RequestException, ValueError, KeyError, TypeError):
            answer = requests.get(f"http://127.0.0.1:{port}/__probe__", timeout=10,
                                  headers={"Connection": "close"}).json()
            found[int(answer["pid"])] = answer["code"]["version"]
    return found


def parents(*pids: int) -> set[int]:
    return {psutil.Process(pid).ppid() for pid in pids}


def test_two_waitress_under_init_behind_nginx_are_two_servers(
        project: Project, started: list[Orphan | Nginx], tmp_path: Path) -> None:
    now = time.time()
    a = waitress(project, copy_of(project, "a", "r1", now), started)
    b_site = copy_of(project, "b", "r1", now + 1.4)
    b = waitress(project, b_site, started)
    # The case: one host, one parent (init, or the subreaper above this run) for both.
    assert len(parents(a.pid, b.pid)) == 1, parents(a.pid, b.pid)
    front = f"127.0.0.1:{balancer([a.port, b.port], started, tmp_path / 'nginx')}"

    healthy = sweep(front)
    # Both servers answered (else the test proves nothing), and their script times, 1.4 s
    # apart, are no server's mixed code.
    [target] = healthy.targets
    assert set(target.pids) == {a.pid, b.pid}, target.pids
    assert target.verdict is Verdict.OK, (target.verdict, target.explanation)
    assert healthy.findings == ()

    # B restarted on an older REVISION: drift across two servers, each named by its socket.
    b.stop()
    started.remove(b)
    (b_site / "REVISION").write_text("r0\n", encoding="utf-8")
    b = waitress(project, b_site, started)
    front_b = balancer([a.port, b.port], started, tmp_path / "nginx-2")
    drifted = sweep(f"127.0.0.1:{front_b}")
    [target] = drifted.targets
    assert set(target.pids) == {a.pid, b.pid}, target.pids
    assert target.verdict is Verdict.OK, (target.verdict, target.explanation)
    [text] = [f.explanation for f in drifted.findings if f.code == "code_drift"]
    assert f"'r1' (from file:{project.workdir}/a/REVISION) at 127.0.0.1:{a.port} (server.listen; " \
           f"host {os.uname().nodename}, pid {a.pid}, reached through 127.0.0.1:{front_b})" \
        in text, text
    assert f"'r0' (from file:{b_site}/REVISION) at 127.0.0.1:{b.port} (server.listen;" in text, text
    assert "A deploy reached some of them only" in text
    assert drifted.status is Status.WARNING


def test_two_gunicorn_workers_under_one_master_stay_one_server(
        project: Project, started: list[Orphan | Nginx]) -> None:
    site = copy_of(project, "g", "r1", time.time())
    port = free_port()
    master = start_orphan([str(project.venv / "bin" / "gunicorn"), "--bind",
                           f"127.0.0.1:{port}", "--workers", "2", "mysite.wsgi:application"],
                          cwd=site, port=port, log=project.workdir / "gunicorn.log")
    started.append(master)
    # The port answers once one worker is up: on a loaded machine the second comes later.
    deadline = time.monotonic() + 30
    while len(master.children()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    first, second = sorted(p.pid for p in master.children())
    # One worker replaced after the deploy (as max-requests does): the new one loads r2,
    # the other kept r1.
    (site / "REVISION").write_text("r2\n", encoding="utf-8")
    os.kill(second, signal.SIGKILL)
    # Told apart by what each loaded, not by pid alone: on a loaded machine gunicorn may
    # replace a worker that missed its heartbeat before the deploy, and that one loads r1
    # (CI: the sweep then saw two pids of r1 and rightly said ok).
    seen: dict[int, str | None] = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "r2" not in seen.values():
        seen.update(versions(port))
        time.sleep(0.1)
    old = {first} | {pid for pid, version in seen.items() if version == "r1"}
    new = {pid for pid, version in seen.items() if version == "r2"}
    assert new, seen
    for _ in range(10):  # which worker accepts is the kernel's choice: until both did
        report = sweep(f"127.0.0.1:{port}", 10)
        [target] = report.targets
        if set(target.pids) & old and set(target.pids) & new:
            break
    assert set(target.pids) & old and set(target.pids) & new, (old, new, target.pids)
    assert target.verdict is Verdict.MIXED_CODE, (target.verdict, target.explanation)
    assert not [f for f in report.findings if f.code == "code_drift"]
