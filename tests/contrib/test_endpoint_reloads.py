"""What tells a re-run WSGI script from a new process: ``code.script_loads``,
``code.first_loaded_at`` and ``process_started_at`` (docs/endpoint-protocol.md).

mod_wsgi's embedded mode re-runs a changed WSGI script in the same interpreter: the installed
block loads ``wsgi_endpoint.py`` anew and ``wrap()`` runs again, while every module the first
run imported stays. The count must survive that (it is kept on ``sys``), and the process's
own start must be the kernel's, not the time ``wrap()`` ran.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest

from probe.install_block import render_block

from .test_wsgi_endpoint import ENDPOINT, call, environ_for, load_endpoint


def installed(directory: Path) -> Path:
    """A WSGI script with the block ``probe endpoint --install`` appends, the endpoint beside."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ENDPOINT, directory / "wsgi_endpoint.py")
    script = directory / "wsgi.py"
    script.write_bytes(b"def application(environ, start_response):\n"
                       b"    start_response('404 Not Found', [])\n"
                       b"    return [b'inner']\n\n\n" + render_block("site"))
    return script


def run(script: Path) -> dict[str, Any]:
    """Run ``script`` as mod_wsgi runs a WSGI script (a fresh module namespace), probe it."""
    namespace: dict[str, Any] = {"__file__": str(script), "__name__": "_mod_wsgi_script"}
    exec(compile(script.read_text(encoding="utf-8"), str(script), "exec"), namespace)  # noqa: S102 - runs the WSGI script as mod_wsgi does
    answer: dict[str, Any] = call(namespace["application"], environ_for()).json
    return answer


def test_a_script_run_again_in_the_same_process_counts_its_loads(tmp_path: Path) -> None:
    script = installed(tmp_path / "site")
    first, second, third = run(script), run(script), run(script)
    assert [a["code"]["script_loads"] for a in (first, second, third)] == [1, 2, 3]
    # Each run is another copy, started when it ran; the process is the same one.
    assert len({a["instance_id"] for a in (first, second, third)}) == 3
    assert first["started_at"] < second["started_at"] < third["started_at"]
    # When the first run was: the modules imported then are the ones all three run.
    assert {a["code"]["first_loaded_at"] for a in (first, second, third)} == \
        {first["started_at"]}
    # Another script in the same interpreter is counted apart: two sites, not a reload.
    assert run(installed(tmp_path / "other"))["code"]["script_loads"] == 1
    # A script's copy keeps the number of its own load, answer after answer.
    assert run(script)["code"]["script_loads"] == 4


def test_the_count_is_kept_on_sys_not_on_the_endpoint_module(tmp_path: Path) -> None:
    """Two endpoint modules loaded by path (as the block does on every run) share it."""
    script = str(tmp_path / "wsgi.py")
    loads = [load_endpoint(f"we_{n}")._script_load(script, f"run {n}", {}) for n in range(2)]
    assert loads == [(1, "run 0"), (2, "run 0")]


CHILD = """
import importlib.util, json, sys
from wsgiref.util import setup_testing_defaults
spec = importlib.util.spec_from_file_location("we_child", sys.argv[1])
we = importlib.util.module_from_spec(spec)
spec.loader.exec_module(we)
app = we.wrap(lambda e, s: [])
environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/__probe__", "REMOTE_ADDR": "127.0.0.1"}
setup_testing_defaults(environ)
print(b"".join(app(environ, lambda *a: None)).decode())
"""


def test_process_started_at_is_when_the_process_started_not_when_wrap_ran() -> None:
    """To the clock's 10 ms (/proc/stat's btime, which psutil uses, is whole seconds: up to
    1 s early); before started_at by the interpreter's start-up and the imports."""
    spawned = datetime.now(UTC)
    done = subprocess.run([sys.executable, "-c", CHILD, str(ENDPOINT)], capture_output=True,
                          text=True, timeout=60, check=True)
    answer = json.loads(done.stdout)
    started = datetime.fromisoformat(answer["process_started_at"])
    assert started.utcoffset() == timedelta(0)
    assert spawned - timedelta(seconds=0.03) <= started, (spawned, started)
    assert started < datetime.fromisoformat(answer["started_at"])
    # In this process too, within psutil's whole-second boot time of the kernel's start.
    here = call(load_endpoint().wrap(lambda e, s: []), environ_for()).json
    kernel = datetime.fromtimestamp(psutil.Process().create_time(), UTC)
    ahead = datetime.fromisoformat(here["process_started_at"]) - kernel
    assert timedelta(0) <= ahead < timedelta(seconds=1.05), ahead


def test_process_started_at_is_null_where_the_system_does_not_say(
        monkeypatch: pytest.MonkeyPatch) -> None:
    we = load_endpoint()

    def unsupported(name: str) -> int:
        raise ValueError(f"unrecognized configuration name {name}")

    monkeypatch.setattr(we.os, "sysconf", unsupported)
    answer = call(we.wrap(lambda e, s: []), environ_for()).json
    assert answer["process_started_at"] is None
    assert answer["code"]["script_loads"] >= 1


def test_a_process_forked_after_wrap_reads_its_own_start(
        monkeypatch: pytest.MonkeyPatch) -> None:
    we = load_endpoint()
    app = we.wrap(lambda e, s: [])
    parent = call(app, environ_for()).json
    real_pid = os.getpid()
    monkeypatch.setattr(we.os, "getpid", lambda: real_pid + 1)
    monkeypatch.setattr(we, "_process_started", lambda: "2026-12-07T10:00:00.000+00:00")
    child = call(app, environ_for()).json
    assert child["process_started_at"] == "2026-12-07T10:00:00.000+00:00"
    assert parent["process_started_at"] != child["process_started_at"]
    # Read once per process, not per request.
    monkeypatch.setattr(we, "_process_started", lambda: "read again")
    assert call(app, environ_for()).json["process_started_at"] == "2026-12-07T10:00:00.000+00:00"


def test_two_wraps_in_one_run_of_a_script_are_one_run(tmp_path: Path) -> None:
    """A script that wraps two applications (a dispatcher of two sites) has run once: both
    copies say 1, and only a run of the script again counts 2 (no false re-run warning)."""
    script = installed(tmp_path / "two")
    text = script.read_text(encoding="utf-8")
    script.write_text(text + (
        "\nimport importlib.util as _util, os as _os\n"
        "_spec = _util.spec_from_file_location('wsgi_endpoint', _os.path.join("
        "_os.path.dirname(__file__), 'wsgi_endpoint.py'))\n"
        "_module = _util.module_from_spec(_spec)\n_spec.loader.exec_module(_module)\n"
        "second = _module.wrap(lambda environ, start_response: [], label='other')\n"),
        encoding="utf-8")
    namespace: dict[str, Any] = {"__file__": str(script), "__name__": "_mod_wsgi_script"}
    exec(compile(script.read_text(encoding="utf-8"), str(script), "exec"), namespace)  # noqa: S102 - runs the WSGI script as mod_wsgi does
    first = call(namespace["application"], environ_for()).json
    other = call(namespace["second"], environ_for()).json
    assert (first["code"]["script_loads"], other["code"]["script_loads"]) == (1, 1)
    assert run(script)["code"]["script_loads"] == 2
