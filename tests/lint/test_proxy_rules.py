"""Lint's mod_proxy rules (probe.lint.proxy_rules): proxy_order, proxy_host, proxy_strips,
proxy_slash, proxy_reverse_backend."""

from __future__ import annotations

import textwrap

from probe.apache.config import parse_text
from probe.apache.proxy import rules
from probe.apache.proxy_host import backend_url
from probe.apache.site_build import build_site
from probe.lint.findings import ConfigFinding, Severity
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


def host_findings(text: str) -> list[ConfigFinding]:
    site = build_site(parse_text(textwrap.dedent(text), "t.conf"), read_scripts=False)
    return [f for f in proxy_rules(site) if f.code == "proxy_host"]


def test_preserve_host_on_in_a_location_for_the_path_is_in_force() -> None:
    assert host_findings("""\
        <VirtualHost *:80>
            ProxyPass "/b/" "http://127.0.0.1:8106/b/"
            <Location /b/>
                ProxyPreserveHost On
            </Location>
            <LocationMatch "^/c/">
                ProxyPreserveHost On
                ProxyPass http://127.0.0.1:8107/c/
            </LocationMatch>
        </VirtualHost>
    """) == []


def test_an_off_in_a_location_over_the_server_on_is_the_line_named() -> None:
    found = host_findings("""\
        <VirtualHost *:80>
            ProxyPreserveHost On
            ProxyPass "/b/" "http://127.0.0.1:8106/b/"
            ProxyPass "/" "http://127.0.0.1:8101/"
            <Location /b/>
                ProxyPreserveHost Off
            </Location>
        </VirtualHost>
    """)
    assert [(f.line, f.severity) for f in found] == [(3, Severity.WARNING)]
    assert "'ProxyPreserveHost Off' at t.conf:6, inside <Location /b/> at t.conf:5," \
        in found[0].message, found[0].message
    assert found[0].fix == "at t.conf:6, write 'ProxyPreserveHost On'"


def test_an_off_for_a_path_below_the_proxypass_is_found() -> None:
    found = host_findings("""\
        <VirtualHost *:80>
            ProxyPreserveHost On
            ProxyPass "/b/" "http://127.0.0.1:8106/b/"
            <Location /b/admin/>
                ProxyPreserveHost Off
            </Location>
        </VirtualHost>
    """)
    assert [f.line for f in found] == [3]
    assert "in force for /b/admin/" in found[0].message, found[0].message


def test_a_proxy_section_for_the_backend_holds_its_preserve_host() -> None:
    found = host_findings("""\
        <VirtualHost *:80>
            ProxyPass "/b/" "http://127.0.0.1:8106/b/"
            ProxyPass "/" "http://127.0.0.1:8101/"
            <Proxy "http://127.0.0.1:8106/">
                ProxyPreserveHost On
            </Proxy>
        </VirtualHost>
    """)
    # the <Proxy> is merged for requests to 8106 only: / still sends 8101's address
    assert [f.line for f in found] == [3], [f.message for f in found]
    assert host_findings("""\
        <Proxy *>
            ProxyPreserveHost On
        </Proxy>
        <VirtualHost *:80>
            ProxyPass "/" "http://127.0.0.1:8101/"
        </VirtualHost>
    """) == []


def test_a_location_outranks_a_proxy_section() -> None:
    found = host_findings("""\
        <VirtualHost *:80>
            ProxyPass "/b/" "http://127.0.0.1:8106/b/"
            <Location /b/>
                ProxyPreserveHost Off
            </Location>
            <Proxy "http://127.0.0.1:8106/">
                ProxyPreserveHost On
            </Proxy>
        </VirtualHost>
    """)
    # httpd walks <Location> again after the <Proxy> sections: its Off wins
    assert [f.line for f in found] == [2]
    assert "at t.conf:4, inside <Location /b/>" in found[0].message, found[0].message


def test_the_main_servers_off_is_fixed_in_the_virtualhost() -> None:
    found = host_findings("""\
        ProxyPreserveHost Off
        <VirtualHost *:80>
            ServerName a.test
            ProxyPass "/" "http://127.0.0.1:8101/"
        </VirtualHost>
    """)
    assert [f.line for f in found] == [4]
    assert "'ProxyPreserveHost Off' at t.conf:1 is the setting in force for /" \
        in found[0].message, found[0].message
    assert found[0].fix is not None and \
        found[0].fix.startswith("add 'ProxyPreserveHost On' in <VirtualHost *:80>")


def test_a_proxypassmatch_is_decided_where_every_section_decides() -> None:
    # no setting anywhere: Off for every path it takes
    found = host_findings("""\
        <VirtualHost *:80>
            ProxyPassMatch "^/b/(.*)$" "http://127.0.0.1:8106/b/$1"
        </VirtualHost>
    """)
    assert [(f.line, f.severity) for f in found] == [(2, Severity.WARNING)]
    assert "every path matching ^/b/(.*)$" in found[0].message, found[0].message
    # a <Location> beside ^/b/ never applies; one around it always does
    assert host_findings("""\
        <VirtualHost *:80>
            ProxyPreserveHost On
            ProxyPassMatch "^/b/" "http://127.0.0.1:8106"
            <Location /c/>
                ProxyPreserveHost Off
            </Location>
        </VirtualHost>
    """) == []
    around = host_findings("""\
        <VirtualHost *:80>
            ProxyPreserveHost Off
            ProxyPassMatch "^/b/" "http://127.0.0.1:8106"
            <Location />
                ProxyPreserveHost On
            </Location>
        </VirtualHost>
    """)
    assert around == []


def test_a_proxypassmatch_with_a_section_for_some_of_its_paths_is_undecided() -> None:
    found = host_findings("""\
        <VirtualHost *:80>
            ProxyPreserveHost On
            ProxyPassMatch "^/b/" "http://127.0.0.1:8106"
            <LocationMatch "\\.json$">
                ProxyPreserveHost Off
            </LocationMatch>
        </VirtualHost>
    """)
    assert [(f.line, f.severity) for f in found] == [(3, Severity.NOTE)]
    assert "'ProxyPreserveHost Off' at t.conf:5, inside <LocationMatch \\.json$>" \
        in found[0].message, found[0].message
    assert found[0].fix is not None and "request.host" in found[0].fix


def test_the_backend_url_a_rule_passes_a_path_to() -> None:
    site = build_site(parse_text(textwrap.dedent("""\
        ProxyPass "/b/" "http://127.0.0.1:8106/x/"
        ProxyPassMatch "^/c/(.*)$" "http://127.0.0.1:8107/y/$1"
        ProxyPassMatch "^/d/" "http://127.0.0.1:8108"
    """), "t.conf"), read_scripts=False)
    _, direct = rules(site, site.main)
    assert [backend_url(r, p) for r, p in zip(direct, ("/b/q", "/c/q", "/d/q"), strict=True)] == [
        "http://127.0.0.1:8106/x/q", "http://127.0.0.1:8107/y/q", "http://127.0.0.1:8108/d/q"]


def test_a_trailing_slash_on_one_side_only_is_proxy_slash() -> None:
    text = """\
        <Proxy "balancer://mycluster">
            BalancerMember "http://127.0.0.1:8101"
        </Proxy>
        <VirtualHost *:80>
            ProxyPreserveHost On
            ProxyPass "/" "balancer://mycluster"
            ProxyPass "/p" "http://127.0.0.1:9000/p/"
            ProxyPass "/ok/" "http://127.0.0.1:9000/ok/"
            ProxyPass "/bare" "http://127.0.0.1:9000"
            ProxyPassMatch "^/m/" "http://127.0.0.1:9000"
        </VirtualHost>
    """
    assert [f for f in findings(text) if f[0] == "proxy_slash"] == [
        ("proxy_slash", 6), ("proxy_slash", 7)]
    site = build_site(parse_text(textwrap.dedent(text), "t.conf"), read_scripts=False)
    by_line = {f.line: f for f in proxy_rules(site) if f.code == "proxy_slash"}
    assert by_line[6].severity is Severity.WARNING
    assert "/x is passed as balancer://myclusterx" in by_line[6].message, by_line[6].message
    assert "names a balancer no <Proxy> defines" in by_line[6].message
    assert (by_line[6].fix or "").startswith('write ProxyPass "/" "balancer://mycluster/"'), \
        by_line[6].fix
    assert "/px is passed as http://127.0.0.1:9000/p/x" in by_line[7].message
    assert "AH01144" not in by_line[7].message
    assert (by_line[7].fix or "").startswith('write ProxyPass "/p" "http://127.0.0.1:9000/p"')


def test_the_stripped_prefix_fix_names_each_servers_own_option() -> None:
    """A tester's mod_wsgi-express fleet behind a balancer: its --mount-point, as well."""
    site = build_site(parse_text(textwrap.dedent("""\
        <VirtualHost *:80>
            ProxyPreserveHost On
            <Proxy "balancer://mycluster">
                BalancerMember "http://127.0.0.1:55167"
            </Proxy>
            ProxyPass "/checkin/" "balancer://mycluster/"
        </VirtualHost>
    """), "t.conf"), read_scripts=False)
    [found] = [f for f in proxy_rules(site) if f.code == "proxy_strips"]
    assert found.line == 6 and found.fix is not None
    for way in ("waitress --url-prefix=/checkin", "gunicorn SCRIPT_NAME=/checkin",
                "uWSGI --mount /checkin=", "mod_wsgi-express --mount-point /checkin"):
        assert way in found.fix, found.fix


def test_a_proxypass_of_the_main_server_names_it_once() -> None:
    # A new-user try: "(none in the main server, the main server, a <Proxy> ...)".
    [found] = host_findings('ProxyPass "/" "http://127.0.0.1:8000/"\n')
    assert "(none in the main server, a <Proxy> for its backend or a <Location> for it)" in \
        found.message, found.message


# Re-tester R18's m3 (NetBox's contrib/apache.conf): the ProxyPass moved to another port, its
# ProxyPassReverse left on the old one.
MOVED = """\
    <VirtualHost 127.0.0.1:8080>
        ProxyPreserveHost On
        ServerName netbox.test
        ProxyPass / http://127.0.0.1:43813/
        ProxyPassReverse / http://127.0.0.1:43812/
    </VirtualHost>
"""


def test_a_proxypassreverse_left_on_another_backend_is_named_with_both_lines() -> None:
    site = build_site(parse_text(textwrap.dedent(MOVED), "t.conf"), read_scripts=False)
    [found] = [f for f in proxy_rules(site) if f.code == "proxy_reverse_backend"]
    assert (found.severity, found.file, found.line) == (Severity.WARNING, "t.conf", 5)
    assert "ProxyPass / http://127.0.0.1:43813/ at t.conf:4" in found.message
    assert "ProxyPassReverse / http://127.0.0.1:43812/ at t.conf:5" in found.message
    assert found.fix is not None and found.fix.startswith("check which backend is meant")
    assert "write ProxyPassReverse / http://127.0.0.1:43813/ at t.conf:5" in found.fix
    assert "write ProxyPass / http://127.0.0.1:43812/ at t.conf:4" in found.fix


def test_matching_reverse_lines_are_clean() -> None:
    assert [f for f in findings("""\
        <VirtualHost *:80>
            ProxyPreserveHost On
            ProxyPass / http://127.0.0.1:8101/ keepalive=On
            ProxyPassReverse / http://127.0.0.1:8101/
            ProxyPassReverse / http://localhost:8101/
            ProxyPass /app http://app/app
            ProxyPassReverse /app http://app:80/app
            ProxyPass /b http://127.0.0.1:8102/b
            ProxyPassReverse /c http://127.0.0.1:8109/c
            <Proxy balancer://pool>
                BalancerMember http://127.0.0.1:8103
                BalancerMember http://127.0.0.1:8104
            </Proxy>
            ProxyPass /p/ balancer://pool/p/
            ProxyPassReverse /p/ http://127.0.0.1:8103/p/
            ProxyPassReverse /p/ http://127.0.0.1:8104/p/
            <Location /l/>
                ProxyPass http://127.0.0.1:8105/l/
                ProxyPassReverse http://127.0.0.1:8105/l/
            </Location>
        </VirtualHost>
    """) if f[0] == "proxy_reverse_backend"] == []


def test_another_balancer_or_a_location_s_other_backend_is_said() -> None:
    assert [f for f in findings("""\
        <VirtualHost *:80>
            ProxyPreserveHost On
            ProxyPass / balancer://one/
            ProxyPassReverse / balancer://two/
            <Location /l/>
                ProxyPass http://127.0.0.1:8105/l/
                ProxyPassReverse http://127.0.0.1:8106/l/
            </Location>
        </VirtualHost>
    """) if f[0] == "proxy_reverse_backend"] == [
        ("proxy_reverse_backend", 4), ("proxy_reverse_backend", 7)]
