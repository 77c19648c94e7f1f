"""False claims found on real configurations (issue 13): each configuration that used to
trigger one, and a near miss where the finding is right."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.apache.modules import (
    Modules,
    loaded_names,
    names_of,
    parse_compiled_in,
    parse_server_version,
)
from probe.discover import discover_paths
from probe.lint import Httpd, LintResult, lint_paths

MPM = "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n"
SSL = "LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so\n"


def lint(tmp_path: Path, config: str, httpd: Httpd | None = None) -> LintResult:
    conf = tmp_path / "httpd.conf"
    conf.write_text(config.replace("@ROOT@", str(tmp_path)))
    return lint_paths([conf], httpd=httpd)


def found(result: LintResult) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in result.findings]


# --------------------------------------------------------------------------------------------
# <IfModule> and <IfDefine> decided as httpd does


IFMODULE_SSL = "<IfModule {name}>\n    Include /nonexistent/ssl-site.conf\n</IfModule>\n"


@pytest.mark.parametrize("name", ["mod_ssl.c", "ssl_module"])
def test_ifmodule_of_a_module_not_loaded_is_skipped(tmp_path: Path, name: str) -> None:
    assert found(lint(tmp_path, MPM + IFMODULE_SSL.format(name=name))) == []


@pytest.mark.parametrize("name", ["mod_ssl.c", "ssl_module"])
def test_ifmodule_of_a_loaded_module_is_read(tmp_path: Path, name: str) -> None:
    result = lint(tmp_path, MPM + SSL + IFMODULE_SSL.format(name=name))
    assert found(result) == [("config", 4)]
    assert "httpd would not start" in result.findings[0].message


def test_a_module_loaded_after_the_ifmodule_does_not_count(tmp_path: Path) -> None:
    # httpd decides <IfModule> while reading: a later LoadModule is too late
    assert found(lint(tmp_path, MPM + IFMODULE_SSL.format(name="mod_ssl.c") + SSL)) == []


def test_compiled_in_modules_and_negation(tmp_path: Path) -> None:
    config = MPM + ("<IfModule mod_version.c>\n    Include /nonexistent/a.conf\n</IfModule>\n"
                    "<IfModule !mod_ssl.c>\n    Include /nonexistent/b.conf\n</IfModule>\n")
    assert found(lint(tmp_path, config)) == [("config", 3), ("config", 6)]
    without_version = Httpd(compiled_in=frozenset({"core.c", "http_core.c"}))
    assert found(lint(tmp_path, config, without_version)) == [("config", 6)]


def test_a_fragment_that_loads_no_mpm_assumes_its_modules(tmp_path: Path) -> None:
    # A site file linted alone: its <IfModule mod_wsgi.c> must not hide what it is about.
    result = lint(tmp_path, """\
<IfModule mod_wsgi.c>
    WSGIDaemonProcess app
    WSGIScriptAlias / @ROOT@/app.wsgi process-group=nothere
</IfModule>
""")
    assert ("undefined_daemon", 3) in found(result)


@pytest.mark.parametrize("define, expected", [((), []), (("SSL",), [("config", 3)])])
def test_ifdefine_honours_dash_d(tmp_path: Path, define: tuple[str, ...],
                                 expected: list[tuple[str, int]]) -> None:
    config = MPM + "<IfDefine SSL>\n    Include /nonexistent/ssl.conf\n</IfDefine>\n"
    assert found(lint(tmp_path, config, Httpd(defines=define))) == expected


def test_undefine_removes_a_dash_d_name(tmp_path: Path) -> None:
    config = MPM + "UnDefine SSL\n<IfDefine SSL>\n    Include /nonexistent/ssl.conf\n</IfDefine>\n"
    assert found(lint(tmp_path, config, Httpd(defines=("SSL",)))) == []


def test_module_names() -> None:
    assert names_of("mod_wsgi.c") == {"mod_wsgi.c", "wsgi_module"}
    assert names_of("wsgi_module") == {"mod_wsgi.c", "wsgi_module"}
    assert names_of("event.c") == {"event.c", "mpm_event_module"}
    assert "mod_wsgi.c" in loaded_names(
        "wsgi_module", "/venv/mod_wsgi/server/mod_wsgi-py311.cpython-311-x86_64-linux-gnu.so")
    assert parse_compiled_in(["Compiled in modules:", "  core.c", "  mod_so.c"]) == {
        "core.c", "mod_so.c"}
    modules = Modules(frozenset({"core.c", "prefork.c"}))
    assert modules.whole_server and not modules.present("mod_ssl.c")
    assert not Modules(frozenset({"core.c"})).whole_server


# --------------------------------------------------------------------------------------------
# a VirtualHost without ServerName has the main server's


INHERITED = """\
ServerName site.example.com
<VirtualHost *:80>
    WSGIDaemonProcess app
    WSGIScriptAlias / @ROOT@/app.wsgi process-group=app
</VirtualHost>
<VirtualHost *:8080>
    ServerName {name}
    WSGIScriptAlias / @ROOT@/app.wsgi process-group=app
</VirtualHost>
"""


def test_daemon_in_a_nameless_vhost_serves_the_main_server_name(tmp_path: Path) -> None:
    (tmp_path / "app.wsgi").write_text("")
    assert found(lint(tmp_path, INHERITED.format(name="site.example.com"))) == []


def test_daemon_in_a_nameless_vhost_does_not_serve_another_name(tmp_path: Path) -> None:
    (tmp_path / "app.wsgi").write_text("")
    result = lint(tmp_path, INHERITED.format(name="other.example.com"))
    assert found(result) == [("undefined_daemon", 8)]
    assert "no ServerName: site.example.com from the main server" in result.findings[0].message


# --------------------------------------------------------------------------------------------
# a duplicate daemon group is one error, not two


DUPLICATE = """\
<VirtualHost *:80>
    ServerName a.example.com
    WSGIDaemonProcess app
    WSGIScriptAlias / @ROOT@/a.wsgi process-group=app
</VirtualHost>
<VirtualHost *:81>
    ServerName b.example.com
    WSGIDaemonProcess {second}
    WSGIScriptAlias / @ROOT@/b.wsgi process-group=app
</VirtualHost>
"""


def test_duplicate_daemon_is_reported_once(tmp_path: Path) -> None:
    for name in ("a.wsgi", "b.wsgi"):
        (tmp_path / name).write_text("")
    result = lint(tmp_path, DUPLICATE.format(second="app"))
    assert found(result) == [("duplicate_daemon", 8)]


def test_a_single_daemon_used_from_another_vhost_is_still_undefined(tmp_path: Path) -> None:
    for name in ("a.wsgi", "b.wsgi"):
        (tmp_path / name).write_text("")
    result = lint(tmp_path, DUPLICATE.format(second="other"))
    assert found(result) == [("unused_daemon", 8), ("undefined_daemon", 9)]


# --------------------------------------------------------------------------------------------
# Debian's stock 000-default.conf listed first


DEBIAN_DEFAULT = """\
<VirtualHost *:80>
    #ServerName www.example.com
    ServerAdmin webmaster@localhost
    DocumentRoot /var/www/html
</VirtualHost>
"""
SITE = """\
<VirtualHost *:80>
    ServerName shop.example.com
    WSGIScriptAlias / @ROOT@/shop.wsgi
</VirtualHost>
"""


def test_debian_default_page_first_is_a_note_not_a_fallback(tmp_path: Path) -> None:
    (tmp_path / "shop.wsgi").write_text("")
    result = lint(tmp_path, DEBIAN_DEFAULT + SITE)
    assert found(result) == [("vhost_default_page", 1)]
    assert result.exit_status == 0
    assert "/var/www/html" in result.findings[0].message
    manifest = discover_paths([tmp_path / "httpd.conf"])
    assert "\n[refuse]" not in manifest
    assert "static default page" in manifest


def test_a_named_static_site_first_is_a_fallback(tmp_path: Path) -> None:
    (tmp_path / "shop.wsgi").write_text("")
    named = DEBIAN_DEFAULT.replace("#ServerName", "ServerName")
    result = lint(tmp_path, named + SITE)
    assert found(result) == [("vhost_fallback", 1)]
    assert result.exit_status == 1


def test_the_fallback_s_catch_all_keeps_the_address_as_written(tmp_path: Path) -> None:
    # puppet's and Debian's files write the port with a Define: a catch-all pasted beside
    # them says the same (a re-tester's lint fix wrote the port the Define held).
    (tmp_path / "shop.wsgi").write_text("")
    named = DEBIAN_DEFAULT.replace("#ServerName", "ServerName")
    config = "Define PORT 8080\n" + (named + SITE).replace("*:80", "*:${PORT}")
    result = lint(tmp_path, config)
    (fallback,) = [f for f in result.findings if f.code == "vhost_fallback"]
    assert "<VirtualHost *:${PORT}> ServerName default.invalid" in (fallback.fix or ""), \
        fallback.fix


# puppetlabs-apache's own 15-default.conf / 15-default-ssl.conf (trimmed, from a tester's
# generated vhosts): the catch-alls it writes first, a placeholder ServerName and an empty
# docroot. lint told the user to put another catch-all in front of them.
PUPPET_DEFAULT = """\
<VirtualHost *:80>
  ServerName default
  DocumentRoot "/var/www/default"
  <Directory "/var/www/default">
    AllowOverride None
    Require all granted
  </Directory>
  ErrorLog "/var/log/apache2/default_error.log"
  ServerSignature Off
</VirtualHost>
"""


def test_puppet_s_default_vhost_first_is_a_note_not_a_fallback(tmp_path: Path) -> None:
    (tmp_path / "shop.wsgi").write_text("")
    result = lint(tmp_path, PUPPET_DEFAULT + SITE)
    assert found(result) == [("vhost_default_page", 1)]
    assert result.exit_status == 0


def test_puppet_s_default_ssl_vhost_first_is_a_note_not_a_fallback(tmp_path: Path) -> None:
    (tmp_path / "shop.wsgi").write_text("")
    for name in ("cert.pem", "key.pem"):
        (tmp_path / name).write_text("")
    tls = (f"  SSLEngine on\n  SSLCertificateFile {tmp_path}/cert.pem\n"
           f"  SSLCertificateKeyFile {tmp_path}/key.pem\n")
    ssl_default = PUPPET_DEFAULT.replace("ServerName default", "ServerName default-ssl") \
        .replace("</VirtualHost>", tls + "</VirtualHost>")
    site = SITE.replace("    WSGIScriptAlias", tls + "    WSGIScriptAlias")
    result = lint(tmp_path, ssl_default.replace("*:80", "*:443") + site.replace("*:80",
                                                                                "*:443"))
    assert found(result) == [("vhost_default_page", 1)]


def test_a_placeholder_name_on_an_application_first_is_still_a_fallback(
        tmp_path: Path) -> None:
    (tmp_path / "shop.wsgi").write_text("")
    (tmp_path / "other.wsgi").write_text("")
    app = SITE.replace("shop.example.com", "default").replace("shop.wsgi", "other.wsgi")
    assert found(lint(tmp_path, app + SITE)) == [("vhost_fallback", 1)]


def test_a_default_page_alone_says_nothing(tmp_path: Path) -> None:
    assert found(lint(tmp_path, DEBIAN_DEFAULT)) == []


@pytest.mark.parametrize("condition, holds", [
    (">= 2.4", True), ("< 2.4", False), ("2.4.71", True), ("= 2.4.70", False),
    ("!< 2.4", True), ("~ ^2\\.4", True), ("/^2\\.2/", False), ("! >= 2.4", False),
])
def test_ifversion_against_the_httpd_version(tmp_path: Path, condition: str,
                                             holds: bool) -> None:
    config = (MPM + f"<IfVersion {condition}>\n    Include /nonexistent/v.conf\n"
              "</IfVersion>\n")
    expected = [("config", 3)] if holds else []
    assert found(lint(tmp_path, config, Httpd(version=(2, 4, 71)))) == expected
    assert found(lint(tmp_path, config)) == [("config", 3)]  # version unknown: read


def test_server_version_parsing() -> None:
    assert parse_server_version("Server version: Apache/2.4.71 (Debian)\n") == (2, 4, 71)
    assert parse_server_version("nothing") is None
