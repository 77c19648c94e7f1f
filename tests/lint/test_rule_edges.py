"""Edge cases of the rules issue 23 changed or added: section coverage and merge order,
severity by consequence, one finding per fault, duplicated server directives, group
names, and httpd's own syntax check. Each case names the line the finding must be at."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from probe.lint import LintResult, lint_paths
from probe.lint.findings import Severity

SCRIPT = "def application(environ, start_response):\n    return []\n"


def lint(tmp_path: Path, config: str, *, httpd_check: bool = False,
         apachectl: bool = False) -> LintResult:
    for name in ("a/admin.wsgi", "a/public.wsgi", "b/other.wsgi"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(SCRIPT)
    conf = tmp_path / "site.conf"
    conf.write_text(config.replace("@ROOT@", str(tmp_path)))
    return lint_paths([conf], httpd_check=httpd_check, apachectl=apachectl)


def found(result: LintResult) -> list[tuple[str, str, int]]:
    return sorted((f.code, str(f.severity), f.line) for f in result.findings)


def message_of(result: LintResult, code: str) -> str:
    return next(f.message for f in result.findings if f.code == code)


ADMIN = """\
WSGIDaemonProcess admin
WSGIDaemonProcess public
<VirtualHost *:80>
    ServerName shop.example.com
    WSGIScriptAlias /admin @ROOT@/a/admin.wsgi{option}
    WSGIScriptAlias / @ROOT@/a/public.wsgi
    {first}
    {second}
</VirtualHost>
"""
LOC_ADMIN = "<Location /admin>\n        WSGIProcessGroup admin\n    </Location>"
LOC_ROOT = "<Location />\n        WSGIProcessGroup public\n    </Location>"


def test_a_general_location_after_a_specific_one_takes_its_group(tmp_path: Path) -> None:
    result = lint(tmp_path, ADMIN.format(option="", first=LOC_ADMIN, second=LOC_ROOT))
    # the warning is the fault; the note says what follows from it (admin runs idle)
    assert found(result) == [("section_order", "warning", 8), ("unused_daemon", "note", 1)]
    assert "runs with public" in message_of(result, "section_order")


@pytest.mark.parametrize("option, first, second", [
    ("", LOC_ROOT, LOC_ADMIN),  # the specific one merged last wins, as intended
    (" process-group=admin", LOC_ADMIN, LOC_ROOT),  # the alias option wins over sections
])
def test_section_order_near_misses(tmp_path: Path, option: str, first: str,
                                   second: str) -> None:
    assert found(lint(tmp_path, ADMIN.format(option=option, first=first,
                                             second=second))) == []


def test_application_group_sections_too(tmp_path: Path) -> None:
    config = ADMIN.format(
        option=" process-group=admin",
        first="<Location /admin>\n        WSGIApplicationGroup admin\n    </Location>",
        second="<Location />\n        WSGIApplicationGroup %{GLOBAL}\n    </Location>"
    ).replace("/ @ROOT@/a/public.wsgi", "/ @ROOT@/a/public.wsgi process-group=public")
    assert found(lint(tmp_path, config)) == [("section_order", "warning", 8)]


def test_directories_merge_shortest_first_whatever_their_order(tmp_path: Path) -> None:
    config = """\
WSGIDaemonProcess admin
WSGIDaemonProcess public
<VirtualHost *:80>
    ServerName shop.example.com
    WSGIScriptAlias / @ROOT@/a/admin.wsgi
    <Directory @ROOT@/a>
        WSGIProcessGroup admin
    </Directory>
    <Directory @ROOT@>
        WSGIProcessGroup public
    </Directory>
</VirtualHost>
"""
    # <Directory ROOT/a> is deeper: merged after <Directory ROOT>, so admin holds and
    # public runs nothing (nothing chose embedded mode either: a note).
    assert found(lint(tmp_path, config)) == [("unused_daemon", "note", 2)]


DIRECTORY = """\
{daemon}<VirtualHost *:80>
    ServerName api.example.com
    WSGIScriptAlias / @ROOT@/a/public.wsgi
    <Directory {where}>
        WSGIProcessGroup api
    </Directory>
</VirtualHost>
"""


@pytest.mark.parametrize("where", ["@ROOT@/a", "@ROOT@/a/public.wsgi", "@ROOT@/a/*"])
def test_a_directory_holding_the_script_or_naming_it_applies(tmp_path: Path,
                                                             where: str) -> None:
    config = DIRECTORY.format(daemon="WSGIDaemonProcess api\n", where=where)
    assert found(lint(tmp_path, config)) == []


def test_a_directory_elsewhere_never_applies(tmp_path: Path) -> None:
    undefined = lint(tmp_path, DIRECTORY.format(daemon="", where="@ROOT@/b"))
    assert found(undefined) == [("section_unused", "note", 5)] and undefined.exit_status == 0
    defined = lint(tmp_path, DIRECTORY.format(daemon="WSGIDaemonProcess api\n",
                                              where="@ROOT@/b"))
    assert found(defined) == [("unused_daemon", "warning", 6)] and defined.exit_status == 1


def test_files_inside_a_directory_apply_where_both_do(tmp_path: Path) -> None:
    nested = ("<Directory {d}>\n    <Files public.wsgi>\n        WSGIProcessGroup api\n"
              "    </Files>\n    </Directory>")
    config = """\
WSGIDaemonProcess api
<VirtualHost *:80>
    ServerName api.example.com
    WSGIScriptAlias / @ROOT@/a/public.wsgi
    {nested}
</VirtualHost>
"""
    assert found(lint(tmp_path, config.format(nested=nested.format(d="@ROOT@/a")))) == []
    elsewhere = lint(tmp_path, config.format(nested=nested.format(d="@ROOT@/b")))
    assert found(elsewhere) == [("unused_daemon", "warning", 7)]


EMBEDDED = """\
WSGIDaemonProcess spare
<VirtualHost *:80>
    ServerName www.example.com
    {group}
    WSGIScriptAlias / @ROOT@/a/public.wsgi
</VirtualHost>
"""


@pytest.mark.parametrize("group, expected", [
    ("", [("unused_daemon", "warning", 1)]),  # embedded only because nothing chose
    ("WSGIProcessGroup %{GLOBAL}", [("unused_daemon", "note", 1)]),  # embedded on purpose
    # per request: any daemon may be used, so no unused_daemon; but nothing read sets GROUP,
    # so mod_wsgi would take the literal text as the group (env_group_unset, tester T33)
    ("WSGIProcessGroup %{ENV:GROUP}", [("env_group_unset", "warning", 4)]),
])
def test_unused_daemon_severity_follows_the_consequence(tmp_path: Path, group: str,
                                                        expected: list[object]) -> None:
    assert found(lint(tmp_path, EMBEDDED.format(group=group))) == expected


def test_a_daemon_no_embedded_application_could_use_is_a_note(tmp_path: Path) -> None:
    config = """\
<VirtualHost *:80>
    ServerName one.example.com
    WSGIDaemonProcess one
</VirtualHost>
<VirtualHost *:80>
    ServerName two.example.com
    WSGIScriptAlias / @ROOT@/a/public.wsgi
</VirtualHost>
"""
    found_ = found(lint(tmp_path, config))
    assert ("unused_daemon", "note", 3) in found_
    assert all(sev != "warning" or code != "unused_daemon" for code, sev, _ in found_)


def test_an_included_line_is_one_finding_however_many_vhosts_include_it(
        tmp_path: Path) -> None:
    (tmp_path / "group.conf").write_text("WSGIProcessGroup shared\n")
    config = """\
WSGIDaemonProcess shared
<VirtualHost *:80>
    ServerName one.example.com
    Include @ROOT@/group.conf
    WSGIScriptAlias /other @ROOT@/b/other.wsgi
    WSGIScriptAlias / @ROOT@/a/public.wsgi
</VirtualHost>
<VirtualHost *:80>
    ServerName two.example.com
    Include @ROOT@/group.conf
    WSGIScriptAlias /other @ROOT@/b/other.wsgi
    WSGIScriptAlias / @ROOT@/a/public.wsgi
</VirtualHost>
"""
    result = lint(tmp_path, config)
    broad = [f for f in result.findings if f.code == "broad_process_group"]
    assert [(Path(f.file).name, f.line) for f in broad] == [("group.conf", 1)]


@pytest.mark.parametrize("second_name, fallback", [
    ("www.example.com", False),  # shadowed: only one site is reachable
    ("WWW.Example.COM", False),  # host names compare without case
    ("shop.example.com", True),  # two sites: unknown names land on the first
])
def test_fallback_counts_reachable_sites(tmp_path: Path, second_name: str,
                                         fallback: bool) -> None:
    config = f"""\
<VirtualHost *:80>
    ServerName www.example.com
    WSGIScriptAlias / @ROOT@/a/public.wsgi
</VirtualHost>
<VirtualHost *:80>
    ServerName {second_name}
    WSGIScriptAlias / @ROOT@/b/other.wsgi
</VirtualHost>
"""
    codes = {code for code, _, _ in found(lint(tmp_path, config))}
    assert ("vhost_fallback" in codes) is fallback
    assert ("vhost_shadowed" in codes) is not fallback


TWICE = """\
WSGIApplicationGroup %{{GLOBAL}}
WSGIScriptAlias / @ROOT@/a/public.wsgi
WSGIScriptAlias / @ROOT@/{second}
"""


def test_two_aliases_for_one_mount_the_second_is_unreachable(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a/public.wsgi").write_text(
        'import os\nos.environ["DJANGO_SETTINGS_MODULE"] = "a.settings"\n')
    (tmp_path / "b").mkdir()
    (tmp_path / "b/other.wsgi").write_text(
        'import os\nos.environ["DJANGO_SETTINGS_MODULE"] = "b.settings"\n')
    conf = tmp_path / "site.conf"
    conf.write_text(TWICE.replace("@ROOT@", str(tmp_path)).format(second="b/other.wsgi"))
    result = lint_paths([conf])
    # one fault: the unreachable alias shares no interpreter with anything
    assert found(result) == [("alias_order", "error", 3)]
    assert "same mount" in result.findings[0].message
    assert result.findings[0].fix and result.findings[0].fix.startswith("remove one")


def test_the_same_script_twice_changes_nothing_but_script_name(tmp_path: Path) -> None:
    assert found(lint(tmp_path, TWICE.format(second="a/public.wsgi"))) == [
        ("alias_order", "note", 3)]


@pytest.mark.parametrize("first, shadowed", [
    ("WSGIScriptAliasMatch app @ROOT@/b/other.wsgi", True),  # unanchored: matches /myapp
    ("WSGIScriptAliasMatch ^/app @ROOT@/b/other.wsgi", False),  # anchored: not /myapp
])
def test_unanchored_regex_mounts_match_anywhere(tmp_path: Path, first: str,
                                                shadowed: bool) -> None:
    config = f"{first}\nWSGIScriptAlias /myapp @ROOT@/a/public.wsgi\n"
    assert (("alias_order", "error", 2) in found(lint(tmp_path, config))) is shadowed


@pytest.mark.parametrize("lines, expected", [
    ("LoadModule wsgi_module /a/mod_wsgi.so\nLoadModule wsgi_module /b/mod_wsgi.so",
     [("duplicate_directive", "warning", 2)]),
    ("LoadModule wsgi_module /a/mod_wsgi.so\nloadmodule wsgi_module /a/mod_wsgi.so",
     [("duplicate_directive", "note", 2)]),
    ("WSGIPythonHome /srv/a\nwsgipythonhome /srv/b", [("duplicate_directive", "warning", 2)]),
    ("WSGIPythonPath /srv/a\nWSGIPythonPath /srv/a", [("duplicate_directive", "note", 2)]),
    ("LoadModule wsgi_module /a/mod_wsgi.so\nLoadModule env_module /a/mod_env.so", []),
])
def test_server_directives_given_twice(tmp_path: Path, lines: str,
                                       expected: list[object]) -> None:
    assert found(lint(tmp_path, lines + "\n")) == expected


def test_server_directives_inside_a_virtualhost(tmp_path: Path) -> None:
    config = "<VirtualHost *:80>\n    ServerName a.example.com\n    WSGIPythonHome /srv\n" \
             "    WSGISocketPrefix run/wsgi\n</VirtualHost>\n"
    assert found(lint(tmp_path, config)) == [("config", "error", 3), ("config", "error", 4)]


@pytest.mark.parametrize("line, warned", [
    ("WSGIApplicationGroup %GLOBAL", True),
    ("WSGIApplicationGroup %{global}", True),  # mod_wsgi compares the variable exactly
    ("WSGIApplicationGroup %{GLOBAL}", False),
    ("WSGIApplicationGroup %{ENV:APP}", False),
    ("WSGIApplicationGroup shop", False),
    ("WSGIScriptAlias / @ROOT@/a/public.wsgi application-group=%GLOBAL", True),
    # no %: a sub interpreter named GLOBAL; httpd strips the quotes before mod_wsgi reads it
    ("WSGIApplicationGroup GLOBAL", True),
    ('WSGIApplicationGroup "GLOBAL"', True),
    ("WSGIApplicationGroup '{GLOBAL}'", True),
    ("WSGIApplicationGroup RESOURCE", True),
    ('WSGIApplicationGroup "%{GLOBAL}"', False),
    ("WSGIApplicationGroup global", False),  # lower case: as likely a name chosen on purpose
    ("WSGIApplicationGroup GLOBALS", False),
    ("WSGIScriptAlias / @ROOT@/a/public.wsgi application-group='GLOBAL'", True),
])
def test_application_group_names(tmp_path: Path, line: str, warned: bool) -> None:
    result = lint(tmp_path, line + "\n")
    assert (("application_group", "warning", 1) in found(result)) is warned


HTTPD = shutil.which("apache2") is not None
MPM = "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n"


@pytest.mark.skipif(not HTTPD, reason="needs Debian's apache2")
def test_httpd_refusal_in_its_own_words_at_its_line(tmp_path: Path) -> None:
    config = (f"{MPM}ServerRoot @ROOT@\nPidFile @ROOT@/pid\nErrorLog @ROOT@/error.log\n"
              "<Directory @ROOT@>\n    Options +ExecCGI FollowSymLinks\n</Directory>\n")
    result = lint(tmp_path, config, httpd_check=True)
    assert [(f.code, f.severity, f.line) for f in result.findings] == [
        ("config", Severity.ERROR, 6)]
    assert "Either all Options must start with + or -" in result.findings[0].message
    assert found(lint(tmp_path, config)) == []  # only httpd knows this one


@pytest.mark.skipif(not HTTPD, reason="needs Debian's apache2")
def test_httpd_check_skips_a_fragment_unless_asked(tmp_path: Path) -> None:
    config = "<Directory @ROOT@>\n    Options +ExecCGI FollowSymLinks\n</Directory>\n"
    assert found(lint(tmp_path, config, httpd_check=True)) == []
    asked = lint(tmp_path, config, httpd_check=True, apachectl=True)
    assert ("config", "error", 2) in found(asked)


@pytest.mark.skipif(not HTTPD, reason="needs Debian's apache2")
def test_a_variable_httpd_lacks_here_is_a_note_not_a_refusal(tmp_path: Path) -> None:
    config = f"{MPM}ServerRoot @ROOT@\nPidFile @ROOT@/pid\nErrorLog ${{NOT_SET_HERE}}/x.log\n"
    result = lint(tmp_path, config, httpd_check=True)
    assert not result.failed
    assert any("NOT_SET_HERE" in f.message for f in result.findings
               if f.code == "config")


def test_one_finding_per_fault_in_a_file_every_virtualhost_includes(tmp_path: Path) -> None:
    """A rule that sees the included line once per VirtualHost still reports it once."""
    (tmp_path / "common.conf").write_text("WSGISocketPrefix run/wsgi\n")
    config = "".join(f"<VirtualHost *:80>\n    ServerName {n}.example.com\n"
                     f"    Include @ROOT@/common.conf\n</VirtualHost>\n" for n in ("a", "b"))
    result = lint(tmp_path, config)
    assert [(Path(f.file).name, f.line, f.code) for f in result.findings] == [
        ("common.conf", 1, "config")]
