"""A WSGIProcessGroup copied from another site, both applications in WSGIApplicationGroup
%{GLOBAL}: moving the other site's WSGIDaemonProcess out would put both in its main
interpreter (%{GLOBAL} is mod_wsgi's main interpreter, not a sub interpreter), so the fix
must not offer it; and shared_interpreter must not claim the two run together while the copied
one only gets 500s (undefined_daemon)."""

from __future__ import annotations

from pathlib import Path

from probe.lint import lint_paths

CONF = """\
<VirtualHost *:80>
    ServerName graphite.example.org
    WSGIDaemonProcess graphite python-path=/srv/graphite
    WSGIProcessGroup graphite
    WSGIApplicationGroup %{GLOBAL}
    WSGIScriptAlias / @ROOT@/graphite/wsgi.py
</VirtualHost>
<VirtualHost *:80>
    ServerName horizon.example.org
    WSGIDaemonProcess horizon python-path=/srv/horizon
    WSGIProcessGroup graphite
    WSGIApplicationGroup %{GLOBAL}
    WSGIScriptAlias / @ROOT@/horizon/wsgi.py
</VirtualHost>
"""


def _lint(tmp_path: Path, text: str) -> tuple[Path, dict[str, list[tuple[int, str, str]]]]:
    for name, settings in (("graphite", "graphite.settings"), ("horizon", "horizon.settings")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "wsgi.py").write_text(
            f"import os\nos.environ['DJANGO_SETTINGS_MODULE'] = '{settings}'\n")
    conf = tmp_path / "httpd.conf"
    conf.write_text(text.replace("@ROOT@", str(tmp_path)))
    found: dict[str, list[tuple[int, str, str]]] = {}
    for f in lint_paths([conf]).findings:
        found.setdefault(f.code, []).append((f.line, f.message, f.fix or ""))
    return conf, found


def test_the_move_is_not_offered_where_both_share_the_global_interpreter(
        tmp_path: Path) -> None:
    conf, found = _lint(tmp_path, CONF)
    [(_, _, fix)] = found["undefined_daemon"]
    assert fix.startswith(f"at {conf}:11, name the group this VirtualHost defines"), fix
    assert "share the processes" not in fix, fix
    assert "would not do: both applications would then run in one main interpreter of it " \
           "(application group %{GLOBAL})" in fix, fix
    assert "%{GLOBAL}" in fix, fix


def test_the_move_stays_offered_where_the_interpreters_differ(tmp_path: Path) -> None:
    _, found = _lint(tmp_path, CONF.replace("    WSGIApplicationGroup %{GLOBAL}\n", ""))
    [(_, _, fix)] = found["undefined_daemon"]
    assert "share the processes of graphite" in fix, fix


def test_no_shared_interpreter_claim_for_an_application_that_cannot_run_there(
        tmp_path: Path) -> None:
    _, found = _lint(tmp_path, CONF)
    assert "undefined_daemon" in found
    assert "shared_interpreter" not in found, found.get("shared_interpreter")


WEBLATE_TWICE = """\
WSGIApplicationGroup %{GLOBAL}
<VirtualHost *:80>
    ServerName graphite.example.org
    WSGIDaemonProcess graphite
    WSGIProcessGroup graphite
    WSGIScriptAlias /weblate @ROOT@/weblate/wsgi.py process-group=weblate
    WSGIScriptAlias / @ROOT@/graphite/wsgi.py
</VirtualHost>
<VirtualHost *:80>
    ServerName weblate.example.org
    WSGIDaemonProcess weblate
    WSGIProcessGroup weblate
    WSGIScriptAlias /weblate @SCRIPT@ process-group=weblate
</VirtualHost>
"""


def test_one_script_mounted_twice_is_one_application_and_the_move_is_offered(
        tmp_path: Path) -> None:
    (tmp_path / "weblate").mkdir()
    (tmp_path / "weblate" / "wsgi.py").write_text("application = None\n")
    # The same file written another way (a dot segment): httpd's path is normalised too.
    conf, found = _lint(tmp_path, WEBLATE_TWICE.replace(
        "@SCRIPT@", "@ROOT@/weblate/./wsgi.py"))
    [(_, _, fix)] = found["undefined_daemon"]
    assert "would not do" not in fix, fix
    assert fix.startswith(f"move WSGIDaemonProcess weblate ({conf}:11) outside the "
                          f"VirtualHost: both mounts run the same script "
                          f"({tmp_path}/weblate/wsgi.py) in application group %{{GLOBAL}}, so "
                          f"they are one application in one main interpreter of it"), fix


def test_two_scripts_in_the_global_interpreter_keep_the_move_refused(tmp_path: Path) -> None:
    (tmp_path / "weblate").mkdir()
    (tmp_path / "weblate" / "wsgi.py").write_text("application = None\n")
    (tmp_path / "weblate" / "other.py").write_text("application = None\n")
    _, found = _lint(tmp_path, WEBLATE_TWICE.replace("@SCRIPT@", "@ROOT@/weblate/other.py"))
    [(_, _, fix)] = found["undefined_daemon"]
    assert "would not do: both applications would then run in one main interpreter of it " \
           "(application group %{GLOBAL})" in fix, fix
