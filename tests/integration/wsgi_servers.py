"""Real WSGI servers for the integration tests: mod_wsgi-express, gunicorn, uWSGI, waitress.

* :func:`ensure_servers_venv` builds (or reuses) a venv from Debian's ``/usr/bin/python3``
  with gunicorn, uWSGI (compiled by pip), waitress and Django, default
  ``/var/tmp/wsgi-probe-servers-venv`` (``$WSGI_PROBE_SERVERS_VENV``). mod_wsgi-express runs
  from the venv mod_wsgi embeds (``apache.py``), which has it already.
* :func:`make_site` generates a stock ``django-admin startproject mysite`` with the Django of
  the venv that will serve it, in a world-readable temp dir (mod_wsgi-express drops to
  www-data when started as root).
* ``start_*`` start one server on a free 127.0.0.1 port in its own session and wait until it
  answers; :meth:`WsgiServer.stop` stops it by pid (SIGTERM, or what the server wants, then
  SIGKILL for whatever of its process tree is left).

``python -m tests.integration.wsgi_servers --ensure-venv`` is what ``scripts/test-all`` runs.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

from tests import reaper

from .apache import SYSTEM_PYTHON, ApacheError, ApacheUnavailable, free_port

DEFAULT_SERVERS_VENV = Path("/var/tmp/wsgi-probe-servers-venv")
PACKAGES = ("gunicorn", "uwsgi", "waitress", "django")
EXECUTABLES = ("gunicorn", "uwsgi", "waitress-serve", "django-admin")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def servers_venv_path() -> Path:
    return Path(os.environ.get("WSGI_PROBE_SERVERS_VENV") or DEFAULT_SERVERS_VENV)


def servers_venv_ready(venv: Path) -> bool:
    if not all((venv / "bin" / name).exists() for name in EXECUTABLES):
        return False
    check = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import django, gunicorn, waitress"], capture_output=True, check=False)
    return check.returncode == 0


def ensure_servers_venv(venv: Path | None = None, *, log: bool = False) -> Path:
    """A venv with gunicorn, uWSGI, waitress and Django, from /usr/bin/python3 (built once)."""
    venv = venv or servers_venv_path()
    if servers_venv_ready(venv):
        return venv
    if not SYSTEM_PYTHON.is_file():
        raise ApacheUnavailable(f"{SYSTEM_PYTHON} is missing (Debian package python3)")
    if shutil.which("gcc") is None:
        raise ApacheUnavailable("gcc is missing: pip compiles uWSGI (Debian package gcc)")
    venv.parent.mkdir(parents=True, exist_ok=True)
    with (venv.parent / f".{venv.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if servers_venv_ready(venv):
            return venv
        steps = [[str(SYSTEM_PYTHON), "-m", "venv", "--clear", str(venv)],
                 [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-input",
                  "--disable-pip-version-check", "--quiet", *PACKAGES]]
        for step in steps:
            if log:
                print("+ " + " ".join(step), file=sys.stderr, flush=True)
            done = subprocess.run(step, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise ApacheError(f"building {venv} failed ({done.returncode}): {' '.join(step)}\n"
                                  f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
        if not servers_venv_ready(venv):
            raise ApacheError(f"{venv} was built but lacks one of {', '.join(EXECUTABLES)}")
    return venv


def make_workdir() -> Path:
    """A temp dir www-data can read (pytest's tmp_path is 0700 under /tmp/pytest-of-root)."""
    workdir = Path(tempfile.mkdtemp(prefix="wsgi-probe-server-", dir="/tmp"))
    workdir.chmod(0o755)
    return workdir


def make_site(workdir: Path, venv: Path) -> Path:
    """``django-admin startproject mysite`` in ``workdir``; returns the project directory."""
    subprocess.run([str(venv / "bin" / "django-admin"), "startproject", "mysite"], cwd=workdir,
                   check=True, capture_output=True, timeout=120)
    return workdir / "mysite"


def make_readable(top: Path) -> None:
    subprocess.run(["chmod", "-R", "a+rX", str(top)], check=True, timeout=60)


@dataclass
class WsgiServer:
    kind: str
    port: int
    pid: int
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    stop_signal: int = signal.SIGTERM

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") \
            if self.log_path.exists() else ""

    def tree(self) -> list[psutil.Process]:
        """The server's processes below the one started (workers, daemons)."""
        try:
            return psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        reaper.forget(self.pid)
        pids = [self.pid] + [p.pid for p in self.tree()]
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, self.stop_signal)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=STOP_TIMEOUT)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
            time.sleep(0.05)
        for pid in pids:
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=STOP_TIMEOUT)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _start(kind: str, command: Sequence[str], *, cwd: Path, port: int, log_path: Path,
           stop_signal: int = signal.SIGTERM, env: dict[str, str] | None = None) -> WsgiServer:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("PYTHON", "WSGI_PROBE", "VIRTUAL_ENV", "DJANGO"))}
    with log_path.open("ab") as log:
        process = subprocess.Popen(list(command), cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True,
                                   env={**clean, "LANG": "C.UTF-8", **(env or {})})
    # its own session: the reaper can take the whole group down if this run is killed
    reaper.remember(process.pid, f"{kind} on 127.0.0.1:{port}")
    server = WsgiServer(kind, port, process.pid, log_path, process, stop_signal)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            requests.get(server.url("/"), timeout=5, allow_redirects=False)
            if _listened_by_other(port, process.pid):
                break
            return server
        except requests.RequestException:
            time.sleep(0.1)
    server.stop()
    raise ApacheError(f"{kind} ({' '.join(command)}) did not answer on 127.0.0.1:{port} "
                      f"(or another process answered there); "
                      f"log:\n{server.log()[-4000:]}")


_REACHES_LOOPBACK = frozenset({"127.0.0.1", "0.0.0.0", "::", "::ffff:127.0.0.1"})
"""Listening addresses a request to 127.0.0.1 can reach (another process listening at the
same port on ::1 or 127.0.0.2 did not answer it: a false alarm once, beside a tester's
servers)."""


def _listened_by_other(port: int, pid: int) -> bool:
    """Whether the port that answered is another process's (this server failed to bind and the
    answer was someone else's), where the system tells who listens. A listening socket is
    named with one of the processes holding it: a child forked after the server started
    (gunicorn's control socket process) holds it too, so ours is the server or any process
    descended from it when asked, not a list of children made before."""
    try:
        owners = {conn.pid for conn in psutil.net_connections(kind="tcp")
                  if conn.status == psutil.CONN_LISTEN and conn.laddr
                  and conn.laddr.port == port and conn.laddr.ip in _REACHES_LOOPBACK}
        if not owners or None in owners:
            return False
        return not any(owner == pid or pid in {p.pid for p in psutil.Process(owner).parents()}
                       for owner in owners if owner is not None)
    except psutil.Error:
        return False


def start_gunicorn(project: Path, venv: Path, *, worker_class: str, workers: int,
                   log_path: Path, env: dict[str, str] | None = None,
                   also_bind: Sequence[str] = (), options: Sequence[str] = (),
                   app: str = "mysite.wsgi:application") -> WsgiServer:
    """``also_bind``: other loopback addresses to listen on, at the same port; ``options``:
    more of gunicorn's options (``--pythonpath DIR``), ``app`` the module:variable to load."""
    port = free_port()
    binds = [arg for host in ("127.0.0.1", *also_bind) for arg in ("--bind", f"{host}:{port}")]
    command = [str(venv / "bin" / "gunicorn"), *binds,
               "--workers", str(workers), "--worker-class", worker_class, *options, app]
    if worker_class == "gthread":
        command[1:1] = ["--threads", "4"]
    return _start(f"gunicorn-{worker_class}", command, cwd=project, port=port,
                  log_path=log_path, env=env)


def start_uwsgi(project: Path, venv: Path, *, processes: int, log_path: Path) -> WsgiServer:
    port = free_port()
    command = [str(venv / "bin" / "uwsgi"), "--http-socket", f"127.0.0.1:{port}",
               "--master", "--processes", str(processes), "--virtualenv", str(venv),
               "--wsgi-file", str(project / "mysite" / "wsgi.py"), "--chdir", str(project),
               "--need-app", "--die-on-term", "--disable-logging"]
    # uWSGI before 2.1 reloads on SIGTERM unless --die-on-term; SIGINT stops it either way.
    return _start("uwsgi", command, cwd=project, port=port, log_path=log_path,
                  stop_signal=signal.SIGINT)


def start_waitress(project: Path, venv: Path, *, log_path: Path,
                   app: str = "mysite.wsgi:application") -> WsgiServer:
    port = free_port()
    command = [str(venv / "bin" / "waitress-serve"), f"--listen=127.0.0.1:{port}", app]
    # Reached directly: without it a token-less endpoint answers nobody under waitress, which
    # hides proxy headers from it (test_endpoint_waitress_nginx.py).
    return _start("waitress", command, cwd=project, port=port, log_path=log_path,
                  env={"WSGI_PROBE_DIRECT_ONLY": "1"})


def start_express(project: Path, apache_venv: Path, *, processes: int,
                  server_root: Path, options: Sequence[str] = ()) -> WsgiServer:
    """``mod_wsgi-express start-server mysite/wsgi.py``, as its documentation shows it;
    ``options``: more of its options (``--mount-point /x``)."""
    port = free_port()
    command = [str(apache_venv / "bin" / "mod_wsgi-express"), "start-server", "mysite/wsgi.py",
               "--host", "127.0.0.1", "--port", str(port), "--processes", str(processes),
               "--server-root", str(server_root), *options]
    if os.geteuid() == 0:
        command += ["--user", "www-data", "--group", "www-data"]
    server_root.mkdir(mode=0o755)
    server = _start("mod_wsgi-express", command, cwd=project, port=port,
                    log_path=server_root.parent / "express.log")
    server.log_path = server_root / "error_log"  # where the daemons' stderr goes
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.integration.wsgi_servers")
    parser.add_argument("--ensure-venv", action="store_true",
                        help="build the gunicorn/uWSGI/waitress venv unless it is usable")
    args = parser.parse_args(argv)
    if args.ensure_venv:
        venv = servers_venv_path()
        reused = servers_venv_ready(venv)
        started = time.monotonic()
        try:
            ensure_servers_venv(venv, log=True)
        except (ApacheUnavailable, ApacheError) as exc:
            print(f"wsgi servers venv: {exc}", file=sys.stderr)
            return 1
        how = "reused" if reused else f"built in {time.monotonic() - started:.0f}s"
        print(f"wsgi servers venv: {venv} ({how})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
