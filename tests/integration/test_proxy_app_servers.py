"""Apache's mod_proxy in front of real gunicorn and waitress, swept without ``--config``: a
tester's lab where the sweep said ``ok`` of a stripped mount and worded a Host not passed on
wrongly.

* ``ProxyPass "/b/" "http://127.0.0.1:PORT/"`` before waitress strips the prefix: mod_proxy
  passes waitress's own Server header on, so no front names itself, but waitress's
  ``server.listen`` is not the address probed: ``mount_mismatch``, from ``probe sweep`` and
  ``probe check`` alike;
* a balancer over gunicorn and waitress without ``ProxyPreserveHost``: gunicorn keeps the
  X-Forwarded-Host mod_proxy adds (waitress strips it), Django does not read it
  (``request.host_allowed`` false): every sample is ``host_mismatch``, each with what it got.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from .apache import MODULES_DIR, ApacheError, ApacheServer, ApacheUnavailable, free_port
from .apache_blocks import CATCH_ALL
from .conftest import ApacheFactory, unavailable
from .wsgi_servers import WsgiServer, _start, ensure_servers_venv, make_site, make_workdir

pytestmark = pytest.mark.apache

TOKEN = "proxy-app-servers-token-0123456789abcdef"
FRONT = """\
LoadModule proxy_module "{modules}/mod_proxy.so"
LoadModule proxy_http_module "{modules}/mod_proxy_http.so"
LoadModule proxy_balancer_module "{modules}/mod_proxy_balancer.so"
LoadModule lbmethod_byrequests_module "{modules}/mod_lbmethod_byrequests.so"
LoadModule slotmem_shm_module "{modules}/mod_slotmem_shm.so"

""" + CATCH_ALL + """<VirtualHost *:@PORT@>
    ServerName a.example.test
    ProxyPreserveHost On
    ProxyPass        "/b/" "http://127.0.0.1:{waitress}/"
    ProxyPassReverse "/b/" "http://127.0.0.1:{waitress}/"
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName h.example.test
    <Proxy "balancer://pool">
        BalancerMember "http://127.0.0.1:{gunicorn}"
        BalancerMember "http://127.0.0.1:{waitress}"
    </Proxy>
    ProxyPass        "/" "balancer://pool/"
    ProxyPassReverse "/" "balancer://pool/"
</VirtualHost>
"""
MANIFEST = """[probe]
connect = "127.0.0.1:{port}"
token_env = "WSGI_PROBE_TOKEN"
samples = 4

[instances.site]
label = "site"
urls = ["http://a.example.test/b/", "http://h.example.test/"]
"""


@dataclass
class Lab:
    gunicorn: WsgiServer
    waitress: WsgiServer
    front: ApacheServer
    manifest: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "probe", *args], capture_output=True,
                              text=True, timeout=300, check=False,
                              env={**os.environ, "WSGI_PROBE_TOKEN": TOKEN})

    def sweep(self) -> dict[str, dict[str, Any]]:
        done = self.run("sweep", "-m", str(self.manifest), "--format", "json")
        assert done.returncode == 1, done.stderr + done.stdout[-3000:]
        return {t["url"]: t for t in json.loads(done.stdout)["targets"]}


@pytest.fixture(scope="module")
def lab(apache_module: ApacheFactory, tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[Lab]:
    try:
        venv = ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    workdir = make_workdir()
    started: list[WsgiServer] = []
    try:
        project = make_site(workdir, venv)
        settings = project / "mysite" / "settings.py"
        settings.write_text(settings.read_text() + "\nDEBUG = False\n"
                            "ALLOWED_HOSTS = ['a.example.test', 'h.example.test']\n")
        done = subprocess.run([sys.executable, "-m", "probe", "endpoint", "--install",
                               str(project / "mysite" / "wsgi.py"), "--label", "site",
                               "--no-token"], capture_output=True, text=True, timeout=120,
                              check=False)
        assert done.returncode == 0, done.stderr
        env = {"WSGI_PROBE_TOKEN": TOKEN}
        ports = [free_port(), free_port()]
        try:
            started.append(_start("gunicorn", [str(venv / "bin/gunicorn"), "--bind",
                                               f"127.0.0.1:{ports[0]}", "--workers", "2",
                                               "mysite.wsgi:application"],
                                  cwd=project, port=ports[0], env=env,
                                  log_path=workdir / "gunicorn.log"))
            started.append(_start("waitress", [str(venv / "bin/waitress-serve"),
                                               f"--listen=127.0.0.1:{ports[1]}",
                                               "mysite.wsgi:application"],
                                  cwd=project, port=ports[1], env=env,
                                  log_path=workdir / "waitress.log"))
        except ApacheError as exc:
            pytest.fail(str(exc), pytrace=False)
        front = apache_module(FRONT.format(modules=MODULES_DIR, gunicorn=ports[0],
                                           waitress=ports[1]))
        manifest = tmp_path_factory.mktemp("proxy") / "manifest.toml"
        manifest.write_text(MANIFEST.format(port=front.port))
        yield Lab(started[0], started[1], front, manifest)
    finally:
        for server in started:
            server.stop()
        subprocess.run(["rm", "-rf", str(workdir)], check=False, timeout=60)


def test_a_mount_mod_proxy_strips_is_mount_mismatch_without_config(lab: Lab) -> None:
    # What is true: the page of the mount redirects out of it (Django's APPEND_SLASH / 404
    # aside, the admin's login redirect names /admin/login/, not /b/admin/login/).
    page = requests.get(f"http://127.0.0.1:{lab.front.port}/b/admin/", timeout=10,
                        headers={"Host": "a.example.test"}, allow_redirects=False)
    assert page.status_code == 302 and page.headers["Location"].startswith("/admin/login/"), \
        (page.status_code, page.headers)
    found = lab.sweep()["http://a.example.test/b/"]
    assert found["verdict"] == "mount_mismatch", found
    assert "took /b off the path" in found["explanation"]
    assert f"server.listen = '127.0.0.1:{lab.waitress.port}' while the request went to " \
           f"127.0.0.1:{lab.front.port}" in found["explanation"], found["explanation"]
    assert "--url-prefix=/b" in found["fix"]
    # probe check reads the same diagnosis: not OK
    check = lab.run("check", "-m", str(lab.manifest), "-v")
    assert check.returncode != 0, check.stdout
    assert "mount_mismatch" in check.stdout, check.stdout


def test_a_host_not_passed_on_is_said_as_each_sample_received_it(lab: Lab) -> None:
    # What is true: through the balancer every page answers 400 (DisallowedHost), whichever
    # backend takes it.
    pages = [requests.get(f"http://127.0.0.1:{lab.front.port}/admin/login/", timeout=10,
                          headers={"Host": "h.example.test"}).status_code for _ in range(4)]
    assert pages == [400] * 4
    found = lab.sweep()["http://h.example.test/"]
    assert found["verdict"] == "host_mismatch", found
    text = found["explanation"]
    gunicorn, waitress = (f"127.0.0.1:{lab.gunicorn.port}", f"127.0.0.1:{lab.waitress.port}")
    # round robin: both backends take samples (each named with what it received)
    assert f"Host '{gunicorn}' (pid " in text, text
    assert "It also received X-Forwarded-Host 'h.example.test' (pid " in text, text
    assert "USE_X_FORWARDED_HOST" in text and f"Host '{waitress}'" in text, text
    assert "It is the same in all 4 samples" in text and "the others did not" not in text, text
    assert "ProxyPreserveHost On" in found["fix"]


HAPROXY = """\
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend web
    bind 127.0.0.1:{port}
    option forwardfor
    default_backend app
backend app
    http-request replace-path ^/b(/.*)$ \\1
    server w1 127.0.0.1:{waitress}
"""


def test_a_mount_haproxy_strips_is_mount_mismatch_without_config(lab: Lab,
                                                                 tmp_path: Path) -> None:
    """HAProxy sends no Server header of its own: only waitress's server.listen shows it."""
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        unavailable("haproxy is not installed (Debian package haproxy)")
    port = free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(HAPROXY.format(port=port, waitress=lab.waitress.port))
    try:
        front = _start("haproxy", [haproxy, "-db", "-f", str(config)], cwd=tmp_path,
                       port=port, log_path=tmp_path / "haproxy.log")
    except ApacheError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        manifest = tmp_path / "manifest.toml"
        manifest.write_text(MANIFEST.format(port=port).replace(
            ', "http://h.example.test/"', ""))
        done = lab.run("sweep", "-m", str(manifest), "--format", "json")
        assert done.returncode == 1, done.stderr + done.stdout[-3000:]
        [found] = json.loads(done.stdout)["targets"]
        assert found["verdict"] == "mount_mismatch", found
        assert f"server.listen = '127.0.0.1:{lab.waitress.port}' while the request went to " \
               f"127.0.0.1:{port}" in found["explanation"], found["explanation"]
    finally:
        front.stop()
