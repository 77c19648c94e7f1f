"""Lint's own-daemon-group fixes carry the import path the application ran with (tester T26:
the fix applied literally failed with ModuleNotFoundError, WSGIPythonPath reaching no daemon
process, the old group's python-path= not carried over). Configurations from T26's cases
a-global and a-daemon (real Apache 2.4 + mod_wsgi 6.1.1 + Django 5.2)."""

from __future__ import annotations

from pathlib import Path

from probe.lint import LintResult, lint_paths
from probe.lint.rules import ConfigFinding

SETDEFAULT = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', '{}')\n"
SITES = """\
<VirtualHost *:80>
    ServerName default.invalid
    <Location />
        Require all denied
    </Location>
</VirtualHost>
<VirtualHost *:80>
    ServerName site-1.example.com
    WSGIScriptAlias /suburl @ROOT@/project-2/project2/wsgi.py
    WSGIScriptAlias / @ROOT@/project-1/project1/wsgi.py
</VirtualHost>
<VirtualHost *:80>
    ServerName site-2.example.com
    WSGIScriptAlias / @ROOT@/project-2/project2/wsgi.py
</VirtualHost>
"""
GLOBAL = ("WSGIPythonPath @ROOT@/project-1:@ROOT@/project-2\n"
          "WSGIApplicationGroup %{GLOBAL}\n")
DAEMON = ("WSGIDaemonProcess django processes=1 threads=4 "
          "python-path=@ROOT@/project-1:@ROOT@/project-2 python-home=@ROOT@/venv\n"
          "WSGIProcessGroup django\n")


def lint(tmp_path: Path, head: str) -> LintResult:
    for n in (1, 2):
        script = tmp_path / f"project-{n}" / f"project{n}" / "wsgi.py"
        script.parent.mkdir(parents=True)
        script.write_text(SETDEFAULT.format(f"project{n}.settings"))
    conf = tmp_path / "httpd.conf"
    conf.write_text((head + SITES).replace("@ROOT@", str(tmp_path)))
    return lint_paths([conf])


def fixes(result: LintResult, code: str) -> list[str]:
    found: list[ConfigFinding] = [f for f in result.findings if f.code == code]
    assert found, [f.code for f in result.findings]
    return [f.fix or "" for f in found]


def test_shared_interpreter_fix_carries_wsgipythonpath(tmp_path: Path) -> None:
    [fix] = fixes(lint(tmp_path, GLOBAL), "shared_interpreter")
    assert (f"(WSGIDaemonProcess NAME python-path={tmp_path}/project-1:{tmp_path}/project-2, "
            f"then process-group=NAME on its WSGIScriptAlias; python-path= from WSGIPythonPath "
            f"at {tmp_path}/httpd.conf:1, which does not reach daemon processes)") in fix, fix


def test_environ_leak_and_broad_group_fixes_carry_the_groups_paths(tmp_path: Path) -> None:
    result = lint(tmp_path, DAEMON)
    carried = (f"WSGIDaemonProcess NAME python-path={tmp_path}/project-1:{tmp_path}/project-2 "
               f"python-home={tmp_path}/venv, then process-group=NAME on its WSGIScriptAlias; "
               f"python-path= and python-home= from WSGIDaemonProcess django at "
               f"{tmp_path}/httpd.conf:1")
    leaks = fixes(result, "environ_leak")
    assert len(leaks) == 2 and all(carried in f for f in leaks), leaks
    [broad] = fixes(result, "broad_process_group")
    assert carried in broad, broad


def test_nothing_to_carry_names_only_the_group(tmp_path: Path) -> None:
    # Embedded without WSGIPythonPath: no python-path= to carry, none invented.
    result = lint(tmp_path, "WSGIApplicationGroup %{GLOBAL}\n")
    [fix] = fixes(result, "shared_interpreter")
    assert "(WSGIDaemonProcess NAME, then process-group=NAME on its WSGIScriptAlias)" in fix
