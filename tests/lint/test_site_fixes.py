"""What the VirtualHost rules tell to change: a catch-all on an HTTPS address carries the
TLS lines of a site of that address (without them the port speaks plain HTTP), and a
VirtualHost an earlier one's wildcard alias shadows names that alias line."""

from __future__ import annotations

from pathlib import Path

from probe.apache.config import parse_text
from probe.apache.site_build import build_site
from probe.apache.vhost_select import select_vhost
from probe.lint import LintResult, lint_paths


def lint(tmp_path: Path, config: str) -> LintResult:
    (tmp_path / "a.wsgi").write_text("")
    conf = tmp_path / "httpd.conf"
    conf.write_text(config.replace("@ROOT@", str(tmp_path)))
    return lint_paths([conf])


TLS = """\
Listen 443
<VirtualHost *:443>
    ServerName s1.example.com
    SSLEngine on
    SSLCertificateFile /etc/ssl/wild.pem
    SSLCertificateKeyFile /etc/ssl/wild.key
    WSGIScriptAlias / @ROOT@/a.wsgi
</VirtualHost>
<VirtualHost *:443>
    ServerName s2.example.com
    SSLEngine on
    SSLCertificateFile /etc/ssl/s2.pem
    WSGIScriptAlias / @ROOT@/a.wsgi
</VirtualHost>
"""


def test_a_catch_all_on_a_tls_address_carries_a_sites_certificate(tmp_path: Path) -> None:
    [fix] = [f.fix or "" for f in lint(tmp_path, TLS).findings if f.code == "vhost_fallback"]
    assert ("<VirtualHost *:443> ServerName default.invalid SSLEngine on SSLCertificateFile "
            "/etc/ssl/wild.pem SSLCertificateKeyFile /etc/ssl/wild.key <Location />") in fix
    conf = tmp_path / "httpd.conf"
    assert f"as read at {conf}:5, {conf}:6" in fix, fix


def test_a_catch_all_on_a_plain_address_has_no_tls_lines(tmp_path: Path) -> None:
    plain = TLS.replace("443", "80").replace("SSLEngine on", "")
    [fix] = [f.fix or "" for f in lint(tmp_path, plain).findings if f.code == "vhost_fallback"]
    assert "SSL" not in fix.replace("SSLCertificate", ""), fix
    assert "SSLEngine" not in fix


WILDCARD = """\
<VirtualHost *:80>
    ServerName x.example.com
    WSGIScriptAlias / @ROOT@/a.wsgi
</VirtualHost>
<VirtualHost *:80>
    ServerName y.example.com
    ServerAlias *.example.com
    WSGIScriptAlias / @ROOT@/a.wsgi
</VirtualHost>
<VirtualHost *:80>
    ServerName w.example.com
    WSGIScriptAlias / @ROOT@/a.wsgi
</VirtualHost>
"""


def test_a_wildcard_alias_that_shadows_a_site_is_named_with_its_line(tmp_path: Path) -> None:
    [shadowed] = [f for f in lint(tmp_path, WILDCARD).findings if f.code == "vhost_shadowed"]
    assert shadowed.fix is not None
    conf = tmp_path / "httpd.conf"
    assert shadowed.line == 10
    assert f"ServerAlias *.example.com ({conf}:7)" in shadowed.message, shadowed.message
    assert "has the same name" not in shadowed.message
    assert shadowed.fix.startswith(f"narrow the wildcard ServerAlias *.example.com at "
                                   f"{conf}:7"), shadowed.fix
    assert f"before <VirtualHost *:80> (y.example.com) at {conf}:5" in shadowed.fix


def test_a_duplicate_name_keeps_its_own_words(tmp_path: Path) -> None:
    twice = WILDCARD.replace("ServerAlias *.example.com", "ServerAlias w.example.com")
    [shadowed] = [f for f in lint(tmp_path, twice).findings if f.code == "vhost_shadowed"]
    assert shadowed.fix is not None
    assert "has the same name (w.example.com)" in shadowed.message
    assert shadowed.fix.startswith("give each VirtualHost its own ServerName")


IP_BASED = """\
Listen 127.0.0.2:80
<VirtualHost *:80>
    ServerName x.example.com
    WSGIScriptAlias / @ROOT@/a.wsgi
</VirtualHost>
<VirtualHost 127.0.0.2:80>
    ServerName ip.example.org
    WSGIScriptAlias / @ROOT@/a.wsgi
</VirtualHost>
"""


def test_an_ip_based_vhost_says_the_wildcard_ones_are_never_considered(
        tmp_path: Path) -> None:
    site = build_site(parse_text(IP_BASED.replace("@ROOT@", str(tmp_path)), "t.conf"),
                      read_scripts=False)
    choice = select_vhost(site, "x.example.com", "127.0.0.2", 80)
    assert choice.by == "only" and choice.server.server_name == "ip.example.org"
    assert ("the VirtualHosts for *:80 (<VirtualHost *:80> (x.example.com) at "
            "t.conf:2) are never considered for connections to 127.0.0.2:80") in choice.rule
    wild = select_vhost(site, "x.example.com", "127.0.0.1", 80)
    assert wild.server.server_name == "x.example.com" and "never" not in wild.rule
