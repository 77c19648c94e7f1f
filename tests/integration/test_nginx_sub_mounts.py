"""A page below a sub-path mount (a tester's manifest lists /blog/ and /blog/admin/ of one
instance), with real nginx 1.22 in front of a stock Django project under gunicorn (proxy_pass)
and under uWSGI's own protocol (uwsgi_pass, ``--socket``). The mount of /blog/admin/ is
/blog, the prefix the front took off or the instance's shortest URL above it, never the URL's
own path: each variant is told and fixed at /blog, and its truth checked with real pages.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests import reaper

from .apache import free_port
from .endpoint_sites import app_servers
from .nginx import Nginx, start_kept, sweep_report
from .test_nginx_uwsgi_params import PARAMS
from .wsgi_servers import WsgiServer

TOKEN = "nginx-sub-mount-token-0123456789abcdef"
HOST = "sub.example.com"
BLOG, ADMIN = f"http://{HOST}/blog/", f"http://{HOST}/blog/admin/"
HEADERS = "proxy_set_header Host $host;"
MANIFEST = f"""[probe]
connect = "127.0.0.1:{{port}}"
token_env = "WSGI_PROBE_TOKEN"
samples = 2

[instances.sub]
label = "sub"
script_name = "/blog"
urls = ["{BLOG}", "{ADMIN}"]
"""


@dataclass
class Servers:
    plain: WsgiServer  # gunicorn, no FORCE_SCRIPT_NAME
    forced: WsgiServer  # gunicorn, FORCE_SCRIPT_NAME = "/blog"
    uwsgi: WsgiServer  # uWSGI --socket (its own protocol)
    workdir: Path


def _uwsgi_socket(project: Path, venv: Path, log: Path) -> WsgiServer:
    port = free_port()
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("PYTHON", "WSGI_PROBE", "VIRTUAL_ENV", "DJANGO"))}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(venv / "bin/uwsgi"), "--socket", f"127.0.0.1:{port}", "--master",
             "--processes", "1", "--virtualenv", str(venv), "--wsgi-file",
             str(project / "mysite/wsgi.py"), "--chdir", str(project), "--need-app",
             "--die-on-term", "--disable-logging"], cwd=project, stdout=out,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            env={**clean, "LANG": "C.UTF-8", "WSGI_PROBE_TOKEN": TOKEN})
    reaper.remember(process.pid, f"uwsgi --socket on 127.0.0.1:{port}")
    server = WsgiServer("uwsgi-socket", port, process.pid, log, process, signal.SIGINT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            time.sleep(1.0)  # the app is loaded before the master accepts (--need-app)
            return server
        time.sleep(0.1)
    server.stop()
    raise AssertionError(f"uwsgi --socket did not listen: {log.read_text()}")


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    with app_servers() as apps:
        project = apps.site("sub", (
            f"\nimport os\nDEBUG = False\nALLOWED_HOSTS = [{HOST!r}]\n"
            f"FORCE_SCRIPT_NAME = os.environ.get('SUB_FORCE_SCRIPT_NAME') or None\n"))
        plain = apps.gunicorn("gunicorn-plain", project, workers=1, token=TOKEN)
        forced = apps.gunicorn("gunicorn-forced", project, workers=1, token=TOKEN,
                               env={"SUB_FORCE_SCRIPT_NAME": "/blog"})
        apps.started.append(_uwsgi_socket(project, apps.venv, apps.workdir / "uwsgi.log"))
        yield Servers(plain, forced, apps.started[-1], apps.workdir)


@dataclass
class Run:
    nginx: Nginx
    port: int
    manifest: Path

    def by_url(self, *extra: str) -> dict[str, dict[str, Any]]:
        report = sweep_report(self.manifest, *extra, token=TOKEN)
        return {t["url"]: t for t in report["targets"]}

    def page(self, path: str) -> requests.Response:
        return requests.get(f"http://127.0.0.1:{self.port}{path}", headers={"Host": HOST},
                            timeout=10, allow_redirects=False)


@pytest.fixture
def run_nginx(tmp_path: Path) -> Iterator[Any]:
    running: list[Nginx] = []

    def start(location: str) -> Run:
        port = free_port()
        params = tmp_path / f"uwsgi_params-{len(running)}"
        params.write_text(PARAMS)
        body = (f"server {{ listen 127.0.0.1:{port} default_server; return 444; }}\n"
                f"server {{\n    listen 127.0.0.1:{port};\n    server_name {HOST};\n"
                f"    location /blog/ {{\n        "
                f"{location.replace('@PARAMS@', f'include {params};')}\n    }}\n}}\n")
        server = start_kept(body, port, running, tmp_path)
        manifest = tmp_path / f"manifest-{len(running)}.toml"
        manifest.write_text(MANIFEST.format(port=port))
        return Run(server, port, manifest)

    yield start
    for server in running:
        server.stop()


def _both(run: Run) -> list[dict[str, Any]]:
    """/blog/admin/'s target without and with --config."""
    return [run.by_url(*extra)[ADMIN] for extra in ((), ("--config", str(run.nginx.conf)))]


def test_a_stripped_prefix_is_told_as_the_mount_not_the_pages_path(
        servers: Servers, run_nginx: Any) -> None:
    run = run_nginx(f"proxy_pass http://127.0.0.1:{servers.plain.port}/; {HEADERS}")
    # the truth: /blog/admin/ arrives as /admin/, its login redirect leaves the mount
    page = run.page("/blog/admin/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/admin/login/")
    for found in _both(run):
        assert found["verdict"] == "mount_mismatch", found
        assert ("the front took /blog off the path (/blog/admin/__probe__ arrived as "
                "'/admin/__probe__')") in found["explanation"], found["explanation"]
        assert "X-Forwarded-Prefix /blog;" in found["fix"], found["fix"]
        assert 'FORCE_SCRIPT_NAME = "/blog"' in found["fix"], found["fix"]
        assert "/blog/admin" not in found["fix"], found["fix"]


def test_the_mount_fix_applied_makes_the_pages_below_it_ok(
        servers: Servers, run_nginx: Any) -> None:
    """The fix as said for /blog (X-Forwarded-Prefix and FORCE_SCRIPT_NAME '/blog'): every
    URL of the mount is ok, /blog/admin/ too (it was told FORCE_SCRIPT_NAME is not its
    mount)."""
    run = run_nginx(f"proxy_pass http://127.0.0.1:{servers.forced.port}/; {HEADERS} "
                    f"proxy_set_header X-Forwarded-Prefix /blog;")
    page = run.page("/blog/admin/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/blog/admin/login/")
    for extra in ((), ("--config", str(run.nginx.conf))):
        found = run.by_url(*extra)
        assert {t["verdict"] for t in found.values()} == {"ok"}, found


def test_the_whole_path_passed_names_the_mount_prefix(servers: Servers, run_nginx: Any) -> None:
    run = run_nginx(f"proxy_pass http://127.0.0.1:{servers.plain.port}; {HEADERS}")
    assert run.page("/blog/admin/").status_code == 404
    for found in _both(run):
        assert found["verdict"] == "mount_mismatch", found
        # script_name declared (the manifest): without it the answers do not decide
        assert "while the manifest declares script_name '/blog'" in found["explanation"] and \
            "its pages answer 404" in found["explanation"], found["explanation"]
        assert "/blog/admin" not in found["fix"], found["fix"]


def test_uwsgi_pass_without_script_name_is_fixed_at_the_mount(
        servers: Servers, run_nginx: Any) -> None:
    run = run_nginx(f"@PARAMS@ uwsgi_pass 127.0.0.1:{servers.uwsgi.port};")
    assert run.page("/blog/admin/").status_code == 404
    alone, configured = _both(run)
    for found in (alone, configured):
        assert found["verdict"] == "mount_mismatch", found
        assert "/blog/admin" not in found["fix"], found["fix"]
    assert "'uwsgi_param SCRIPT_NAME /blog;'" in configured["fix"], configured["fix"]
    assert "'rewrite ^/blog/(.*)$ /$1 break;'" in configured["fix"], configured["fix"]
    # without --config the answers cannot tell uwsgi_pass from an --http-socket: both named,
    # proxy_set_header never as the uwsgi_pass way
    fix = alone["fix"]
    assert "(proxy_set_header does nothing there): add 'uwsgi_param SCRIPT_NAME /blog;' and " \
           "'rewrite ^/blog/(.*)$ /$1 break;'" in fix, fix
    assert "With proxy_pass: let proxy_pass strip the prefix" in fix, fix
    assert fix.index("With uwsgi_pass") < fix.index("proxy_set_header X-Forwarded-Prefix"), fix


def test_script_name_with_the_prefix_left_on_path_info_is_doubled(
        servers: Servers, run_nginx: Any) -> None:
    run = run_nginx(f"@PARAMS@ uwsgi_pass 127.0.0.1:{servers.uwsgi.port}; "
                    f"uwsgi_param SCRIPT_NAME /blog;")
    # the truth: the prefix twice, Django resolves /blog/admin/login/: 404
    assert run.page("/blog/admin/login/").status_code == 404
    alone, configured = _both(run)
    for found in (alone, configured):
        assert found["verdict"] == "mount_mismatch", found
        assert found["observed"]["request"]["script_name"] == "/blog", found["observed"]
        assert "the prefix in both" in found["explanation"], found["explanation"]
        assert "'rewrite ^/blog/(.*)$ /$1 break;'" in found["fix"], found["fix"]
    # SCRIPT_NAME reached uWSGI: over its own protocol, never a proxy_pass
    assert "proxy_pass" not in alone["fix"] and "uwsgi_param SCRIPT_NAME /blog;" in \
        alone["fix"], alone["fix"]
