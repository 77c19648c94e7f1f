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
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from probe import manifest as manifests
from probe.model import Verdict
from probe.sweep import run_sweep

from .apache import ApacheError, ApacheUnavailable
from .conftest import unavailable
from .wsgi_servers import (
    WsgiServer,
    ensure_servers_venv,
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
def project() -> Iterator[Project]:
    """``django-admin startproject mysite`` with the endpoint installed (label mysite)."""
    try:
        venv = ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    workdir = make_workdir()
    try:
        site = make_site(workdir, venv)
        installed = probe_cli("endpoint", "--install", str(site / "mysite" / "wsgi.py"),
                              "--label", "mysite", "--no-token")
        assert installed.returncode == 0, installed.stderr
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
