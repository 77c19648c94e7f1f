"""Tester T30's settings_mismatch on a real uWSGI behind a real nginx, its fix applied
literally: uWSGI (``--master``, ``--touch-reload``) started with DJANGO_SETTINGS_MODULE=
mysite.settings_two in its environment (as the Emperor passed its shell's to a vassal with
no ``env =``), Django's ``startproject`` wsgi.py keeping it with ``os.environ.setdefault()``,
nginx ``uwsgi_pass unix:``. The fix's assignment alone changes nothing (the running workers
configured Django already); the fix ends with the touch of the reload file the answer lists,
and after both, the sweep is ok."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from probe import manifest as manifests
from probe.model import Report, TargetResult, Verdict
from probe.sweep import run_sweep

from .apache import ApacheError, free_port
from .nginx import Nginx, start_kept
from .test_fleet_app_servers import Project, project
from .test_fleet_orphans import copy_of
from .test_nginx_uwsgi_params import PARAMS
from .wsgi_servers import WsgiServer, _start

pytestmark = pytest.mark.apache

__all__ = ["project"]  # the fixture, shared with test_fleet_app_servers


def _manifest(port: int) -> str:
    return (f'[probe]\nconnect = {json.dumps(f"127.0.0.1:{port}")}\nsamples = 4\n'
            '[instances.mysite]\nlabel = "mysite"\nsettings = "mysite.settings"\n'
            'urls = ["http://localhost/"]\n')


@pytest.fixture
def served(project: Project, tmp_path: Path) -> Iterator[tuple[Path, int]]:
    site = copy_of(project, "settings-env", "r1", time.time())
    (site / "mysite" / "settings_two.py").write_text("from .settings import *  # noqa\n")
    reload_file, sock = site / "reload.txt", site / "site.sock"
    reload_file.touch()
    # uWSGI compares whole seconds of mtime: a touch in the second it was made is not seen
    os.utime(reload_file, (time.time() - 10, time.time() - 10))
    http = free_port()
    command = [str(project.venv / "bin" / "uwsgi"), "--http-socket", f"127.0.0.1:{http}",
               "--socket", str(sock), "--chmod-socket=666", "--master", "--processes",
               "2", "--virtualenv", str(project.venv), "--wsgi-file",
               str(site / "mysite" / "wsgi.py"), "--chdir", str(site), "--touch-reload",
               str(reload_file), "--need-app", "--die-on-term", "--disable-logging"]
    running: list[Nginx] = []
    uwsgi: WsgiServer | None = None
    try:
        try:
            uwsgi = _start("uwsgi", command, cwd=site, port=http,
                           log_path=project.workdir / "uwsgi-settings.log",
                           stop_signal=signal.SIGINT,
                           env={"DJANGO_SETTINGS_MODULE": "mysite.settings_two"})
        except ApacheError as exc:
            pytest.fail(str(exc), pytrace=False)
        port = free_port()
        (tmp_path / "uwsgi_params").write_text(PARAMS)
        start_kept(f"    server {{ listen 127.0.0.1:{port}; server_name localhost;\n"
                   f"        location / {{ include {tmp_path / 'uwsgi_params'}; "
                   f"uwsgi_pass unix:{sock}; }} }}\n", port, running, tmp_path)
        yield site, port
    finally:
        for front in running:
            front.stop()
        if uwsgi is not None:
            uwsgi.stop()


def _one(port: int) -> TargetResult:
    report: Report = run_sweep(manifests.parse(_manifest(port), "t30.toml"))
    [found] = report.targets
    return found


def test_the_printed_fix_with_its_reload_makes_the_settings_ok(
        served: tuple[Path, int]) -> None:
    site, port = served
    found = _one(port)
    assert found.verdict is Verdict.SETTINGS_MISMATCH, (found.explanation, found.fix)
    fix = found.fix
    assert ("The process environment holds 'mysite.settings_two' "
            "(settings_module.environ) once the WSGI script ran") in fix, fix
    assert "already" not in fix, fix
    # the fix's two steps, taken from its words: the assignment, then the touch it names
    assignment = re.search(r"by assignment \((os\.environ\['DJANGO_SETTINGS_MODULE'\] = "
                           r"'mysite\.settings')\)", fix)
    touched = re.search(r"touch (\S+) \(its --touch-reload, server\.uwsgi\.touch_reload\)", fix)
    assert assignment and touched, fix
    assert touched.group(1) == str(site / "reload.txt"), fix
    wsgi = site / "mysite" / "wsgi.py"
    text = wsgi.read_text()
    line = "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')"
    assert line in text, text
    wsgi.write_text(text.replace(line, assignment.group(1)))
    # the edit alone: the workers configured Django already (T30's sweep printed the same fix)
    assert _one(port).verdict is Verdict.SETTINGS_MISMATCH
    os.utime(touched.group(1))
    deadline = time.monotonic() + 30
    after = _one(port)
    while after.verdict is not Verdict.OK and time.monotonic() < deadline:
        time.sleep(0.5)
        after = _one(port)
    assert after.verdict is Verdict.OK, (after.verdict, after.explanation, after.fix)
