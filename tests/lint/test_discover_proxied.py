"""``probe discover`` names each site Apache passes on with mod_proxy (no silent drop)."""

from __future__ import annotations

import textwrap

from probe.apache.config import parse_text
from probe.apache.site_build import build_site
from probe.discover.apache import proxied_sites


def test_each_proxypass_of_a_virtualhost_is_named() -> None:
    site = build_site(parse_text(textwrap.dedent("""\
        <VirtualHost *:80>
            ServerName a.example.test
            ProxyPass "/b/" "http://127.0.0.1:8106/b/"
            ProxyPass "/static/" "!"
            <Location />
                ProxyPass http://127.0.0.1:8101/
            </Location>
        </VirtualHost>
    """), "t.conf"), read_scripts=False)
    said = proxied_sites(site)
    assert [s.split(" (")[0] for s in said] == [
        "ProxyPass http://127.0.0.1:8101/ at t.conf:6",
        "ProxyPass /b/ http://127.0.0.1:8106/b/ at t.conf:3"]
    assert all("a.example.test" in s and "behind mod_proxy" in s for s in said)
