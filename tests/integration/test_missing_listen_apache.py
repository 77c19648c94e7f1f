"""Real Apache: a VirtualHost written for a second port that no ``Listen`` opens (re-tester
T24's m6: ``Listen 127.0.0.1:31782`` gone, the ``*:31782`` sites refused). Swept with
``--config``, the refused URL names the Listen lines and the VirtualHost, and the fix is the
``Listen`` line and a graceful restart; that line applied and ``apache2 -k graceful`` (no
full restart: httpd opens a new Listen on a graceful restart) make the URL ok."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from probe.cli import main

from .apache import free_port
from .conftest import ApacheFactory

pytestmark = pytest.mark.apache

CONFIG = """\
<VirtualHost *:@PORT@ *:@PORT2@>
    ServerName site-1.example.com
    WSGIDaemonProcess project-1 processes=1 threads=2
    WSGIProcessGroup project-1
    WSGIScriptAlias / @SITES@/project-1/wsgi.py
</VirtualHost>
"""


def _sweep(manifest: Path, conf: Path) -> dict[str, Any]:
    done = CliRunner().invoke(main, ["sweep", "-m", str(manifest), "--config", str(conf),
                                     "--format", "json", "--timeout", "30"])
    assert done.output.startswith("{"), done.output
    report: dict[str, Any] = json.loads(done.output)
    return report


def _listening(port: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def test_a_port_no_listen_opens_gets_the_listen_and_a_graceful_restart_makes_it_ok(
        apache: ApacheFactory, tmp_path: Path) -> None:
    port2 = free_port()
    server = apache(CONFIG, extra={"PORT2": str(port2)})
    conf = server.conf_path
    url = f"http://site-1.example.com:{port2}/"
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(f'[probe]\nconnect = "127.0.0.1"\nsamples = 2\n\n'
                        f'[instances.project-1]\nlabel = "project-1"\n'
                        f'settings = "mysite.settings"\nprocess_group = "project-1"\n'
                        f'urls = ["{url}", "http://site-1.example.com:{server.port}/"]\n')
    lines = conf.read_text().splitlines()
    listen_line = lines.index(f"Listen 127.0.0.1:{server.port}") + 1
    vhost_line = lines.index(f"<VirtualHost *:{server.port} *:{port2}>") + 1

    target = next(t for t in _sweep(manifest, conf)["targets"] if t["url"] == url)
    assert target["verdict"] == "unreachable", target
    at = f"127.0.0.1:{port2}"
    assert (f"The configuration given opens no Listen for {at} (none of port {port2}), so "
            f"Apache started with it refuses connections there") in target["explanation"], \
        target["explanation"]
    assert (f"<VirtualHost *:{server.port} *:{port2}> (site-1.example.com) at {conf}:"
            f"{vhost_line} for this URL") in target["explanation"], target["explanation"]
    assert target["fix"].startswith(
        f"Add 'Listen {at}' to the configuration (after Listen 127.0.0.1:{server.port} at "
        f"{conf}:{listen_line}) and restart Apache with this file ('apachectl -k graceful' "
        f"where apachectl starts Apache with {conf}, else 'apache2 -f {conf} -k graceful', "
        f"httpd on other systems: a graceful restart opens a new Listen)"), target["fix"]

    # the printed line, applied where the fix says, and the graceful restart it names
    added = re.search(r"Add '(Listen [^']+)'", target["fix"])
    assert added is not None
    lines.insert(listen_line, added.group(1))
    conf.write_text("\n".join(lines) + "\n")
    printed = re.search(r"'apache2 (-f \S+ -k graceful)'", target["fix"])
    assert printed is not None, target["fix"]  # the restart for an Apache started with -f
    binary = shutil.which("apache2") or "/usr/sbin/apache2"
    done = subprocess.run([binary, *printed.group(1).split()], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _listening(port2), server.error_log()
    assert server.processes(), "the parent started by the fixture kept running"
    report = _sweep(manifest, conf)
    assert [t["verdict"] for t in report["targets"]] == ["ok", "ok"], report["targets"]
