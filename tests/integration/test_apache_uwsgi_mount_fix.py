"""Tester T30's mount under Apache's mod_proxy_uwsgi, on real servers: uWSGI (``--socket``)
mounts the application at /shop with ``--manage-script-name``; Apache passes /shop/ there as
it should and ``ProxyPass /app/ uwsgi://.../shop/`` for /app/ (the application answered
SCRIPT_NAME '/shop' for /app/). The sweep's mount fix is applied literally: its ProxyPass line
written in place of the old one, and its uWSGI mount added to the server's command line
(uWSGI restarted: it reads its mounts when it starts). The sweep is then ok; the fix printed
before this change ('.../shop/app/') left the mount /shop taking /app/.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import reaper

from .apache import MODULES_DIR, ApacheError, free_port
from .conftest import ApacheFactory
from .test_apache_proxy import TOKEN, _site
from .test_scenarios import sweep
from .wsgi_servers import WsgiServer, make_readable, make_workdir

pytestmark = pytest.mark.apache

MODULES = "".join(f'LoadModule {name}_module "{MODULES_DIR}/mod_{name}.so"\n'
                  for name in ("proxy", "proxy_uwsgi"))
SITE = """\
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPass /app/ uwsgi://127.0.0.1:{port}/shop/
    ProxyPass /shop/ uwsgi://127.0.0.1:{port}/shop/
</VirtualHost>
"""


@dataclass
class Shop:
    site: Path
    workdir: Path
    venv: Path
    port: int


def _uwsgi(shop: Shop, mounts: list[str]) -> WsgiServer:
    """uWSGI on a --socket with ``mounts`` (each '--mount' value) and --manage-script-name."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("PYTHON", "WSGI_PROBE", "VIRTUAL_ENV", "DJANGO"))}
    log = shop.workdir / "uwsgi.log"
    options = [w for m in mounts for w in ("--mount", m)]
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(shop.venv / "bin/uwsgi"), "--socket", f"127.0.0.1:{shop.port}", "--master",
             "--processes", "2", "--virtualenv", str(shop.venv), *options,
             "--manage-script-name", "--chdir", str(shop.site), "--need-app",
             "--die-on-term", "--disable-logging"], cwd=shop.site, stdout=out,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            env={**clean, "LANG": "C.UTF-8"})
    reaper.remember(process.pid, f"uwsgi --socket on 127.0.0.1:{shop.port}")
    server = WsgiServer("uwsgi-socket", shop.port, process.pid, log, process, signal.SIGINT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", shop.port), 1):
            return server
        time.sleep(0.1)
    server.stop()
    raise ApacheError(f"uwsgi --socket 127.0.0.1:{shop.port} did not listen; log:\n"
                      f"{server.log()[-3000:]}")


@pytest.fixture(scope="module")
def shop(servers_venv: Path) -> Iterator[Shop]:
    venv = servers_venv
    workdir = make_workdir()
    try:
        token = workdir / "token"
        token.write_text(TOKEN + "\n", encoding="utf-8")
        token.chmod(0o600)
        site = _site(workdir, venv, "shop", token)
        make_readable(workdir)
        token.chmod(0o600)
        yield Shop(site, workdir, venv, free_port())
    finally:
        subprocess.run(["rm", "-rf", str(workdir)], check=False, timeout=60)


def _manifest(tmp_path: Path, shop: Shop) -> Path:
    path = tmp_path / "manifest.toml"
    path.write_text(f"""\
[probe]
samples = 4
token_file = "{shop.workdir / "token"}"

[instances.shop]
label = "shop"
settings = "mysite.settings"
urls = ["http://a.test/app/", "http://a.test/shop/"]
""", encoding="utf-8")
    return path


def _rows(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["url"]: row for row in report["targets"]}


def test_the_mod_proxy_uwsgi_mount_fix_applied_literally_sweeps_ok(
        apache: ApacheFactory, shop: Shop, tmp_path: Path) -> None:
    script = str(shop.site / "mysite/wsgi.py")
    backend = _uwsgi(shop, [f"/shop={script}"])
    try:
        server = apache(MODULES + SITE.format(port=shop.port))
        manifest = _manifest(tmp_path, shop)
        _, report, context = sweep(server, manifest, "--config", str(server.conf_path))
        rows = _rows(report)
        assert rows["http://a.test/shop/"]["verdict"] == "ok", context
        app = rows["http://a.test/app/"]
        assert app["verdict"] == "mount_mismatch", context
        assert app["observed"]["request"]["script_name"] == "/shop", app["observed"]
        fix = app["fix"]
        line = re.search(r"pass the URL's path: '(ProxyPass /app/ uwsgi://[^']+)'", fix)
        mount = re.search(r"'--mount (/app)=<its WSGI file>'", fix)
        assert line and mount, fix
        assert line.group(1) == f"ProxyPass /app/ uwsgi://127.0.0.1:{shop.port}/app/", fix
        assert "nginx" not in fix and "ProxyPreserveHost" not in fix, fix

        # applied as written: the line in place of the old one, the mount beside /shop
        text = server.conf_path.read_text(encoding="utf-8")
        old = f"ProxyPass /app/ uwsgi://127.0.0.1:{shop.port}/shop/"
        assert text.count(old) == 1
        server.conf_path.write_text(text.replace(old, line.group(1)), encoding="utf-8")
        backend.stop()
        backend = _uwsgi(shop, [f"/shop={script}", f"{mount.group(1)}={script}"])
        os.kill(server.pid, signal.SIGUSR1)  # a graceful restart reads the file again
        deadline = time.monotonic() + 30
        while True:
            _, after, context = sweep(server, manifest, "--config", str(server.conf_path))
            if all(r["verdict"] == "ok" for r in after["targets"]) or \
                    time.monotonic() > deadline:
                break
            time.sleep(0.5)
        rows = _rows(after)
        assert all(r["verdict"] == "ok" for r in rows.values()), context
        assert rows["http://a.test/app/"]["observed"]["request"]["script_name"] == "/app"
    finally:
        backend.stop()
