"""Manifests whose instances a sweep could not tell apart, through every command that reads a
manifest (issue 24): sweep exits 2, check says UNKNOWN, the exporter refuses to start; each
with one line naming the instances."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.monitoring_helpers import PROBE

LOOK_ALIKES = """\
[probe]
connect = "127.0.0.1:9"
[instances.shop]
label = "site"
settings = "mysite.settings"
urls = ["http://shop.example/"]
[instances.blog]
label = "site"
settings = "mysite.settings"
urls = ["http://blog.example/"]
"""
LOOK_ALIKE_LINE = ('instances.shop and instances.blog cannot be told apart: both declare '
                   'label = "site", settings = "mysite.settings" where they declare the same '
                   "fields")

NO_IDENTITY = """\
[probe]
connect = "127.0.0.1:9"
[instances.default]
urls = ["http://a.example/"]
"""
NO_IDENTITY_LINE = ("instances.default declares no label, settings, process_group or "
                    "application_group")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PROBE, *args], capture_output=True, text=True, timeout=60,
                          check=False, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize(("text", "line"), [(LOOK_ALIKES, LOOK_ALIKE_LINE),
                                            (NO_IDENTITY, NO_IDENTITY_LINE)])
def test_every_command_refuses_it_in_one_line(tmp_path: Path, text: str, line: str) -> None:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    sweep = run("sweep", "-m", str(path))
    assert (sweep.returncode, sweep.stdout) == (2, "")
    assert sweep.stderr.startswith(f"probe: {path}: {line}") and sweep.stderr.count("\n") == 1
    check = run("check", "-m", str(path))
    assert check.returncode == 3
    assert check.stdout.startswith(f"WSGI-PROBE UNKNOWN - {path}: {line}")
    assert check.stdout.count("\n") == 1
    exporter = run("exporter", "-m", str(path), "--listen", "127.0.0.1:0")
    assert exporter.returncode == 2
    assert f"{path}: {line}" in exporter.stderr and "Traceback" not in exporter.stderr
