"""``tls_twin_missing``: certbot run for some sites of a server and not for one (tester T16's
a1): the site's https requests reach the first TLS VirtualHost, another site's, and lint
said nothing."""

from __future__ import annotations

from pathlib import Path

from probe.lint import LintResult, lint_paths

SITE = """\
<VirtualHost *:80>
    ServerName {name}.example.com
    WSGIScriptAlias / /srv/{name}/wsgi.py
</VirtualHost>
"""

TWIN = """\
<VirtualHost *:443>
    ServerName {name}.example.com
    ServerAlias www.{name}.example.com
    WSGIScriptAlias / /srv/{name}/wsgi.py
    SSLEngine on
    SSLCertificateFile /etc/ssl/{name}.pem
</VirtualHost>
"""


def lint(tmp_path: Path, config: str) -> LintResult:
    conf = tmp_path / "httpd.conf"
    conf.write_text(config)
    return lint_paths([conf])


def missing(result: LintResult) -> list[tuple[int, str]]:
    return [(f.line, f.message) for f in result.findings if f.code == "tls_twin_missing"]


def test_a_site_without_the_twin_the_others_have_is_named_with_the_vhost_taking_it(
        tmp_path: Path) -> None:
    config = (SITE.format(name="a") + TWIN.format(name="a") + SITE.format(name="b")
              + TWIN.format(name="b") + SITE.format(name="c"))
    [(line, message)] = missing(lint(tmp_path, config))
    assert line == 23  # the :80 VirtualHost of c
    assert message.startswith("c.example.com is served over plain HTTP here and no "
                              "VirtualHost of *:443 (SSLEngine on) claims it, while "
                              "a.example.com, b.example.com are served on both"), message
    # the first :443 VirtualHost takes the name, with its certificate line
    assert f"<VirtualHost *:443> (a.example.com) at {tmp_path}/httpd.conf:5" in message
    assert f"(/etc/ssl/a.pem, {tmp_path}/httpd.conf:10)" in message, message


def test_silent_without_another_twin_or_with_a_twin_of_its_own(tmp_path: Path) -> None:
    # No other site has a twin on the TLS address: an HTTPS site of its own, not certbot's.
    alone = SITE.format(name="a") + SITE.format(name="c") + TWIN.format(name="b")
    assert missing(lint(tmp_path, alone)) == []
    # Every site has its twin (an alias of the TLS VirtualHost claims the name too).
    www = (SITE.format(name="a") + TWIN.format(name="a") + SITE.format(name="c")
           + TWIN.format(name="c")).replace("ServerName c.example.com\n    WSGI",
                                            "ServerName www.c.example.com\n    WSGI", 1)
    assert missing(lint(tmp_path, www)) == []
    # A plain VirtualHost that serves nothing (no application, no redirect) is no site.
    empty = (SITE.format(name="a") + TWIN.format(name="a")
             + "<VirtualHost *:80>\n    ServerName default.invalid\n</VirtualHost>\n")
    assert missing(lint(tmp_path, empty)) == []
