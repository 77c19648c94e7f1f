"""Real Apache httpd + mod_wsgi for the integration tests.

Three jobs, each usable on its own:

* :func:`ensure_venv` builds (or reuses) the virtualenv that mod_wsgi embeds. Apache drops
  privileges to ``www-data``, which cannot read ``/root`` (where pyenv's Pythons live), so the
  venv is made from Debian's ``/usr/bin/python3`` in a world-readable directory, default
  ``/var/tmp/wsgi-probe-apache-venv`` (``$WSGI_PROBE_APACHE_VENV``), with ``mod_wsgi`` (compiled
  against ``apxs``) and ``django`` installed into it.
* :func:`start_apache` writes an httpd config (server-level boilerplate from
  :func:`base_config` followed by a site config, e.g. a rendered scenario template) into a fresh
  ServerRoot under ``/tmp``, copies the Django test sites and ``contrib/wsgi_endpoint.py``
  there, starts ``apache2 -f CONF -k start`` on a free 127.0.0.1 port and waits until it answers.
  The returned :class:`ApacheServer` is stopped by pid (SIGTERM, then SIGKILL).
* the command line: ``python -m tests.integration.apache --ensure-venv`` (what
  ``scripts/test-all`` runs) and ``--serve SCENARIO`` (start a scenario by hand, print its port
  and a ready-made ``probe sweep`` command, stop on Ctrl-C).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import fcntl
import http.client
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

from tests import reaper

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SITES_SRC = HERE / "sites"
SCENARIOS_DIR = HERE / "scenarios"
ENDPOINT_SRC = REPO / "contrib" / "wsgi_endpoint.py"

DEFAULT_APACHE_VENV = Path("/var/tmp/wsgi-probe-apache-venv")
SYSTEM_PYTHON = Path("/usr/bin/python3")
MODULES_DIR = Path("/usr/lib/apache2/modules")
# Debian builds core, so, log_config, unixd, version, watchdog into the binary; the rest are DSOs.
MODULES = ("mpm_event", "authz_core", "authz_host")
RUN_USER = "www-data"

START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0

_PLACEHOLDER = re.compile(r"@([A-Z][A-Z0-9_]*)@")


class ApacheUnavailable(Exception):
    """Something the real-Apache tests need is not on this machine (the message says what)."""


class ApacheError(Exception):
    """Apache or the mod_wsgi venv was there but failed (the message carries the evidence)."""


# --------------------------------------------------------------------------------------------
# what the machine has


def apache_binary() -> Path | None:
    found = shutil.which("apache2") or shutil.which("apache2", path="/usr/sbin:/usr/local/sbin")
    return Path(found) if found else None


def apxs_binary() -> Path | None:
    found = shutil.which("apxs") or shutil.which("apxs", path="/usr/bin:/usr/sbin")
    return Path(found) if found else None


def is_root() -> bool:
    return os.geteuid() == 0


def apache_venv_path() -> Path:
    return Path(os.environ.get("WSGI_PROBE_APACHE_VENV") or DEFAULT_APACHE_VENV)


def missing_for_server() -> list[str]:
    """What is missing to *run* Apache (the venv is checked separately)."""
    missing: list[str] = []
    if apache_binary() is None:
        missing.append("apache2 binary (Debian package apache2)")
    for name in MODULES:
        if not (MODULES_DIR / f"mod_{name}.so").is_file():
            missing.append(f"{MODULES_DIR}/mod_{name}.so (Debian package apache2)")
    if is_root():
        try:
            import pwd

            pwd.getpwnam(RUN_USER)
        except KeyError:
            missing.append(f"user {RUN_USER} (Apache running as root drops privileges to it)")
    return missing


def missing_for_venv_build() -> list[str]:
    """What is missing to *build* the mod_wsgi venv."""
    missing: list[str] = []
    if apxs_binary() is None:
        missing.append("apxs (Debian package apache2-dev)")
    if not SYSTEM_PYTHON.is_file():
        missing.append(f"{SYSTEM_PYTHON} (Debian package python3)")
        return missing
    probe = subprocess.run(
        [str(SYSTEM_PYTHON), "-c",
         "import ensurepip, sysconfig, os, sys; "
         "sys.exit(0 if os.path.isfile(os.path.join(sysconfig.get_paths()['include'], "
         "'Python.h')) else 3)"],
        capture_output=True, text=True, check=False,
    )
    if probe.returncode == 3:
        missing.append("Python.h for /usr/bin/python3 (Debian package python3-dev)")
    elif probe.returncode != 0:
        missing.append("ensurepip for /usr/bin/python3 (Debian package python3-venv)")
    return missing


# --------------------------------------------------------------------------------------------
# the venv mod_wsgi embeds


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def venv_ready(venv: Path) -> bool:
    """True when ``venv`` has a working Python with mod_wsgi (and its express script) and Django."""
    python = venv_python(venv)
    if not python.exists() or not (venv / "bin" / "mod_wsgi-express").exists():
        return False
    check = subprocess.run(
        [str(python), "-c", "import mod_wsgi.server, django"],
        capture_output=True, check=False,
    )
    return check.returncode == 0


def _make_world_readable(top: Path) -> None:
    for root, dirs, files in os.walk(top):
        for name in dirs + files:
            path = Path(root) / name
            if path.is_symlink():
                continue
            mode = path.stat().st_mode
            extra = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
            if stat.S_ISDIR(mode) or mode & stat.S_IXUSR:
                extra |= stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
            if mode | extra != mode:
                path.chmod(stat.S_IMODE(mode | extra))
    top.chmod(0o755)


def ensure_venv(venv: Path | None = None, *, log: bool = False) -> Path:
    """Return a venv with mod_wsgi and Django built from Debian's python3, building it if needed.

    Raises :class:`ApacheUnavailable` when the build tools are missing and :class:`ApacheError`
    when the build itself fails (with pip's output). Concurrent callers wait on a lock file.
    """
    venv = venv or apache_venv_path()
    if venv_ready(venv):
        return venv
    missing = missing_for_venv_build()
    if missing:
        raise ApacheUnavailable(
            f"cannot build the mod_wsgi venv {venv}: missing " + ", ".join(missing))
    venv.parent.mkdir(parents=True, exist_ok=True)
    lock_path = venv.parent / f".{venv.name}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if venv_ready(venv):  # built by whoever held the lock before us
            return venv
        steps = [
            [str(SYSTEM_PYTHON), "-m", "venv", "--clear", str(venv)],
            [str(venv_python(venv)), "-m", "pip", "install", "--disable-pip-version-check",
             "--no-input", "--quiet", "mod_wsgi", "django"],
        ]
        for step in steps:
            if log:
                print("+ " + " ".join(step), file=sys.stderr, flush=True)
            done = subprocess.run(step, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise ApacheError(
                    f"building the mod_wsgi venv failed ({done.returncode}): {' '.join(step)}\n"
                    f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
        _make_world_readable(venv)
        if not venv_ready(venv):
            raise ApacheError(f"{venv} was built but cannot import mod_wsgi and django")
    return venv


def module_config(venv: Path) -> str:
    """``mod_wsgi-express module-config``: the LoadModule line and WSGIPythonHome for ``venv``."""
    done = subprocess.run(
        [str(venv / "bin" / "mod_wsgi-express"), "module-config"],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0 or "LoadModule" not in done.stdout:
        raise ApacheError(f"mod_wsgi-express module-config failed: {done.stdout}{done.stderr}")
    return done.stdout.strip()


# --------------------------------------------------------------------------------------------
# configs


def render(template: str, values: Mapping[str, str]) -> str:
    """Replace ``@NAME@`` placeholders; a placeholder left without a value is an error."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"no value for placeholder @{name}@")
        return values[name]

    return _PLACEHOLDER.sub(replace, template)


def scenario_names() -> list[str]:
    return sorted(p.name for p in SCENARIOS_DIR.iterdir() if (p / "httpd.conf.in").is_file())


def scenario_template(name: str) -> str:
    return (SCENARIOS_DIR / name / "httpd.conf.in").read_text(encoding="utf-8")


def scenario_manifest(name: str) -> Path:
    return SCENARIOS_DIR / name / "manifest.toml"


def base_config(*, server_root: Path, port: int, wsgi_module_config: str) -> str:
    """Server-level boilerplate every test config starts with."""
    user = f"User {RUN_USER}\nGroup {RUN_USER}\n" if is_root() else ""
    modules = "\n".join(
        f'LoadModule {name}_module "{MODULES_DIR}/mod_{name}.so"' for name in MODULES)
    return f"""\
# generated by tests/integration/apache.py: server-level boilerplate
ServerRoot "{server_root}"
ServerName localhost
Listen 127.0.0.1:{port}
{modules}
{user}PidFile "{server_root}/httpd.pid"
DefaultRuntimeDir "{server_root}/run"
Mutex file:{server_root}/run default
ErrorLog "{server_root}/error.log"
LogLevel warn wsgi:info
LogFormat "%v:%p %h \\"%r\\" %>s %b pid=%P" vhost
CustomLog "{server_root}/access.log" vhost
Timeout 30
KeepAliveTimeout 2

{wsgi_module_config}
WSGISocketPrefix "{server_root}/run/wsgi"
WSGIRestrictEmbedded Off

<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "{server_root}/sites">
    Require all granted
</Directory>
"""


# --------------------------------------------------------------------------------------------
# the server


# The kernel may give a port again as soon as its socket closes: two servers picked before
# either binds could get the same port, and a readiness check would then pass on the other
# server's answer (a CI run swept gunicorn where uWSGI was meant to be).
_GIVEN: collections.deque[int] = collections.deque(maxlen=512)


def free_port() -> int:
    """A loopback port nothing listens on, and not one this run gave out lately."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _GIVEN:
            _GIVEN.append(port)
            return port


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@dataclass
class ApacheServer:
    """A running ``apache2``: where it listens, where its files are, how to stop it."""

    port: int
    server_root: Path
    conf_path: Path
    pid: int
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    @property
    def sites(self) -> Path:
        """The copy of ``tests/integration/sites`` the config points at (``@SITES@``)."""
        return self.server_root / "sites"

    @property
    def connect(self) -> str:
        return f"127.0.0.1:{self.port}"

    def error_log(self) -> str:
        path = self.server_root / "error.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def access_log(self) -> str:
        path = self.server_root / "access.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, host: str, *, headers: Mapping[str, str] | None = None,
            timeout: float = 15.0) -> requests.Response:
        """GET ``path`` through this server with ``Host: host`` (no redirects followed)."""
        sent = {"Host": host, **(headers or {})}
        return self.session.get(self.url(path), headers=sent, timeout=timeout,
                                allow_redirects=False)

    def processes(self) -> list[psutil.Process]:
        """The Apache children: embedded-mode workers and mod_wsgi daemon processes."""
        try:
            return psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM the parent (it stops its children), wait; SIGKILL whatever is left."""
        self.session.close()
        tree = [self.pid]
        with contextlib.suppress(psutil.NoSuchProcess):
            tree += [p.pid for p in psutil.Process(self.pid).children(recursive=True)]
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(_alive(pid) for pid in tree):
            time.sleep(0.05)
        leftover = [pid for pid in tree if _alive(pid)]
        for pid in leftover:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        reaper.forget(self.pid)
        if leftover:
            raise ApacheError(f"apache pids {leftover} ignored SIGTERM for {timeout:.0f}s; killed")


def _copy_sites(dest: Path) -> None:
    if not ENDPOINT_SRC.is_file() or ENDPOINT_SRC.stat().st_size == 0:
        raise ApacheError(f"{ENDPOINT_SRC} is missing or empty")
    shutil.copytree(SITES_SRC, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(ENDPOINT_SRC, dest / "wsgi_endpoint.py")


def _answers(port: int) -> bool:
    """Whether Apache answers ``OPTIONS *`` (handled by the core: no WSGI app is loaded)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("OPTIONS", "*", headers={"Host": "readiness.invalid"})
        conn.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def _start_once(site_config: str, port: int, venv: Path, extra: Mapping[str, str],
                files: Mapping[str, str]) -> ApacheServer:
    binary = apache_binary()
    if binary is None:
        raise ApacheUnavailable("apache2 binary not found (Debian package apache2)")
    server_root = Path(tempfile.mkdtemp(prefix="wsgi-probe-apache-", dir="/tmp"))
    pid = 0
    try:
        server_root.chmod(0o755)  # www-data reaches the sites and the daemon sockets through it
        (server_root / "run").mkdir(mode=0o755)
        sites = server_root / "sites"
        _copy_sites(sites)
        for relative, content in files.items():
            (sites / relative).parent.mkdir(parents=True, exist_ok=True)
            (sites / relative).write_text(content, encoding="utf-8")
        _make_world_readable(sites)
        values = {"PORT": str(port), "SERVER_ROOT": str(server_root), "SITES": str(sites),
                  "APACHE_VENV": str(venv), **extra}
        text = (base_config(server_root=server_root, port=port,
                            wsgi_module_config=module_config(venv))
                + "\n# ---- site configuration ----\n" + render(site_config, values))
        conf = server_root / "httpd.conf"
        conf.write_text(text, encoding="utf-8")
        done = subprocess.run([str(binary), "-f", str(conf), "-k", "start"],
                              capture_output=True, text=True, timeout=START_TIMEOUT,
                              check=False, env={**os.environ, "LANG": "C"})
        log = server_root / "error.log"
        if done.returncode != 0:
            raise ApacheError(
                f"apache2 -k start exited {done.returncode}:\n{done.stdout}{done.stderr}\n"
                f"error log:\n{log.read_text(errors='replace') if log.exists() else ''}")
        pid_file = server_root / "httpd.pid"
        deadline = time.monotonic() + START_TIMEOUT
        recorded = False
        while time.monotonic() < deadline:
            if not pid and pid_file.exists():
                with contextlib.suppress(ValueError):
                    pid = int(pid_file.read_text().strip() or 0)
            if pid and not recorded:
                reaper.remember(pid, f"apache {server_root}")
                recorded = True
            if pid and _answers(port):
                return ApacheServer(port=port, server_root=server_root, conf_path=conf, pid=pid)
            if pid and not _alive(pid):
                break
            time.sleep(0.05)
        raise ApacheError(
            f"apache (pid {pid or 'unknown'}) did not answer on 127.0.0.1:{port} within "
            f"{START_TIMEOUT:.0f}s; error log:\n"
            f"{log.read_text(errors='replace') if log.exists() else '(none)'}")
    except BaseException:
        # Also on Ctrl-C/SIGTERM during start-up: nobody else knows this Apache yet.
        if pid:
            with contextlib.suppress(ApacheError):
                ApacheServer(port=port, server_root=server_root, conf_path=server_root /
                             "httpd.conf", pid=pid).stop()
        if not os.environ.get("WSGI_PROBE_KEEP_APACHE"):
            shutil.rmtree(server_root, ignore_errors=True)
        raise


def start_apache(site_config: str, *, venv: Path | None = None,
                 extra: Mapping[str, str] | None = None,
                 files: Mapping[str, str] | None = None) -> ApacheServer:
    """Start Apache with the boilerplate plus ``site_config`` (``@PORT@``, ``@SITES@``,
    ``@SERVER_ROOT@``, ``@APACHE_VENV@`` and ``extra`` placeholders filled in).

    ``files`` maps paths relative to the sites directory to contents written there before
    Apache starts (e.g. a token file).
    """
    missing = missing_for_server()
    if missing:
        raise ApacheUnavailable("cannot run Apache: missing " + ", ".join(missing))
    venv = ensure_venv(venv)
    for attempt in range(3):
        port = free_port()
        try:
            return _start_once(site_config, port, venv, extra or {}, files or {})
        except ApacheError as exc:  # another process took the port between bind and Listen
            if "Address already in use" not in str(exc) or attempt == 2:
                raise
    raise AssertionError("unreachable")


def cleanup(server: ApacheServer) -> None:
    """Stop ``server`` and remove its ServerRoot (kept when ``$WSGI_PROBE_KEEP_APACHE`` is set)."""
    try:
        server.stop()
    finally:
        if not os.environ.get("WSGI_PROBE_KEEP_APACHE"):
            shutil.rmtree(server.server_root, ignore_errors=True)


@contextlib.contextmanager
def running(site_config: str) -> Iterator[ApacheServer]:
    server = start_apache(site_config)
    try:
        yield server
    finally:
        cleanup(server)


# --------------------------------------------------------------------------------------------
# command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.integration.apache",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--ensure-venv", action="store_true",
                        help="build the mod_wsgi venv unless it is already usable")
    parser.add_argument("--serve", metavar="SCENARIO",
                        help="start Apache with a scenario config and wait for Ctrl-C")
    args = parser.parse_args(argv)
    try:
        if args.ensure_venv:
            venv = apache_venv_path()
            reused = venv_ready(venv)
            started = time.monotonic()
            ensure_venv(venv, log=True)
            how = "reused" if reused else f"built in {time.monotonic() - started:.0f}s"
            print(f"mod_wsgi venv: {venv} ({how})", file=sys.stderr)
        if args.serve:
            if args.serve not in scenario_names():
                parser.error(f"no scenario {args.serve!r}; have {', '.join(scenario_names())}")
            def interrupt(signum: int, frame: object) -> None:
                raise KeyboardInterrupt

            signal.signal(signal.SIGTERM, interrupt)
            signal.signal(signal.SIGINT, interrupt)
            with running(scenario_template(args.serve)) as server:
                print(f"apache pid {server.pid} on {server.connect}, ServerRoot "
                      f"{server.server_root}\n"
                      f"probe sweep -m {scenario_manifest(args.serve)} --connect {server.connect}",
                      flush=True)
                with contextlib.suppress(KeyboardInterrupt):
                    signal.pause()
    except KeyError as exc:  # render(): issue 11's scenarios take values from their tests
        print(f"apache: {args.serve} cannot be served by hand: {exc.args[0]} "
              f"(see tests/integration/test_cause_scenarios.py)", file=sys.stderr)
        return 2
    except ApacheUnavailable as exc:
        print(f"apache: {exc}", file=sys.stderr)
        return 3
    except ApacheError as exc:
        print(f"apache: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
