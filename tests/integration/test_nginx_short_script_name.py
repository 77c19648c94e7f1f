"""A SCRIPT_NAME shorter than the listed mount through a real nginx 1.22 to a real gunicorn:
``location /api { proxy_set_header SCRIPT_NAME /api; proxy_pass ...; }`` for a manifest that
lists ``http://taiga.test/api/v1/`` only and declares no ``script_name``. gunicorn splits
``/api/v1/__probe__`` into SCRIPT_NAME ``/api`` and PATH_INFO ``/v1/__probe__``: right for
URL patterns ``v1/...``, wrong for patterns ``ping/`` (an application meant at /api/v1).
The sweep said ``mount_mismatch`` for both; the answers cannot tell them apart.

* either project, nothing declared: ``ok`` and the ``mount_undecided`` warning, and
  ``probe check`` says WARNING, never CRITICAL (the real page shows which one is healthy);
* ``script_name = "/api/v1"`` declared: ``mount_mismatch``; ``script_name = "/api"``: ok.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from .apache import free_port
from .django_patterns import patterns_gunicorn
from .nginx import Nginx, sweep_report
from .nginx import start_kept as start_nginx
from .wsgi_servers import WsgiServer

TOKEN = "nginx-short-script-name-token-0123"
URL = "http://taiga.test/api/v1/"
CODE = "mount_undecided"


@pytest.fixture(scope="module", params=["v1/ping/", "ping/"])
def gunicorn(request: pytest.FixtureRequest) -> Iterator[tuple[WsgiServer, str]]:
    with patterns_gunicorn("gunicorn-short", str(request.param), host="taiga.test",
                           label="taiga", token=TOKEN) as server:
        yield server, str(request.param)


@pytest.fixture
def front(gunicorn: tuple[WsgiServer, str],
          tmp_path: Path) -> Iterator[tuple[Nginx, int, str]]:
    running: list[Nginx] = []
    port = free_port()
    body = (f"    server {{ listen 127.0.0.1:{port} default_server; return 444; }}\n"
            f"    server {{ listen 127.0.0.1:{port}; server_name taiga.test;\n"
            f"        location /api {{ proxy_set_header Host $host; "
            f"proxy_set_header SCRIPT_NAME /api; "
            f"proxy_pass http://127.0.0.1:{gunicorn[0].port}; }} }}\n")
    yield start_nginx(body, port, running, tmp_path), port, gunicorn[1]
    for server in running:
        server.stop()


def _manifest(tmp_path: Path, port: int, script_name: str | None) -> Path:
    declared = "" if script_name is None else f'script_name = "{script_name}"\n'
    manifest = tmp_path / f"manifest-{len(list(tmp_path.glob('*.toml')))}.toml"
    manifest.write_text(f'[probe]\nconnect = "127.0.0.1:{port}"\n'
                        f'token_env = "WSGI_PROBE_TOKEN"\nsamples = 3\n\n'
                        f'[instances.taiga-back]\nlabel = "taiga"\n{declared}'
                        f'urls = ["{URL}"]\n')
    return manifest


def _sweep(tmp_path: Path, port: int, script_name: str | None = None) -> dict[str, Any]:
    return sweep_report(_manifest(tmp_path, port, script_name), token=TOKEN)


def test_a_shorter_script_name_is_undecided_unless_declared(
        front: tuple[Nginx, int, str], tmp_path: Path) -> None:
    _, port, route = front
    page = requests.get(f"http://127.0.0.1:{port}/api/v1/ping/",
                        headers={"Host": "taiga.test"}, timeout=10).status_code
    # the truth the answers cannot show: healthy with patterns v1/ping/, broken with ping/
    assert page == (200 if route == "v1/ping/" else 404), page
    report = _sweep(tmp_path, port)
    [target] = report["targets"]
    assert target["verdict"] == "ok", target
    [found] = [f for f in report["findings"] if f["code"] == CODE]
    said = found["explanation"]
    assert "SCRIPT_NAME '/api' and PATH_INFO '/v1/__probe__'" in said, said
    assert "right if the application's URL patterns start with v1/" in said, said
    done = subprocess.run([sys.executable, "-m", "probe", "check", "-m",
                           str(_manifest(tmp_path, port, None)), "-t", "60"],
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "WSGI_PROBE_TOKEN": TOKEN})
    assert done.returncode == 1 and done.stdout.startswith("WSGI-PROBE WARNING"), \
        (done.returncode, done.stdout, done.stderr)
    wrong = _sweep(tmp_path, port, "/api/v1")["targets"][0]
    assert wrong["verdict"] == "mount_mismatch", wrong
    right = _sweep(tmp_path, port, "/api")
    assert right["targets"][0]["verdict"] == "ok" and right["summary"]["status"] == "ok", right
