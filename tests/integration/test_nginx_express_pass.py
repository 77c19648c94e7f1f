"""Tester T31's blog-old.example.test, run: nginx passes a name meant for blog to shop's
mod_wsgi-express port, with ``proxy_set_header Host $host``. Express serves one application to
every Host on its port, so the fix is nginx's pass line (blog answers its own URL from its
daemon group, HOST:PORT), never "give the VirtualHost meant for blog the name" of an Apache
behind nginx. Blog's express runs with ``--mount-point /app`` as T31's did, its own block
``location /app/`` passing paths that carry /app: behind blog-old's ``location /`` the line
must carry the mount (``proxy_pass http://127.0.0.1:PORT/app/;``; without it blog answers
404). The fix printed with ``--config`` is applied as written, nginx reloaded, and the sweep
is ok.
"""

from __future__ import annotations

import http.client
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from probe import manifest as manifests
from probe.diagnose import ConfigJoin
from probe.model import Cause, Verdict
from probe.nginx import load_nginx
from probe.sweep import run_sweep

from .apache import ApacheError, free_port
from .nginx import Nginx, start_kept
from .test_fleet_app_servers import probe_cli
from .wsgi_servers import WsgiServer, make_readable, make_site, make_workdir, start_express

pytestmark = pytest.mark.apache


@pytest.fixture
def two(apache_venv: Path) -> Iterator[tuple[WsgiServer, WsgiServer]]:
    """shop's and blog's express servers (startproject mysite, labelled each); blog's
    mounted at /app."""
    workdir = make_workdir()
    servers: list[WsgiServer] = []
    try:
        for label in ("shop", "blog"):
            (workdir / label).mkdir()
            site = make_site(workdir / label, apache_venv)
            installed = probe_cli("endpoint", "--install", str(site / "mysite" / "wsgi.py"),
                                  "--label", label, "--no-token")
            assert installed.returncode == 0, installed.stderr
            settings = site / "mysite" / "settings.py"
            settings.write_text(settings.read_text().replace(
                "ALLOWED_HOSTS = []", f"ALLOWED_HOSTS = ['.example.test']  # {label}"))
        make_readable(workdir)
        for label in ("shop", "blog"):
            try:
                servers.append(start_express(workdir / label / "mysite", apache_venv,
                                             processes=1,
                                             server_root=workdir / label / "express-root",
                                             options=("--mount-point", "/app")
                                             if label == "blog" else ()))
            except ApacheError as exc:
                pytest.fail(str(exc), pytrace=False)
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()
        subprocess.run(["rm", "-rf", str(workdir)], check=False, timeout=60)


def _get(port: int, host: str, path: str) -> tuple[int, str]:
    """GET ``path`` with Host ``host`` through nginx: the status and any Location."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location") or ""
    finally:
        connection.close()


def _block(name: str, port: int, location: str = "/") -> str:
    return (f"    server {{\n        listen 127.0.0.1:{{front}};\n        server_name {name};\n"
            f"        location {location} {{\n            proxy_pass http://127.0.0.1:{port};\n"
            f"            proxy_set_header Host $host;\n        }}\n    }}\n")


def test_the_pass_line_fix_of_an_express_port_is_applied_and_ok(
        two: tuple[WsgiServer, WsgiServer], tmp_path: Path) -> None:
    shop, blog = two
    front = free_port()
    body = (f"    server {{\n        listen 127.0.0.1:{front} default_server;\n"
            f"        server_name _;\n        return 444;\n    }}\n"
            + (_block("shop.example.test", shop.port)
               + _block("blog.example.test", blog.port, "/app/")  # its mount kept
               # a second name pointed at shop's express port by mistake (meant for blog)
               + _block("blog-old.example.test", shop.port)).replace("{front}", str(front)))
    running: list[Nginx] = []
    try:
        nginx = start_kept(body, front, running, tmp_path)
        manifest = manifests.parse(f"""\
[probe]
connect = "127.0.0.1:{front}"
samples = 4

[instances.shop]
label = "shop"
settings = "mysite.settings"
urls = ["http://shop.example.test/"]

[instances.blog]
label = "blog"
settings = "mysite.settings"
script_name = "/app"
urls = ["http://blog.example.test/app/", "http://blog-old.example.test/"]
""", "t31.toml")
        found = {t.url: t for t in run_sweep(
            manifest, config=ConfigJoin(load_nginx(str(nginx.conf)))).targets}
        old = found["http://blog-old.example.test/"]
        assert (old.verdict, old.cause) == (Verdict.WRONG_INSTANCE, Cause.WRONG_UPSTREAM), old
        assert "VirtualHost" not in old.fix and "apachectl" not in old.fix, old.fix
        told = re.match(r"At (\S+):(\d+), pass to (?:blog's upstream: )?'(proxy_pass [^']+;)'",
                        old.fix)
        assert told is not None and told.group(1) == str(nginx.conf), old.fix
        assert told.group(3) == f"proxy_pass http://127.0.0.1:{blog.port}/app/;", old.fix
        lines = nginx.conf.read_text().splitlines()
        number = int(told.group(2))
        indent = lines[number - 1][:len(lines[number - 1]) - len(lines[number - 1].lstrip())]
        lines[number - 1] = indent + told.group(3)  # the line as the fix writes it
        nginx.conf.write_text("\n".join(lines) + "\n")
        nginx.reload()
        after = {t.url: t for t in run_sweep(
            manifest, config=ConfigJoin(load_nginx(str(nginx.conf)))).targets}
        # blog answers blog-old now (the address alone handed it /, outside its mount: 404);
        # what the fix said it leaves is what the sweep reads: blog believes it is mounted at
        # /app under a name served at /
        assert {u: (t.verdict, t.answered_by) for u, t in after.items()} == {
            "http://shop.example.test/": (Verdict.OK, "shop"),
            "http://blog.example.test/app/": (Verdict.OK, "blog"),
            "http://blog-old.example.test/": (Verdict.MOUNT_MISMATCH, "blog")}, [
                f"{t.explanation} FIX: {t.fix}" for t in after.values()]
        # and what it said of blog's links, probed: admin's redirect under /app/ comes back
        # through the new line as /app/app/..., which blog answers 404; under blog's own name
        # the same link answers
        for host, first, then in (("blog-old.example.test", "/admin/", 404),
                                  ("blog.example.test", "/app/admin/", 200)):
            status, location = _get(front, host, first)
            assert status == 302 and location.startswith("/app/admin/login/"), (host, location)
            assert _get(front, host, location)[0] == then, (host, location)
    finally:
        for server in running:
            server.stop()
