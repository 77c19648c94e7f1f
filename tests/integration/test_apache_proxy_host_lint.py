"""Lint's ``proxy_host`` against real Apache httpd's mod_proxy in front of gunicorn and
waitress: where lint says a ``ProxyPass`` does not pass the client's Host, the backend really
receives its own address as Host (the endpoint's ``request.host``), and where lint is silent
it receives the name the client asked for.

* a ``<Proxy "http://backend/">`` holding ``ProxyPreserveHost On``: httpd merges it for the
  requests passed to that backend (``proxy_walk``), and only for those;
* a ``<Location>``'s ``ProxyPreserveHost Off`` over a ``<Proxy>``'s ``On``: httpd walks the
  ``<Location>`` sections again after the ``<Proxy>`` ones, so the ``<Location>``'s wins.
"""

from __future__ import annotations

import json
import re

import pytest

from probe.lint import lint_paths

from .conftest import ApacheFactory
from .test_apache_proxy import MODULES, TOKEN, Backends, _line, backends

pytestmark = pytest.mark.apache
__all__ = ["backends"]  # the module's fixture, used here by name

PROXY_ON = """\
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPass "/b/" "http://127.0.0.1:{bp}/b/"
    ProxyPass "/" "http://127.0.0.1:{a}/"
    <Proxy "http://127.0.0.1:{bp}/">
        ProxyPreserveHost On
    </Proxy>
</VirtualHost>
"""

LOCATION_OVER_PROXY = """\
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPass "/b/" "http://127.0.0.1:{bp}/b/"
    ProxyPass "/" "http://127.0.0.1:{a}/"
    <Proxy "http://127.0.0.1:{bp}/">
        ProxyPreserveHost On
    </Proxy>
    <Location />
        ProxyPreserveHost On
    </Location>
    <Location /b/>
        ProxyPreserveHost Off
    </Location>
</VirtualHost>
"""


@pytest.mark.parametrize(("template", "expected"), [
    (PROXY_ON, {"/b/": True, "/": False}),
    (LOCATION_OVER_PROXY, {"/b/": False, "/": True}),
], ids=["proxy-section-on", "location-off-over-proxy-on"])
def test_lint_says_host_is_not_preserved_exactly_where_the_backend_sees_its_own_address(
        apache: ApacheFactory, backends: Backends, template: str,
        expected: dict[str, bool]) -> None:
    site = template.format(a=backends.a.port, bp=backends.bp.port)
    server = apache(MODULES + site)
    conf = server.conf_path
    warned = {f.line: f for f in lint_paths([conf]).findings if f.code == "proxy_host"}
    for mount, preserved in expected.items():
        answer = server.get(f"{mount}__probe__", "a.test", headers={"X-Probe-Token": TOKEN})
        assert answer.status_code == 200, (mount, answer.status_code, answer.text[:300])
        host = json.loads(answer.text)["request"]["host"]
        # what the backend really received
        assert (host == "a.test") is preserved, (mount, host)
        line = _line(conf, f'ProxyPass "{mount}"')
        assert (line not in warned) is preserved, (mount, host, warned)
        if not preserved:
            # the finding names the line in force, and that line really decides: the
            # Location's Off for /b/ (the <Proxy>'s On is overridden), none for /
            message = warned[line].message
            if "ProxyPreserveHost Off" in site:
                off = _line(conf, "ProxyPreserveHost Off")
                assert f"{conf}:{off}, inside <Location /b/>" in message, message
            else:
                assert "no ProxyPreserveHost is written for /" in message, message
            assert re.search(r"127\.0\.0\.1:\d+", host), host
