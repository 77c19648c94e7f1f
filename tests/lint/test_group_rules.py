"""The static side of issue 11's causes: a process group applied too broadly, and an HTTPS
twin that runs embedded what its HTTP VirtualHost runs in a daemon group."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.lint import LintResult, lint_paths


def lint(tmp_path: Path, config: str) -> LintResult:
    (tmp_path / "other").mkdir(exist_ok=True)
    for name in ("a.wsgi", "b.wsgi", "other/b.wsgi"):
        (tmp_path / name).write_text("")
    conf = tmp_path / "httpd.conf"
    conf.write_text(config.replace("@ROOT@", str(tmp_path)))
    return lint_paths([conf])


def found(result: LintResult) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in result.findings]


BROAD = """\
WSGIDaemonProcess shared
{where}
<VirtualHost *:80>
    ServerName a.example.com
    WSGIScriptAlias /b @ROOT@/{second}
    WSGIScriptAlias / @ROOT@/a.wsgi
</VirtualHost>
"""


def test_server_scope_process_group_for_two_applications(tmp_path: Path) -> None:
    """Two code bases (scripts in two directories) in one daemon group."""
    result = lint(tmp_path, BROAD.format(where="WSGIProcessGroup shared",
                                         second="other/b.wsgi"))
    assert found(result) == [("broad_process_group", 2)]


def test_two_settings_modules_of_one_directory_are_two_applications(tmp_path: Path) -> None:
    (tmp_path / "b.wsgi").write_text(
        'import os\nos.environ["DJANGO_SETTINGS_MODULE"] = "site.staging"\n')
    config = BROAD.format(where="WSGIProcessGroup shared", second="b.wsgi")
    conf = tmp_path / "httpd.conf"
    (tmp_path / "a.wsgi").write_text(
        'import os\nos.environ["DJANGO_SETTINGS_MODULE"] = "site.production"\n')
    conf.write_text(config.replace("@ROOT@", str(tmp_path)))
    assert found(lint_paths([conf])) == [("broad_process_group", 2)]


@pytest.mark.parametrize("where, second", [
    ("WSGIProcessGroup shared", "a.wsgi"),  # one application mounted twice
    ("WSGIProcessGroup shared", "b.wsgi"),  # two scripts of one code base
    ("<Directory @ROOT@>\n    WSGIProcessGroup shared\n</Directory>", "b.wsgi"),  # chosen
])
def test_process_group_near_misses(tmp_path: Path, where: str, second: str) -> None:
    assert "broad_process_group" not in {
        f.code for f in lint(tmp_path, BROAD.format(where=where, second=second)).findings}


TWINS = """\
WSGIDaemonProcess shop
WSGIDaemonProcess shop-tls
<VirtualHost *:80>
    ServerName shop.example.com
    WSGIScriptAlias / @ROOT@/a.wsgi process-group=shop
</VirtualHost>
<VirtualHost *:443>
    ServerName shop.example.com
    SSLEngine on
    WSGIScriptAlias / @ROOT@/a.wsgi {group}
</VirtualHost>
"""


def test_https_twin_running_embedded(tmp_path: Path) -> None:
    result = lint(tmp_path, TWINS.format(group=""))
    assert ("ssl_twin", 10) in found(result)
    [twin] = [f for f in result.findings if f.code == "ssl_twin"]
    assert "embedded mode" in twin.message and "'shop'" in twin.message


@pytest.mark.parametrize("group", ["process-group=shop", "process-group=shop-tls"])
def test_https_twin_in_a_daemon_group_is_fine(tmp_path: Path, group: str) -> None:
    assert "ssl_twin" not in {f.code for f in lint(tmp_path, TWINS.format(group=group)).findings}


def test_a_process_group_inside_an_ifmodule_httpd_does_not_know(tmp_path: Path) -> None:
    # httpd matches <IfModule> on wsgi_module or mod_wsgi.c: "mod_wsgi" never holds.
    hidden = ("<VirtualHost *:80>\n    ServerName b.example.com\n"
              "    WSGIScriptAlias / /srv/b/wsgi.py\n    <IfModule mod_wsgi>\n"
              "        WSGIProcessGroup b\n    </IfModule>\n</VirtualHost>\n")
    result = lint(tmp_path, "LoadModule mpm_event_module m.so\n"
                            "LoadModule wsgi_module w.so\nWSGIDaemonProcess b\n" + hidden)
    [finding] = [f for f in result.findings if f.code == "wsgi_hidden"]
    assert finding.line == 7 and "WSGIProcessGroup b" in finding.message
    held = lint(tmp_path, "LoadModule mpm_event_module m.so\nLoadModule wsgi_module w.so\n"
                          "WSGIDaemonProcess b\n" + hidden.replace("mod_wsgi>", "wsgi_module>"))
    assert not [f for f in held.findings if f.code == "wsgi_hidden"]


CERTBOT_TWINS = """\
WSGIDaemonProcess shop
<VirtualHost *:8080>
    ServerName shop.example.com
    WSGIProcessGroup shop
    WSGIScriptAlias / @ROOT@/a.wsgi
    RewriteEngine on
    RewriteCond {test} {pattern} [OR]
    RewriteCond %{{SERVER_NAME}} =www.shop.example.com
    RewriteRule ^ https://%{{SERVER_NAME}}%{{REQUEST_URI}} [END,NE,R=permanent]
</VirtualHost>
<VirtualHost *:8443>
    ServerName shop.example.com
    SSLEngine on
    WSGIScriptAlias / @ROOT@/a.wsgi
</VirtualHost>
"""


def ssl_twin_message(tmp_path: Path, config: str) -> str:
    [twin] = [f for f in lint(tmp_path, config).findings if f.code == "ssl_twin"]
    return twin.message


def test_https_twin_of_a_redirecting_http_vhost(tmp_path: Path) -> None:
    """certbot's :80 VirtualHost redirects before mod_wsgi runs: http:// answers nothing
    from 'shop', so the words do not say http:// and https:// answer from two groups."""
    message = ssl_twin_message(tmp_path, CERTBOT_TWINS.format(
        test="%{SERVER_NAME}", pattern="=shop.example.com"))
    assert "different processes" not in message
    assert (f"http://shop.example.com:8080/ is redirected before mod_wsgi runs (RewriteRule at "
            f"{tmp_path}/httpd.conf:9, under RewriteCond at {tmp_path}/httpd.conf:7, "
            f"{tmp_path}/httpd.conf:8)") in message
    # the VirtualHost's port is kept, and "embedded mode" is said once
    assert message.startswith("https://shop.example.com:8443/ runs ")
    assert message.count("embedded mode") == 1


def test_https_twin_whose_redirect_conditions_fail_for_its_name(tmp_path: Path) -> None:
    message = ssl_twin_message(tmp_path, CERTBOT_TWINS.format(
        test="%{HTTP_HOST}", pattern="=other.example.com"))
    assert message.endswith("http:// and https:// answer from different processes")


def test_https_twin_whose_redirect_depends_on_the_request(tmp_path: Path) -> None:
    message = ssl_twin_message(tmp_path, CERTBOT_TWINS.format(
        test="%{REQUEST_URI}", pattern="!^/api").replace(" [OR]", "").replace("=www.", "="))
    assert "the configuration does not decide: a request to http://shop.example.com:8080/" \
        in message
