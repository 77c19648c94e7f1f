"""A real gunicorn sent HUP in the middle of a sweep after a deploy (new ``REVISION``, new
workers under the same master), beside a second gunicorn already on the new code: the
answers of the old workers before the reload are neither ``stale`` (the manifest expects
the new version) nor "a deploy reached some of them only": one server reloaded during the
sweep, said with its pids, its times and its socket.

The reload is timed by the server: a WSGI layer counts the probe requests and holds the Nth
until the test has written the new REVISION, sent HUP and seen the old idle worker go;
requests are sent one at a time, so those before the Nth reach the old workers and those
after it the new ones.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import psutil
import pytest

from probe import manifest as manifests
from probe.model import Report, Verdict
from probe.sweep import run_sweep

from .apache import ApacheError, free_port
from .test_fleet_app_servers import Project, project
from .test_fleet_orphans import copy_of
from .wsgi_servers import WsgiServer, _start

pytestmark = pytest.mark.apache

__all__ = ["project"]  # the fixture, shared with test_fleet_app_servers

HELD = 5
GATE = """\
import os
import time

from mysite.wsgi import application as _inner

_HERE = os.path.dirname(os.path.abspath(__file__))


def application(environ, start_response):
    held = os.environ.get("HOLD_AT")
    if held and environ.get("PATH_INFO", "").endswith("__probe__"):
        count = os.path.join(_HERE, "probes")
        with open(count, "a") as seen:
            seen.write(".")
        if os.path.getsize(count) == int(held):
            open(os.path.join(_HERE, "reached"), "w").close()
            deadline = time.monotonic() + 60
            while not os.path.exists(os.path.join(_HERE, "go")) and time.monotonic() < deadline:
                time.sleep(0.02)
    return _inner(environ, start_response)
"""


def gunicorn(project: Project, site: Path, name: str, env: dict[str, str]) -> WsgiServer:
    port = free_port()
    command = [str(project.venv / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}",
               "--workers", "2", "gate:application"]
    try:
        return _start(name, command, cwd=site, port=port, env=env,
                      log_path=project.workdir / f"{name}.log")
    except ApacheError as exc:
        pytest.fail(str(exc), pytrace=False)


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def test_a_gunicorn_reloaded_during_the_sweep_is_neither_stale_nor_drift(
        project: Project) -> None:
    site = copy_of(project, "reloaded", "r1", time.time())
    (site / "gate.py").write_text(GATE, encoding="utf-8")
    other_site = copy_of(project, "deployed", "r2", time.time())
    (other_site / "gate.py").write_text(GATE, encoding="utf-8")
    old = gunicorn(project, site, "gunicorn-hup", {"HOLD_AT": str(HELD)})
    other = gunicorn(project, other_site, "gunicorn-r2", {})
    urls = [f"http://localhost/u{i}/" for i in range(6)]
    manifest = manifests.parse(f"""\
[probe]
connect = {json.dumps([f"127.0.0.1:{old.port}", f"127.0.0.1:{other.port}"])}
samples = 2
concurrency = 1
timeout = 30

[instances.mysite]
label = "mysite"
settings = "mysite.settings"
code_version = "r2"
urls = {json.dumps(urls)}
""", "reload.toml")
    done: list[Report] = []
    sweep = threading.Thread(target=lambda: done.append(run_sweep(manifest)), daemon=True)
    try:
        sweep.start()
        deadline = time.monotonic() + 60
        while not (site / "reached").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert (site / "reached").exists(), old.log()[-3000:]
        workers = old.tree()
        (site / "REVISION").write_text("r2\n", encoding="utf-8")
        os.kill(old.pid, signal.SIGHUP)  # new workers, the same master; the old ones go
        deadline = time.monotonic() + 60
        while sum(map(_alive, workers)) > 1 and time.monotonic() < deadline:
            time.sleep(0.05)  # only the held worker left of the old ones
        (site / "go").touch()
        sweep.join(timeout=120)
        assert done, "the sweep did not finish"
    finally:
        (site / "go").touch()
        old.stop()
        other.stop()
    [report] = done
    at = f"127.0.0.1:{old.port}"
    mine = [t for t in report.targets if t.address == at]
    assert {t.verdict for t in report.targets} == {Verdict.OK}, \
        [(t.url, t.verdict, t.explanation) for t in report.targets]
    said = [t.explanation for t in mine if "reloaded during the sweep" in t.explanation]
    assert said, [t.explanation for t in mine]  # else the old workers answered nothing
    assert f"reloaded during the sweep at server.listen {at} (answers until " in said[0]
    assert "ran code.version 'r1'; from " in said[0] and "ran code.version 'r2')" in said[0]
    [text] = [f.explanation for f in report.findings if f.code == "code_drift"]
    assert "A deploy reached some of them only" not in text, text
    assert f"{at} (host {os.uname().nodename}) was reloaded during the sweep" in text, text
