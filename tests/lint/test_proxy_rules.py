"""Lint's mod_proxy rules (probe.lint.proxy_rules): proxy_order, proxy_host, proxy_strips."""

from __future__ import annotations

import textwrap

from probe.apache.config import parse_text
from probe.apache.model import build_site
from probe.lint.proxy_rules import proxy_rules


def findings(text: str) -> list[tuple[str, int]]:
    site = build_site(parse_text(textwrap.dedent(text), "t.conf"), read_scripts=False)
    return sorted((f.code, f.line) for f in proxy_rules(site))


def test_a_broader_proxypass_first_hides_the_narrower_one() -> None:
    assert findings("""\
        <VirtualHost *:80>
            ProxyPreserveHost On
            ProxyPass "/" "http://127.0.0.1:8101/"
            ProxyPass "/b/" "http://127.0.0.1:8106/b/"
        </VirtualHost>
    """) == [("proxy_order", 4)]


def test_the_narrower_first_is_clean() -> None:
    assert findings("""\
        <VirtualHost *:80>
            ProxyPreserveHost On
            ProxyPass "/b/" "http://127.0.0.1:8106/b/"
            ProxyPass "/" "http://127.0.0.1:8101/"
            <Location /c/>
                ProxyPass http://127.0.0.1:8107/c/
            </Location>
        </VirtualHost>
    """) == []


def test_a_later_broader_location_overrides_the_narrower_one() -> None:
    assert findings("""\
        <VirtualHost *:80>
            ProxyPreserveHost On
            <Location /b/>
                ProxyPass http://127.0.0.1:8106/b/
            </Location>
            <Location />
                ProxyPass http://127.0.0.1:8101/
            </Location>
        </VirtualHost>
    """) == [("proxy_order", 4)]


def test_no_preserved_host_and_a_stripped_prefix() -> None:
    assert findings("""\
        ProxyPreserveHost On
        <VirtualHost *:80>
            ProxyPreserveHost Off
            ProxyPass "/b/" "http://127.0.0.1:8104/"
        </VirtualHost>
        <VirtualHost *:80>
            ServerName inherits.example
            ProxyPass "/" "http://127.0.0.1:8101/"
        </VirtualHost>
    """) == [("proxy_host", 4), ("proxy_strips", 4)]
