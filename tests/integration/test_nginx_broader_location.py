"""A location broader than the declared mount through a real nginx 1.22 to a real gunicorn
serving a Django project whose URL patterns carry the path below /api/v1 (``ping/``), the
manifest declaring ``script_name = "/api/v1"`` (a tester's Taiga shape:
``location /api { proxy_pass http://127.0.0.1:8001/api; }``). The sweep's fix wrote
``location /api/`` with a URI part '/', which strips /api only (probe/diagnose/mount_broader.py).

* the whole path passed by ``location /api``: ``mount_mismatch``, the fix a location of the
  mount's own, never one for /api; the real page /api/v1/ping/ answers 404;
* the fix's gunicorn way applied as written (``location /api/v1/`` beside ``location /api``,
  whole path, SCRIPT_NAME header): ok, and the real page answers 200;
* the fix's other location applied (prefix stripped exactly, X-Forwarded-Prefix): the real
  page answers 200, and the sweep names /api/v1 as taken off (the Django side is left to do).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .django_patterns import patterns_gunicorn
from .taiga_nginx import Run, taiga_fronts
from .wsgi_servers import WsgiServer

TOKEN = "nginx-broader-location-token-012345"
HOST = "proxy_set_header Host $host;"


@pytest.fixture(scope="module")
def gunicorn() -> Iterator[WsgiServer]:
    with patterns_gunicorn("gunicorn-taiga-broad", "ping/", host="taiga.test", label="taiga",
                           token=TOKEN) as server:
        yield server


@pytest.fixture
def run_nginx(tmp_path: Path) -> Iterator[Callable[[str], Run]]:
    with taiga_fronts(tmp_path, TOKEN, declared="/api/v1") as start:
        yield start


def _written(fix: str, header: str) -> str:
    """The location block the fix writes with ``header``, as written, the Host line added
    (the fix says to copy the broad location's proxy_set_header lines)."""
    found = re.search(r"'(location /api/v1/ \{ [^']*" + re.escape(header) + r"[^']*\})'", fix)
    assert found is not None, fix
    return found.group(1).replace("{ ", "{ " + HOST + " ", 1)


def test_a_location_broader_than_the_declared_mount(
        gunicorn: WsgiServer, run_nginx: Callable[[str], Run]) -> None:
    broad = f"location /api {{ {HOST} proxy_pass http://127.0.0.1:{gunicorn.port}/api; }}"
    run = run_nginx(broad)
    assert run.page() == 404  # the truth: the patterns lack api/v1/
    target = run.target()
    assert target["verdict"] == "mount_mismatch", target
    fix = target["fix"]
    assert f"The nginx 'location /api' ({run.nginx.conf}:" in fix and \
        "is broader than the mount /api/v1" in fix, fix
    assert "location /api/ " not in fix and "X-Forwarded-Prefix /api;" not in fix, fix
    # the gunicorn way, as the fix writes it, beside the broad location
    told = run_nginx(f"{broad}\n        {_written(fix, 'SCRIPT_NAME /api/v1;')}")
    assert told.page() == 200
    assert told.target()["verdict"] == "ok"
    # the prefix stripped exactly: the page works; Django is still to be told
    stripped = run_nginx(f"{broad}\n        {_written(fix, 'X-Forwarded-Prefix /api/v1;')}")
    assert stripped.page() == 200
    after = stripped.target()
    assert after["verdict"] == "mount_mismatch", after
    assert "the front took /api/v1 off the path" in after["explanation"], after["explanation"]
    assert 'FORCE_SCRIPT_NAME = "/api"' not in after["fix"], after["fix"]
