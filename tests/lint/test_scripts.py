"""Reading a WSGI script without running it: DJANGO_SETTINGS_MODULE and the probe label."""

from __future__ import annotations

from pathlib import Path

from probe.apache.scripts import SettingsHow, analyse, read_script


def test_setdefault_and_label() -> None:
    info = analyse('import os, wsgi_endpoint\n'
                   'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
                   'application = wsgi_endpoint.wrap(application, label="project-1")\n')
    assert (info.settings, info.settings_how, info.settings_line, info.label) == (
        "mysite.settings", SettingsHow.SETDEFAULT, 2, "project-1")
    assert info.uses_setdefault


def test_an_assignment_overrides_an_earlier_setdefault() -> None:
    info = analyse('import os\n'
                   'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "a.settings")\n'
                   'os.environ["DJANGO_SETTINGS_MODULE"] = "b.settings"\n')
    assert (info.settings, info.settings_how, info.settings_line) == (
        "b.settings", SettingsHow.ASSIGN, 3)
    assert not info.uses_setdefault


def test_a_computed_value_is_unknown_but_the_call_is_seen() -> None:
    info = analyse('from os import environ\n'
                   'environ.setdefault("DJANGO_SETTINGS_MODULE", pick())\n')
    assert info.settings is None and info.uses_setdefault


def test_other_variables_are_ignored() -> None:
    info = analyse('import os\nos.environ.setdefault("OTHER", "x")\n')
    assert info.settings_how is None and info.label is None


def test_python2_script_falls_back_to_patterns() -> None:
    info = analyse('import os\nprint "loading"\n'
                   "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'old.settings')\n")
    assert (info.settings, info.settings_how, info.settings_line) == (
        "old.settings", SettingsHow.SETDEFAULT, 3)


def test_unreadable_script_says_why(tmp_path: Path) -> None:
    info = read_script(str(tmp_path / "missing.wsgi"))
    assert info.error and info.settings_how is None
