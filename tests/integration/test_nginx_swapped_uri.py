"""Re-tester R28's m4 with real nginx 1.22 and two gunicorn + Django: app1's and app2's ports
swapped, ``location /app2/`` stripping its prefix with the URI part of ``proxy_pass
http://APP1/;`` and app2's Django told its mount by FORCE_SCRIPT_NAME = "/app2". The old
wrong_upstream fix dropped the URI part; applied, /app2/ went mount_mismatch, its real pages
404'd, and the next fix asked for the FORCE_SCRIPT_NAME already set. Now the printed fixes,
applied as written at their lines, keep the '/' and every URL is ok, and the real admin page
under /app2/ redirects inside it (probe/diagnose/pass_keep.py). The old fix's configuration
is then told the URI part, the setting left as it is (probe/diagnose/mount_forced.py).
"""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .apache import free_port
from .nginx import Nginx
from .nginx_two_mounts import (
    HOST,
    H,
    by_url,
    front_body,
    manifest_template,
    nginx_front,
    two_gunicorns,
)
from .wsgi_servers import WsgiServer

TOKEN = "nginx-swapped-uri-token-0123456789abcdef"
MANIFEST = manifest_template(("app1", "/app1", ("/app1/", "/app1/hello/")),
                             ("app2", "/app2", ("/app2/", "/app2/hello/")))


@dataclass
class Apps:
    app1: WsgiServer
    app2: WsgiServer


@pytest.fixture(scope="module")
def apps() -> Iterator[Apps]:
    with two_gunicorns("app1", "app2", TOKEN, 'FORCE_SCRIPT_NAME = "/app2"\n') as (app1, app2):
        yield Apps(app1, app2)


@dataclass
class Front:
    nginx: Nginx
    manifest: Path
    port: int


@pytest.fixture
def front(apps: Apps, tmp_path: Path) -> Iterator[Front]:
    port = free_port()
    body = front_body(port, ("/app1/", f"127.0.0.1:{apps.app2.port}", "/app1"),
                      ("/app2/", f"127.0.0.1:{apps.app1.port}/", None))
    with nginx_front(tmp_path, port, body, MANIFEST) as (server, manifest):
        yield Front(server, manifest, port)


def _by_url(manifest: Path, *extra: str) -> dict[str, dict[str, Any]]:
    return by_url(manifest, *extra, token=TOKEN)


def _line(conf: Path, text: str) -> int:
    return next(n for n, line in enumerate(conf.read_text().splitlines(), 1) if text in line)


def _apply(conf: Path, fix: str, pattern: str) -> None:
    """The printed fix applied as written: the line it names replaced by the line it quotes,
    its indentation kept."""
    found = re.search(pattern, fix)
    assert found is not None, fix
    number, written = int(found.group("line")), found.group("written")
    lines = conf.read_text().splitlines()
    old = lines[number - 1]
    lines[number - 1] = old[:len(old) - len(old.lstrip())] + written
    conf.write_text("\n".join(lines) + "\n")


def _page(front: Front, path: str) -> tuple[int, str]:
    """A real page of the site through nginx: its status and Location."""
    connection = http.client.HTTPConnection("127.0.0.1", front.port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": HOST})
        answer = connection.getresponse()
        answer.read()
        return answer.status, answer.getheader("Location") or ""
    finally:
        connection.close()


def test_the_printed_fixes_keep_the_uri_part_and_every_url_is_ok(
        apps: Apps, front: Front) -> None:
    nginx, manifest = front.nginx, front.manifest
    conf = nginx.conf
    stripping = _line(conf, f"proxy_pass http://127.0.0.1:{apps.app1.port}/;")
    before = _by_url(manifest, "--config", str(conf))
    assert {u: t["cause"] for u, t in before.items()} == {
        u: "wrong_upstream" for u in before}, before
    app2 = before[f"{H}/app2/"]["fix"]
    assert app2.startswith(f"At {conf}:{stripping}, pass to 'proxy_pass "
                           f"http://127.0.0.1:{apps.app2.port}/;'"), app2
    assert "nginx_mount_not_told" not in app2, app2
    for url in (f"{H}/app1/", f"{H}/app2/"):
        _apply(conf, before[url]["fix"],
               rf"^At {re.escape(str(conf))}:(?P<line>\d+), pass to '(?P<written>[^']+)'")
    nginx.reload()
    after = _by_url(manifest, "--config", str(conf))
    assert {u: t["verdict"] for u, t in after.items()} == {u: "ok" for u in before}, after
    status, location = _page(front, "/app2/admin/")
    assert status == 302 and location.startswith("/app2/admin/login/"), (status, location)


def test_the_old_fix_is_told_its_uri_part_not_force_script_name(
        apps: Apps, front: Front) -> None:
    nginx, manifest = front.nginx, front.manifest
    conf = nginx.conf
    # the fixes as R28 applied them before: the URI part dropped
    conf.write_text(conf.read_text()
                    .replace(f"127.0.0.1:{apps.app2.port};", f"127.0.0.1:{apps.app1.port};")
                    .replace(f"127.0.0.1:{apps.app1.port}/;", f"127.0.0.1:{apps.app2.port};"))
    nginx.reload()
    assert _page(front, "/app2/admin/")[0] == 404
    found = _by_url(manifest, "--config", str(conf))[f"{H}/app2/hello/"]
    assert found["verdict"] == "mount_mismatch", found
    assert "set FORCE_SCRIPT_NAME" not in found["fix"], found["fix"]
    assert "(request.force_script_name = '/app2')" in found["fix"], found["fix"]
    _apply(conf, found["fix"], rf"write '(?P<written>[^']+)' in place of '[^']+' "
                               rf"\({re.escape(str(conf))}:(?P<line>\d+)\)")
    nginx.reload()
    after = _by_url(manifest, "--config", str(conf))
    assert {u: t["verdict"] for u, t in after.items()} == {u: "ok" for u in after}, after
    status, location = _page(front, "/app2/admin/")
    assert status == 302 and location.startswith("/app2/admin/login/"), (status, location)
