"""The README's first set-up command, run exactly as written, as on a fresh Debian.

Fresh means: a copy of the repository, the system /usr/bin/python3 and a PATH without pyenv
or any venv. The line is read from README.md, so the test runs what users copy. Both ways
``scripts/install-venv`` gets pip are taken: ensurepip (python3-venv installed, as here) and
pip's wheel from PyPI (what a Debian without python3-venv gets).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path("/usr/bin/python3")
CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
OFFLINE_MARKERS = ("NewConnectionError", "Temporary failure in name resolution",
                   "Name or service not known", "Network is unreachable", "URLError")
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.pyc", ".mypy_cache",
                                     ".pytest_cache", ".ruff_cache", "build", "dist", "*.egg-info")


def setup_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Set-up\n", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_the_readme_has_exactly_two_setup_commands() -> None:
    commands = setup_commands()
    assert len(commands) == 2, commands
    assert "\n" not in commands[0]
    assert commands[1] == "./scripts/test-all"


def run_first_line(tmp_path: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    if not SYSTEM_PYTHON.is_file():
        pytest.skip(f"no {SYSTEM_PYTHON}: not a Debian-like machine")
    copy = tmp_path / "wsgi-probe"
    shutil.copytree(REPO, copy, ignore=COPY_IGNORE)
    # What a fresh login has; the machine's pip settings (index, certificates) are kept.
    env = {k: v for k, v in os.environ.items()
           if k in ("HOME", "LANG", "LC_ALL", "TMPDIR") or k.startswith("PIP_")}
    env.update(PATH=CLEAN_PATH, **extra_env)
    assert shutil.which("python3", path=CLEAN_PATH) == str(SYSTEM_PYTHON)
    done = subprocess.run(["bash", "-c", setup_commands()[0]], cwd=copy, env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0 and any(m in done.stderr for m in OFFLINE_MARKERS):
        pytest.skip(f"PyPI is unreachable: {done.stderr[-300:]}")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    # the demo ran and found its three misroutes, from a venv of the system python3
    for verdict in ("wrong_instance (alias_order)", "settings_mismatch (environ_leak)",
                    "served_unmapped (vhost_fallback)"):
        assert verdict in done.stdout
    config = (copy / ".venv" / "pyvenv.cfg").read_text(encoding="utf-8")
    assert "home = /usr/bin\n" in config
    return done


def test_the_first_setup_line_works_with_the_system_python(tmp_path: Path) -> None:
    run_first_line(tmp_path)


def test_the_first_setup_line_works_without_ensurepip(tmp_path: Path) -> None:
    done = run_first_line(tmp_path, WSGI_PROBE_BOOTSTRAP_PIP="download")
    assert re.search(r"fetching pip-[0-9.]+-py3-none-any\.whl from PyPI", done.stderr)
    assert "--without-pip" in (tmp_path / "wsgi-probe" / ".venv" / "pyvenv.cfg").read_text()
