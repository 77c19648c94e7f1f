"""The endpoint behind a real nginx reverse proxy on the same machine, in front of gunicorn.

Behind such a proxy every request reaches the application from 127.0.0.1. The endpoint is
installed with the real CLI (``probe endpoint --install``, a token by default); then:

* through nginx, a request without the token is the site's, with it the endpoint's; the
  underscore spelling ``X_Probe_Token`` does not get through nginx (it ignores such names);
  ``probe sweep`` with the manifest line the install printed says ``ok``;
* installed with ``--no-token``: a direct loopback request is answered, one through nginx
  (which adds X-Forwarded-For and X-Real-IP) is not; and one through a bare ``proxy_pass``
  (which adds no proxy header) IS answered: the limit of loopback-only the docs state;
* an empty ``WSGI_PROBE_TOKEN`` closes the endpoint, bare proxy or not; a project's own
  ``uwsgi.py`` is never imported by the endpoint under gunicorn.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests import reaper

from .apache import ApacheError, ApacheUnavailable, free_port
from .conftest import unavailable
from .wsgi_servers import WsgiServer, ensure_servers_venv, start_gunicorn

pytestmark = pytest.mark.apache

APP = b'''def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"the site itself"]
'''
HOST = "blog.example.com"
SITE_PAGE = "the site itself"

NGINX_CONF = """\
{user}worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    # The usual reverse proxy: the client's address in X-Forwarded-For and X-Real-IP.
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{backend};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Real-IP $remote_addr;
        }}
    }}
    # proxy_pass alone: no proxy header at all.
    server {{
        listen 127.0.0.1:{bare_port};
        location / {{
            proxy_pass http://127.0.0.1:{backend};
        }}
    }}
}}
"""


@dataclass
class Nginx:
    port: int
    bare_port: int
    root: Path
    process: subprocess.Popen[bytes]

    def get(self, *, bare: bool = False, headers: dict[str, str] | None = None
            ) -> requests.Response:
        port = self.bare_port if bare else self.port
        with requests.Session() as session:
            session.trust_env = False
            return session.get(f"http://127.0.0.1:{port}/__probe__", timeout=30,
                               headers={"Host": HOST, **(headers or {})})

    def stop(self) -> None:
        reaper.forget(self.process.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)


def start_nginx(backend: int, root: Path) -> Nginx:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        unavailable("nginx is missing (Debian package nginx-light)")
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (root / "tmp" / name).mkdir(parents=True, exist_ok=True)
    port, bare_port = free_port(), free_port()
    user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
    conf = root / "nginx.conf"
    conf.write_text(NGINX_CONF.format(user=user, root=root, port=port, bare_port=bare_port,
                                      backend=backend), encoding="utf-8")
    log = (root / "nginx.out").open("wb")
    process = subprocess.Popen([binary, "-p", str(root), "-e", str(root / "error.log"), "-c",
                                str(conf), "-g", "daemon off;"], stdout=log,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True)
    log.close()
    reaper.remember(process.pid, f"nginx on 127.0.0.1:{port}")
    server = Nginx(port, bare_port, root, process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            server.get()
            return server
        except requests.RequestException:
            time.sleep(0.1)
    server.stop()
    pytest.fail(f"nginx did not start: {(root / 'nginx.out').read_text(errors='replace')}"
                f"{(root / 'error.log').read_text(errors='replace')}", pytrace=False)


def probe_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WSGI_PROBE")}
    return subprocess.run([sys.executable, "-m", "probe", *args], capture_output=True,
                          text=True, timeout=180, check=False, env=env)


@dataclass
class Stack:
    workdir: Path
    script: Path
    installed: str  # what the install printed
    gunicorn: WsgiServer
    nginx: Nginx

    def direct(self, headers: dict[str, str] | None = None) -> requests.Response:
        with requests.Session() as session:
            session.trust_env = False
            return session.get(self.gunicorn.url("/__probe__"), timeout=30,
                               headers={"Host": HOST, **(headers or {})})


@contextlib.contextmanager
def stack(*install_args: str, env: dict[str, str] | None = None,
          files: dict[str, bytes] | None = None) -> Iterator[Stack]:
    """nginx in front of gunicorn (``env`` added to its environment) serving the site; the
    project's top directory, gunicorn's working directory, also holds ``files``."""
    try:
        venv = ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    workdir = Path(tempfile.mkdtemp(prefix="wsgi-probe-nginx-", dir="/tmp"))
    started: list[WsgiServer | Nginx] = []
    try:
        package = workdir / "app" / "mysite"
        package.mkdir(parents=True)
        (package / "__init__.py").write_bytes(b"")
        script = package / "wsgi.py"
        script.write_bytes(APP)
        for name, content in (files or {}).items():
            (workdir / "app" / name).write_bytes(content)
        done = probe_cli("endpoint", "--install", str(script), "--label", "blog",
                         *install_args)
        assert done.returncode == 0, done.stderr
        try:
            gunicorn = start_gunicorn(workdir / "app", venv, worker_class="sync", workers=1,
                                      log_path=workdir / "gunicorn.log", env=env)
        except ApacheError as exc:
            pytest.fail(str(exc), pytrace=False)
        started.append(gunicorn)
        nginx = start_nginx(gunicorn.port, workdir / "nginx")
        started.append(nginx)
        yield Stack(workdir, script, done.stdout, gunicorn, nginx)
    finally:
        for server in reversed(started):
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def is_endpoint(response: requests.Response) -> bool:
    if response.headers.get("Content-Type") == "application/json":
        assert response.status_code == 200 and response.json()["label"] == "blog"
        return True
    assert (response.status_code, response.text) == (200, SITE_PAGE)
    return False


def test_through_nginx_only_the_token_opens_the_endpoint() -> None:
    with stack() as site:
        token = (site.script.parent / "wsgi_endpoint.token").read_text().strip()
        assert not is_endpoint(site.nginx.get())
        assert not is_endpoint(site.nginx.get(headers={"X-Probe-Token": "wrong"}))
        assert not is_endpoint(site.nginx.get(headers={"X-Forwarded-For": "127.0.0.1"}))
        # nginx ignores header names with an underscore (underscores_in_headers off)
        assert not is_endpoint(site.nginx.get(headers={"X_Probe_Token": token}))
        assert not is_endpoint(site.direct())  # with a token, loopback is not enough
        answer = site.nginx.get(headers={"X-Probe-Token": token})
        assert is_endpoint(answer)
        assert answer.json()["request"]["host"] == HOST
        # the manifest line the install printed gives the probe the same token
        line = site.installed.rsplit("for the probe's manifest: ", 1)[1].strip()
        manifest = site.workdir / "site.toml"
        manifest.write_text(line.replace("[probe] ", "[probe]\n") + "\n[instances.blog]\n"
                            f'label = "blog"\nurls = ["http://{HOST}/"]\n', encoding="utf-8")
        swept = probe_cli("sweep", "-m", str(manifest), "--connect",
                          f"127.0.0.1:{site.nginx.port}", "--format", "json")
        assert swept.returncode == 0, swept.stdout + swept.stderr
        assert '"verdict": "ok"' in swept.stdout


def test_loopback_only_is_closed_by_a_proxy_header_and_open_without_one() -> None:
    with stack("--no-token") as site:
        assert is_endpoint(site.direct())  # loopback, no proxy: answered
        assert not is_endpoint(site.nginx.get())  # nginx added X-Forwarded-For, X-Real-IP
        assert not is_endpoint(site.direct(headers={"X-Forwarded-For": "203.0.113.9"}))
        assert not is_endpoint(site.direct(headers={"Forwarded": "for=203.0.113.9"}))
        assert not is_endpoint(site.direct(headers={"Via": "1.1 cache"}))
        # The limit: a proxy that adds no header makes a request from anywhere look local.
        # That is why the install sets up a token unless told otherwise.
        assert is_endpoint(site.nginx.get(bare=True))


def test_an_empty_token_variable_closes_the_endpoint_even_behind_a_bare_proxy() -> None:
    # envvars' ``export WSGI_PROBE_TOKEN=$TOKEN`` with TOKEN unset: a token was meant. It was
    # taken as no token at all, loopback-only, and the bare proxy_pass let anyone in.
    with stack("--no-token", env={"WSGI_PROBE_TOKEN": ""}) as site:
        assert not is_endpoint(site.nginx.get(bare=True))
        assert not is_endpoint(site.direct())
        assert not is_endpoint(site.direct(headers={"X-Probe-Token": ""}))
        warnings = [line for line in site.gunicorn.log().splitlines()
                    if line.startswith("wsgi_endpoint: ")]
        assert warnings == ["wsgi_endpoint: $WSGI_PROBE_TOKEN is set but empty; "
                            "the probe endpoint answers nobody"], site.gunicorn.log()


PROJECT_UWSGI = b"""\
import pathlib
pathlib.Path(__file__).with_name("uwsgi-was-imported").write_text("yes")
raise SystemExit(3)
"""


def test_a_projects_own_uwsgi_module_is_not_imported_under_gunicorn() -> None:
    # A uwsgi.py beside the project (gunicorn's directory is on sys.path) was imported by
    # the first probe request, and its SystemExit took the worker down.
    with stack("--no-token", files={"uwsgi.py": PROJECT_UWSGI}) as site:
        answers = [site.direct() for _ in range(3)]
        assert all(is_endpoint(answer) for answer in answers)
        assert {answer.json()["pid"] for answer in answers} == {
            child.pid for child in site.gunicorn.tree()}  # the one worker, still alive
        assert {answer.json()["server"]["worker_id"] for answer in answers} == {None}
        assert not (site.workdir / "app" / "uwsgi-was-imported").exists()
