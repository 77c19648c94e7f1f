"""Tester T26's case e (embedded mode, per-site interpreters, startproject's setdefault): after
the printed fix (assign in both scripts) without a restart, mod_wsgi ran the scripts again;
project-2's answers say settings_module.environ 'project2.settings', loaded 'project1.settings'.
The sweep must say so (Django configured before, a restart needed), not that the variable
"holds project-1's value" or that a setdefault() kept it. After the restart every instance runs
its own settings: the embedded_shared_process finding is a note, not a warning."""

from __future__ import annotations

from typing import Any

from probe.model import Cause, Status, Verdict
from tests.t26_answers import answer, manifest_text, sweep
from tests.test_diagnose import result

MANIFEST = manifest_text("project1.settings", "project2.settings")
CASE = "e-healthy"
P1, P2 = "project-1/project1/wsgi.py", "project-2/project2/wsgi.py"


URLS = (("http://site-1.example.com/", "project-1"), ("http://site-1.example.com/suburl/",
         "project-2"), ("http://site-2.example.com/", "project-2"))


def _answers(pid: int, ppid: int, project_2_loads: str, seen: list[tuple[str, str, str]],
             site_2_allowed: bool = True) -> dict[str, dict[str, Any]]:
    """One sweep's answers by URL, all from process ``pid``: ``seen`` is each URL's
    (instance_id, started_at, nonce); project-2's scripts load ``project_2_loads``."""
    settings = {"project-1": ("project1.settings", "project1.settings"),
                "project-2": ("project2.settings", project_2_loads)}
    scripts = {"project-1": P1, "project-2": P2}
    return {url: answer(CASE, url, label, instance_id, pid, ppid, "", settings[label],
                        scripts[label], started_at, nonce,
                        host_allowed=site_2_allowed or url != "http://site-2.example.com/")
            for (url, label), (instance_id, started_at, nonce) in zip(URLS, seen, strict=True)}


def no_reload() -> dict[str, dict[str, Any]]:
    """out-fixB-noreload/sweep.json: pid 648 (parent 647)."""
    return _answers(648, 647, "project1.settings", [
        ("87e1a6da35f858d55db2f870231c2c1e", "2026-12-07T15:33:43.488+00:00",
         "Q7mdzilXbngMKTo8XufAyAHUBkMIkgOR"),
        ("a51a4a91c04d505ef9fdf86791c72b54", "2026-12-07T15:33:43.498+00:00",
         "6pI43JNc9F3XoRBlA5FjXHBDr2vdbBi7"),
        ("2f8ca8ecbdbf739ab3ba8b832e63504e", "2026-12-07T15:33:43.505+00:00",
         "M_2Sq7dR6Im9-50pAdRbhQRsOwFAsvwl")], site_2_allowed=False)


def restarted() -> dict[str, dict[str, Any]]:
    """out-fixB-restart/sweep.json: pid 1326 (parent 1075), each its own settings."""
    return _answers(1326, 1075, "project2.settings", [
        ("0718d6370ef3affb0f1d96c2c9b7bb13", "2026-12-07T15:33:48.770+00:00",
         "cLtaz7CE_GnZK9FqzF_QaK9ykSafIIIO"),
        ("89c2a248f642d5652019372400b2acf5", "2026-12-07T15:33:48.914+00:00",
         "ynaOOpGQzovPuY6DcxdXBxhdyAedUkrD"),
        ("c432d350e26352a62d36af9c99565d38", "2026-12-07T15:33:49.058+00:00",
         "7w9hXNzuawk4gBdT53_HmvjA1z2El9fT")])


def test_environ_its_own_and_django_configured_before_needs_a_restart() -> None:
    report = sweep(MANIFEST, no_reload())
    for url in ("http://site-1.example.com/suburl/", "http://site-2.example.com/"):
        found = result(report, url)
        assert (found.verdict, found.cause) == (Verdict.SETTINGS_MISMATCH, Cause.ENVIRON_LEAK)
        assert "DJANGO_SETTINGS_MODULE in its interpreter is its own 'project2.settings' now " \
               "(settings_module.environ), but Django runs project-1's settings " \
               "'project1.settings' (settings_module.loaded)" in found.explanation, \
            found.explanation
        assert "Django was configured before, in this process, with that value" in \
            found.explanation
        assert "holds project-1's value" not in found.explanation
        assert "setdefault" not in found.explanation + found.fix, found.fix
        assert found.fix.startswith("Restart Apache, not the script"), found.fix
        assert "'ps -ww -o args= -p 647'" in found.fix


def test_a_leak_seen_in_the_variable_keeps_the_setdefault_words() -> None:
    answers = no_reload()
    for data in answers.values():
        data["settings_module"]["environ"] = "project1.settings"
    found = result(sweep(MANIFEST, answers), "http://site-2.example.com/")
    assert found.cause is Cause.ENVIRON_LEAK
    assert "holds project-1's value" in found.explanation


def test_shared_process_with_each_its_own_settings_is_a_note() -> None:
    report = sweep(MANIFEST, restarted())
    assert {t.verdict for t in report.targets} == {Verdict.OK}
    (finding,) = [f for f in report.findings if f.code == "embedded_shared_process"]
    assert finding.severity is Status.OK, finding
    assert "Each runs its own settings there (project-1 'project1.settings'; project-2 " \
           "'project2.settings': settings_module.environ and .loaded the same" in \
           finding.explanation, finding.explanation
    assert "can leak" not in finding.explanation


def test_shared_process_where_the_answers_do_not_show_it_stays_a_warning() -> None:
    leaked = no_reload()
    (finding,) = [f for f in sweep(MANIFEST, leaked).findings
                  if f.code == "embedded_shared_process"]
    assert finding.severity is Status.WARNING
    same = restarted()  # two projects of one name, no settings_module.file: not told apart
    for data in same.values():
        data["settings_module"] = {"environ": "mysite.settings", "loaded": "mysite.settings"}
    (finding,) = [f for f in sweep(manifest_text("mysite.settings", "mysite.settings"),
                                   same).findings if f.code == "embedded_shared_process"]
    assert finding.severity is Status.WARNING
