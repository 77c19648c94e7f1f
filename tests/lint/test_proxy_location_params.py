"""A ``ProxyPass`` inside ``<Location>`` with parameters, read as httpd's ``add_pass`` reads it
(its first word the target, then flags and ``key=value``), and lint's whole-path and slash
fixes keeping those parameters with the slashes matched. The configuration is a re-tester's
(t-retest18 x2): statgen/locuszoom-hosted's ``/celery-flower`` in a ``<Location>``, with
``keepalive=On``."""

from __future__ import annotations

import textwrap

from probe.apache.config import parse_text
from probe.apache.model import Site
from probe.apache.proxy import rules, taken_by
from probe.apache.site_build import build_site
from probe.lint.proxy_rules import proxy_rules

LZ = """\
<VirtualHost 127.0.0.1:43810>
        ServerName lz.test
        ProxyPreserveHost On
        <Location /celery-flower/>
            ProxyPass http://127.0.0.1:43813/ keepalive=On
            ProxyPassReverse http://127.0.0.1:43813/
        </Location>
        ProxyPass / http://127.0.0.1:43812/ keepalive=On
        ProxyPassReverse / http://127.0.0.1:43812/
</VirtualHost>
"""


def _site(text: str) -> Site:
    return build_site(parse_text(textwrap.dedent(text), "t.conf"), read_scripts=False)


def test_a_location_proxypass_with_a_parameter_takes_its_path() -> None:
    site = _site(LZ)
    rule = taken_by(site, site.vhosts[0], "/celery-flower/__probe__")
    assert rule is not None and rule.section is not None, rule
    assert (rule.where, rule.target, rule.params) == ("t.conf:5", "http://127.0.0.1:43813/",
                                                     ("keepalive=On",))


def test_every_form_httpd_accepts_in_a_location_and_none_it_refuses() -> None:
    site = _site("""\
        <VirtualHost *:80>
            <Location /a/>
                ProxyPass http://127.0.0.1:1/a/ nocanon timeout=5 noquery
            </Location>
            <Location /a/static/>
                ProxyPass !
            </Location>
            <Location /bad/>
                ProxyPass /bad/ http://127.0.0.1:2/
            </Location>
            ProxyPass ~ ^/re/ http://127.0.0.1:3/ retry=0
        </VirtualHost>
    """)
    sections, direct = rules(site, site.vhosts[0])
    # 'ProxyPass /bad/ http://...' in a <Location>: httpd refuses it ("can not have a path
    # when defined in a location"), so it is no rule
    assert [(r.pattern, r.target, r.params) for r in sections] == [
        ("/a/", "http://127.0.0.1:1/a/", ("nocanon", "timeout=5", "noquery")),
        ("/a/static/", "!", ())]
    assert [(r.pattern, r.target, r.regex, r.params) for r in direct] == [
        ("^/re/", "http://127.0.0.1:3/", True, ("retry=0",))]
    assert taken_by(site, site.vhosts[0], "/a/static/x.css") is None


def test_proxy_strips_names_the_whole_path_with_slashes_matched_and_parameters_kept() -> None:
    found = [f for f in proxy_rules(_site(LZ)) if f.code == "proxy_strips"]
    assert [f.line for f in found] == [5], found
    fix = found[0].fix or ""
    assert fix.startswith("pass the whole path: write 'ProxyPass "
                          "http://127.0.0.1:43813/celery-flower/ keepalive=On' (at t.conf:6, "
                          "'ProxyPassReverse http://127.0.0.1:43813/celery-flower/')"), fix
    # a path without its trailing slash gets a target without one: no //x on the backend
    bare = LZ.replace("<Location /celery-flower/>", "<Location /celery-flower>")
    [strips] = [f for f in proxy_rules(_site(bare)) if f.code == "proxy_strips"]
    assert "write 'ProxyPass http://127.0.0.1:43813/celery-flower keepalive=On'" in \
        (strips.fix or ""), strips.fix
    assert "celery-flower/" not in (strips.fix or ""), strips.fix


def test_proxy_slash_keeps_the_parameters() -> None:
    site = _site("""\
        <VirtualHost *:80>
            ProxyPreserveHost On
            ProxyPass /celery-flower http://127.0.0.1:5555/celery-flower/ keepalive=On
            <Location /api>
                ProxyPass http://127.0.0.1:5556/api/ timeout=5
            </Location>
        </VirtualHost>
    """)
    by_line = {f.line: f.fix or "" for f in proxy_rules(site) if f.code == "proxy_slash"}
    assert by_line[3].startswith('write ProxyPass "/celery-flower" '
                                 '"http://127.0.0.1:5555/celery-flower" keepalive=On'), by_line
    # inside <Location> the line has no path (httpd refuses one there)
    assert by_line[5].startswith('write ProxyPass "http://127.0.0.1:5556/api" timeout=5'), \
        by_line
