"""Seafile's published ``location /seafhttp`` (haiwen/seafile-admin-docs,
deploy_with_nginx.md): ``rewrite ^/seafhttp(.*)$ $1 break;`` then ``proxy_pass`` without a
URI part, with a real nginx 1.22 and waitress behind it. The rewrite line strips the prefix
(a tester's sweep said "the request's path, unchanged" at the proxy_pass line and advised a
URI part); the fix said, waitress's ``--url-prefix`` with the rewrite kept, turns the URL ok.
The words on small configurations: tests/nginx/test_rewrite_break_mount.py."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from .apache import ApacheUnavailable, free_port
from .conftest import unavailable
from .nginx import TOKEN, Nginx, start_nginx, sweep_report
from .wsgi_servers import WsgiServer, _start, ensure_servers_venv

HOST = "seafile.example.com"
URL = f"http://{HOST}/seafhttp/"
APP = """\
import wsgi_endpoint


def fileserver(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"seafhttp"]


application = wsgi_endpoint.wrap(fileserver, label="seafhttp", token={token!r})
"""
LOCATION = """server {{ listen 127.0.0.1:{port} default_server; return 444; }}
server {{
    listen 127.0.0.1:{port};
    server_name {host};
    location /seafhttp {{
        rewrite ^/seafhttp(.*)$ $1 break;
        proxy_pass http://127.0.0.1:{app};
        proxy_set_header Host $host;
    }}
}}
"""


@pytest.fixture
def waitress(tmp_path: Path) -> Iterator[Any]:
    try:
        venv = ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    appdir = tmp_path / "app"
    appdir.mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "contrib" / "wsgi_endpoint.py", appdir)
    (appdir / "seafhttp.py").write_text(APP.format(token=TOKEN))
    started: list[WsgiServer] = []

    def start(*options: str) -> WsgiServer:
        port = free_port()
        server = _start("waitress", [str(venv / "bin/waitress-serve"),
                                     f"--listen=127.0.0.1:{port}", *options,
                                     "seafhttp:application"],
                        cwd=appdir, port=port, log_path=tmp_path / f"waitress-{port}.log")
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _sweep(tmp_path: Path, app: WsgiServer, running: list[Nginx]) -> dict[str, Any]:
    port = free_port()
    try:
        nginx = start_nginx(LOCATION.format(port=port, host=HOST, app=app.port), [port],
                            workdir=tmp_path / f"nginx-{app.port}")
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    running.append(nginx)
    manifest = tmp_path / f"manifest-{app.port}.toml"
    manifest.write_text(f'[probe]\nconnect = "127.0.0.1:{port}"\ntoken_env = '
                        f'"WSGI_PROBE_TOKEN"\nsamples = 2\n\n[instances.seafhttp]\nlabel = '
                        f'"seafhttp"\nurls = ["{URL}"]\n')
    # the truth: the application receives the path without /seafhttp
    seen = requests.get(f"http://127.0.0.1:{port}/seafhttp/__probe__", timeout=10,
                        headers={"Host": HOST, "X-Probe-Token": TOKEN}).json()["request"]
    target: dict[str, Any] = sweep_report(manifest, "--config", str(nginx.conf))["targets"][0]
    target["seen"] = seen
    return target


def test_the_rewrite_break_is_named_as_what_strips_and_its_fix_applied_is_ok(
        waitress: Any, tmp_path: Path) -> None:
    running: list[Nginx] = []
    try:
        found = _sweep(tmp_path, waitress(), running)
        assert found["seen"]["path_info"] == "/__probe__", found["seen"]
        assert found["verdict"] == "mount_mismatch", found
        lines = running[0].conf.read_text().splitlines()
        rewrite = f"{running[0].conf}:{next(n for n, t in enumerate(lines, 1) if 'rewrite ^' in t)}"
        assert "unchanged" not in found["explanation"], found["explanation"]
        assert f"rewrite ^/seafhttp(.*)$ $1 break at {rewrite} makes the path /" in \
            found["explanation"], found["explanation"]
        assert f"keep 'rewrite ^/seafhttp(.*)$ $1 break;' ({rewrite})" in found["fix"]
        assert "URI part such as" not in found["fix"], found["fix"]
        assert "'--url-prefix=/seafhttp'" in found["fix"] and "kept or removed" in found["fix"]
        # the fix as said: waitress's --url-prefix, the rewrite kept
        fixed = _sweep(tmp_path, waitress("--url-prefix=/seafhttp"), running)
        assert fixed["seen"]["script_name"] == "/seafhttp", fixed["seen"]
        assert fixed["verdict"] == "ok", fixed
    finally:
        for nginx in running:
            nginx.stop()
