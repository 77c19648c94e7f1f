"""A real nginx for the integration tests, and tiny WSGI applications behind it that say who
they are.

* :func:`start_nginx` writes an ``http`` configuration into a temp prefix (error log, pid and
  temp paths there), starts ``nginx -p PREFIX -c nginx.conf -g 'daemon off; ...'`` in its own
  session on loopback ports chosen by the caller, waits until every ``listen`` port accepts,
  and records it with the reaper; :meth:`Nginx.stop` stops it by pid.
* :func:`start_whoami` runs ``contrib/wsgi_endpoint.py`` around a 404 application under
  gunicorn (from the servers venv), labelled: its ``__probe__`` answer reports the Host,
  SCRIPT_NAME and PATH_INFO that application received, which is how the tests see where nginx
  really sent a request.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from tests import reaper

from .apache import ApacheUnavailable, free_port
from .wsgi_servers import WsgiServer, _start

NGINX = "/usr/sbin/nginx"
TOKEN = "nginx-fidelity-token-0123456789"
START_TIMEOUT = 20.0


@dataclass
class Nginx:
    prefix: Path
    conf: Path
    pid: int
    process: subprocess.Popen[bytes] = field(repr=False)

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def reload(self, timeout: float = 60.0) -> None:
        """SIGHUP, then wait until the workers that ran the old configuration are gone and
        a new one runs: a request sent after this meets the new configuration however slow
        the machine (a fixed sleep did not say when the old workers had finished)."""
        master = psutil.Process(self.pid)
        old = {child.pid for child in master.children()}
        os.kill(self.pid, signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = {child.pid for child in master.children() if _running(child)}
            if now and not now & old:
                return
            time.sleep(0.05)
        raise AssertionError(f"nginx's workers {sorted(old)} did not give way after a HUP:\n"
                             f"{self.error_log()[-3000:]}")

    def stop(self) -> None:
        reaper.forget(self.pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGQUIT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:  # gone between the listing and the look
        return False


def sweep_report(manifest: Path, *extra: str, token: str = TOKEN) -> dict[str, Any]:
    """``probe sweep -m MANIFEST --format json EXTRA...`` with ``token`` in
    WSGI_PROBE_TOKEN (the one the apps behind the front take); its JSON report (exit 0 or
    1: a sweep that ran)."""
    done = subprocess.run(
        [sys.executable, "-m", "probe", "sweep", "-m", str(manifest), "--format", "json",
         *extra], capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "WSGI_PROBE_TOKEN": token})
    assert done.returncode in (0, 1), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def nginx_available() -> str | None:
    """Why nginx cannot run here, or None."""
    return None if shutil.which(NGINX) else f"{NGINX} is missing (Debian package nginx-light)"


def wrap_http(http_body: str, prefix: Path, worker_connections: int = 256) -> str:
    """A whole nginx.conf around an ``http`` block's body, everything kept in ``prefix``."""
    temp = "\n".join(f"    {d}_temp_path {prefix}/{d};" for d in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"error_log {prefix}/error.log info;\n"
            f"worker_processes 1;\nevents {{ worker_connections {worker_connections}; }}\n"
            f"http {{\n    access_log off;\n{temp}\n{http_body}\n}}\n")


def start_nginx(http_body: str, ports: list[int], *, workdir: Path,
                files: dict[str, str] | None = None, worker_connections: int = 256) -> Nginx:
    """Start nginx with this ``http`` body; ``files`` are written beside nginx.conf (for
    ``include``). Raises ApacheUnavailable when nginx is not installed."""
    missing = nginx_available()
    if missing:
        raise ApacheUnavailable(missing)
    prefix = workdir
    prefix.mkdir(parents=True, exist_ok=True)
    for name, text in (files or {}).items():
        (prefix / name).parent.mkdir(parents=True, exist_ok=True)
        (prefix / name).write_text(text, encoding="utf-8")
    conf = prefix / "nginx.conf"
    conf.write_text(wrap_http(http_body, prefix, worker_connections), encoding="utf-8")
    with (prefix / "stderr.log").open("wb") as stderr:
        process = subprocess.Popen(
            [NGINX, "-p", str(prefix), "-c", str(conf), "-g",
             f"daemon off; pid {prefix}/nginx.pid;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
            start_new_session=True)
    reaper.remember(process.pid, f"nginx in {prefix}")
    server = Nginx(prefix, conf, process.pid, process)
    deadline = time.monotonic() + START_TIMEOUT
    waiting = set(ports)
    while waiting and time.monotonic() < deadline and process.poll() is None:
        for port in list(waiting):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                waiting.discard(port)
        time.sleep(0.05)
    if waiting:
        said = (prefix / "stderr.log").read_text(encoding="utf-8", errors="replace")
        server.stop()
        raise RuntimeError(f"nginx did not listen on {sorted(waiting)}: {said}"
                           f"{server.error_log()[-3000:]}")
    return server


WHOAMI = """\
import wsgi_endpoint


def not_found(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not the probe"]


application = wsgi_endpoint.wrap(not_found, label={label!r}, token={token!r})
"""


def start_whoami(label: str, venv: Path, workdir: Path) -> WsgiServer:
    """gunicorn serving the endpoint around a 404 application, labelled ``label``."""
    appdir = workdir / f"app-{label}"
    appdir.mkdir(parents=True)
    shutil.copy(Path(__file__).resolve().parents[2] / "contrib" / "wsgi_endpoint.py", appdir)
    (appdir / "whoami.py").write_text(WHOAMI.format(label=label, token=TOKEN), encoding="utf-8")
    port = free_port()
    command = [str(venv / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
               "whoami:application"]
    return _start(f"whoami-{label}", command, cwd=appdir, port=port,
                  log_path=workdir / f"{label}.log")


def start_kept(http_body: str, port: int, running: list[Nginx], tmp_path: Path,
               worker_connections: int = 256) -> Nginx:
    """:func:`start_nginx` on ``port`` in a work directory of its own under ``tmp_path``,
    added to ``running`` (the test's fixture stops each); the test is skipped, or fails where
    real servers are required, when nginx cannot run here."""
    from .conftest import unavailable

    try:
        server = start_nginx(http_body, [port], workdir=tmp_path / f"nginx-{len(running)}",
                             worker_connections=worker_connections)
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    running.append(server)
    return server
