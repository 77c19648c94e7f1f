"""Start-up: what ``probe`` imports before it does anything (never how long it takes).

A Nagios server starts ``probe check`` once a minute per service, so the commands
that answer at once (``--version``, ``--help``, a bad manifest) must not load the
libraries only a sweep, a report or the exporter needs.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = {"requests", "urllib3", "rich", "structlog", "prometheus_client", "psutil", "pycurl",
         "importlib.metadata", "asyncio"}
"""Libraries that cost tens of milliseconds to import, or that only some commands need."""


def imported(*args: str, cwd: Path | None = None, ran: str = "probe.cli") -> set[str]:
    """Every module ``python -m probe ARGS`` imported, from -X importtime (os._exit proof)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "probe", *args],
                            capture_output=True, text=True, timeout=60, cwd=cwd, check=False)
    modules = {line.rpartition("|")[2].strip() for line in result.stderr.splitlines()
               if line.startswith("import time:")}
    assert ran in modules, result.stderr[-2000:]
    return modules


@pytest.mark.parametrize("args", [("--help",), ("check", "--help"), ("sweep", "--help"),
                                  ("exporter", "--help"), ("check", "--version")])
def test_answers_without_heavy_imports(args: tuple[str, ...]) -> None:
    assert imported(*args) & HEAVY == set()


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_the_version_is_answered_before_click(flag: str) -> None:
    modules = imported(flag, ran="probe.entry")
    assert {"click", "probe.cli", "nagiosplugin", "probe.check", "probe.manifest",
            "probe.sweep"} & modules == set()
    assert modules & HEAVY == set()


def test_the_fast_version_is_what_click_prints() -> None:
    from click.testing import CliRunner

    from probe.cli import main

    fast = subprocess.run([sys.executable, "-m", "probe", "--version"], capture_output=True,
                          text=True, timeout=60, check=True)
    assert fast.stdout == CliRunner().invoke(main, ["--version"]).output
    assert fast.stdout == f"wsgi-probe, version {probe_version()}\n"


def probe_version() -> str:
    import probe

    return probe.__version__


def test_a_missing_manifest_is_unknown_without_the_sweep_libraries(tmp_path: Path) -> None:
    modules = imported("check", "-m", str(tmp_path / "missing.toml"))
    assert "probe.check" in modules  # it really ran the check
    assert modules & HEAVY == set()
    assert {"probe.sweep", "probe.transport", "probe.diagnose"} & modules == set()


def test_the_version_is_the_installed_distributions() -> None:
    from importlib.metadata import version

    import probe

    assert probe.__version__ == version("wsgi-probe")


def test_a_quiet_sweep_loads_no_logging_or_terminal_libraries() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    modules = imported("sweep", f"http://127.0.0.1:{port}/", "--samples", "1",
                       "--format", "json")
    assert "pycurl" in modules  # it really probed
    assert modules & {"structlog", "rich", "requests", "urllib3"} == set()


def test_a_verbose_sweep_does_load_structlog() -> None:
    # The other side of the laziness: events that are written still go through structlog.
    modules = imported("sweep", "http://127.0.0.1:1/", "--samples", "1", "--format", "json",
                       "-v")
    assert "structlog" in modules
