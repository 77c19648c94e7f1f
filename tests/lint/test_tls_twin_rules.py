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


# Re-tester R36's apache-unix-h2 (sr/httpd.conf, trimmed to the sites the rule compares):
# wsgi-emb.test has no twin on the TLS address, wsgi.test has one.
R36 = """\
<VirtualHost 127.0.0.1:28361>
    ServerName wsgi.test
    WSGIScriptAlias / /srv/wsgiapp/mysite/wsgi.py
</VirtualHost>
<VirtualHost 127.0.0.1:28361>
    ServerName wsgi-emb.test
    WSGIProcessGroup %{{GLOBAL}}
    WSGIScriptAlias / /srv/wsgiapp/mysite/wsgi.py
</VirtualHost>
{first}<VirtualHost 127.0.0.1:28362>
    ServerName wsgi.test
    SSLEngine on
    SSLCertificateFile /srv/tls/leaf.pem
    WSGIScriptAlias / /srv/wsgiapp/mysite/wsgi.py
</VirtualHost>
"""

# What R36 pasted before the first TLS VirtualHost: the fix's second option, as sweep prints
# it. Debian's apache2 -S on the full applied file names it "default server" of
# 127.0.0.1:28362, and curl https://wsgi-emb.test:28362/ gets its 403.
CATCH_ALL = """\
<VirtualHost 127.0.0.1:28362>
    ServerName default.invalid
    SSLEngine on
    SSLCertificateFile /srv/tls/leaf.pem
    SSLCertificateKeyFile /srv/tls/leaf.key
    <Location />
        Require all denied
    </Location>
</VirtualHost>
"""


def test_a_refusing_catch_all_listed_first_on_the_tls_address_clears_it(
        tmp_path: Path) -> None:
    [(line, message)] = missing(lint(tmp_path, R36.format(first="")))
    assert line == 5 and message.startswith("wsgi-emb.test is served over plain HTTP"), message
    assert f"(wsgi.test) at {tmp_path}/httpd.conf:10, another site" in message, message
    assert missing(lint(tmp_path, R36.format(first=CATCH_ALL))) == []
    # A catch-all that refuses nothing (it serves the main server's DocumentRoot) is still
    # another answer than the site's: the finding stays, naming it.
    serving = CATCH_ALL.replace("        Require all denied\n", "")
    [(_, message)] = missing(lint(tmp_path, R36.format(first=serving)))
    assert f"(default.invalid) at {tmp_path}/httpd.conf:10, another site" in message, message
