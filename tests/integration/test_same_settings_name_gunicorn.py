"""Real gunicorn: two projects both made with ``startproject mysite`` (settings
``mysite.settings`` in both), each behind its own gunicorn. The second is started from its
package directory (``--chdir two/mysite wsgi:application``) with ``--pythonpath`` naming the
first project's directory: gunicorn puts that directory before its ``--chdir`` one on sys.path,
so its ``mysite.settings`` is the first project's file. Under gunicorn no server names a WSGI
script (no SCRIPT_FILENAME): the endpoint's ``script_file`` is the module that wrapped the
application, which is what tells the two projects' trees apart. The sweep says
``settings_path`` in gunicorn's terms; started with the fix's ``--pythonpath``, it says ``ok``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .apache import ApacheError
from .evidence_check import assert_sourced
from .wsgi_servers import (
    WsgiServer,
    make_readable,
    make_site,
    make_workdir,
    start_gunicorn,
)

pytestmark = pytest.mark.apache


def probe_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "probe", *args], capture_output=True, text=True,
                          timeout=120, check=False)


@dataclass
class Projects:
    workdir: Path
    one: Path  # the project directories (manage.py and the mysite package)
    two: Path
    venv: Path


@pytest.fixture(scope="module")
def projects(servers_venv: Path) -> Iterator[Projects]:
    venv = servers_venv
    workdir = make_workdir()
    try:
        made = []
        for name in ("one", "two"):
            (workdir / name).mkdir()
            project = make_site(workdir / name, venv)
            installed = probe_cli("endpoint", "--install", str(project / "mysite" / "wsgi.py"),
                                  "--label", name, "--no-token")
            assert installed.returncode == 0, installed.stderr
            made.append(project)
        make_readable(workdir)
        yield Projects(workdir, made[0], made[1], venv)
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


def gunicorn(projects: Projects, started: list[WsgiServer], project: Path,
             *options: str) -> WsgiServer:
    try:
        server = start_gunicorn(project, projects.venv, worker_class="sync", workers=2,
                                log_path=projects.workdir / f"gunicorn-{len(started)}.log",
                                options=options,
                                app="mysite.wsgi:application" if not options else
                                "wsgi:application")
    except ApacheError as exc:
        pytest.fail(str(exc), pytrace=False)
    started.append(server)
    return server


def sweep(projects: Projects, one: WsgiServer, two: WsgiServer) -> tuple[int, dict[str, Any]]:
    manifest = projects.workdir / "sites.toml"
    manifest.write_text(f"""
[probe]
samples = 4

[instances.one]
label = "one"
settings = "mysite.settings"
urls = ["{one.url('/')}"]

[instances.two]
label = "two"
settings = "mysite.settings"
urls = ["{two.url('/')}"]
""", encoding="utf-8")
    done = probe_cli("sweep", "-m", str(manifest), "--format", "json")
    report = json.loads(done.stdout)
    assert_sourced(report)
    return done.returncode, report


def target(report: dict[str, Any], port: int) -> dict[str, Any]:
    (found,) = [t for t in report["targets"] if f":{port}/" in t["url"]]
    assert isinstance(found, dict)
    return found


def test_another_projects_settings_found_first_by_pythonpath_is_settings_path(
        projects: Projects, servers: list[WsgiServer]) -> None:
    one = gunicorn(projects, servers, projects.one)
    package_two = projects.two / "mysite"
    two = gunicorn(projects, servers, projects.two, "--chdir", str(package_two),
                   "--pythonpath", str(projects.one))
    status, report = sweep(projects, one, two)
    assert status == 1, report
    assert target(report, one.port)["verdict"] == "ok"
    bad = target(report, two.port)
    assert (bad["verdict"], bad["cause"]) == ("settings_mismatch", "settings_path"), bad
    settings_one = str(projects.one / "mysite" / "settings.py")
    explanation, fix = bad["explanation"], bad["fix"]
    # observed: the settings file loaded and both scripts (the modules that wrapped)
    assert f"settings_module.file '{settings_one}'" in explanation, explanation
    assert str(projects.one / "mysite") in explanation and str(package_two) in explanation
    # gunicorn's words: its --pythonpath (the directories before --chdir's), restarted
    assert f"--pythonpath {projects.two}" in fix, fix
    assert "python-path=" not in fix and "Apache" not in fix and "uWSGI" not in fix, fix
    assert "a HUP keeps the old path" in fix and "start gunicorn again" in fix, fix

    # The fix applied: the same start, --pythonpath naming the project's own directory.
    servers.remove(two)
    two.stop()
    fixed = gunicorn(projects, servers, projects.two, "--chdir", str(package_two),
                     "--pythonpath", str(projects.two))
    status, report = sweep(projects, one, fixed)
    assert status == 0, [(t["url"], t["verdict"], t["cause"]) for t in report["targets"]]
