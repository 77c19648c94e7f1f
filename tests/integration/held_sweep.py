"""A sweep held at its Nth probe request while the test changes the server under it.

test_reload_mid_sweep (gunicorn sent HUP) and test_restart_mid_sweep (a new gunicorn on the
old one's port) time the change the same way: a WSGI layer above the Django application
(``GATE``, written into the site as ``gate.py``) counts the probe requests and holds the
``HOLD_AT``-th until the test touches ``go``; the sweep sends its requests one at a time, so
those before the held one reach the old processes and those after it the new ones. What the
test does while the request is held is its own.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from probe import manifest as manifests
from probe.manifest import Manifest
from probe.model import Report
from probe.sweep import run_sweep

from .apache import ApacheError
from .test_fleet_app_servers import Project
from .wsgi_servers import WsgiServer, _start

HELD = 5
"""The probe request the gate holds (``HOLD_AT``)."""

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
            _released()
    return _inner(environ, start_response)


def _released():
    pass
"""
"""The gate; a test that must act in the held worker as it is let go appends its own
``def _released():`` (the later definition is the one ``application`` calls)."""


def gunicorn_command(project: Project, port: int, *, reuse_port: bool = False) -> list[str]:
    """Two gunicorn workers serving the gate on 127.0.0.1:``port``."""
    reuse = ["--reuse-port"] if reuse_port else []
    return [str(project.venv / "bin" / "gunicorn"), *reuse, "--bind", f"127.0.0.1:{port}",
            "--workers", "2", "gate:application"]


def gunicorn(project: Project, site: Path, port: int, name: str, env: dict[str, str], *,
             reuse_port: bool = False) -> WsgiServer:
    """The gated site under gunicorn, returned once it answers (the test fails if not)."""
    try:
        return _start(name, gunicorn_command(project, port, reuse_port=reuse_port), cwd=site,
                      port=port, env=env, log_path=project.workdir / f"{name}.log")
    except ApacheError as exc:
        pytest.fail(str(exc), pytrace=False)


def manifest(connect: Sequence[str], name: str, code_version: str | None = None) -> Manifest:
    """One sample after another (``concurrency = 1``: the gate's count is the order the
    requests reach the server) to six URLs of the site, at ``connect``."""
    urls = [f"http://localhost/u{i}/" for i in range(6)]
    version = f'code_version = "{code_version}"\n' if code_version is not None else ""
    return manifests.parse(f"""\
[probe]
connect = {json.dumps(list(connect))}
samples = 2
concurrency = 1
timeout = 30

[instances.mysite]
label = "mysite"
settings = "mysite.settings"
{version}urls = {json.dumps(urls)}
""", name)


@contextmanager
def held(manifest: Manifest, site: Path, old: WsgiServer) -> Iterator[list[Report]]:
    """The sweep, started in a thread; inside the block its ``HELD``-th request is held (the
    gate wrote ``reached``); on leaving it the request is let go and the sweep's report is
    in the list. ``go`` is touched however the block ends, so the held worker never waits
    out its minute while the test stops the servers."""
    done: list[Report] = []
    sweep = threading.Thread(target=lambda: done.append(run_sweep(manifest)), daemon=True)
    try:
        sweep.start()
        deadline = time.monotonic() + 60
        while not (site / "reached").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert (site / "reached").exists(), old.log()[-3000:]
        yield done
        (site / "go").touch()
        sweep.join(timeout=120)
        assert done, "the sweep did not finish"
    finally:
        (site / "go").touch()


def alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def wait_for_one_left(workers: list[psutil.Process]) -> None:
    """Until at most one of ``workers`` runs (the held one), a minute at most."""
    deadline = time.monotonic() + 60
    while sum(map(alive, workers)) > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
