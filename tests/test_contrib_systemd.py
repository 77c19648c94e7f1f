"""contrib/systemd/wsgi-probe-check.service: a unit systemd accepts, whose socket lives in
the runtime directory it asks for and is the one the shipped monitoring examples name."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.monitoring_helpers import PROBE

ROOT = Path(__file__).parents[1]
UNIT = ROOT / "contrib" / "systemd" / "wsgi-probe-check.service"
INSTALLED_PROBE = "/usr/local/bin/probe"


def settings() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            found[key] = value
    return found


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    unit = tmp_path / UNIT.name
    unit.write_text(UNIT.read_text().replace(INSTALLED_PROBE, PROBE[0]))
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr


def test_the_socket_is_in_the_units_runtime_directory_and_in_the_examples() -> None:
    found = settings()
    command = shlex.split(found["ExecStart"])
    assert command[:3] == [INSTALLED_PROBE, "check", "--serve"] and len(command) == 4
    sock = Path(command[3])
    assert sock.parent == Path("/run") / found["RuntimeDirectory"]
    for example in (ROOT / "contrib" / "nagios" / "wsgi-probe.conf",
                    ROOT / "docs" / "monitoring.md"):
        assert f"--via {sock}" in example.read_text() or f'"{sock}"' in example.read_text(), \
            example
