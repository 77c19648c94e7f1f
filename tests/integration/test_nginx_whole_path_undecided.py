"""A whole path passed with SCRIPT_NAME '' through a real nginx 1.22 to a real gunicorn
serving a Django project whose URL patterns start with ``api/v1/`` (a tester's healthy
Taiga: ``location /api { proxy_pass http://127.0.0.1:8001/api; }``, the manifest listing
``http://taiga.test/api/v1/`` only). The sweep said ``mount_mismatch``; its fix, gunicorn's
SCRIPT_NAME header, applied, made the sweep ok and every API page 404.

* healthy, no ``script_name`` declared: ``ok`` and the ``mount_undecided`` warning (a real
  API page answers 200);
* ``script_name = "/api/v1"`` declared (wrong for these patterns): ``mount_mismatch``;
  ``script_name = ""``: ok, no warning;
* the tester's fix applied (``proxy_set_header SCRIPT_NAME /api/v1``): with
  ``script_name = ""`` declared, ``mount_mismatch``, and the real API page answers 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .django_patterns import patterns_gunicorn
from .taiga_nginx import Run, taiga_fronts
from .wsgi_servers import WsgiServer

TOKEN = "nginx-whole-path-token-0123456789"
CODE = "mount_undecided"


@pytest.fixture(scope="module")
def gunicorn() -> Iterator[WsgiServer]:
    with patterns_gunicorn("gunicorn-taiga", "api/v1/ping/", host="taiga.test", label="taiga",
                           token=TOKEN) as server:
        yield server


@pytest.fixture
def run_nginx(tmp_path: Path) -> Iterator[Callable[[str], Run]]:
    with taiga_fronts(tmp_path, TOKEN) as start:
        yield lambda location: start(
            f"location /api {{ proxy_set_header Host $host; {location} }}")


def test_the_whole_path_is_ok_with_a_warning_unless_a_script_name_is_declared(
        gunicorn: WsgiServer, run_nginx: Callable[[str], Run]) -> None:
    run = run_nginx(f"proxy_pass http://127.0.0.1:{gunicorn.port}/api;")
    assert run.page() == 200  # the truth: the site is healthy
    report = run.sweep()
    [target] = report["targets"]
    assert target["verdict"] == "ok", target
    assert report["summary"]["status"] == "warning", report["summary"]
    [found] = [f for f in report["findings"] if f["code"] == CODE]
    said = found["explanation"]
    assert found["severity"] == "warning" and found["instances"] == ["taiga-back"], found
    assert "(PATH_INFO '/api/v1/__probe__') and SCRIPT_NAME ''" in said, said
    assert f"The configuration given agrees that nothing is taken off: the request's path, " \
           f"unchanged ({run.nginx.conf}:" in said, said
    assert 'script_name = "/api/v1" if they do not' in said, said
    wrong = run.sweep("/api/v1")
    assert wrong["targets"][0]["verdict"] == "mount_mismatch", wrong["targets"][0]
    assert not [f for f in wrong["findings"] if f["code"] == CODE]
    right = run.sweep("")
    assert right["targets"][0]["verdict"] == "ok" and right["summary"]["status"] == "ok", right


def test_the_prefix_told_is_wrong_against_a_declared_empty_script_name(
        gunicorn: WsgiServer, run_nginx: Callable[[str], Run]) -> None:
    run = run_nginx("proxy_set_header SCRIPT_NAME /api/v1; "
                    f"proxy_pass http://127.0.0.1:{gunicorn.port};")
    assert run.page() == 404  # the truth: the old fix broke the API
    assert run.sweep()["targets"][0]["verdict"] == "ok"  # right by the manifest's URLs alone
    target = run.sweep("")["targets"][0]
    assert target["verdict"] == "mount_mismatch", target
    assert "received SCRIPT_NAME '/api/v1' and PATH_INFO '/__probe__', while the manifest " \
           "declares script_name ''" in target["explanation"], target["explanation"]
    assert "remove what sets SCRIPT_NAME to '/api/v1'" in target["fix"], target["fix"]
