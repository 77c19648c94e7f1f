"""``stale`` after a deploy, worded from T23's real answers (tests/stale_answers.py): every
pid of a start shared by forked processes named (not one standing for the others, with the
fix naming another), the reload once per server and as tried on each (gunicorn --preload:
a restart, its HUP kept the old code; uWSGI without --lazy-apps: not a chain reload; uWSGI
without a master: every process stopped, a HUP to its first left the others serving), the
running Apache's own command rather than the system's apachectl, and code.version against
the manifest's code_version. The run against a real gunicorn --preload:
tests/integration/test_stale_preload.py."""

from __future__ import annotations

import re
from typing import Any

from probe import manifest
from probe.deploy_time import manifest_cutoffs
from probe.model import Cause, TargetResult, Verdict
from tests import stale_answers as real
from tests.test_diagnose import answered, obs, result, run

URL = "http://site.test/ver/"


def copy(data: dict[str, Any], pid: int, ppid: int | None = None,
         started: str | None = None) -> dict[str, Any]:
    """Another process of the same sweep: its pid, its parent, its start."""
    return {**data, "pid": pid, "ppid": data["ppid"] if ppid is None else ppid,
            "started_at": started or data["started_at"]}


def stale(*answers: dict[str, Any], text: str = real.MANIFEST) -> TargetResult:
    m = manifest.parse(text, "m.toml")
    found = result(run([obs(URL, "site", *(answered(a) for a in answers))], m,
                       restarted_after=manifest_cutoffs({"site": real.DEPLOY})), URL)
    assert found.verdict is Verdict.STALE, found.explanation
    return found


def pids_in(text: str) -> set[str]:
    """Every process number the text names after pid, pids or ppid."""
    return {n for said in re.findall(r"\b(?:pids?|ppid) ((?:\d+(?:, | and )?)+)", text)
            for n in re.findall(r"\d+", said)}


def test_gunicorn_preload_names_every_worker_and_leads_with_a_restart() -> None:
    # c2: HUP applied, the three workers were forked again from the master's old copy.
    one = real.GUNICORN_PRELOAD
    found = stale(one, copy(one, 23798), copy(one, 23800), copy(one, 23798))
    for pid in (23796, 23798, 23800):
        assert f"pid {pid} at server.listen 127.0.0.1:49887" in found.explanation, \
            found.explanation
    assert "the instance answering" not in found.explanation, found.explanation
    assert ("The start time is shared by 3 processes, which is what a copy loaded once and "
            "forked gives (gunicorn --preload).") in \
        found.explanation, found.explanation
    assert found.fix.startswith(
        "Restart the gunicorn service (stop its master (ppid 23710, the parent of pids 23796, "
        "23798 and 23800), then start it): its workers 23796, 23798 and 23800 share one start "
        "time, started_at 2026-12-07T15:21:18.329+00:00, which is what --preload gives"), \
        found.fix
    assert "'ps -ww -o args= -p 23710' shows --preload" in found.fix, found.fix
    # The fix names no process the explanation does not (it named "the parent of pid 12659").
    assert pids_in(found.fix) - {"23710"} <= pids_in(found.explanation), found.fix


def test_gunicorn_workers_of_their_own_starts_are_sent_the_hup() -> None:
    # c1: no --preload, each worker loaded the code (two happened to share a millisecond);
    # the HUP printed was applied and the sweep was ok.
    one = real.GUNICORN
    early = "2026-12-07T15:14:31.426+00:00"
    found = stale(copy(one, 12317, started=early), copy(one, 12318, started=early), one)
    assert found.fix.startswith(
        "Send HUP to the gunicorn master (ppid 12315, the parent of pids 12317, 12318 and "
        "12319): it starts new workers with the code on disk (their start times differ"), \
        found.fix
    assert "Restart the gunicorn service" not in found.fix, found.fix


def test_the_loaded_pid_decides_forked_over_a_shared_millisecond() -> None:
    # Endpoints that report loaded_pid: workers that loaded their own copy are not forked,
    # whatever millisecond their starts share (c1's two workers); workers that report their
    # master as the loader are, and the explanation says so from the field.
    one = real.GUNICORN
    same = "2026-12-07T15:14:31.426+00:00"
    own = stale(*(copy({**one, "loaded_pid": pid}, pid, started=same)
                  for pid in (12317, 12318, 12319)))
    assert own.fix.startswith("Send HUP to the gunicorn master"), own.fix
    assert "The start time is shared" not in own.explanation, own.explanation
    preload = real.GUNICORN_PRELOAD
    forked = stale(*(copy({**preload, "loaded_pid": 23710}, pid)
                     for pid in (23796, 23798, 23800)))
    assert ("came from processes running a copy of the application that pid 23710 loaded at "
            "2026-12-07T15:21:18.329+00:00 (started_at; loaded_pid 23710, observed)") in \
        forked.explanation, forked.explanation
    assert forked.fix.startswith("Restart the gunicorn service"), forked.fix


def test_code_version_against_the_manifest_is_said_with_the_start() -> None:
    # c1: every answer runs r1, the manifest's code_version is r2: the cause was null.
    one = real.GUNICORN
    found = stale(copy(one, 12317), one)
    assert found.cause is Cause.STALE_CODE, found.cause
    assert found.explanation.endswith(
        "(gunicorn --preload). Those processes ran code.version "
        "'r1' (observed), not the manifest's code_version 'r2' "
        "(instances.site.code_version)."), found.explanation
    # Without a code_version in the manifest the start time alone says it.
    plain = stale(copy(one, 12317), one,
                  text=real.MANIFEST.replace('code_version = "r2"\n', ""))
    assert plain.cause is None and "code.version" not in plain.explanation, plain.explanation


def test_uwsgi_without_lazy_apps_is_not_sent_to_a_chain_reload() -> None:
    # c4b: a chain reload re-forked the workers from the master's r1; HUP to it cured it.
    one = real.UWSGI_MASTER
    found = stale(one, copy(one, 17690), copy(one, 17699))
    for pid in (17574, 17690, 17699):
        assert f"pid {pid} at server.listen" in found.explanation, found.explanation
    assert found.fix.startswith("Reload uWSGI: send HUP to its master, pid 17488 "
                                "(server.uwsgi.master_pid)"), found.fix
    assert ("not a chain reload (--touch-chain-reload, 'echo c' to its master FIFO): pids "
            "17574, 17690 and 17699 share one start time") in found.fix, found.fix


def test_uwsgi_without_a_master_is_one_server_stopped_whole() -> None:
    # c4c (ps-before.txt): 19391, started by the shell 19381, serves and forked 19394, 19395.
    one = real.UWSGI_NO_MASTER
    found = stale(copy(one, 19391, ppid=19381), one, copy(one, 19395))
    assert found.fix.count("very process of this uWSGI") == 1, found.fix
    assert found.fix.startswith(
        "List every process of this uWSGI before stopping any: 'ps -o pid= --ppid 19391' lists "
        "the processes pid 19391 forked (pids 19394 and 19395 among them: their ppid), which go "
        "on serving the old code once pid 19391 stops, with ppid 1, where that command no "
        "longer finds them; then stop pid 19391 and every pid listed, and start uWSGI again: "
        "it runs without a master (server.uwsgi.master_pid 0), where a HUP reloads nothing"), \
        found.fix
    assert "For pid" not in found.fix and "19381" not in found.fix, found.fix
    # After that HUP: the children go on with ppid 1, still one server.
    orphans = stale(copy(one, 19394, ppid=1), copy(one, 19395, ppid=1))
    assert orphans.fix.startswith(
        "List every process of this uWSGI before stopping any: 'ps -ww -eo pid,ppid,args' "
        "shows them (their parent is init, ppid 1: what started pids 19394 and 19395 has "
        "exited"), \
        orphans.fix


def test_mod_wsgi_graceful_is_the_running_apaches_own_command() -> None:
    # c5: Apache started with apache2 -f: the system's apachectl would start another one.
    one = real.MOD_WSGI_DAEMON
    found = stale(copy(one, 22167, started="2026-12-07T15:20:37.173+00:00"), one)
    assert "or run the command that 'ps -ww -o args= -p 22165' shows (its Apache, the parent " \
           "of pids 22167 and 22168) with '-k graceful' in place of the '-k start' it shows" in \
        found.fix, found.fix
    assert "plus '-k graceful'" not in found.fix, found.fix
    assert found.fix.count("apachectl graceful") == 1, found.fix
    # Embedded mode, and a parent the answer does not name: still the running one's command.
    embedded = stale({**one, "process_group": None, "ppid": None})
    assert embedded.fix.startswith(
        "Restart Apache gracefully: run the command that 'ps -ww -o args= -p $(ps -o ppid= -p "
        "22168)' shows (its Apache, the parent of pid 22168)"), embedded.fix
    assert embedded.fix.count("apachectl graceful") == 1, embedded.fix


def test_express_daemon_group_is_worded_once() -> None:
    # c6: the same paragraph was printed once per pid of the one daemon group.
    one = real.EXPRESS
    found = stale(copy(one, 19804, started="2026-12-07T15:20:01.126+00:00"),
                  copy(one, 19802, started="2026-12-07T15:20:01.070+00:00"), one)
    assert found.fix.lower().count("reload mod_wsgi-express's daemon group") == 1, found.fix
    assert found.fix.startswith("Reload mod_wsgi-express's daemon group '127.0.0.1:59715'"), \
        found.fix
    assert "'ps -ww -o args= -p 19797' (its Apache, the parent of pids 19804, 19802 and " \
           "19803)" in found.fix, found.fix
