"""Fleets of real application servers (gunicorn with several workers, waitress) reached
directly, on loopback: what the sweep, the baseline and ``probe check`` say of them.

* a ``[refuse]`` name answered there is told in the server's terms (no VirtualHost cause or
  fix), the same way whichever worker answers the extra ``.invalid`` request;
* a graceful restart (SIGHUP: new workers, same master) of one backend that runs the same
  code is said as what was seen, not as "old code"; one gunicorn bound to two addresses is
  named as one server;
* ``probe check -vv`` names the address of each target.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from probe import baseline
from probe import manifest as manifests
from probe.model import Status, Verdict
from probe.sweep import run_sweep

from .apache import ApacheError
from .wsgi_servers import (
    WsgiServer,
    make_readable,
    make_site,
    make_workdir,
    start_gunicorn,
    start_waitress,
)

pytestmark = pytest.mark.apache


@dataclass
class Project:
    workdir: Path
    project: Path
    venv: Path


def probe_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "probe", *args], capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.fixture(scope="module")
def project(servers_venv: Path) -> Iterator[Project]:
    """``django-admin startproject mysite`` with the endpoint installed (label mysite)."""
    venv = servers_venv
    workdir = make_workdir()
    try:
        site = make_site(workdir, venv)
        installed = probe_cli("endpoint", "--install", str(site / "mysite" / "wsgi.py"),
                              "--label", "mysite", "--no-token")
        assert installed.returncode == 0, installed.stderr
        # code.version: the endpoint reads the first line of REVISION above the WSGI script
        (site / "REVISION").write_text("r1\n", encoding="utf-8")
        make_readable(workdir)
        yield Project(workdir, site, venv)
    finally:
        subprocess.run(["rm", "-rf", str(workdir)], check=False, timeout=60)


@pytest.fixture
def servers() -> Iterator[list[WsgiServer]]:
    started: list[WsgiServer] = []
    try:
        yield started
    finally:
        for server in started:
            server.stop()


def gunicorn(project: Project, started: list[WsgiServer], *, workers: int = 3,
             also: tuple[str, ...] = ()) -> WsgiServer:
    try:
        server = start_gunicorn(project.project, project.venv, worker_class="sync",
                                workers=workers, also_bind=also,
                                log_path=project.workdir / f"gunicorn-{len(started)}.log")
    except ApacheError as exc:
        pytest.fail(str(exc), pytrace=False)
    started.append(server)
    return server


def waitress(project: Project, started: list[WsgiServer]) -> WsgiServer:
    try:
        server = start_waitress(project.project, project.venv,
                                log_path=project.workdir / f"waitress-{len(started)}.log")
    except ApacheError as exc:
        pytest.fail(str(exc), pytrace=False)
    started.append(server)
    return server


def refuse_manifest(connect: list[str]) -> manifests.Manifest:
    return manifests.parse(f"""\
[probe]
connect = {json.dumps(connect)}
samples = 4

[instances.mysite]
label = "mysite"
settings = "mysite.settings"
urls = ["http://localhost/"]

[refuse]
urls = ["http://unknown.invalid/"]
""", "refuse.toml")


def test_a_refused_name_at_application_servers_is_said_in_their_terms(
        project: Project, servers: list[WsgiServer]) -> None:
    several = gunicorn(project, servers, workers=3)
    single = waitress(project, servers)
    at = {f"127.0.0.1:{several.port}": "gunicorn", f"127.0.0.1:{single.port}": "waitress"}
    m = refuse_manifest(list(at))
    # The .invalid request reaches any of gunicorn's workers: each sweep must say the same.
    for _ in range(4):
        report = run_sweep(m)
        refused = [t for t in report.targets if t.expected is None]
        assert {t.address for t in refused} == set(at)
        for target in refused:
            assert target.verdict is Verdict.SERVED_UNMAPPED, target
            assert target.cause is None and target.candidates == (), target
            text = target.explanation + " " + target.fix
            assert "VirtualHost" not in text and "ServerName" not in text
            assert "the address's default site" not in text
            assert f"{at[str(target.address)]}" in target.explanation
            assert "reached the same application too" in target.explanation, text
            # The stock project's ALLOWED_HOSTS (DEBUG, empty) does not take the name.
            assert "request.host_allowed false" in target.explanation
            claims = [e.claim for e in target.evidence]
            assert any(c.startswith("answered by the same application (label 'mysite'")
                       for c in claims), claims


def pids(server: WsgiServer, address: str, count: int = 12) -> set[int]:
    found = set()
    for _ in range(count):
        answer = requests.get(f"http://{address}/__probe__", timeout=30,
                              headers={"Connection": "close", "Host": "localhost"}).json()
        found.add(int(answer["pid"]))
    return found


def test_a_graceful_restart_beside_one_server_at_two_addresses(
        project: Project, servers: list[WsgiServer], tmp_path: Path) -> None:
    two = gunicorn(project, servers, workers=2, also=("127.0.0.2",))
    other = gunicorn(project, servers, workers=2)
    pair = [f"127.0.0.1:{two.port}", f"127.0.0.2:{two.port}"]
    alone = f"127.0.0.1:{other.port}"
    m = manifests.parse(f"""\
[probe]
connect = {json.dumps([*pair, alone])}
samples = 8

[instances.mysite]
label = "mysite"
settings = "mysite.settings"
urls = ["http://localhost/"]
""", "twice.toml")
    path = tmp_path / "b.json"
    baseline.save(run_sweep(m), str(path))
    saved = baseline.load(str(path))
    old = pids(other, alone)
    os.kill(other.pid, signal.SIGHUP)  # graceful: new workers, the same master
    deadline = time.monotonic() + 30
    while pids(other, alone) & old and time.monotonic() < deadline:
        time.sleep(0.2)
    report = baseline.compare(run_sweep(m), saved)
    found = {(f.code, f.severity): f.explanation for f in report.findings}
    text = found[("baseline_not_restarted", Status.CRITICAL)]
    # Both addresses of one gunicorn named as one server, once; the same code.version said.
    assert f"{pair[0]} and {pair[1]} (one server" in text, text
    assert f"while {alone} did" in text
    assert "old code" not in text
    assert "It reports the code.version they report ('r1')" in text
    assert "before the baseline was taken" in text
    assert [f.code for f in report.findings].count("baseline_not_restarted") == 1
