"""The nginx model predicts what a real nginx does: each configuration below is loaded by
``probe.nginx`` and by nginx itself, and every request's prediction (server block, location,
upstream, the path and Host the application receives) is compared with the answer of the
labelled application that really received it.

Locations are told apart by ``return 2NN`` codes, upstreams by the label of the gunicorn
behind them, server blocks by a URI part in their ``proxy_pass`` (``/srv-NAME/``).
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from probe.nginx import NginxConfig, load_nginx

from .apache import ApacheUnavailable, free_port
from .conftest import unavailable
from .nginx import TOKEN, Nginx, start_nginx, start_whoami
from .wsgi_servers import WsgiServer, ensure_servers_venv, make_workdir

Apps = dict[str, WsgiServer]


@pytest.fixture(scope="module")
def apps() -> Iterator[Apps]:
    try:
        venv = ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    workdir = make_workdir()
    started: Apps = {}
    try:
        for label in ("one", "two", "three"):
            started[label] = start_whoami(label, venv, workdir)
        yield started
    finally:
        for server in started.values():
            server.stop()


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[list[Nginx]]:
    running: list[Nginx] = []
    yield running
    for server in running:
        server.stop()


def _fill(text: str, apps: Apps, port: int) -> str:
    for label, server in apps.items():
        text = text.replace(f"@{label.upper()}@", str(server.port))
    return text.replace("@P@", str(port))


def _run(body: str, apps: Apps, running: list[Nginx], tmp_path: Path,
         files: dict[str, str] | None = None) -> tuple[NginxConfig, int]:
    port = free_port()
    try:
        server = start_nginx(_fill(body, apps, port), [port], workdir=tmp_path / "nginx",
                             files={k: _fill(v, apps, port) for k, v in (files or {}).items()})
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    running.append(server)
    return load_nginx(str(server.conf)), port


def _label_of(apps: Apps, upstream: str | None) -> str | None:
    for label, server in apps.items():
        if upstream == f"127.0.0.1:{server.port}":
            return label
    return upstream


def _observe(port: int, host: str, path: str, address: str = "127.0.0.1") -> requests.Response:
    return requests.get(f"http://{address}:{port}{path}", headers={
        "Host": host, "X-Probe-Token": TOKEN}, timeout=10, allow_redirects=False)


def _check(config: NginxConfig, apps: Apps, port: int, host: str, path: str,
           address: str = "127.0.0.1") -> None:
    """Prediction and reality agree on one request."""
    predicted = config.route(f"http://{host}{path}", f"{address}:{port}")
    try:
        answer = _observe(port, host, path, address)
    except requests.ConnectionError:  # return 444: nginx closes the connection
        assert predicted.refused, f"{host}{path}: nginx closed, predicted {predicted.steps}"
        assert any(s.decision == "return 444" for s in predicted.steps)
        return
    mapping = [s for s in predicted.steps if s.stage == "mapping"]
    if answer.status_code != 200 or answer.headers.get("Content-Type") != "application/json":
        decisions = " ".join(s.decision for s in mapping)
        # a location passing nowhere serves files, none here: nginx's 404
        static = answer.status_code == 404 and not predicted.refused \
            and predicted.upstream is None and predicted.step("upstream") is None
        assert f"return {answer.status_code}" in decisions or static or \
            (answer.status_code == 301
             and f"301 to {urlsplit(answer.headers['Location']).path}" in decisions), \
            f"{host}{path}: nginx {answer.status_code}, predicted {decisions}"
        return
    data = answer.json()
    assert not predicted.refused, f"{host}{path}: served by {data['label']}, predicted refused"
    assert _label_of(apps, predicted.upstream) == data["label"], (host, path, predicted.steps)
    mount = predicted.step("mount")
    assert mount is not None and mount.decision == data["request"]["script_name"] + \
        data["request"]["path_info"], (host, path, mount, data["request"])
    assert predicted.host_sent == data["request"]["host"], (host, path, data["request"])


NAMES = """
server { listen 127.0.0.1:@P@; server_name a.example.com;
         location / { proxy_pass http://127.0.0.1:@ONE@/srv-exact/; } }
server { listen 127.0.0.1:@P@; server_name *.example.com;
         location / { proxy_pass http://127.0.0.1:@ONE@/srv-lead/; } }
server { listen 127.0.0.1:@P@; server_name *.b.example.com;
         location / { proxy_pass http://127.0.0.1:@ONE@/srv-longer-lead/; } }
server { listen 127.0.0.1:@P@; server_name www.*;
         location / { proxy_pass http://127.0.0.1:@TWO@/srv-trail/; } }
server { listen 127.0.0.1:@P@; server_name ~^api\\d+\\. .dot.test;
         location / { proxy_pass http://127.0.0.1:@THREE@/srv-regex/; } }
server { listen 127.0.0.1:@P@ @DEFAULT@; server_name fallback.test;
         location / { proxy_pass http://127.0.0.1:@THREE@/srv-default/; } }
"""
NAME_CASES = ["a.example.com", "x.example.com", "www.example.com", "c.b.example.com",
              "www.other.org", "api7.anything", "API7.anything", "dot.test", "x.dot.test",
              "nothing.test", "A.EXAMPLE.COM.", "a.example.com:@P@"]


@pytest.mark.parametrize("default", ["default_server", ""])
def test_server_names(apps: Apps, nginx: list[Nginx], tmp_path: Path, default: str) -> None:
    config, port = _run(NAMES.replace("@DEFAULT@", default), apps, nginx, tmp_path)
    for host in NAME_CASES:
        _check(config, apps, port, host.replace("@P@", str(port)), "/__probe__")


LOCATIONS = """
server { listen 127.0.0.1:@P@;
    location = /exact { return 201; }
    location ^~ /static/ { return 202; }
    location ~ \\.php$ { return 203; }
    location ~* \\.JPG$ { return 204; }
    location / { return 205; }
    location /app/ { return 206;
        location ~ /app/nested/ { return 207; } }
    location /app/deep/ { return 208; }
    location /svc/ { proxy_pass http://127.0.0.1:@ONE@/; }
}
"""
LOCATION_CASES = ["/exact", "/exact/", "/static/a.php", "/a.php", "/app/a.php", "/x.jpg",
                  "/x.JPG", "/app/x", "/app/nested/x", "/app/deep/x.php", "/app/deep/x",
                  "/other", "/svc", "/svc/__probe__"]


def test_locations(apps: Apps, nginx: list[Nginx], tmp_path: Path) -> None:
    config, port = _run(LOCATIONS, apps, nginx, tmp_path)
    for path in LOCATION_CASES:
        _check(config, apps, port, "any.test", path)


PROXY = """
upstream two_group { server 127.0.0.1:@TWO@; }
server { listen 127.0.0.1:@P@ default_server; return 444; }
server { listen 127.0.0.1:@P@; server_name site.test;
    location /blog/ { proxy_pass http://127.0.0.1:@ONE@/; }
    location /shop/ { proxy_pass http://two_group; }
    location /deep/ { proxy_pass http://127.0.0.1:@THREE@/inner/; }
    location /glued { proxy_pass http://127.0.0.1:@ONE@/x; }
    location ~ ^/re/ { proxy_pass http://127.0.0.1:@TWO@; }
}
"""
PROXY_CASES = [("site.test", "/blog/__probe__"), ("site.test", "/blog/a/__probe__"),
               ("site.test", "/shop/__probe__"), ("site.test", "/deep/__probe__"),
               ("site.test", "/glued/__probe__"), ("site.test", "/re/__probe__"),
               ("site.test", "/blog"), ("unknown.test", "/blog/__probe__")]


def test_proxy_pass_uris(apps: Apps, nginx: list[Nginx], tmp_path: Path) -> None:
    config, port = _run(PROXY, apps, nginx, tmp_path)
    for host, path in PROXY_CASES:
        _check(config, apps, port, host, path)


HEADERS = """
proxy_set_header Host $host;
server { listen 127.0.0.1:@P@; server_name inherit.test;
    location / { proxy_pass http://127.0.0.1:@ONE@; } }
server { listen 127.0.0.1:@P@; server_name dropped.test;
    location / { proxy_set_header X-Forwarded-Proto $scheme;
                 proxy_pass http://127.0.0.1:@ONE@; } }
server { listen 127.0.0.1:@P@; server_name withport.test;
    proxy_set_header Host $http_host;
    location / { proxy_pass http://127.0.0.1:@TWO@; } }
server { listen 127.0.0.1:@P@; server_name fixed.test;
    location / { proxy_set_header Host fixed.example; proxy_pass http://127.0.0.1:@TWO@; } }
"""


def test_proxy_set_header_inheritance(apps: Apps, nginx: list[Nginx], tmp_path: Path) -> None:
    config, port = _run(HEADERS, apps, nginx, tmp_path)
    for host in ("inherit.test", "dropped.test", f"withport.test:{port}", "fixed.test"):
        _check(config, apps, port, host, "/__probe__")


ADDRESSES = """
server { listen @P@; server_name site.test;
    location / { proxy_pass http://127.0.0.1:@ONE@; } }
server { listen 127.0.0.1:@P@; server_name other.test;
    location / { proxy_pass http://127.0.0.1:@TWO@; } }
include conf.d/*.conf;
"""
INCLUDED = """server { listen 127.0.0.2:@P@; server_name site.test;
    location / { proxy_pass http://127.0.0.1:@THREE@; } }
"""


def _loopback_two() -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.2", 0))
        except OSError:
            return False
    return True


def test_listen_addresses_and_include(apps: Apps, nginx: list[Nginx], tmp_path: Path) -> None:
    """A block on the connection's own address hides the wildcard blocks from it; an
    included file's blocks count as written where the include stands."""
    config, port = _run(ADDRESSES, apps, nginx, tmp_path, files={"conf.d/a.conf": INCLUDED})
    assert len(config.files) == 2
    _check(config, apps, port, "site.test", "/__probe__")  # 127.0.0.1: only other.test there
    _check(config, apps, port, "other.test", "/__probe__")
    if _loopback_two():
        _check(config, apps, port, "site.test", "/__probe__", address="127.0.0.2")


UNIX = """
server { listen unix:@SOCK@;
    location / { proxy_set_header Host $host; proxy_pass http://127.0.0.1:@ONE@; } }
server { listen 127.0.0.1:@P@; server_name site.test;
    location / { proxy_pass http://unix:@SOCK@; } }
"""


def test_a_unix_socket_upstream_receives_host_localhost(apps: Apps, nginx: list[Nginx],
                                                        tmp_path: Path) -> None:
    """nginx's $proxy_host for proxy_pass http://unix:... is localhost: the inner block (on
    the socket) passes on the Host it received, which the application reports."""
    where = make_workdir()  # nginx's workers (nobody) reach the socket there
    try:
        config, port = _run(UNIX.replace("@SOCK@", str(where / "ng.sock")), apps, nginx,
                            tmp_path)
        answer = _observe(port, "site.test", "/__probe__").json()
        assert (answer["label"], answer["request"]["host"]) == ("one", "localhost"), answer
        predicted = config.route("http://site.test/__probe__", f"127.0.0.1:{port}")
        assert predicted.host_sent == "localhost", predicted.steps
    finally:
        shutil.rmtree(where, ignore_errors=True)
