"""A command run with stdout or stderr closed (``>&-``, a careless cron line or service
unit) still does its job: the report reaches ``-o``, the exit status is the verdict's or the
plugin state's, and only what it would have printed is lost.

Python sets ``sys.stdout``/``sys.stderr`` to None for a closed descriptor; these run the
real process, through the shell that closes it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from probe.endpoint_source import load_module
from tests.loopback_wsgi import serve

CLOSE = {"stdout": ">&-", "stderr": "2>&-", "both": ">&- 2>&-"}


def not_found(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"no"]


@pytest.fixture
def good(tmp_path: Path) -> Iterator[Path]:
    """A manifest whose one URL is answered by the expected instance (sweep 0, check OK)."""
    app = load_module("closed_stdio_endpoint").wrap(not_found, label="a")
    with serve(app) as port:
        path = tmp_path / "good.toml"
        path.write_text(f'[probe]\nconnect = "127.0.0.1:{port}"\nsamples = 1\ntimeout = 5\n'
                        '[instances.a]\nlabel = "a"\nurls = ["http://a.example/"]\n',
                        encoding="utf-8")
        yield path


def run(closed: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """``python -m probe ARGS`` with ``closed`` (a redirection such as ``>&-``) applied."""
    script = f'exec "$@" {closed}'
    return subprocess.run(["sh", "-c", script, "sh", sys.executable, "-m", "probe", *args],
                          capture_output=True, timeout=60, check=False, cwd=cwd)


@pytest.mark.parametrize("closed", list(CLOSE))
def test_sweep_writes_its_report_and_exits_with_the_verdict(
        good: Path, tmp_path: Path, closed: str) -> None:
    out = tmp_path / "report.json"
    done = run(CLOSE[closed], "sweep", "-m", str(good), "--format", "json", "-o", str(out),
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["status"] == "ok"


@pytest.mark.parametrize("closed", list(CLOSE))
def test_sweep_to_a_closed_stdout_still_exits_with_the_verdict(
        good: Path, tmp_path: Path, closed: str) -> None:
    done = run(CLOSE[closed], "sweep", "-m", str(good), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr


@pytest.mark.parametrize("closed", list(CLOSE))
def test_check_exits_with_its_state(good: Path, tmp_path: Path, closed: str) -> None:
    done = run(CLOSE[closed], "check", "-m", str(good), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # CRITICAL too, not only OK: nothing is probed at port 9 (discard), refused at once.
    bad = tmp_path / "down.toml"
    bad.write_text(good.read_text(encoding="utf-8").replace(
        good.read_text(encoding="utf-8").split('"')[1], "127.0.0.1:9"), encoding="utf-8")
    assert run(CLOSE[closed], "check", "-m", str(bad), cwd=tmp_path).returncode == 2


@pytest.mark.parametrize("closed", list(CLOSE))
@pytest.mark.parametrize(("command", "status"), [("sweep", 2), ("check", 3)])
def test_a_bad_manifest_keeps_its_status(tmp_path: Path, closed: str, command: str,
                                         status: int) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[instances\n", encoding="utf-8")
    assert run(CLOSE[closed], command, "-m", str(bad), cwd=tmp_path).returncode == status


@pytest.mark.parametrize("closed", list(CLOSE))
def test_lint_exits_with_its_status(tmp_path: Path, closed: str) -> None:
    conf = tmp_path / "site.conf"
    conf.write_text("<VirtualHost *:80>\n  ServerName a.example\n</VirtualHost>\n",
                    encoding="utf-8")
    assert run(CLOSE[closed], "lint", str(conf), cwd=tmp_path).returncode == 0
    assert run(CLOSE[closed], "lint", str(tmp_path / "missing.conf"),
               cwd=tmp_path).returncode == 2
