"""probe.endpoint_source: the endpoint file as shipped, in a checkout and in an installed wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest

from probe import endpoint_source
from probe.errors import ProbeError

REPO = Path(__file__).resolve().parents[1]
ENDPOINT = REPO / "contrib" / "wsgi_endpoint.py"

# What pip prints when the package index cannot be reached at all.
OFFLINE_MARKERS = ("NewConnectionError", "Temporary failure in name resolution",
                   "Name or service not known", "Network is unreachable",
                   "No matching distribution found for hatchling")


def probe_answer(app: Any) -> dict[str, Any]:
    environ = {"PATH_INFO": "/__probe__", "REMOTE_ADDR": "127.0.0.1"}
    setup_testing_defaults(environ)
    result: dict[str, Any] = json.loads(b"".join(app(environ, lambda *a: None)))
    return result


def test_read_is_the_repository_file() -> None:
    assert endpoint_source.read().encode("utf-8") == ENDPOINT.read_bytes()


def test_read_prefers_the_packaged_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(endpoint_source, "_packaged_bytes", lambda: b"# packaged copy\n")
    assert endpoint_source.read() == "# packaged copy\n"


def test_read_without_any_copy_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    monkeypatch.setattr(endpoint_source, "_packaged_bytes", lambda: None)
    monkeypatch.setattr(endpoint_source, "_CHECKOUT", tmp_path / "absent.py")
    with pytest.raises(ProbeError, match=r"wsgi_endpoint\.py is missing"):
        endpoint_source.read()


def test_load_module_gives_independent_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WSGI_PROBE_TOKEN", "WSGI_PROBE_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    first = endpoint_source.load_module("interp_a")
    second = endpoint_source.load_module("interp_a")
    assert first is not second
    assert first.__name__ == "interp_a"
    assert first.wrap is not second.wrap
    assert first._DENY_ALL is not second._DENY_ALL
    assert "interp_a" not in sys.modules
    # Module state is per copy: changing one leaves the other alone.
    first.__dict__["SCHEMA"] = 99

    def inner(environ: Any, start_response: Any) -> list[bytes]:
        return []

    one = probe_answer(first.wrap(inner))
    two = probe_answer(second.wrap(inner))
    assert (one["schema"], two["schema"]) == (99, 1)
    assert one["instance_id"] != two["instance_id"]
    assert one["hits"] == two["hits"] == 1


def test_pip_install_into_a_fresh_venv_ships_the_endpoint(tmp_path: Path) -> None:
    """`pip install .` into a fresh venv gives a `probe endpoint` that prints the repo file."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    installed = subprocess.run([str(python), "-m", "pip", "install", "-q", str(REPO)],
                               capture_output=True, text=True, env=env, cwd=tmp_path,
                               timeout=900)
    if installed.returncode != 0:
        output = installed.stdout + installed.stderr
        if any(marker in output for marker in OFFLINE_MARKERS):
            pytest.skip(f"the package index is unreachable, cannot pip install: {output[-300:]}")
        pytest.fail(f"pip install {REPO} failed:\n{output}")

    printed = subprocess.run([str(venv / "bin" / "probe"), "endpoint"], capture_output=True,
                             env=env, cwd=tmp_path, timeout=60, check=True)
    assert printed.stdout == ENDPOINT.read_bytes()

    # ...and from the wheel's packaged copy, not from a path back into this checkout.
    where = subprocess.run(
        [str(python), "-c",
         "import pathlib, probe; print(pathlib.Path(probe.__file__).resolve().parent)"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=True)
    package = Path(where.stdout.strip())
    assert REPO not in package.parents
    assert (package / "_contrib" / "wsgi_endpoint.py").read_bytes() == ENDPOINT.read_bytes()
