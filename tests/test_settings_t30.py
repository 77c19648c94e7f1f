"""settings_mismatch under tester T30's uWSGI Emperor (tests/t30_settings_answers.py): the fix names
where the environment's value may come from, with the checks, and ends with the reload the
answer shows (T30 applied the assignment alone and the next sweep printed the same fix)."""

from __future__ import annotations

from typing import Any

from probe.model import Verdict
from tests.t26_answers import sweep
from tests.t30_settings_answers import CASE, SITE1_LEAKED, SITE2, manifest
from tests.test_diagnose import result


def _fix(site1: dict[str, Any]) -> str:
    answers = {"http://site1.test/": site1, "http://site2.test/": SITE2}
    found = result(sweep(manifest(), answers), "http://site1.test/")
    assert found.verdict is Verdict.SETTINGS_MISMATCH and found.cause is None
    return found.fix


def test_the_fix_ends_with_the_reload_the_answer_shows() -> None:
    fix = _fix(SITE1_LEAKED)
    assert fix.startswith("Set DJANGO_SETTINGS_MODULE to 'site1.settings' in site1's WSGI "
                          "script by assignment (os.environ['DJANGO_SETTINGS_MODULE'] = "
                          "'site1.settings'), or correct the manifest.")
    assert ("send HUP to its master, pid 10166 (server.uwsgi.master_pid) or touch "
            f"{CASE}/projects/site1/reload.txt (its --touch-reload, "
            "server.uwsgi.touch_reload)") in fix
    assert fix.index("reload.txt") > fix.index("correct the manifest")


def test_the_emperors_environment_is_one_place_named_with_its_check() -> None:
    fix = _fix(SITE1_LEAKED)
    # not "already": setdefault() itself may have set it (T31: /proc/PID/environ without it)
    assert ("The process environment holds 'site1.settings_two' (settings_module.environ) "
            "once the WSGI script ran: either the environment uWSGI was started with (a uWSGI "
            "Emperor's") in fix
    assert "already" not in fix, fix
    assert ("and os.environ.setdefault() (Django's startproject wsgi.py) kept it, or the "
            "script set it itself (an assignment, or setdefault() where nothing had set "
            "it); the answers do not show which: 'tr") in fix, fix
    assert "(uWSGI's env = is set later and is not there)" in fix, fix
    assert (f"an 'env = DJANGO_SETTINGS_MODULE=site1.settings_two' line in the uWSGI "
            f"configuration (the vassal .ini or command line) that binds "
            f"unix:{CASE}/run/site1.sock (server.listen)") in fix
    assert "the environment uWSGI was started with (a uWSGI Emperor's" in fix
    assert ("'tr \"\\0\" \"\\n\" < /proc/10166/environ | grep DJANGO_SETTINGS_MODULE' (the "
            "environment as started: its master's, pid 10166, server.uwsgi.master_pid)") in fix
    assert "the answers do not show which" in fix


def test_no_environment_words_where_the_environment_does_not_hold_it() -> None:
    # An endpoint run with the value set by Django's own configure() alone: environ empty.
    quiet = {**SITE1_LEAKED, "settings_module": {"environ": None,
                                                 "loaded": "site1.settings_two"}}
    fix = _fix(quiet)
    assert "process environment holds" not in fix and "/proc/" not in fix
    assert "touch " + f"{CASE}/projects/site1/reload.txt" in fix


def test_gunicorn_reloads_by_its_master() -> None:
    # Each worker loaded its own copy (no --preload): a HUP to the master reloads.
    gunicorn = {**SITE1_LEAKED, "loaded_pid": 10209,
                "server": {"software": "gunicorn/23.0.0", "worker_id": None, "uwsgi": None,
                           "listen": "127.0.0.1:8001"}}
    fix = _fix(gunicorn)
    assert "send HUP to the gunicorn master (ppid 10166, the parent of pid 10209)" in fix
    assert "gunicorn's --env" in fix and "'ps -ww -o args= -p 10166'" in fix
    # its own places, --env said to be set once started (gunicorn 27: not in /proc/PID/environ)
    assert ("either the environment gunicorn was started with (its unit's Environment= under "
            "systemd, or the shell that started it) had it, or gunicorn's --env (its command "
            "line, or raw_env in its configuration file) set it once gunicorn started, and "
            "os.environ.setdefault() (Django's startproject wsgi.py) kept it, or the script "
            "set it itself") in fix, fix
    assert "(the environment as started: pid 10209's) shows the first (gunicorn's --env is " \
           "not there), the command line ('ps -ww -o args= -p 10166') and 'grep -n " \
           "DJANGO_SETTINGS_MODULE' of site1's WSGI script the others." in fix, fix
    assert "already" not in fix, fix


def test_apache_mod_wsgi_names_envvars_and_not_setenv() -> None:
    apache = {**SITE1_LEAKED, "process_group": "site1", "application_group": "",
              "server": {"software": "Apache", "mod_wsgi_version": "5.0.0", "worker_id": None,
                         "uwsgi": None, "listen": None}}
    fix = _fix(apache)
    assert ("either the environment Apache was started with (its envvars file, which "
            "apachectl reads, or systemd's Environment=) had it and os.environ.setdefault() "
            "(Django's startproject wsgi.py) kept it, or the script set it itself (an "
            "assignment, or setdefault() where nothing had set it); SetEnv and PassEnv are "
            "not where (they set a request's WSGI environ, not os.environ, which Django "
            "reads); the answers do not show which: 'tr") in fix, fix
    assert "shows the first (no DJANGO_SETTINGS_MODULE there: the script set it), with " \
           "'grep -n DJANGO_SETTINGS_MODULE' of site1's WSGI script" in fix, fix
    assert "already" not in fix and "--env" not in fix, fix
