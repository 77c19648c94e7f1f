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

import os
import signal
import time

import pytest

from probe.model import Verdict

from .apache import free_port
from .held_sweep import GATE, HELD, gunicorn, held, manifest, wait_for_one_left
from .test_fleet_app_servers import Project, project
from .test_fleet_orphans import copy_of

pytestmark = pytest.mark.apache

__all__ = ["project"]  # the fixture, shared with test_fleet_app_servers


def test_a_gunicorn_reloaded_during_the_sweep_is_neither_stale_nor_drift(
        project: Project) -> None:
    site = copy_of(project, "reloaded", "r1", time.time())
    (site / "gate.py").write_text(GATE, encoding="utf-8")
    other_site = copy_of(project, "deployed", "r2", time.time())
    (other_site / "gate.py").write_text(GATE, encoding="utf-8")
    old = gunicorn(project, site, free_port(), "gunicorn-hup", {"HOLD_AT": str(HELD)})
    other = gunicorn(project, other_site, free_port(), "gunicorn-r2", {})
    swept = manifest([f"127.0.0.1:{old.port}", f"127.0.0.1:{other.port}"], "reload.toml",
                     code_version="r2")
    try:
        with held(swept, site, old) as done:
            workers = old.tree()
            (site / "REVISION").write_text("r2\n", encoding="utf-8")
            os.kill(old.pid, signal.SIGHUP)  # new workers, the same master; the old ones go
            wait_for_one_left(workers)  # only the held worker left of the old ones
    finally:
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
