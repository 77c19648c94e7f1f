"""Two real gunicorn members of an nginx upstream, a new ``REVISION`` written for both, HUP
sent to one master only (a fleet tester's lab): ``code_drift`` must not say the deploy
reached one server only.

* one checkout served by both (one ``REVISION`` file on one host): the worker started after
  the HUP read ``v2`` from the very file the other master's worker read ``v1`` from, so the
  deploy reached it: the finding names that master to send HUP to; once sent, no drift;
* a checkout each: whether the other ``REVISION`` holds ``v2`` the answers do not show, so
  the finding says both and names that file as the check.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from .apache import ApacheError, ApacheUnavailable, free_port
from .conftest import unavailable
from .nginx import TOKEN, WHOAMI, Nginx, start_nginx
from .wsgi_servers import WsgiServer, _start, ensure_servers_venv

MANIFEST = """[probe]
connect = "127.0.0.1:{port}"
token_env = "WSGI_PROBE_TOKEN"
samples = 4

[instances.site]
label = "site"
urls = ["http://site.example.com/", "http://site.example.com/admin/"]
"""


@pytest.fixture
def started() -> Iterator[list[WsgiServer | Nginx]]:
    running: list[WsgiServer | Nginx] = []
    yield running
    for server in running:
        server.stop()


def checkout(top: Path, revision: str) -> Path:
    """An application directory: the endpoint around a 404 application, and a REVISION."""
    appdir = top / "app"
    appdir.mkdir(parents=True)
    shutil.copy(Path(__file__).resolve().parents[2] / "contrib" / "wsgi_endpoint.py", appdir)
    (appdir / "whoami.py").write_text(WHOAMI.format(label="site", token=TOKEN),
                                      encoding="utf-8")
    (appdir / "REVISION").write_text(f"{revision}\n", encoding="utf-8")
    return appdir


def gunicorn(appdir: Path, started: list[WsgiServer | Nginx]) -> WsgiServer:
    try:
        venv = ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    port = free_port()
    command = [str(venv / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
               "whoami:application"]
    try:
        server = _start("gunicorn", command, cwd=appdir, port=port,
                        log_path=appdir.parent / f"gunicorn-{port}.log")
    except ApacheError as exc:
        pytest.fail(str(exc), pytrace=False)
    started.append(server)
    return server


def hup(server: WsgiServer) -> None:
    """HUP to the master; back once its old worker is gone and a new one answers."""
    old = {p.pid for p in server.tree()}
    os.kill(server.pid, signal.SIGHUP)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = {p.pid for p in server.tree() if p.status() != psutil.STATUS_ZOMBIE}
        if now and not now & old:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"gunicorn {server.pid} did not replace its worker: {server.log()[-2000:]}")
    subprocess.run(["curl", "-s", "-o", "/dev/null", server.url("/")], timeout=30, check=False)


def front(members: list[WsgiServer], started: list[WsgiServer | Nginx],
          tmp_path: Path) -> tuple[Path, Path]:
    """nginx passing site.example.com to an upstream of ``members``; (nginx.conf, manifest)."""
    port = free_port()
    lines = "\n".join(f"        server 127.0.0.1:{m.port};" for m in members)
    body = f"""
    upstream app {{
{lines}
    }}
    server {{
        listen 127.0.0.1:{port};
        server_name site.example.com;
        location / {{ proxy_pass http://app; proxy_set_header Host $host; }}
    }}
"""
    try:
        nginx = start_nginx(body, [port], workdir=tmp_path / "nginx")
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    started.append(nginx)
    manifest = tmp_path / "m.toml"
    manifest.write_text(MANIFEST.format(port=port), encoding="utf-8")
    return nginx.conf, manifest


def drift(conf: Path, manifest: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "probe", "sweep", "-m", str(manifest), "--config", str(conf),
         "--format", "json"], capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "WSGI_PROBE_TOKEN": TOKEN})
    assert done.returncode in (0, 1), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert {t["verdict"] for t in report["targets"]} == {"ok"}, report["targets"]
    return [f["explanation"] for f in report["findings"] if f["code"] == "code_drift"]


def test_one_checkout_hup_to_one_master_names_the_other_master(
        started: list[WsgiServer | Nginx], tmp_path: Path) -> None:
    appdir = checkout(tmp_path, "v1")
    one, two = gunicorn(appdir, started), gunicorn(appdir, started)
    conf, manifest = front([one, two], started, tmp_path)
    (appdir / "REVISION").write_text("v2\n", encoding="utf-8")
    hup(one)
    [text] = drift(conf, manifest)
    # Before: "A deploy reached some of them only, or is still under way: deploy one
    # version to every server", although both read the one file that holds v2.
    assert "A deploy reached some of them only" not in text, text
    assert (f"file:{appdir}/REVISION on host {os.uname().nodename} gave 'v2' to pid "
            in text), text
    assert "the deploy reached that file, and pid " in text, text
    assert f"Send HUP to the gunicorn master (ppid {two.pid}, the parent of pid" in text, text
    assert f"ppid {one.pid}" not in text, text
    # Doing what it says cures it.
    hup(two)
    assert drift(conf, manifest) == []


def test_a_checkout_each_says_both_and_names_the_file_to_read(
        started: list[WsgiServer | Nginx], tmp_path: Path) -> None:
    first, second = checkout(tmp_path / "a", "v1"), checkout(tmp_path / "b", "v1")
    one, two = gunicorn(first, started), gunicorn(second, started)
    conf, manifest = front([one, two], started, tmp_path)
    for appdir in (first, second):
        (appdir / "REVISION").write_text("v2\n", encoding="utf-8")
    hup(one)
    [text] = drift(conf, manifest)
    assert "or it reached every server and some processes were not restarted since: the " \
           "answers do not tell which" in text, text
    assert f"the file {second}/REVISION on host {os.uname().nodename} (pid " in text, text
    assert f"send HUP to the gunicorn master (ppid {two.pid}, the parent of pid" in text, text
