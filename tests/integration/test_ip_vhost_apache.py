"""Real Apache: an IP-based VirtualHost (Debian's 000-default.conf made
``<VirtualHost 127.0.0.1:PORT>``) next to name-based ``*:PORT`` sites, httpd listening only
at 127.0.0.1 (the fixture's ``Listen 127.0.0.1:PORT``). ``apache2 -S`` puts the port's
address on the IP-based one, every request gets it whatever its Host, and lint says so
(``vhost_ip_based``) instead of the ``vhost_fallback`` that cannot happen there."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from probe.cli import main

from .conftest import ApacheFactory

pytestmark = pytest.mark.apache

CONFIG = """\
<VirtualHost 127.0.0.1:@PORT@>
    DocumentRoot @SITES@/html
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName site-2.example.com
    WSGIScriptAlias / @SITES@/project-2/wsgi.py
</VirtualHost>
"""


def test_an_ip_based_vhost_takes_every_request_and_lint_says_so(
        apache: ApacheFactory) -> None:
    server = apache(CONFIG, files={"html/index.html": "default page\n"})
    binary = shutil.which("apache2") or "/usr/sbin/apache2"
    shown = subprocess.run([binary, "-S", "-f", str(server.conf_path)], capture_output=True,
                           text=True, timeout=60, check=False)
    said = shown.stdout + shown.stderr
    conf = str(server.conf_path)
    lines = server.conf_path.read_text().splitlines()
    ip_line = lines.index(f"<VirtualHost 127.0.0.1:{server.port}>") + 1
    # httpd's own account: the IP address goes to the IP-based VirtualHost
    [taken] = [line for line in said.splitlines() if line.startswith(f"127.0.0.1:{server.port}")]
    assert taken.endswith(f"({conf}:{ip_line})"), said
    for host in ("site-1.example.com", "site-2.example.com", "unknown.example.net"):
        answer = server.get("/index.html", host)
        assert (answer.status_code, answer.text) == (200, "default page\n"), host
        assert server.get("/__probe__", host).status_code == 404, host
    # the access log's %v: the IP-based VirtualHost (the main server's name) served them all
    served = [line.split()[0] for line in (server.server_root / "access.log").read_text()
              .splitlines() if '"GET ' in line]
    assert served and set(served) == {f"localhost:{server.port}"}, served

    linted = CliRunner().invoke(main, ["lint", "--format", "json", conf])
    findings = json.loads(linted.output)["findings"]
    [finding] = [f for f in findings if f["code"] == "vhost_ip_based"]
    assert (finding["severity"], finding["line"]) == ("error", ip_line)
    assert "they are never reached" in finding["message"]
    assert [f for f in findings if f["code"] == "vhost_fallback"] == []
