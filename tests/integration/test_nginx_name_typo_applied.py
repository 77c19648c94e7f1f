"""A misspelt ``server_name`` (``shop-projct.test``) on a real nginx 1.22 in front of two real
gunicorns (the endpoint of contrib/wsgi_endpoint.py around each): the default block passes
to the other application, so shop-project.test is answered by it. Swept with ``--config``,
the fix leads with writing the host at the misspelt line (probe.diagnose.nginx_near_name),
not with adding a name; that line applied as written, ``nginx -t`` and a reload, the sweep is
ok.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from probe.diagnose.config_reload import nginx_reload

from .apache import free_port
from .endpoint_sites import app_servers
from .nginx import NGINX, Nginx, start_kept, start_whoami, sweep_report
from .test_nginx_default_pass import running
from .wsgi_servers import WsgiServer

__all__ = ["running"]  # the fixture, shared with test_nginx_default_pass.py

SHOP = "http://shop-project.test/"
MANIFEST = f"""[probe]
connect = "127.0.0.1:{{port}}"
token_env = "WSGI_PROBE_TOKEN"
samples = 2

[instances.other]
label = "other"
urls = ["http://other.test/"]

[instances.shop]
label = "shop"
urls = ["{SHOP}"]
"""
BODY = """
    server {{ listen 127.0.0.1:{port} default_server;
        server_name _;
        location / {{ proxy_set_header Host $host;
            proxy_pass http://127.0.0.1:{other}; }} }}
    server {{ listen 127.0.0.1:{port};
        server_name shop-projct.test;
        location / {{ proxy_set_header Host $host;
            proxy_pass http://127.0.0.1:{shop}; }} }}
"""


@pytest.fixture(scope="module")
def apps() -> Iterator[dict[str, WsgiServer]]:
    with app_servers() as servers:
        started = {label: start_whoami(label, servers.venv, servers.workdir)
                   for label in ("other", "shop")}
        servers.started.extend(started.values())  # stopped with the scope
        yield started


def _shop(server: Nginx, manifest: Path) -> dict[str, Any]:
    found: dict[str, Any] = {t["url"]: t for t in sweep_report(
        manifest, "--config", str(server.conf))["targets"]}[SHOP]
    return found


def test_the_misspelt_server_name_is_written_right_and_the_sweep_is_ok(
        apps: dict[str, WsgiServer], running: list[Nginx], tmp_path: Path) -> None:
    port = free_port()
    server = start_kept(BODY.format(port=port, other=apps["other"].port,
                                    shop=apps["shop"].port), port, running, tmp_path)
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(MANIFEST.format(port=port))
    found = _shop(server, manifest)
    assert (found["verdict"], found["cause"], found["answered_by"]) == (
        "wrong_instance", "default_server", "other"), found
    lines = server.conf.read_text().splitlines()
    at = f"{server.conf}:{next(n for n, line in enumerate(lines, 1) if 'shop-projct' in line)}"
    assert found["fix"].startswith(
        f"server_name shop-projct.test ({at}) is one edit from shop-project.test: the likely "
        f"typo. Write 'server_name shop-project.test' at {at}"), found["fix"]
    # the fix applied literally: the line it names written as it says
    written = re.search(r"Write '(server_name [^']+)' at (\S+?:(\d+))", found["fix"])
    assert written is not None and written.group(2) == at, found["fix"]
    number = int(written.group(3))
    lines[number - 1] = re.sub(r"server_name [^;]+", written.group(1), lines[number - 1])
    server.conf.write_text("\n".join(lines) + "\n")
    done = subprocess.run([NGINX, "-t", "-p", str(server.prefix), "-c", str(server.conf), "-g",
                           f"pid {server.prefix}/t.pid;"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    server.reload()
    found = _shop(server, manifest)
    assert (found["answered_by"], found["verdict"]) == ("shop", "ok"), found


def test_the_printed_reload_is_what_makes_the_written_name_take_effect(
        apps: dict[str, WsgiServer], running: list[Nginx], tmp_path: Path) -> None:
    """The same fix, with the reload it ends with run as printed: the master found by the
    printed 'ps' line (the one started with -c FILE), then 'nginx -t' and 'nginx -s reload'
    with its -p, -c and -g. The line written alone changes nothing (still the default
    block's answer); after the printed reload the sweep is ok."""
    port = free_port()
    server = start_kept(BODY.format(port=port, other=apps["other"].port,
                                    shop=apps["shop"].port), port, running, tmp_path)
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(MANIFEST.format(port=port))
    fix = _shop(server, manifest)["fix"]
    assert fix.endswith(nginx_reload(str(server.conf))), fix
    assert fix.count("nginx -s reload") == 1, fix
    written = re.search(r"Write '(server_name [^']+)' at \S+?:(\d+)", fix)
    assert written is not None, fix
    lines = server.conf.read_text().splitlines()
    number = int(written.group(2))
    lines[number - 1] = re.sub(r"server_name [^;]+", written.group(1), lines[number - 1])
    server.conf.write_text("\n".join(lines) + "\n")
    assert _shop(server, manifest)["answered_by"] == "other"  # read at a reload only
    listing = re.search(r"'(ps -ww -o pid=,args= -C nginx)'", fix)
    assert listing is not None, fix
    shown = subprocess.run(listing.group(1).split(), capture_output=True, text=True,
                           timeout=30, check=False).stdout.splitlines()
    master = next(line for line in shown if "nginx: master process" in line and
                  f" -c {server.conf} " in line)
    started = re.fullmatch(r"\s*(\d+) nginx: master process (\S+) -p (\S+) -c (\S+) -g (.+)",
                           master)
    assert started is not None and int(started.group(1)) == server.pid, master
    binary, prefix, conf, globals_ = started.group(2, 3, 4, 5)
    old = {child.pid for child in psutil.Process(server.pid).children()}
    for action in (["-t"], ["-s", "reload"]):
        done = subprocess.run([binary, *action, "-c", conf, "-p", prefix, "-g", globals_],
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the old workers give way to the new configuration's
        now = {c.pid for c in psutil.Process(server.pid).children()
               if c.status() != psutil.STATUS_ZOMBIE}
        if now and not now & old:
            break
        time.sleep(0.05)
    found = _shop(server, manifest)
    assert (found["answered_by"], found["verdict"]) == ("shop", "ok"), found
