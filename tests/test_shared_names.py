"""embedded_shared_process by the settings names the instances mean (re-tester R26's
d-samename: two ``startproject mysite`` projects in one embedded Apache). One name: a
setdefault() changes nothing, the import path decides which package each imports; different
names: the setdefault() leak stands; the answers alone cannot tell one name from a leak that
already happened, so both are said with the check."""

from __future__ import annotations

from typing import Any

from probe.model import Finding, Status
from tests.t26_answers import CASES, manifest_text, sweep
from tests.test_settings_before import no_reload, restarted
from tests.test_settings_file import MANIFEST, P1, case_d

LEAK = "DJANGO_SETTINGS_MODULE set with setdefault() can leak"
IMPORT_PATH = ("project-1 and project-2 mean the same settings 'mysite.settings' (settings in "
               "the manifest), so a setdefault() of DJANGO_SETTINGS_MODULE gives each that name "
               "whichever loads first: what they can share is the package, each interpreter "
               "importing the first 'mysite' package on the import path")


def shared(text: str, answers: dict[str, dict[str, Any]]) -> Finding:
    (finding,) = [f for f in sweep(text, answers).findings
                  if f.code == "embedded_shared_process"]
    return finding


def test_one_name_speaks_of_the_import_path_and_the_file_both_load() -> None:
    finding = shared(MANIFEST, case_d())
    assert finding.severity is Status.WARNING
    assert IMPORT_PATH in finding.explanation, finding.explanation
    assert (f"settings_module.file is {CASES}/d-samename/root/sites/{P1} in the answers of "
            f"project-1 and project-2") in finding.explanation
    assert "setdefault() can leak" not in finding.explanation


def test_one_name_without_the_file_says_it_is_not_shown() -> None:
    finding = shared(MANIFEST, case_d(settings_file=False))
    assert IMPORT_PATH in finding.explanation
    assert "do not all report settings_module.file, so which package each imports is not " \
           "shown" in finding.explanation, finding.explanation


def test_one_name_each_its_own_file_is_a_note_without_the_leak() -> None:
    answers = case_d()
    for url in ("http://site-1.example.com/suburl/", "http://site-2.example.com/"):
        answers[url]["settings_module"]["file"] = \
            f"{CASES}/d-samename/root/sites/project-2/mysite/settings.py"
    finding = shared(MANIFEST, answers)
    assert finding.severity is Status.OK
    assert "each imports its own now" in finding.explanation, finding.explanation
    assert "would take another's value" not in finding.explanation


def test_different_names_keep_the_setdefault_words() -> None:
    finding = shared(manifest_text("project1.settings", "project2.settings"), no_reload())
    assert LEAK in finding.explanation, finding.explanation
    assert "import path" not in finding.explanation
    note = shared(manifest_text("project1.settings", "project2.settings"), restarted())
    assert "would take another's value where the process loads it second" in note.explanation


def test_one_name_shown_and_none_declared_says_both_and_the_check() -> None:
    undeclared = MANIFEST.replace('settings = "mysite.settings"\n', "")
    finding = shared(undeclared, case_d())
    assert "Every answer of them shows one settings name, 'mysite.settings', and the manifest " \
           "does not name the settings of each: whether each means that name, or one of " \
           "them means another and kept this one with setdefault()" in finding.explanation, \
        finding.explanation
    assert "Each WSGI script's DJANGO_SETTINGS_MODULE line" in finding.explanation
    # Different names shown: each means its own, the setdefault() words stand.
    two = restarted()
    two["http://site-1.example.com/suburl/"]["settings_module"]["loaded"] = "project1.settings"
    two["http://site-2.example.com/"]["settings_module"]["loaded"] = "project1.settings"
    plain = manifest_text("a", "b").replace('settings = "a"\n', "").replace(
        'settings = "b"\n', "")
    assert LEAK in shared(plain, two).explanation
    assert "would take another's value" in shared(plain, restarted()).explanation
