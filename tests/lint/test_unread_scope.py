"""``unused_daemon`` where a ``WSGIProcessGroup`` names the group but lint found no
application in its scope: when something there was not read (an include of nothing, a
``wsgi-script`` directory absent here) the finding says so and names it; it never says that
nothing names the group."""

from __future__ import annotations

from pathlib import Path

from probe.lint import ConfigFinding, Severity, lint_paths

NEVER_NAMED = "no process-group= or WSGIProcessGroup that applies names it"


def unused(tmp_path: Path, text: str) -> ConfigFinding:
    conf = tmp_path / "site.conf"
    conf.write_text(text.replace("@ROOT@", str(tmp_path)))
    [finding] = [f for f in lint_paths([conf]).findings if f.code == "unused_daemon"]
    return finding


PARTS_INCLUDED = """\
<VirtualHost *:80>
    ServerName parts.example.org
    {include} @ROOT@/parts/*.conf
    WSGIDaemonProcess parts
    WSGIProcessGroup parts
</VirtualHost>
"""


def test_an_include_of_nothing_leaves_the_group_unchecked(tmp_path: Path) -> None:
    for include in ("IncludeOptional", "Include"):
        finding = unused(tmp_path, PARTS_INCLUDED.format(include=include))
        where = f"{tmp_path / 'site.conf'}"
        assert finding.severity is Severity.NOTE and finding.line == 4
        assert NEVER_NAMED not in finding.message
        assert f"WSGIProcessGroup parts at {where}:5 names it" in finding.message
        assert f"{include} {tmp_path}/parts/*.conf at {where}:3 (matches no file)" \
            in finding.message
        assert "not checked" in finding.message


def test_the_included_application_is_found_once_the_include_matches(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "app.wsgi").write_text("")
    (tmp_path / "parts" / "app.conf").write_text(f"WSGIScriptAlias / {tmp_path}/app.wsgi\n")
    conf = tmp_path / "site.conf"
    conf.write_text(PARTS_INCLUDED.format(include="IncludeOptional").replace(
        "@ROOT@", str(tmp_path)))
    assert lint_paths([conf]).findings == ()


HANDLED_DIRECTORY = """\
WSGIDaemonProcess reports
<VirtualHost *:80>
    ServerName reports.example.org
    DocumentRoot @ROOT@/htdocs
    WSGIProcessGroup reports
    <Directory @ROOT@/htdocs/api>
        AddHandler wsgi-script .py
    </Directory>
</VirtualHost>
"""


def test_a_handler_directory_absent_here_leaves_the_group_unchecked(tmp_path: Path) -> None:
    finding = unused(tmp_path, HANDLED_DIRECTORY)
    assert NEVER_NAMED not in finding.message
    assert f"AddHandler wsgi-script .py at {tmp_path / 'site.conf'}:7 (cannot list " \
           f"{tmp_path}/htdocs/api: No such file or directory)" in finding.message


def test_a_handler_directory_without_scripts_runs_nothing_there(tmp_path: Path) -> None:
    (tmp_path / "htdocs" / "api").mkdir(parents=True)
    (tmp_path / "htdocs" / "api" / "index.html").write_text("")
    finding = unused(tmp_path, HANDLED_DIRECTORY)
    assert NEVER_NAMED not in finding.message and "not checked" not in finding.message
    assert finding.message.startswith(
        f"WSGIDaemonProcess reports runs nothing: WSGIProcessGroup reports at "
        f"{tmp_path / 'site.conf'}:5 names it, but no WSGIScriptAlias or wsgi-script "
        f"handler in <VirtualHost *:80> (reports.example.org)")


def test_applications_taking_their_group_elsewhere_are_named(tmp_path: Path) -> None:
    (tmp_path / "app.wsgi").write_text("")
    finding = unused(tmp_path, """\
<VirtualHost *:80>
    ServerName moved.example.org
    WSGIDaemonProcess old
    WSGIDaemonProcess new
    WSGIProcessGroup old
    WSGIScriptAlias / @ROOT@/app.wsgi process-group=new
</VirtualHost>
""")
    assert "WSGIProcessGroup old at" in finding.message
    assert f"take their process group elsewhere: / (process-group= for WSGIScriptAlias at " \
           f"{tmp_path / 'site.conf'}:6)" in finding.message


def test_with_nothing_naming_it_the_finding_stands(tmp_path: Path) -> None:
    (tmp_path / "app.wsgi").write_text("")
    finding = unused(tmp_path, """\
WSGIDaemonProcess idle
WSGIProcessGroup %{GLOBAL}
WSGIScriptAlias / @ROOT@/app.wsgi
""")
    assert NEVER_NAMED in finding.message and finding.line == 1


def test_an_include_optional_of_an_empty_directory_read_nothing(tmp_path: Path) -> None:
    # httpd reads nothing there: the group is checked, not left unread
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "README").write_text("not a .conf\n")
    finding = unused(tmp_path, PARTS_INCLUDED.format(include="IncludeOptional"))
    assert "not checked" not in finding.message and "matches no file" not in finding.message
    assert finding.message.startswith("WSGIDaemonProcess parts runs nothing")


def test_what_an_include_optional_read_nothing_from(tmp_path: Path) -> None:
    from probe.apache.config import parse_paths

    (tmp_path / "empty").mkdir()
    (tmp_path / "sites" / "a" / "conf").mkdir(parents=True)
    (tmp_path / "sites" / "b").mkdir()
    (tmp_path / "afile").write_text("")
    lines = ["empty/*.conf", "empty", "empty/one.conf", "sites/*/conf/*.conf",
             "missing/*.conf", "missing", "afile/*.conf", "sites/b/conf/*.conf"]
    conf = tmp_path / "httpd.conf"
    conf.write_text(f'ServerRoot "{tmp_path}"\n'
                    + "".join(f"IncludeOptional {line}\n" for line in lines))
    config = parse_paths([conf])
    # a path named that is missing here may exist where the server runs: only those stay
    # unread (sites/b/ was listed for the wildcard and holds no conf/)
    assert [(d.args[0], d.unread) for d in config.directives if d.unread] == [
        ("empty/one.conf", "matches no file"),
        ("missing/*.conf", "matches no file"), ("missing", "matches no file"),
        ("afile/*.conf", "matches no file"), ("sites/b/conf/*.conf", "matches no file")]


HORIZON = """\
IncludeOptional @ROOT@/conf-enabled/*.conf
<VirtualHost *:80>
    ServerName horizon.example.org
    WSGIScriptAlias / @ROOT@/app/wsgi.py
    WSGIDaemonProcess horizon
    <Directory openstack_dashboard>
        WSGIProcessGroup horizon
    </Directory>
</VirtualHost>
"""


def test_an_empty_conf_enabled_does_not_hide_an_embedded_site(tmp_path: Path) -> None:
    # devstack's horizon with its WSGIProcessGroup moved into a <Directory> that holds no
    # script, next to Debian's empty conf-enabled/: the site runs embedded
    (tmp_path / "conf-enabled").mkdir()
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "wsgi.py").write_text("")
    finding = unused(tmp_path, HORIZON)
    assert finding.severity is Severity.WARNING and finding.line == 7
    assert "runs embedded" in finding.message
    assert f"WSGIProcessGroup horizon at {tmp_path / 'site.conf'}:7 is in a section that " \
           "holds none of them" in finding.message
