"""scheme_not_passed through Apache's mod_proxy, configuration read: the RequestHeader line
that sends X-Forwarded-Proto, or the VirtualHost and ProxyPass to add it beside."""

from __future__ import annotations

import textwrap

from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose.scheme_apache import apache_scheme
from probe.manifest import Target
from probe.model import Observation

SITE = """\
    <VirtualHost *:443>
        ServerName a.example.test
        ProxyPreserveHost On
        {header}
        ProxyPass / http://127.0.0.1:8105/
    </VirtualHost>
"""


def said(header: str) -> tuple[str, bool] | None:
    text = textwrap.dedent(SITE.format(header=header))
    front = ApacheRoutes(build_site(parse_text(text, "t.conf"), read_scripts=False))
    obs = Observation(Target("https://a.example.test/", "a", "127.0.0.1:443"), ())
    return apache_scheme(obs, front, "TAKEN")


def test_no_header_names_the_virtualhost_and_the_proxypass() -> None:
    found = said("#RequestHeader set X-Forwarded-Proto https")
    assert found is not None and found[1] is False
    assert "at t.conf:1 passes it with the ProxyPass at t.conf:5" in found[0]
    assert "Add 'RequestHeader set X-Forwarded-Proto \"https\"'" in found[0]


def test_the_header_line_is_named() -> None:
    found = said('RequestHeader set X-Forwarded-Proto "https"')
    assert found is not None and found[1] is True
    assert "(t.conf:4); TAKEN." in found[0]
