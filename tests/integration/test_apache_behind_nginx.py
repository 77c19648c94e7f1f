"""``probe sweep --config APACHE_CONF`` where a real nginx stands in front of a real Apache +
mod_wsgi (daemon mode, name-based VirtualHosts), on loopback (tester t-real22's chain).

The URL's port is nginx's. With the token, the answers say what arrived at Apache: a
ServerName typo is the first VirtualHost answering the Host that arrived (``request.host``)
at its line, on Apache's own Listen; without it (no answer), the route is said not to be
joinable and nginx's --config named. Never a fix writing ``<VirtualHost *:NGINX_PORT>``: the
tester applied that one and it broke routing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from probe.cli import main

from .apache import ApacheServer, ApacheUnavailable, free_port
from .conftest import ApacheFactory, unavailable
from .nginx import Nginx, start_nginx

pytestmark = pytest.mark.apache

TOKEN = "behind-nginx-token-0123456789abcdef"
ENDPOINT = (Path(__file__).resolve().parents[2] / "contrib" / "wsgi_endpoint.py").read_text()
APP = '''import os, sys
sys.path.insert(0, os.path.dirname(__file__))
import wsgi_endpoint

def site(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"the site"]

application = wsgi_endpoint.wrap(site, label="{name}", token="{token}")
'''
VHOST = """
<VirtualHost *:@PORT@>
    ServerName {server_name}
    WSGIDaemonProcess {name} processes=1 threads=2
    WSGIProcessGroup {name}
    WSGIApplicationGroup %{{GLOBAL}}
    WSGIScriptAlias / @SITES@/chain/{name}.wsgi
</VirtualHost>
"""
SERVER = """
    server {{
        listen 127.0.0.1:{port};
        server_name {name}.example;
        location / {{
            proxy_pass http://127.0.0.1:{apache}/;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
"""


@pytest.fixture(scope="module")
def chain(apache_module: ApacheFactory,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ApacheServer, int]]:
    files = {"chain/wsgi_endpoint.py": ENDPOINT}
    for name in ("site1", "site2"):
        files[f"chain/{name}.wsgi"] = APP.format(name=name, token=TOKEN)
    typo = {"site1": "site1.example", "site2": "site2.exmaple"}  # the tester's typo
    apache = apache_module("".join(VHOST.format(name=n, server_name=s) for n, s in typo.items()),
                           files=files)
    port = free_port()
    body = "".join(SERVER.format(port=port, name=n, apache=apache.port) for n in typo)
    try:
        nginx: Nginx = start_nginx(body, [port], workdir=tmp_path_factory.mktemp("nginx"))
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    try:
        yield apache, port
    finally:
        nginx.stop()


def _sweep(apache: ApacheServer, port: int, tmp: Path, *, token: bool) -> dict[str, Any]:
    (tmp / "token").write_text(TOKEN + "\n")
    (tmp / "token").chmod(0o600)
    token_line = f'token_file = "{tmp}/token"\n' if token else ""
    manifest = tmp / "chain.toml"
    manifest.write_text(
        f'[probe]\nconnect = "127.0.0.1"\n{token_line}samples = 2\n\n'
        + "".join(f'[instances.{n}]\nlabel = "{n}"\nprocess_group = "{n}"\n'
                  f'urls = ["http://{n}.example:{port}/"]\n\n' for n in ("site1", "site2")))
    result = CliRunner().invoke(main, ["sweep", "-m", str(manifest), "--config",
                                       str(apache.conf_path), "--format", "json",
                                       "--timeout", "30"])
    assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(result.output)
    return report


def _said(target: dict[str, Any]) -> str:
    return f"{target['explanation']} {target['fix']}"


def test_the_host_that_arrived_at_apache_decides_not_nginxs_port(
        chain: tuple[ApacheServer, int], tmp_path: Path) -> None:
    apache, port = chain
    site1, site2 = _sweep(apache, port, tmp_path, token=True)["targets"]
    assert site1["verdict"] == "ok", _said(site1)
    assert "opens no Listen" not in site1["explanation"], site1["explanation"]
    assert site2["verdict"] == "wrong_instance" and site2["cause"] == "vhost_fallback", \
        _said(site2)
    text = _said(site2)
    first = apache.conf_path.read_text().splitlines().index(f"<VirtualHost *:{apache.port}>")
    assert f"{apache.conf_path}:{first + 1}" in text, text
    assert "with Host 'site2.example' (request.host)" in text, text
    assert f"to 127.0.0.1:{apache.port}, the configuration's Listen at" in text, text
    assert str(port) not in site2["fix"], site2["fix"]


def test_unanswered_through_nginx_is_not_joined_and_nginxs_config_is_the_check(
        chain: tuple[ApacheServer, int], tmp_path: Path) -> None:
    apache, port = chain
    for target in _sweep(apache, port, tmp_path, token=False)["targets"]:
        assert target["verdict"] == "no_endpoint", _said(target)
        text = _said(target)
        assert f"<VirtualHost *:{port}>" not in text and "address matches port" not in text, text
        assert f"127.0.0.1:{port} is a front's address, not Apache's: its Server header is " \
            "'nginx" in text, text
        assert "--config on that front's configuration" in text, text
