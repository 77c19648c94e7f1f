"""mod_remoteip in front of a token-less probe endpoint, in real Apache httpd + mod_wsgi, on
loopback only: ``RemoteIPHeader X-Forwarded-For`` takes the client address from the header
and removes the header, so a request the endpoint refuses as proxied without mod_remoteip
(it carries ``X-Forwarded-For``) is answered with it. The address comes from the header:
``X-Forwarded-For: 203.0.113.7`` makes the same loopback request remote, so a client the
trusted ranges cover that claims ``127.0.0.1`` is loopback. Lint's ``remoteip_header`` note
is at the line that does it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from probe.lint import lint_paths

from .conftest import ApacheFactory

pytestmark = pytest.mark.apache

ENDPOINT = (Path(__file__).resolve().parents[2] / "contrib" / "wsgi_endpoint.py").read_text()
APP = '''
import importlib.util, os
spec = importlib.util.spec_from_file_location(
    "wsgi_endpoint", os.path.join(os.path.dirname(__file__), "wsgi_endpoint.py"))
endpoint = importlib.util.module_from_spec(spec)
spec.loader.exec_module(endpoint)

def app(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"the application"]

application = endpoint.wrap(app, label="open")
'''
SITE = """
LoadModule remoteip_module /usr/lib/apache2/modules/mod_remoteip.so
<VirtualHost *:@PORT@>
    ServerName plain.test
    WSGIScriptAlias / @SITES@/open/app.wsgi
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName remoteip.test
    RemoteIPHeader X-Forwarded-For
    RemoteIPInternalProxy 127.0.0.0/8
    WSGIScriptAlias / @SITES@/open/app.wsgi
</VirtualHost>
"""


def test_remoteip_opens_the_token_less_endpoint_and_lint_notes_it(
        apache: ApacheFactory) -> None:
    server = apache(SITE, files={"open/app.wsgi": APP, "open/wsgi_endpoint.py": ENDPOINT})

    def answered(host: str, forwarded: str) -> bool:
        got = server.get("/__probe__", host, headers={"X-Forwarded-For": forwarded})
        assert got.status_code in (200, 404), (host, got.status_code, got.text[:300])
        return got.status_code == 200 and json.loads(got.text)["label"] == "open"

    # Without mod_remoteip the header is a proxy's: the endpoint refuses.
    assert not answered("plain.test", "127.0.0.1")
    # With it, the header is taken as the client and removed: loopback, answered.
    assert answered("remoteip.test", "127.0.0.1")
    # The address really comes from the header: a remote one there is refused.
    assert not answered("remoteip.test", "203.0.113.7")
    notes = [f for f in lint_paths([server.conf_path]).findings if f.code == "remoteip_header"]
    text = server.conf_path.read_text().splitlines()
    header_line = next(n for n, line in enumerate(text, 1) if "RemoteIPHeader" in line)
    proxy_line = next(n for n, line in enumerate(text, 1) if "RemoteIPInternalProxy" in line)
    assert [(f.line, f.severity.value) for f in notes] == [(header_line, "note")]
    assert notes[0].message.startswith(
        "RemoteIPHeader X-Forwarded-For: mod_remoteip sets REMOTE_ADDR from the "
        "X-Forwarded-For header of the requests it trusts (RemoteIPInternalProxy 127.0.0.0/8 "
        f"({server.conf_path}:{proxy_line})), and the probe endpoint without a token trusts "
        "REMOTE_ADDR")
    assert notes[0].fix is not None and "with a token" in notes[0].fix
