"""mod_proxy in the route (probe.apache.proxy): which ProxyPass takes a path, in httpd's
order (server context: the first that matches; <Location>: the last section that matches),
the balancer's members, and whether the rule strips the prefix it took."""

from __future__ import annotations

from tests.lint.test_route import route, where

PROXIES = """\
    <VirtualHost *:8080>
        ServerName a.example.test
        ProxyPreserveHost On
        <Proxy "balancer://acluster">
            BalancerMember "http://127.0.0.1:8101"
            BalancerMember "http://127.0.0.1:8102"
        </Proxy>
        ProxyPass        "/" "balancer://acluster/"
        ProxyPass        "/b/" "http://127.0.0.1:8106/b/"
    </VirtualHost>
    <VirtualHost *:8080>
        ServerName b.example.test
        <Location /b/>
            ProxyPass http://127.0.0.1:8106/b/
        </Location>
        <Location />
            ProxyPass http://127.0.0.1:8101/
        </Location>
    </VirtualHost>
"""


def test_server_context_first_match_wins() -> None:
    found = route(PROXIES, "http://a.example.test:8080/b/x")
    assert found.upstream == "balancer://acluster/"
    assert where(found, "proxy") == 8
    assert [m.address for m in found.members] == ["127.0.0.1:8101", "127.0.0.1:8102"]
    assert [m.source.line for m in found.members if m.source] == [5, 6]
    assert where(found, "upstream") == 4


def test_the_last_matching_location_wins() -> None:
    found = route(PROXIES, "http://b.example.test:8080/b/x")
    assert found.upstream == "http://127.0.0.1:8101/"
    assert where(found, "proxy") == 17
    step = found.step("proxy")
    assert step is not None and "<Location />" in step.rule
    assert route(PROXIES, "http://b.example.test:8080/").members[0].address == \
        "127.0.0.1:8101"


def test_a_location_proxypass_comes_before_the_server_context_ones() -> None:
    text = """\
        <VirtualHost *:8080>
            ProxyPass "/" "http://127.0.0.1:8101/"
            <Location /b/>
                ProxyPass http://127.0.0.1:8106/b/
            </Location>
        </VirtualHost>
    """
    assert route(text, "http://any/b/x").upstream == "http://127.0.0.1:8106/b/"


def test_strips_the_prefix() -> None:
    text = """\
        <VirtualHost *:8080>
            ProxyPass "/c/" "http://127.0.0.1:8107/"
        </VirtualHost>
    """
    stripped = route(text, "http://any/c/x").step("proxy")
    kept = route(PROXIES, "http://b.example.test:8080/").step("proxy")
    assert stripped is not None and "strips /c from the path" in stripped.rule
    assert kept is not None and "strips" not in kept.rule
