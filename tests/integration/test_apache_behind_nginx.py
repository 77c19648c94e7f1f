"""``probe sweep --config APACHE_CONF`` where a real nginx stands in front of a real Apache +
mod_wsgi (daemon mode, name-based VirtualHosts), on loopback (tester t-real22's chain).

The URL's port is nginx's. With the token, the answers say what arrived at Apache: a
ServerName typo is the first VirtualHost answering the Host that arrived (``request.host``)
at its line, on Apache's own Listen; without it (no answer), the route is said not to be
joinable and nginx's --config named. Never a fix writing ``<VirtualHost *:NGINX_PORT>``: the
tester applied that one and it broke routing.

A second Apache with two Listens behind one nginx (re-tester R22's no_host and wrong_port):
a location without ``proxy_set_header Host`` reaches Apache's first VirtualHost, fixed at
the front and never by a ServerAlias; a site passed to the other Listen is ``wrong_upstream``
with both Listens at their lines, no VirtualHost moved.
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


def _sweep(apache: ApacheServer, port: int, tmp: Path, *, token: bool,
           sites: tuple[str, ...] = ("site1", "site2")) -> dict[str, Any]:
    (tmp / "token").write_text(TOKEN + "\n")
    (tmp / "token").chmod(0o600)
    token_line = f'token_file = "{tmp}/token"\n' if token else ""
    manifest = tmp / "chain.toml"
    manifest.write_text(
        f'[probe]\nconnect = "127.0.0.1"\n{token_line}samples = 2\n\n'
        + "".join(f'[instances.{n}]\nlabel = "{n}"\nprocess_group = "{n}"\n'
                  f'urls = ["http://{n}.example:{port}/"]\n\n' for n in sites))
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


# main answers what arrives on the first Listen with no name of its; admin the second Listen's
TWO_LISTENS = "Listen 127.0.0.1:@SECOND@\n" + "".join(
    VHOST.format(name=n, server_name=f"{n}.example").replace("@PORT@", at)
    for n, at in (("main", "@PORT@"), ("shop", "@PORT@"), ("blog", "@PORT@"),
                  ("admin", "@SECOND@")))
PASSES = """
    server {{
        listen 127.0.0.1:{port};
        server_name {name}.example;
        location / {{
            proxy_pass http://127.0.0.1:{apache}/;{host}
        }}
    }}
"""
HOST = "\n            proxy_set_header Host $host;"


@pytest.fixture(scope="module")
def two_listens(apache_module: ApacheFactory, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[tuple[ApacheServer, int, int]]:
    """Apache on two Listens; nginx passes shop without its Host, blog to the second Listen
    (main and admin as written: the answers that say each one's application)."""
    files = {"chain/wsgi_endpoint.py": ENDPOINT}
    for name in ("main", "shop", "blog", "admin"):
        files[f"chain/{name}.wsgi"] = APP.format(name=name, token=TOKEN)
    second = free_port()
    apache = apache_module(TWO_LISTENS, files=files, extra={"SECOND": str(second)})
    port = free_port()
    body = "".join(PASSES.format(port=port, name=n, apache=at, host=h) for n, at, h in (
        ("main", apache.port, HOST), ("shop", apache.port, ""), ("blog", second, HOST),
        ("admin", second, HOST)))
    try:
        nginx = start_nginx(body, [port], workdir=tmp_path_factory.mktemp("nginx2"))
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    try:
        yield apache, second, port
    finally:
        nginx.stop()


def _line(apache: ApacheServer, text: str) -> str:
    return f"{apache.conf_path}:{apache.conf_path.read_text().splitlines().index(text) + 1}"


def test_a_host_nginx_did_not_pass_is_fixed_at_nginx_not_by_a_serveralias(
        two_listens: tuple[ApacheServer, int, int], tmp_path: Path) -> None:
    apache, _, port = two_listens
    main_, shop = _sweep(apache, port, tmp_path, token=True, sites=("main", "shop"))["targets"]
    assert main_["verdict"] == "ok", _said(main_)
    text = _said(shop)
    assert shop["verdict"] == "wrong_instance" and shop["cause"] == "host_rewritten", text
    sent = f"127.0.0.1:{apache.port}"  # nginx's Host without proxy_set_header: proxy_pass's
    assert f"the front in between sent {sent!r} (request.host), not 'shop.example'" \
        in shop["explanation"], text
    first = _line(apache, f"<VirtualHost *:{apache.port}>")
    assert f"routes the request to <VirtualHost *:{apache.port}> (main.example) at {first}" \
        in shop["explanation"], text
    assert "'proxy_set_header Host $host;'" in shop["fix"], shop["fix"]
    named = int(_line(apache, "    ServerName shop.example").rsplit(":", 1)[1])
    assert f"With Host 'shop.example' the configuration given routes it to <VirtualHost " \
        f"*:{apache.port}> (shop.example) at {apache.conf_path}:{named - 1}" in shop["fix"], \
        shop["fix"]
    assert "Add 'ServerAlias" not in shop["fix"] and "ServerAlias 127" not in shop["fix"], \
        shop["fix"]


def test_a_pass_to_apaches_other_listen_names_both_listens_and_moves_no_virtualhost(
        two_listens: tuple[ApacheServer, int, int], tmp_path: Path) -> None:
    apache, second, port = two_listens
    blog, admin = _sweep(apache, port, tmp_path, token=True, sites=("blog", "admin"))["targets"]
    assert admin["verdict"] == "ok", _said(admin)
    text = _said(blog)
    assert blog["verdict"] == "wrong_instance" and blog["cause"] == "wrong_upstream", text
    first = _line(apache, f"Listen 127.0.0.1:{apache.port}")
    other = _line(apache, f"Listen 127.0.0.1:{second}")
    assert f"on Listen 127.0.0.1:{second} ({other}): the request arrived there" \
        in blog["explanation"], text
    assert f"on Listen 127.0.0.1:{apache.port} ({first})" in blog["explanation"], text
    assert blog["fix"].startswith(f"Point the front's pass line for blog.example at Apache's "
                                  f"port {apache.port} (Listen 127.0.0.1:{apache.port} at "
                                  f"{first}), not {second}"), blog["fix"]
    assert "<VirtualHost" not in blog["fix"] and "ServerAlias" not in blog["fix"], blog["fix"]
