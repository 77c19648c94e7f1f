"""The uWSGI reload the fixes say, run against a real uWSGI (``--master``, two workers).

The deploy writes a new ``REVISION``; the running workers keep the code they loaded, so the
sweep says ``stale`` (the manifest expects the new ``code_version``) and its fix names the
master to send HUP to (the endpoint's ``server.uwsgi.master_pid``). The test sends HUP to the
pid the fix names, exactly as said, and the old code's answers are gone after it: every
worker reports the new version and the sweep is ok.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from probe import manifest as manifests
from probe.model import Cause, Report, Verdict
from probe.sweep import run_sweep

from .apache import ApacheError, free_port
from .test_fleet_app_servers import Project, project
from .test_fleet_orphans import Orphan, copy_of, start_orphan
from .wsgi_servers import WsgiServer, _start, start_uwsgi

pytestmark = pytest.mark.apache

__all__ = ["project"]  # the fixture, shared with test_fleet_app_servers


@pytest.fixture
def uwsgi(project: Project) -> Iterator[WsgiServer]:
    site = copy_of(project, "uwsgi-site", "r1", time.time())
    try:
        server = start_uwsgi(site, project.venv, processes=2,
                             log_path=project.workdir / "uwsgi.log")
    except ApacheError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def sweep(port: int) -> Report:
    return run_sweep(manifests.parse(f"""\
[probe]
connect = {json.dumps([f"127.0.0.1:{port}"])}
samples = 6

[instances.mysite]
label = "mysite"
settings = "mysite.settings"
code_version = "r2"
urls = ["http://localhost/"]
""", "uwsgi.toml"))


def versions(port: int) -> set[str]:
    """What 8 probe requests, each on its own connection, report as code.version."""
    return {str(requests.get(f"http://127.0.0.1:{port}/__probe__", timeout=10,
                             headers={"Connection": "close", "Host": "localhost"}
                             ).json()["code"]["version"]) for _ in range(8)}


def test_the_hup_the_fix_names_reloads_uwsgi_with_the_new_code(uwsgi: WsgiServer) -> None:
    site = Path(uwsgi.log_path).parent / "uwsgi-site"
    (site / "REVISION").write_text("r2\n", encoding="utf-8")
    [stale] = sweep(uwsgi.port).targets
    assert (stale.verdict, stale.cause) == (Verdict.STALE, Cause.STALE_CODE), stale.explanation
    # The endpoint tells the master (server.uwsgi.master_pid): the fix names it as observed.
    said = re.search(r"reload uWSGI: send HUP to its master, pid (\d+) "
                     r"\(server\.uwsgi\.master_pid\)", stale.fix)
    assert said, stale.fix
    master = int(said.group(1))
    assert master == uwsgi.pid  # the master this test started, not another process
    # That pid is uWSGI, then the HUP the fix names, as said.
    shown = subprocess.run(["ps", "-o", "pid,args", "-p", str(master)], capture_output=True,
                           text=True, check=True, timeout=30).stdout
    assert "uwsgi" in shown, shown
    os.kill(master, signal.SIGHUP)
    deadline = time.monotonic() + 60
    seen: set[str] = set()
    while time.monotonic() < deadline:
        try:
            seen = versions(uwsgi.port)
        except (requests.RequestException, ValueError):
            seen = set()  # the master reloads: a moment without an answer
        if seen == {"r2"}:
            break
        time.sleep(0.2)
    assert seen == {"r2"}, (seen, uwsgi.log()[-3000:])
    [fresh] = sweep(uwsgi.port).targets
    assert fresh.verdict is Verdict.OK, fresh.explanation


def masterless(project: Project, site: Path, port: int) -> list[str]:
    return [str(project.venv / "bin" / "uwsgi"), "--http-socket", f"127.0.0.1:{port}",
            "--processes", "1", "--virtualenv", str(project.venv), "--wsgi-file",
            str(site / "mysite" / "wsgi.py"), "--chdir", str(site), "--need-app",
            "--die-on-term", "--disable-logging"]


def test_uwsgi_without_a_master_is_never_sent_to_hup_its_parent(project: Project) -> None:
    site = copy_of(project, "uwsgi-alone", "r1", time.time())
    port, direct_port = free_port(), free_port()
    # Its parent is init (started with setsid by a shell that exited), or this test.
    alone = start_orphan(masterless(project, site, port), cwd=site, port=port,
                         log=project.workdir / "uwsgi-alone.log")
    stopped: list[Orphan | WsgiServer] = [alone]
    try:
        direct = _start("uwsgi", masterless(project, site, direct_port), cwd=site,
                        port=direct_port, log_path=project.workdir / "uwsgi-direct.log",
                        stop_signal=signal.SIGINT)
        stopped.append(direct)
        (site / "REVISION").write_text("r2\n", encoding="utf-8")
        [stale] = sweep(port).targets
        assert stale.verdict is Verdict.STALE, stale.explanation
        # The endpoint tells there is no master (server.uwsgi.master_pid 0): whatever the
        # parent (init, or a subreaper), the fix says to restart, never to send a HUP.
        [other] = sweep(direct_port).targets
        # Under this test the other's parent is pytest, no uWSGI master either: the same words,
        # the parent at most looked at ('ps'), never stopped nor sent a HUP.
        for found, pid in ((stale, alone.pid), (other, direct.pid)):
            assert "list every process of this uWSGI" in found.fix, found.fix
            assert f"stop pid {pid} and every " in found.fix, found.fix
            assert "start uWSGI again: it runs without a master (server.uwsgi.master_pid 0)" \
                in found.fix, found.fix
            assert "HUP" not in found.fix.replace("where a HUP reloads nothing", ""), found.fix
        assert f"stop pid {os.getpid()}" not in other.fix, other.fix
        # What the fix says of a HUP without a master: uWSGI stops, it does not reload.
        os.kill(direct.pid, signal.SIGHUP)
        direct.process.wait(timeout=30)
        with pytest.raises(requests.RequestException):
            versions(direct_port)
    finally:
        for server in stopped:
            server.stop()
