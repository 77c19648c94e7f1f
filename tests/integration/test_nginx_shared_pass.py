"""Tester T28's m1 with real nginx 1.22 and two gunicorn: ``location /app1`` written without
its slash takes /app10/, root's. The old fix repointed that location's proxy_pass at root's
address; applied, /app1/ went to root. The fix now is the slash at the location's line
(probe/diagnose/nginx_shared_pass.py), and applied as printed every URL is ok.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .apache import free_port
from .nginx import Nginx
from .nginx_two_mounts import H, by_url, front_body, manifest_template, nginx_front, two_gunicorns
from .wsgi_servers import WsgiServer

TOKEN = "nginx-shared-pass-token-0123456789abcdef"
MANIFEST = manifest_template(("app1", "/app1", ("/app1/", "/app1/hello/")),
                             ("root", "", ("/", "/app10/")))


@dataclass
class Apps:
    app1: WsgiServer
    root: WsgiServer


@pytest.fixture(scope="module")
def apps() -> Iterator[Apps]:
    with two_gunicorns("app1", "root", TOKEN) as (app1, root):
        yield Apps(app1, root)


@pytest.fixture
def front(apps: Apps, tmp_path: Path) -> Iterator[tuple[Nginx, Path]]:
    port = free_port()
    body = front_body(port, ("/app1", f"127.0.0.1:{apps.app1.port}", "/app1"),
                      ("/", f"127.0.0.1:{apps.root.port}", None))
    with nginx_front(tmp_path, port, body, MANIFEST) as started:
        yield started


def _by_url(manifest: Path, *extra: str) -> dict[str, dict[str, Any]]:
    return by_url(manifest, *extra, token=TOKEN)


def _line(conf: Path, text: str) -> str:
    number = next(n for n, line in enumerate(conf.read_text().splitlines(), 1) if text in line)
    return f"{conf}:{number}"


def test_the_printed_slash_applied_makes_every_url_ok(front: tuple[Nginx, Path]) -> None:
    nginx, manifest = front
    before = _by_url(manifest, "--config", str(nginx.conf))
    wrong = before[f"{H}/app10/"]
    assert (wrong["verdict"], wrong["cause"]) == ("wrong_instance", "url_mapping"), wrong
    at = _line(nginx.conf, "location /app1 {")
    assert wrong["fix"].startswith(f"At {at}, write 'location /app1/' in place of "
                                   f"'location /app1'."), wrong["fix"]
    assert ", pass to root" not in wrong["fix"], wrong["fix"]
    assert "request.path_info '0/__probe__'" in wrong["explanation"], wrong["explanation"]
    assert [t["verdict"] for u, t in before.items() if u != f"{H}/app10/"] == ["ok"] * 3
    bare = _by_url(manifest)[f"{H}/app10/"]  # without --config: the answer's split says it
    assert [c["cause"] for c in bare["candidates"]] == ["url_mapping"], bare
    assert bare["fix"].startswith("Write the prefix location that passes app1's URLs with its "
                                  "trailing slash, 'location /app1/' in place of "
                                  "'location /app1'"), bare["fix"]
    # the fix as printed, at its line
    nginx.conf.write_text(nginx.conf.read_text().replace("location /app1 {", "location /app1/ {"))
    nginx.reload()
    after = _by_url(manifest, "--config", str(nginx.conf))
    assert {u: t["verdict"] for u, t in after.items()} == {u: "ok" for u in before}, after
