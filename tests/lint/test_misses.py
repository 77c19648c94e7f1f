"""Misroutes lint used to miss on real configurations (issue 13): each found on a
configuration that has it, and left alone on a near miss."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.apache.scripts import SettingsHow, analyse
from probe.lint import LintResult
from tests.lint.test_rules import lint


def found(result: LintResult) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in result.findings]


# --------------------------------------------------------------------------------------------
# two VirtualHosts with the same effective name on one address


NAMELESS_TWICE = """\
ServerName www.example.com
<VirtualHost *:80>
    DocumentRoot /var/www/html
</VirtualHost>
<VirtualHost *:{port}>
    {name}
    WSGIScriptAlias / @ROOT@/app.wsgi
</VirtualHost>
"""


def test_two_nameless_vhosts_on_one_address_shadow(tmp_path: Path) -> None:
    result = lint(tmp_path, NAMELESS_TWICE.format(port=80, name=""), {"app.wsgi": ""})
    assert ("vhost_shadowed", 5) in found(result)
    [shadowed] = [f for f in result.findings if f.code == "vhost_shadowed"]
    assert "never reached" in shadowed.message and "www.example.com" in shadowed.message


@pytest.mark.parametrize("port, name", [(81, ""), (80, "ServerName app.example.com")])
def test_other_address_or_own_name_is_reachable(tmp_path: Path, port: int, name: str) -> None:
    result = lint(tmp_path, NAMELESS_TWICE.format(port=port, name=name), {"app.wsgi": ""})
    assert "vhost_shadowed" not in {f.code for f in result.findings}


def test_an_earlier_wildcard_alias_takes_some_names(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName a.example.com
    ServerAlias *.example.com
    DocumentRoot /var/www/a
</VirtualHost>
<VirtualHost *:80>
    ServerName b.example.com
    ServerAlias b.example.org
    DocumentRoot /var/www/b
</VirtualHost>
""")
    [finding] = [f for f in result.findings if f.code == "vhost_shadowed"]
    assert finding.line == 6 and finding.severity.value == "warning"
    assert "not reached for b.example.com" in finding.message


# --------------------------------------------------------------------------------------------
# same settings module name from two code bases in one interpreter


GLOBAL_PAIR = """\
WSGIDaemonProcess shared
<VirtualHost *:80>
    ServerName a.example.com
    WSGIScriptAlias / @ROOT@/{first}/wsgi.py process-group=shared application-group=%{{GLOBAL}}
</VirtualHost>
<VirtualHost *:81>
    ServerName b.example.com
    WSGIScriptAlias / @ROOT@/{second}/wsgi.py process-group=shared {group}
</VirtualHost>
"""
SAME_NAME = 'import os\nos.environ["DJANGO_SETTINGS_MODULE"] = "mysite.settings"\n'


def test_same_settings_name_from_two_code_bases_in_global(tmp_path: Path) -> None:
    config = GLOBAL_PAIR.format(first="one", second="two", group="application-group=%{GLOBAL}")
    result = lint(tmp_path, config, {"one/wsgi.py": SAME_NAME, "two/wsgi.py": SAME_NAME})
    assert found(result) == [("shared_interpreter", 8)]
    assert "same name (mysite.settings)" in result.findings[0].message


@pytest.mark.parametrize("second, group", [
    ("two", ""),  # own interpreter (%{RESOURCE}): no clash
    ("one", "application-group=%{GLOBAL}"),  # the same script twice: one code base
])
def test_same_settings_name_near_misses(tmp_path: Path, second: str, group: str) -> None:
    config = GLOBAL_PAIR.format(first="one", second=second, group=group)
    result = lint(tmp_path, config, {"one/wsgi.py": SAME_NAME, "two/wsgi.py": SAME_NAME})
    assert found(result) == []


# --------------------------------------------------------------------------------------------
# options mod_wsgi rejects (each checked with apache2 -t: "Invalid option to ...")


@pytest.mark.parametrize("line, hint", [
    ("WSGIScriptAlias / @ROOT@/app.wsgi request-timeout=60", "WSGIDaemonProcess"),
    ("WSGIScriptAlias / @ROOT@/app.wsgi Process-Group=app", "case-sensitive"),
    ("WSGIScriptAlias / @ROOT@/app.wsgi process-group=", "may not be empty"),
    ("WSGIDaemonProcess app Threads=2", "case-sensitive"),
    ("WSGIDaemonProcess app threads", "name=value"),
    ("WSGIImportScript @ROOT@/app.wsgi application-group=x callable-object=app", "takes only"),
    ("WSGIImportScript @ROOT@/app.wsgi process-group=app", "application group required"),
])
def test_options_mod_wsgi_rejects(tmp_path: Path, line: str, hint: str) -> None:
    result = lint(tmp_path, line + "\n", {"app.wsgi": ""})
    configs = [f for f in result.findings if f.code == "config"]
    assert [(f.line, f.severity.value) for f in configs] == [(1, "error")]
    assert hint in configs[0].message + (configs[0].fix or "")


def test_accepted_options_are_clean(tmp_path: Path) -> None:
    result = lint(tmp_path, """\
WSGIDaemonProcess app threads=2 request-timeout=60 display-name=%{GROUP} python-path='/srv/x'
WSGIScriptAlias / @ROOT@/app.wsgi process-group='app' \
    application-group=%{GLOBAL} pass-authorization=On
WSGIImportScript @ROOT@/app.wsgi process-group=app application-group=%{GLOBAL}
""", {"app.wsgi": ""})
    assert found(result) == []


# --------------------------------------------------------------------------------------------
# settings kept from the process environment on some path


@pytest.mark.parametrize("script", [
    # setdefault on one branch, assignment on the other
    'import os, sys\nif sys.argv:\n    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "a.s")\n'
    'else:\n    os.environ["DJANGO_SETTINGS_MODULE"] = "a.s"\n',
    # setdefault by another name
    'import os\nif "DJANGO_SETTINGS_MODULE" not in os.environ:\n'
    '    os.environ["DJANGO_SETTINGS_MODULE"] = "a.s"\n',
    'import os\nif not os.environ.get("DJANGO_SETTINGS_MODULE"):\n'
    '    os.environ["DJANGO_SETTINGS_MODULE"] = "a.s"\n',
])
def test_a_path_keeping_the_inherited_value_is_setdefault(script: str) -> None:
    info = analyse(script)
    assert info.settings_how is SettingsHow.SETDEFAULT and info.settings == "a.s"


@pytest.mark.parametrize("script", [
    'import os\nos.environ["DJANGO_SETTINGS_MODULE"] = "a.s"\n',
    'import os, sys\nif sys.argv:\n    os.environ["DJANGO_SETTINGS_MODULE"] = "a.s"\n'
    'else:\n    os.environ["DJANGO_SETTINGS_MODULE"] = "a.s"\n',
    'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "b.s")\n'
    'os.environ["DJANGO_SETTINGS_MODULE"] = "a.s"\n',
])
def test_every_path_assigning_is_assign(script: str) -> None:
    info = analyse(script)
    assert info.settings_how is SettingsHow.ASSIGN and info.settings == "a.s"


def test_guarded_assignment_leaks_in_embedded_mode(tmp_path: Path) -> None:
    guarded = ('import os\nif "DJANGO_SETTINGS_MODULE" not in os.environ:\n'
               '    os.environ["DJANGO_SETTINGS_MODULE"] = "{}"\n')
    result = lint(tmp_path, """\
<VirtualHost *:80>
    ServerName a.example.com
    WSGIScriptAlias /one @ROOT@/one/wsgi.py
    WSGIScriptAlias /two @ROOT@/two/wsgi.py
</VirtualHost>
""", {"one/wsgi.py": guarded.format("one.settings"),
      "two/wsgi.py": guarded.format("two.settings")})
    assert found(result) == [("environ_leak", 3), ("environ_leak", 4)]
