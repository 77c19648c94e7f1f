"""nginx in front of Apache + mod_wsgi daemon mode with three name-based VirtualHosts and
Django (a tester's T22 chained fronts, the intranation.com nginx-before-Apache layout): where
Apache's name matching chose the site, nginx's ``proxy_pass`` line is never the fix.

One Apache, site2's VirtualHost named ``site2.exmaple`` (the typo), and one nginx with two
ports: blocks on the first pass ``proxy_set_header Host $host``, on the second none.

* second port (no Host passed): Apache gets Host '127.0.0.1:APORT' and its first
  VirtualHost (site1) answers site3: ``host_rewritten``, fixed at site3's location line;
* first port: site3 is right, site2 reaches Apache intact and lands on site1: Apache's
  choice (``vhost_fallback``/``vhost_shadowed`` candidates), nginx's lines left alone;
* first port without ``--config`` (re-tester R22): the same Apache (its parent pid) answered
  site1 and site3 there, so Apache's name matching joins nginx's two readings and nginx's fix
  is the reading left, never the only one;
* first port with ``--config`` on Apache's configuration: ``vhost_fallback``, and
  ``ServerName site2.exmaple`` named at its line as the likely typo, first in the fix.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.integration.apache import ApacheUnavailable, cleanup, free_port, start_apache
from tests.integration.nginx import TOKEN, start_nginx, sweep_report

SITES = ("site1", "site2", "site3")
SETTINGS = '''SECRET_KEY = "lab-{name}"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "mysite.urls"
DATABASES = {{}}
INSTALLED_APPS = []
MIDDLEWARE = []
'''
WSGI = '''import os, sys
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
os.environ["DJANGO_SETTINGS_MODULE"] = "chain.settings_{name}"
from django.core.wsgi import get_wsgi_application
import wsgi_endpoint
application = wsgi_endpoint.wrap(get_wsgi_application(), label="{name}", token={token!r})
'''
VHOST = '''<VirtualHost *:@PORT@>
    ServerName {server_name}
    WSGIDaemonProcess {name} processes=1 threads=2 display-name=%{{GROUP}}
    WSGIProcessGroup {name}
    WSGIApplicationGroup %{{GLOBAL}}
    WSGIScriptAlias / @SITES@/chain/{name}.wsgi
    <Directory @SITES@/chain>
        Require all granted
    </Directory>
</VirtualHost>
'''


def _block(name: str, port: int, apache: int, host: bool) -> str:
    line = "proxy_set_header Host $host;\n            " if host else ""
    return f"""    server {{
        listen 127.0.0.1:{port};
        server_name {name}.example;
        location / {{
            proxy_pass http://127.0.0.1:{apache}/;
            {line}proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
"""


def _manifest(path: Path, port: int) -> Path:
    path.write_text("".join(f'[instances.{n}]\nlabel = "{n}"\nprocess_group = "{n}"\n'
                            f'urls = ["http://{n}.example:{port}/"]\n\n' for n in SITES)
                    + '[probe]\nconnect = "127.0.0.1"\nsamples = 1\n', encoding="utf-8")
    return path


def _by_url(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["url"]: t for t in report["targets"]}


def test_apache_behind_nginx_chose_the_site(tmp_path: Path) -> None:
    files = {"chain/__init__.py": ""}
    for name in SITES:
        files[f"chain/settings_{name}.py"] = SETTINGS.format(name=name)
        files[f"chain/{name}.wsgi"] = WSGI.format(name=name, token=TOKEN)
    vhosts = "\n".join(VHOST.format(name=n, server_name="site2.exmaple" if n == "site2"
                                    else f"{n}.example") for n in SITES)
    try:
        apache = start_apache(vhosts, files=files)
    except ApacheUnavailable as why:
        pytest.skip(str(why))
    nginx = None
    try:
        passed, bare = free_port(), free_port()
        body = "".join(_block(n, passed, apache.port, True) + _block(n, bare, apache.port, False)
                       for n in SITES)
        try:
            nginx = start_nginx(body, [passed, bare], workdir=tmp_path / "nginx")
        except ApacheUnavailable as why:
            pytest.skip(str(why))
        conf = str(nginx.conf)
        lines = nginx.conf.read_text().splitlines()
        intact = _by_url(sweep_report(_manifest(tmp_path / "passed.toml", passed),
                                      "--config", conf))
        lost = _by_url(sweep_report(_manifest(tmp_path / "bare.toml", bare), "--config", conf))
        unread = _by_url(sweep_report(_manifest(tmp_path / "passed.toml", passed)))
        httpd = _by_url(sweep_report(_manifest(tmp_path / "passed.toml", passed), "--config",
                                     str(apache.conf_path)))
        httpd_conf = (str(apache.conf_path), apache.conf_path.read_text().splitlines())
    finally:
        if nginx is not None:
            nginx.stop()
        cleanup(apache)

    # No Host passed: Apache's first VirtualHost answered site3's name
    site3 = lost[f"http://site3.example:{bare}/"]
    assert (site3["verdict"], site3["answered_by"]) == ("wrong_instance", "site1"), site3
    assert site3["cause"] == "host_rewritten", site3
    assert f"'127.0.0.1:{apache.port}' (request.host)" in site3["explanation"]
    location = next(n for n, text in enumerate(lines, 1) if f"listen 127.0.0.1:{bare}" in text
                    and "site3.example" in lines[n]) + 2
    assert "add 'proxy_set_header Host $host;'" in site3["fix"], site3["fix"]
    assert f"{conf}:{location}," in site3["fix"], (location, site3["fix"])
    assert "pass to" not in site3["fix"]

    # Host passed: site3 right, site2's name reached Apache intact and Apache chose site1
    assert intact[f"http://site3.example:{passed}/"]["verdict"] == "ok"
    site2 = intact[f"http://site2.example:{passed}/"]
    assert (site2["verdict"], site2["answered_by"], site2["cause"]) == (
        "wrong_instance", "site1", None), site2
    assert [c["cause"] for c in site2["candidates"]] == ["vhost_fallback", "vhost_shadowed"]
    assert "'site2.example' (request.host)" in site2["explanation"]
    assert "Apache/" in site2["explanation"]
    assert "Leave nginx's lines as they are" in site2["fix"]
    assert f"{conf}:" not in site2["fix"], site2["fix"]

    # Without --config: one reading among three, Apache's first (re-tester R22)
    assert unread[f"http://site3.example:{passed}/"]["verdict"] == "ok"
    site2 = unread[f"http://site2.example:{passed}/"]
    assert (site2["verdict"], site2["answered_by"], site2["cause"]) == (
        "wrong_instance", "site1", None), site2
    assert [c["cause"] for c in site2["candidates"]][:4] == [
        "default_server", "wrong_upstream", "vhost_fallback", "vhost_shadowed"], site2
    ppid = site2["observed"]["ppid"]
    assert f"parent pid {ppid} (ppid)" in site2["explanation"], site2["explanation"]
    assert f"site3 (http://site3.example:{passed}/)" in site2["explanation"]
    assert site2["fix"].startswith("Find first which server chose site1's site"), site2["fix"]
    assert "nginx's part is the reading left: find which" in site2["fix"], site2["fix"]

    # With Apache's configuration: its fallback, the ServerName line the likely typo
    site2 = httpd[f"http://site2.example:{passed}/"]
    assert (site2["verdict"], site2["cause"]) == ("wrong_instance", "vhost_fallback"), site2
    typo = re.match(r"ServerName site2\.exmaple \((.+):(\d+)\) is one edit from site2\.example "
                    r"\(two neighbouring letters swapped\): if that is a typo, write ServerName "
                    r"site2\.example at \1:\2; or add 'ServerAlias site2\.example'",
                    site2["fix"])
    assert typo is not None, site2["fix"]
    assert typo.group(1) == httpd_conf[0], site2["fix"]
    written = httpd_conf[1][int(typo.group(2)) - 1]
    assert written.strip() == "ServerName site2.exmaple", written
