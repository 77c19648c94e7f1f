"""A fleet on real Apache whose configuration was fixed on disk and one server not reloaded
(a tester's fleet: told to reorder mount lines that already were in order).

Backend A runs the "healthy" scenario on 127.0.0.1:PA; backend B started with the "ordering"
one (its /suburl is swallowed by project-1) on 127.0.0.2:PB, and its file was then fixed on
disk without a reload. Swept with B's file, B's wrong answer gets a reload as its fix, A named
as running that text; swept with A's file, which opens no Listen for B's address, nothing is
said of B from it.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from .apache import ApacheServer, scenario_manifest
from .apache_fleet import backends
from .conftest import ApacheFactory
from .test_scenarios import probe_command

pytestmark = pytest.mark.apache

SUB = "http://site-1.example.com/suburl/"


def _fixed_on_disk(server: ApacheServer) -> Path:
    """The mount order of site-1 put right in ``server``'s file; the server not reloaded."""
    text = server.conf_path.read_text(encoding="utf-8")
    lines = text.splitlines()
    root = next(i for i, line in enumerate(lines) if "WSGIScriptAlias / " in line
                and "project-1" in line)
    assert "WSGIScriptAlias /suburl" in lines[root + 1], lines[root - 2:root + 3]
    lines[root], lines[root + 1] = lines[root + 1], lines[root]
    server.conf_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return server.conf_path


def _sweep(a: ApacheServer, b: ApacheServer, config: Path) -> dict[str, Any]:
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(scenario_manifest("healthy")), "--format",
         "json", "--connect", f"127.0.0.1:{a.port}", "--connect", f"127.0.0.2:{b.port}",
         "--config", str(config), "--timeout", "30"],
        capture_output=True, text=True, timeout=180, check=False, stdin=subprocess.DEVNULL)
    assert done.stdout.startswith("{"), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _at(report: dict[str, Any], address: str) -> dict[str, Any]:
    found: dict[str, Any] = next(t for t in report["targets"]
                                 if t["url"] == SUB and t["address"] == address)
    return found


def test_a_server_not_reloaded_is_told_to_reload(apache: ApacheFactory) -> None:
    a, b = backends(apache, "healthy", "ordering")
    b_conf = _fixed_on_disk(b)
    a_at, b_at = f"127.0.0.1:{a.port}", f"127.0.0.2:{b.port}"
    found = _at(_sweep(a, b, b_conf), b_at)
    assert (found["verdict"], found["cause"], found["candidates"]) == \
        ("wrong_instance", None, []), found
    assert found["fix"].startswith(f"Reload the server at {b_at}: "), found["fix"]
    # By the Apache B's answer names (its ppid): B runs with -f, and the system's apachectl
    # would start another Apache (tester T38).
    assert "'apachectl -k graceful', or 'systemctl" not in found["fix"], found["fix"]
    ppid = found["observed"]["ppid"]
    line = re.search(r"in one line: '(.+?)'; where it shows no -f", found["fix"])
    assert line is not None and f"ps -ww -o args= -p {ppid} " in line.group(1), found["fix"]
    assert f"{a_at} answered it as the configuration predicts" in found["fix"], found["fix"]
    assert "Make the mount" not in found["fix"], found["fix"]
    # A's file opens no Listen for B's address: it says nothing of B
    other = _at(_sweep(a, b, a.conf_path), b_at)
    assert f"The configuration given opens no Listen for {b_at}: it listens at " \
        in other["explanation"], other["explanation"]
    assert "none (no WSGI mount)" not in other["explanation"], other["explanation"]
    # The printed line, run by a shell, makes B read its fixed file.
    done = subprocess.run(["sh", "-c", line.group(1)], capture_output=True, text=True,
                          timeout=30, check=False, env={"LANG": "C", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, (line.group(1), done.stdout, done.stderr)
    deadline = time.monotonic() + 30
    while _at(_sweep(a, b, b_conf), b_at)["verdict"] != "ok" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _at(_sweep(a, b, b_conf), b_at)["verdict"] == "ok"
