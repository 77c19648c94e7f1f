"""Tester T28's m2 on a real nginx 1.22 in front of a real gunicorn: ``location /app1/`` with
``proxy_pass http://127.0.0.1:PORT/;`` (its URI part strips /app1) and ``proxy_set_header
SCRIPT_NAME /app1;``. gunicorn refuses every request ("Configuration problem: Request path
'/__probe__' does not start with SCRIPT_NAME '/app1'", its own 500 page) and nginx passes the
page on under its own Server header. The sweep quotes the page as gunicorn's refusal, says
the application never ran and no traceback exists, and with ``--config`` names both lines;
lint names the pair; the printed fix (the ``proxy_pass`` without its URI part), applied and
nginx reloaded, makes the URL ok.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .apache import ApacheUnavailable, free_port
from .conftest import unavailable
from .nginx import TOKEN, Nginx, start_kept, start_whoami, sweep_report
from .wsgi_servers import WsgiServer, ensure_servers_venv, make_workdir

URL = "http://sub.test/app1/"
MANIFEST = f"""[probe]
connect = "127.0.0.1:{{port}}"
token_env = "WSGI_PROBE_TOKEN"
samples = 2

[instances.app1]
label = "app1"
script_name = "/app1"
urls = ["{URL}"]
"""
BODY = """
    server {{ listen 127.0.0.1:{port};
        server_name sub.test;
        location /app1/ {{
            proxy_pass http://127.0.0.1:{app}/;
            proxy_set_header Host $host;
            proxy_set_header SCRIPT_NAME /app1;
        }} }}
"""


@pytest.fixture(scope="module")
def app() -> Iterator[WsgiServer]:
    try:
        venv = ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    server = start_whoami("app1", venv, make_workdir())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def running() -> Iterator[list[Nginx]]:
    kept: list[Nginx] = []
    yield kept
    for server in kept:
        server.stop()


def _lint(conf: Path) -> list[dict[str, object]]:
    done = subprocess.run([sys.executable, "-m", "probe", "lint", "--format", "json",
                           str(conf)], capture_output=True, text=True, timeout=120,
                          check=False, env=dict(os.environ))
    assert done.returncode in (0, 1), done.stderr
    return [f for f in json.loads(done.stdout)["findings"]
            if f["code"] == "nginx_script_name_stripped"]


def test_gunicorns_refusal_is_said_and_its_printed_fix_makes_it_ok(
        app: WsgiServer, running: list[Nginx], tmp_path: Path) -> None:
    port = free_port()
    server = start_kept(BODY.format(port=port, app=app.port), port, running, tmp_path)
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(MANIFEST.format(port=port))
    lines = server.conf.read_text().splitlines()
    at_pass = next(n for n, line in enumerate(lines, 1) if "proxy_pass" in line)
    at_header = next(n for n, line in enumerate(lines, 1) if "SCRIPT_NAME" in line)
    fix = ""
    for extra in ((), ("--config", str(server.conf))):
        found = {t["url"]: t for t in sweep_report(manifest, *extra, token=TOKEN)[
            "targets"]}[URL]
        said = f"{found['explanation']} {found['fix']}"
        assert found["verdict"] == "http_error", found
        assert "its body is gunicorn's own error page (title 'Bad Request'): " \
               "\"Configuration problem: Request path '/__probe__' does not start with " \
               "SCRIPT_NAME '/app1'\"" in said, said
        assert "gunicorn refused the request before the application ran" in said, said
        assert "No traceback exists" in said and "for the traceback" not in said, said
        assert "the error happened in the application" not in said, said
        if extra:
            assert f"({server.conf}:{at_pass})" in said and f"({server.conf}:{at_header})" \
                in said, said
            fix = found["fix"]
    [finding] = _lint(server.conf)
    assert finding["line"] == at_pass and f"{server.conf}:{at_header}" in str(
        finding["message"]), finding
    # the printed fix applied literally: the quoted proxy_pass written at the line named
    written = re.match(rf"At {re.escape(str(server.conf))}:(\d+), write '([^']+)'", fix)
    assert written is not None and int(written.group(1)) == at_pass, fix
    lines[at_pass - 1] = re.sub(r"proxy_pass [^;]+;", written.group(2), lines[at_pass - 1])
    server.conf.write_text("\n".join(lines) + "\n")
    server.reload()
    found = {t["url"]: t for t in sweep_report(manifest, "--config", str(server.conf),
                                               token=TOKEN)["targets"]}[URL]
    assert (found["answered_by"], found["verdict"]) == ("app1", "ok"), found
    assert found["observed"]["request"]["script_name"] == "/app1", found["observed"]
    assert not _lint(server.conf)
