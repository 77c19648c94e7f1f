"""``alias_shadows_mount``: an Alias that takes a WSGIScriptAlias's own URL (mod_alias maps a
path before mod_wsgi's aliases are tried, whatever the order in the file), and the Aliases
that only take part of a mount, which get no finding. Each configuration here was served by
real Apache 2.4 + mod_wsgi (tests/integration/test_alias_shadow_apache.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.lint.findings import Severity
from tests.lint.test_rules import codes, lint

FILES = {"app.wsgi": "", "other.wsgi": ""}


def test_an_alias_on_the_mount_takes_it_whatever_the_order(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName a.example
    WSGIScriptAlias /app @ROOT@/app.wsgi
    Alias /app @ROOT@/static
</VirtualHost>
""", FILES)
    [finding] = codes(result, "alias_shadows_mount")
    assert finding.severity is Severity.ERROR
    assert (finding.line, finding.file) == (3, str(tmp_path / "httpd.conf"))
    assert f"Alias /app {tmp_path}/static at {tmp_path}/httpd.conf:4" in finding.message
    assert "every URL of /app" in finding.message
    assert finding.fix is not None and f"({tmp_path}/httpd.conf:4)" in finding.fix


def test_an_alias_with_a_slash_leaves_the_app_only_its_bare_url(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName a.example
    Alias /app/ @ROOT@/static/
    WSGIScriptAlias /app @ROOT@/app.wsgi
</VirtualHost>
""", FILES)
    [finding] = codes(result, "alias_shadows_mount")
    assert finding.line == 4
    assert "every URL below /app/ (only /app itself reaches the application)" \
        in finding.message


@pytest.mark.parametrize("alias", ["ScriptAlias /app/ @ROOT@/cgi/",
                                   "<Location /app>\n        Alias @ROOT@/static\n"
                                   "    </Location>"])
def test_scriptalias_and_a_location_alias_take_the_mount_too(tmp_path: Path,
                                                             alias: str) -> None:
    result = lint(tmp_path, f"""\
<VirtualHost *:80>
    ServerName a.example
    {alias}
    WSGIScriptAlias /app @ROOT@/app.wsgi
</VirtualHost>
""", FILES)
    [finding] = codes(result, "alias_shadows_mount")
    assert finding.message.startswith("WSGIScriptAlias /app at")


def test_the_main_servers_alias_takes_a_virtualhosts_mount(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
Alias /app @ROOT@/static
<VirtualHost *:80>
    ServerName a.example
    WSGIScriptAlias /app @ROOT@/app.wsgi
    WSGIScriptAlias /other @ROOT@/other.wsgi
</VirtualHost>
""", FILES)
    [finding] = codes(result, "alias_shadows_mount")
    assert finding.line == 4
    assert "(the main server's, which every VirtualHost inherits)" in finding.message


def test_a_regex_alias_on_the_mounts_url_is_a_warning(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName a.example
    WSGIScriptAlias / @ROOT@/app.wsgi
    AliasMatch ^/$ @ROOT@/static/index.html
</VirtualHost>
""", FILES)
    [finding] = codes(result, "alias_shadows_mount")
    assert finding.severity is Severity.WARNING
    assert "/, the mount's own URL" in finding.message


@pytest.mark.parametrize("alias", [
    "Alias /static @ROOT@/static",  # below the mount: what it is for
    "Alias /x/y/ @ROOT@/static/",
    "AliasMatch ^/(.*\\.css)$ @ROOT@/static/$1",
    "AliasMatch ^/app/?$ @ROOT@/static/index.html",  # the mount is /app/api
    "Alias /apps @ROOT@/static",  # not /app: mounts match whole segments
])
def test_an_alias_that_leaves_the_mounts_url_to_the_app_is_no_finding(tmp_path: Path,
                                                                        alias: str) -> None:
    mount = "/app/api" if "app/?" in alias else "/app" if "apps" in alias else "/"
    result = lint(tmp_path, f"""\
<VirtualHost *:80>
    ServerName a.example
    WSGIScriptAlias {mount} @ROOT@/app.wsgi
    {alias}
</VirtualHost>
""", FILES)
    assert codes(result, "alias_shadows_mount") == []


def test_an_alias_in_another_virtualhost_is_no_finding(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName a.example
    Alias /app @ROOT@/static
</VirtualHost>
<VirtualHost *:80>
    ServerName b.example
    WSGIScriptAlias /app @ROOT@/app.wsgi
</VirtualHost>
""", FILES)
    assert codes(result, "alias_shadows_mount") == []


def test_a_redirect_before_the_alias_is_not_the_alias_serving(tmp_path: Path) -> None:
    # mod_alias tries Redirect lines before Alias lines: the redirect answers, not the Alias
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName a.example
    WSGIScriptAlias /app @ROOT@/app.wsgi
    Alias /app @ROOT@/static
    Redirect /app https://a.example/app
</VirtualHost>
""", FILES)
    assert codes(result, "alias_shadows_mount") == []


def test_a_handler_mount_through_its_alias_is_no_finding(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName id.example
    WSGIScriptAlias / @ROOT@/app.wsgi
    Alias /identity @ROOT@/keystone/keystone-wsgi-public
    <Location /identity>
        SetHandler wsgi-script
        Options +ExecCGI
    </Location>
</VirtualHost>
""", {**FILES, "keystone/keystone-wsgi-public": ""})
    assert codes(result, "alias_shadows_mount") == []
