"""Lint rules over small configurations: each misroute found, each near miss left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.lint import LintResult, lint_paths
from probe.lint.rules import ConfigFinding, Severity

SETDEFAULT = 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "{}")\n'
ASSIGN = 'import os\nos.environ["DJANGO_SETTINGS_MODULE"] = "{}"\n'


def lint(tmp_path: Path, config: str, scripts: dict[str, str] | None = None) -> LintResult:
    """Write ``config`` (``@ROOT@`` = tmp_path) and the WSGI scripts, lint them."""
    for name, text in (scripts or {}).items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    conf = tmp_path / "httpd.conf"
    conf.write_text(config.replace("@ROOT@", str(tmp_path)))
    return lint_paths([conf])


def codes(result: LintResult, code: str) -> list[ConfigFinding]:
    return [f for f in result.findings if f.code == code]


TWO_PROJECTS = {
    "project-1/wsgi.py": SETDEFAULT.format("mysite.settings"),
    "project-2/wsgi.py": SETDEFAULT.format("mysite.settings_two"),
}


# --------------------------------------------------------------------------------------------
# alias_order


def test_shorter_mount_first_shadows_the_longer(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName site-1.example.com
    WSGIScriptAlias / @ROOT@/project-1/wsgi.py
    WSGIScriptAlias /suburl @ROOT@/project-2/wsgi.py
</VirtualHost>
""", {"project-1/wsgi.py": "", "project-2/wsgi.py": ""})
    [finding] = codes(result, "alias_order")
    assert finding.severity is Severity.ERROR
    assert finding.line == 4  # the mount that is never reached
    conf = str(tmp_path / "httpd.conf")
    assert f"{conf}:3" in finding.message and "/suburl" in finding.message
    assert finding.fix is not None and "longer mount first" in finding.fix
    assert f"{conf}:4" in finding.fix and f"{conf}:3" in finding.fix
    assert result.exit_status == 1


def test_a_main_server_mount_under_a_virtualhosts_own_root(tmp_path: Path) -> None:
    """Read first or not, the main server's /healthz comes after a VirtualHost's own /: no
    move of it helps (a tester's Debian layout, conf-enabled read before sites-enabled)."""
    result = lint(tmp_path, """\
WSGIScriptAlias /healthz @ROOT@/health/wsgi.py
<VirtualHost *:80>
    ServerName api.example.com
    WSGIScriptAlias / @ROOT@/api/wsgi.py
</VirtualHost>
""", {"health/wsgi.py": "", "api/wsgi.py": ""})
    [finding] = codes(result, "alias_order")
    conf = str(tmp_path / "httpd.conf")
    assert finding.line == 1
    assert "tries its own aliases before those of the main server" in finding.message
    assert "earlier" not in finding.message
    assert finding.fix is not None and "inside" in finding.fix and "move" not in finding.fix
    assert f"above its WSGIScriptAlias / ({conf}:4)" in finding.fix


def test_longest_mount_first_is_clean(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName site-1.example.com
    WSGIScriptAlias /suburl @ROOT@/project-2/wsgi.py
    WSGIScriptAlias / @ROOT@/project-1/wsgi.py
</VirtualHost>
""", {"project-1/wsgi.py": "", "project-2/wsgi.py": ""})
    assert result.findings == ()
    assert result.exit_status == 0


def test_prefix_that_is_not_a_whole_segment_does_not_shadow(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
WSGIScriptAlias /app @ROOT@/a.wsgi
WSGIScriptAlias /apps @ROOT@/b.wsgi
WSGIScriptAlias /app/admin @ROOT@/c.wsgi
""", {"a.wsgi": "", "b.wsgi": "", "c.wsgi": ""})
    [finding] = codes(result, "alias_order")
    assert finding.line == 3  # /app/admin only: /apps is a different segment


def test_vhost_aliases_come_before_inherited_main_server_ones(tmp_path: Path) -> None:
    # mod_wsgi appends the main server's aliases after the VirtualHost's own.
    result = lint(tmp_path, """\
WSGIScriptAlias / @ROOT@/main.wsgi
<VirtualHost *:80>
    ServerName a.example
    WSGIScriptAlias /api @ROOT@/api.wsgi
</VirtualHost>
""", {"main.wsgi": "", "api.wsgi": ""})
    assert codes(result, "alias_order") == []


def test_regex_alias_first_shadows_a_later_mount(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName a.example
    WSGIScriptAliasMatch ^/(.*)$ @ROOT@/catchall.wsgi
    WSGIScriptAlias /api @ROOT@/api.wsgi
</VirtualHost>
""", {"catchall.wsgi": "", "api.wsgi": ""})
    [finding] = codes(result, "alias_order")
    assert finding.line == 4


def test_alias_in_separate_virtual_hosts_do_not_interact(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName site-1.example.com
    WSGIScriptAlias / @ROOT@/project-1/wsgi.py
</VirtualHost>
<VirtualHost *:80>
    ServerName site-2.example.com
    WSGIScriptAlias /suburl @ROOT@/project-2/wsgi.py
</VirtualHost>
""", {"project-1/wsgi.py": "", "project-2/wsgi.py": ""})
    assert codes(result, "alias_order") == []


# --------------------------------------------------------------------------------------------
# environ_leak


EMBEDDED_TWO_SITES = """\
<VirtualHost *:80>
    ServerName site-1.example.com
    WSGIScriptAlias / @ROOT@/project-1/wsgi.py
</VirtualHost>
<VirtualHost *:80>
    ServerName site-2.example.com
    WSGIScriptAlias / @ROOT@/project-2/wsgi.py
</VirtualHost>
"""
CATCH_ALL = ("<VirtualHost *:80>\n ServerName catch.invalid\n <Location />\n  Require all denied\n"
             " </Location>\n</VirtualHost>\n")


def test_embedded_apps_with_setdefault_leak(tmp_path: Path) -> None:
    result = lint(tmp_path, CATCH_ALL + EMBEDDED_TWO_SITES, TWO_PROJECTS)
    leaks = codes(result, "environ_leak")
    assert {f.line for f in leaks} == {9, 13}
    assert all(f.severity is Severity.ERROR for f in leaks)
    first = next(f for f in leaks if f.line == 9)
    assert "setdefault" in first.message and "project-2/wsgi.py" in first.message
    assert first.fix is not None and 'os.environ["DJANGO_SETTINGS_MODULE"] = ' \
        '"mysite.settings"' in first.fix
    assert result.exit_status == 1


def test_daemon_mode_one_app_per_group_does_not_leak(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
WSGIDaemonProcess project-1
WSGIDaemonProcess project-2
<VirtualHost *:80>
    ServerName site-1.example.com
    WSGIScriptAlias /suburl @ROOT@/project-2/wsgi.py process-group=project-2
    WSGIScriptAlias / @ROOT@/project-1/wsgi.py process-group=project-1
</VirtualHost>
""", TWO_PROJECTS)
    assert result.findings == ()


def test_wsgiprocessgroup_directive_counts_as_daemon_mode(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
WSGIDaemonProcess p1
WSGIDaemonProcess p2
<VirtualHost *:80>
    ServerName site-1.example.com
    WSGIProcessGroup p1
    WSGIScriptAlias / @ROOT@/project-1/wsgi.py
</VirtualHost>
<VirtualHost *:80>
    ServerName site-2.example.com
    WSGIScriptAlias / @ROOT@/project-2/wsgi.py
    <Directory @ROOT@/project-2>
        WSGIProcessGroup p2
    </Directory>
</VirtualHost>
""", TWO_PROJECTS)
    assert codes(result, "environ_leak") == []
    assert codes(result, "unused_daemon") == []


def test_one_daemon_group_two_application_groups_leaks(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
WSGIDaemonProcess shared
<VirtualHost *:80>
    ServerName site-1.example.com
    WSGIScriptAlias /suburl @ROOT@/project-2/wsgi.py process-group=shared
    WSGIScriptAlias / @ROOT@/project-1/wsgi.py process-group=shared
</VirtualHost>
""", TWO_PROJECTS)
    leaks = codes(result, "environ_leak")
    assert {f.line for f in leaks} == {4, 5}
    assert "daemon process group 'shared'" in leaks[0].message


def test_same_script_in_two_interpreters_does_not_leak(tmp_path: Path) -> None:
    # Same script, same value: inheriting it is harmless.
    result = lint(tmp_path, EMBEDDED_TWO_SITES.replace("project-2", "project-1"), TWO_PROJECTS)
    assert codes(result, "environ_leak") == []


def test_same_script_with_computed_settings_does_not_leak(tmp_path: Path) -> None:
    # Even when the value is not a literal, one script always computes the same one.
    script = ('import os\nNAME = "x.settings"\n'
              'os.environ.setdefault("DJANGO_SETTINGS_MODULE", NAME)\n')
    result = lint(tmp_path, EMBEDDED_TWO_SITES.replace("project-2", "project-1"),
                  {"project-1/wsgi.py": script})
    assert codes(result, "environ_leak") == []


def test_assignment_instead_of_setdefault_does_not_leak(tmp_path: Path) -> None:
    result = lint(tmp_path, EMBEDDED_TWO_SITES, {
        "project-1/wsgi.py": ASSIGN.format("mysite.settings"),
        "project-2/wsgi.py": ASSIGN.format("mysite.settings_two"),
    })
    assert codes(result, "environ_leak") == []


def test_only_the_setdefault_script_is_at_risk(tmp_path: Path) -> None:
    result = lint(tmp_path, EMBEDDED_TWO_SITES, {
        "project-1/wsgi.py": ASSIGN.format("mysite.settings"),
        "project-2/wsgi.py": SETDEFAULT.format("mysite.settings_two"),
    })
    [leak] = codes(result, "environ_leak")
    assert leak.line == 7  # project-2's alias


def test_unreadable_script_is_a_note_not_a_crash(tmp_path: Path) -> None:
    result = lint(tmp_path, CATCH_ALL + EMBEDDED_TWO_SITES, {"project-1/wsgi.py": ""})
    [note] = codes(result, "script_unreadable")
    assert note.severity is Severity.NOTE and "project-2/wsgi.py" in note.message
    assert codes(result, "environ_leak") == []
    assert result.exit_status == 0  # notes do not fail a lint


def test_global_application_group_for_two_django_apps_is_one_interpreter(
        tmp_path: Path) -> None:
    result = lint(tmp_path, "WSGIApplicationGroup %{GLOBAL}\n" + EMBEDDED_TWO_SITES,
                  TWO_PROJECTS)
    [shared] = codes(result, "shared_interpreter")
    assert shared.line == 8 and shared.severity is Severity.ERROR
    assert codes(result, "environ_leak") == []  # one interpreter: nothing to inherit


# --------------------------------------------------------------------------------------------
# vhost_fallback


def test_first_vhost_being_a_real_site_catches_unknown_names(tmp_path: Path) -> None:
    result = lint(tmp_path, EMBEDDED_TWO_SITES, {
        "project-1/wsgi.py": "", "project-2/wsgi.py": ""})
    [finding] = codes(result, "vhost_fallback")
    assert finding.line == 1 and finding.severity is Severity.WARNING
    assert "site-1.example.com" in finding.message and "*:80" in finding.message
    assert finding.fix is not None and "Require all denied" in finding.fix


@pytest.mark.parametrize("refusal", [
    "<Location />\n Require all denied\n</Location>",
    "<LocationMatch ^/>\n Require all denied\n</LocationMatch>",
    "<Location />\n Order deny,allow\n Deny from all\n</Location>",
    "RewriteEngine On\nRewriteRule ^ - [F]",
    "Redirect 404 /",
])
def test_first_vhost_that_refuses_everything_is_clean(tmp_path: Path, refusal: str) -> None:
    result = lint(tmp_path, f"<VirtualHost *:80>\nServerName default.invalid\n"
                  f"DocumentRoot /var/www/empty\n{refusal}\n</VirtualHost>\n"
                  + EMBEDDED_TWO_SITES, {"project-1/wsgi.py": "", "project-2/wsgi.py": ""})
    assert codes(result, "vhost_fallback") == []


@pytest.mark.parametrize("refusal", ["Require all denied",
                                     "Order deny,allow\nDeny from all",
                                     "<Directory />\n Require all denied\n</Directory>"])
def test_first_vhost_refusing_outside_a_location_is_not_a_catch_all(tmp_path: Path,
                                                                     refusal: str) -> None:
    # httpd refuses Require/Deny directly in <VirtualHost>; a <Directory /> in it is
    # overridden by any longer <Directory> granting access (Debian's /var/www/).
    result = lint(tmp_path, f"<VirtualHost *:80>\nServerName default.invalid\n"
                  f"DocumentRoot /var/www/empty\n{refusal}\n</VirtualHost>\n"
                  + EMBEDDED_TWO_SITES, {"project-1/wsgi.py": "", "project-2/wsgi.py": ""})
    assert [f.line for f in codes(result, "vhost_fallback")] == [1]
    refused = [f for f in codes(result, "config") if f.severity is Severity.ERROR]
    if refusal.startswith("<Directory"):
        assert refused == []
    else:
        assert refused and all("not allowed in <VirtualHost> context" in f.message
                               for f in refused)
        assert refused[0].line == 4


def test_access_control_in_the_main_server_context_is_an_error(tmp_path: Path) -> None:
    result = lint(tmp_path, "ServerName x\nRequire all granted\n<Directory />\n"
                  "    Require all denied\n</Directory>\n")
    [finding] = codes(result, "config")
    assert finding.line == 2 and finding.severity is Severity.ERROR
    assert "server config context" in finding.message
    assert finding.fix is not None and "<Location /> Require all granted </Location>" \
        in finding.fix


def test_default_wildcard_port_catch_all_is_bypassed_by_port_specific_vhosts(
        tmp_path: Path) -> None:
    result = lint(tmp_path, "<VirtualHost _default_:*>\n    <Location />\n"
                  "        Require all denied\n    </Location>\n</VirtualHost>\n"
                  + EMBEDDED_TWO_SITES,
                  {"project-1/wsgi.py": "", "project-2/wsgi.py": ""})
    findings = codes(result, "vhost_fallback")
    assert sorted(f.line for f in findings) == [1, 6]
    bypassed = next(f for f in findings if f.line == 1)
    assert "_default_:*" in bypassed.message and "*:80" in bypassed.message


def test_default_catch_all_on_the_same_port_works(tmp_path: Path) -> None:
    result = lint(tmp_path, "<VirtualHost _default_:80>\n    <Location />\n"
                  "        Require all denied\n    </Location>\n</VirtualHost>\n"
                  + EMBEDDED_TWO_SITES,
                  {"project-1/wsgi.py": "", "project-2/wsgi.py": ""})
    assert codes(result, "vhost_fallback") == []


def test_ip_specific_vhosts_ignore_a_wildcard_catch_all(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
<VirtualHost *:80>
    Redirect 404 /
</VirtualHost>
<VirtualHost 127.0.0.1:80>
    ServerName a.example
    DocumentRoot /srv/a
</VirtualHost>
<VirtualHost 127.0.0.1:80>
    ServerName b.example
    DocumentRoot /srv/b
</VirtualHost>
""")
    findings = codes(result, "vhost_fallback")
    assert sorted(f.line for f in findings) == [1, 4]
    assert "127.0.0.1:80" in findings[0].message


def test_a_catch_all_on_another_port_is_not_blamed(tmp_path: Path) -> None:
    result = lint(tmp_path, "<VirtualHost *:443>\n    Redirect gone /\n</VirtualHost>\n"
                  + EMBEDDED_TWO_SITES, {"project-1/wsgi.py": "", "project-2/wsgi.py": ""})
    assert [f.line for f in codes(result, "vhost_fallback")] == [4]


def test_a_single_site_is_not_a_fallback(tmp_path: Path) -> None:
    result = lint(tmp_path, "<VirtualHost *:80>\nServerName only.example\n"
                  "DocumentRoot /srv/www\n</VirtualHost>\n")
    assert codes(result, "vhost_fallback") == []


# --------------------------------------------------------------------------------------------
# daemon process groups


def test_undefined_and_unused_daemon_groups(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
WSGIDaemonProcess spare
WSGIScriptAlias / @ROOT@/a.wsgi process-group=typo
""", {"a.wsgi": ""})
    [undefined] = codes(result, "undefined_daemon")
    assert undefined.line == 2 and "'typo'" in undefined.message
    [unused] = codes(result, "unused_daemon")
    assert unused.line == 1 and unused.severity is Severity.NOTE


def test_daemon_defined_in_another_virtual_host_cannot_be_used(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName a.example
    WSGIDaemonProcess a-group
    WSGIScriptAlias / @ROOT@/a.wsgi process-group=a-group
</VirtualHost>
<VirtualHost *:80>
    ServerName b.example
    WSGIScriptAlias / @ROOT@/b.wsgi process-group=a-group
</VirtualHost>
""", {"a.wsgi": "", "b.wsgi": ""})
    [finding] = codes(result, "undefined_daemon")
    assert finding.line == 8


def test_duplicate_daemon_names(tmp_path: Path) -> None:
    result = lint(tmp_path, "WSGIDaemonProcess x\nWSGIDaemonProcess x\n"
                  "WSGIProcessGroup x\n")
    [duplicate] = codes(result, "duplicate_daemon")
    assert duplicate.line == 2


def test_findings_are_sorted_by_place(tmp_path: Path) -> None:
    result = lint(tmp_path, EMBEDDED_TWO_SITES.replace(
        "WSGIScriptAlias / @ROOT@/project-1/wsgi.py",
        "WSGIScriptAlias / @ROOT@/project-1/wsgi.py\n    WSGIScriptAlias /x @ROOT@/x.wsgi"),
        {**TWO_PROJECTS, "x.wsgi": ""})
    places = [(f.file, f.line) for f in result.findings]
    assert places == sorted(places)
    assert {f.code for f in result.findings} >= {"alias_order", "environ_leak",
                                                 "vhost_fallback"}


def test_plain_alias_first_shadows_a_later_regex_under_it(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
WSGIScriptAlias /api @ROOT@/api.wsgi
WSGIScriptAliasMatch ^/api/v(\\d+)/ @ROOT@/v$1.wsgi
WSGIScriptAliasMatch ^/apix/(.*) @ROOT@/x.wsgi
""", {"api.wsgi": ""})
    assert [f.line for f in codes(result, "alias_order")] == [2]


# --------------------------------------------------------------------------------------------
# what httpd refuses to read


@pytest.mark.parametrize(("config", "text"), [
    ("Include @ROOT@/missing.conf\n", "no such file"),
    ("Include @ROOT@/httpd.conf\n", "includes itself"),
    ("<VirtualHost *:80>\nServerName a\n", "never closed"),
])
def test_configuration_httpd_refuses_is_an_error(tmp_path: Path, config: str,
                                                  text: str) -> None:
    result = lint(tmp_path, config)
    [finding] = codes(result, "config")
    assert finding.severity is Severity.ERROR and text in finding.message
    assert result.exit_status == 1


def test_optional_include_of_nothing_and_undefined_variables_are_notes(tmp_path: Path) -> None:
    result = lint(tmp_path, "IncludeOptional @ROOT@/none/*.conf\nServerAdmin ${NOPE}\n")
    [finding] = codes(result, "config")
    assert finding.severity is Severity.NOTE and "${NOPE}" in finding.message
    assert result.exit_status == 0


def test_global_is_case_sensitive_like_mod_wsgi(tmp_path: Path) -> None:
    # mod_wsgi compares "%{GLOBAL}" with strcmp: "%{global}" names a daemon group.
    result = lint(tmp_path, "WSGIScriptAlias / @ROOT@/a.wsgi process-group=%{global}\n"
                  "WSGIScriptAlias /b @ROOT@/b.wsgi process-group=%{GLOBAL}\n",
                  {"a.wsgi": "", "b.wsgi": ""})
    [undefined] = codes(result, "undefined_daemon")
    assert undefined.line == 1 and "'%{global}'" in undefined.message


def test_a_bracket_alias_does_not_shadow_as_a_character_class(tmp_path: Path) -> None:
    # httpd's ServerAlias wildcards are '*' and '?' only: 'x[ab].example.com' is a literal
    # name, so it takes nothing from 'xa.example.com' (fnmatch would have said it does).
    config = """
<VirtualHost *:80>
    ServerName one.example.com
    ServerAlias x[ab].example.com
</VirtualHost>
<VirtualHost *:80>
    ServerName xa.example.com
</VirtualHost>
<VirtualHost *:80>
    ServerName two.example.com
    ServerAlias *.example.com
</VirtualHost>
<VirtualHost *:80>
    ServerName late.example.com
</VirtualHost>
"""
    shadowed = [f for f in lint(tmp_path, config).findings if f.code == "vhost_shadowed"]
    assert [(f.line, "late.example.com" in f.message) for f in shadowed] == [(13, True)]
