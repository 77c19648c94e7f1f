"""Lint's ``proxy_strips`` on tester T30's ``uwsgi://`` lines (out-lint-apache.txt): mod_proxy_uwsgi
hands uWSGI the target's path as PATH_INFO, so the fix is the URL's path as the target's and a
uWSGI mount (the printed '.../shop/app/' was taken by the vassal's mount /shop: SCRIPT_NAME
'/shop', PATH_INFO '/app/__probe__'); the message says what the line passes, not what the
application believes (its SCRIPT_NAME was '/shop', not '/'), and FORCE_SCRIPT_NAME is offered
only hedged (site3.test/shop/ was served by the same processes)."""

from __future__ import annotations

from probe.apache.config import parse_text
from probe.apache.site_build import build_site
from probe.lint.findings import ConfigFinding
from probe.lint.proxy_rules import proxy_rules

SITE1 = """\
<VirtualHost 127.0.0.1:18481>
    ServerName site1.test
    ServerAlias www.site1.test
    ProxyPass /app/ {target}
    ProxyPass / unix:/run/site1.sock|uwsgi://site1/
</VirtualHost>
"""


def strips(target: str) -> list[ConfigFinding]:
    site = build_site(parse_text(SITE1.format(target=target), "httpd.conf"), read_scripts=False)
    return [f for f in proxy_rules(site) if f.code == "proxy_strips"]


def test_a_uwsgi_target_under_another_path_gets_the_urls_path_and_a_uwsgi_mount() -> None:
    for target, kept in (("uwsgi://127.0.0.1:18403/shop/", "/shop"),
                         ("uwsgi://127.0.0.1:18403/shop/app/", "/shop/app"),
                         ("unix:/run/site3.sock|uwsgi://site3/shop/", "/shop")):
        [found] = strips(target)
        assert found.line == 4, found
        assert f"passes /app/x to uWSGI with PATH_INFO {kept}/x" in found.message, found.message
        assert "believes" not in found.message, found.message
        fix = found.fix or ""
        whole = target.replace(kept + "/", "/app/")
        assert fix.startswith(f"pass the URL's path: write 'ProxyPass /app/ {whole}'"), fix
        assert "'mount = /app=<its WSGI file>'" in fix and "--manage-script-name" in fix, fix
        assert "/shop" not in fix and "FORCE_SCRIPT_NAME" not in fix, fix


def test_the_urls_path_as_the_uwsgi_target_is_no_finding() -> None:
    """out-apache-true-mountfix.txt: '/app/' to '.../app/' with the mount /app, 8/8 ok."""
    assert strips("uwsgi://127.0.0.1:18403/app/") == []
    assert strips("unix:/run/site3.sock|uwsgi://site3/app/") == []


def test_an_http_strip_says_what_the_line_does_and_hedges_force_script_name() -> None:
    [found] = strips("http://127.0.0.1:8000/")
    assert "believes" not in found.message, found.message
    assert "takes /app off the path it passes to http://127.0.0.1:8000/ (/app/x is passed " \
           "as " in found.message, found.message
    assert "FORCE_SCRIPT_NAME only where that application serves no other mount" in \
        (found.fix or ""), found.fix
