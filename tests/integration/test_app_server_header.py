"""An application that sets its own Server header, served by a real waitress reached
directly: no front is stated from that header.

waitress passes the application's Server header on (adding ``Via: waitress``; gunicorn
sends its own, the case of a server header that names the application server). A header
naming neither the
application server nor a known front decides nothing: the application (or a middleware)
may have set it, or a front this tool does not know. So a page below the application's root
is no stripped mount, and a name to refuse is said with what was seen (here the request went
to where waitress listens, so the header is the application's), not refused "in the front in
between".
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from probe import manifest as manifests
from probe.model import Verdict
from probe.report.json_report import target_dict
from probe.sweep import run_sweep

from .apache import ApacheError
from .test_fleet_app_servers import Project, project
from .wsgi_servers import WsgiServer, make_readable, start_waitress

pytestmark = pytest.mark.apache

__all__ = ["project"]  # the fixture, shared with test_fleet_app_servers

HEADER = "MyShop/2.1"
# A middleware outside the endpoint's wrap(): every answer, the probe's too, gets its header.
MIDDLEWARE = f'''\
from mysite.wsgi import application as inner


def application(environ, start_response):
    def start(status, headers, exc_info=None):
        kept = [(k, v) for k, v in headers if k.lower() != "server"]
        return start_response(status, kept + [("Server", "{HEADER}")], exc_info)
    return inner(environ, start)
'''


@pytest.fixture
def site(project: Project) -> Path:
    """The project with the middleware beside it (shopheader.py)."""
    (project.project / "shopheader.py").write_text(MIDDLEWARE, encoding="utf-8")
    make_readable(project.project)
    return project.project


@pytest.fixture
def server(project: Project, site: Path) -> Iterator[WsgiServer]:
    log = project.workdir / "waitress-header.log"
    try:
        started = start_waitress(site, project.venv, log_path=log, app="shopheader:application")
    except ApacheError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield started
    finally:
        started.stop()
        shutil.rmtree(site / "__pycache__", ignore_errors=True)


def manifest(port: int) -> manifests.Manifest:
    return manifests.parse(f"""\
[probe]
connect = {json.dumps([f"127.0.0.1:{port}"])}
samples = 2

[instances.mysite]
label = "mysite"
settings = "mysite.settings"
urls = ["http://localhost/shop/"]

[refuse]
urls = ["http://unknown.invalid/"]
""", "header.toml")


def test_an_applications_own_server_header_is_no_front(server: WsgiServer) -> None:
    sent = requests.get(server.url("/__probe__"), timeout=10)
    # The case: the application's header arrives, and waitress says it passed it (Via).
    assert (sent.headers["Server"], sent.headers["Via"]) == (HEADER, "waitress"), sent.headers
    report = run_sweep(manifest(server.port))
    by_url = {t.url: t for t in report.targets}
    # A page below the root, reached directly: the whole path arrived, nothing stripped it.
    shop = by_url["http://localhost/shop/"]
    assert shop.verdict is Verdict.OK, shop.explanation
    # The JSON report records both headers as they came (docs/sweep.md).
    written = target_dict(shop)
    assert (written["server_headers"], written["via_headers"]) == ([HEADER], ["waitress"])
    refused = by_url["http://unknown.invalid/"]
    assert refused.verdict is Verdict.SERVED_UNMAPPED, refused.explanation
    text = refused.explanation + " " + refused.fix
    assert "MyShop, its Server header" not in text and "MyShop in between" not in text, text
    assert "make the front in between" not in refused.fix, refused.fix
    # Sent to where waitress listens (server.listen): the header is the application's.
    assert f"The Server header {HEADER!r} is not waitress's (server.software) and names " \
           f"no front this tool knows, but the request went to where the application server " \
           f"listens (127.0.0.1:{server.port}, server.listen): the application or a " \
           f"middleware sets it, no front." in refused.explanation, refused.explanation
    assert "put a front that refuses unknown names (nginx, Apache httpd) before waitress." in \
        refused.fix, refused.fix
