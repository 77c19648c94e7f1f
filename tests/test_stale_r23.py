"""``stale`` after a deploy, worded from tester R23's real answers (tests/stale_answers_r23.py,
with ``loaded_pid`` and ``process_started_at``): processes forked after the deploy from a copy
loaded before it are said so, not "started before" (c2, and c4's one worker); uWSGI without a
master lists its processes before any is stopped, with one pid answering as with several
(c4c); the embedded children of one Apache take its restart once (c5).

The Apache command itself, run as printed on a real Apache:
tests/integration/test_embedded_reload_apache.py."""

from __future__ import annotations

from typing import Any

from probe import manifest
from probe.deploy_time import manifest_cutoffs
from probe.model import TargetResult, Verdict
from tests import stale_answers_r23 as r23
from tests.test_diagnose import answered, obs, result, run

URL = "http://site.test/ver/"


def stale(deploy: str, *answers: dict[str, Any]) -> TargetResult:
    text = (f'[instances.site]\nlabel = "site"\nsettings = "mysite.settings"\n'
            f'code_version = "r2"\nrestarted_after = "{deploy}"\nurls = ["{URL}"]\n')
    found = result(run([obs(URL, "site", *(answered(a) for a in answers))],
                       manifest.parse(text, "m.toml"),
                       restarted_after=manifest_cutoffs({"site": deploy})), URL)
    assert found.verdict is Verdict.STALE, found.explanation
    return found


def test_workers_forked_after_the_deploy_run_an_old_load_not_old_processes() -> None:
    # c2: after the HUP, gunicorn --preload's master 11475 forked new workers (their own start
    # after the deploy) from the copy it loaded before it.
    found = stale(r23.GUNICORN_PRELOAD_DEPLOY, r23.GUNICORN_PRELOAD_A, r23.GUNICORN_PRELOAD_B)
    text = found.explanation
    assert "processes that all started at" not in text, text
    assert ("came from processes running a copy of the application that pid 11475 loaded at "
            "2026-12-07T15:55:05.480+00:00 (started_at; loaded_pid 11475, observed), before "
            "2026-12-07T15:55:09.345000+00:00") in text, text
    assert ("The processes themselves started later, forked from that copy: pid 11732 at "
            "2026-12-07T15:55:09.367+00:00, pid 11734 at 2026-12-07T15:55:09.363+00:00 "
            "(process_started_at).") in text, text
    assert found.fix.startswith(
        "Restart the gunicorn service (stop its master (ppid 11475, the parent of pids 11732 "
        "and 11734), then start it): its workers 11732 and 11734 were forked from a copy of the "
        "application that pid 11475 loaded at 2026-12-07T15:55:05.480+00:00"), found.fix


def test_one_worker_forked_from_its_masters_copy_is_said_so_and_kept_off_a_chain_reload(
        ) -> None:
    # c4 [2]: one uWSGI worker answering, respawned after the deploy, loaded_pid its master's.
    found = stale(r23.UWSGI_MASTER_DEPLOY, r23.UWSGI_MASTER)
    text = found.explanation
    assert "the instance answering" not in text, text
    assert ("came from a process running a copy of the application that pid 13230 loaded at "
            "2026-12-07T15:55:38.364+00:00 (started_at; loaded_pid 13230, observed)") in text, \
        text
    assert ("The process itself started later, forked from that copy: pid 13314 at "
            "2026-12-07T15:55:44.371+00:00 (process_started_at).") in text, text
    assert ("not a chain reload (--touch-chain-reload, 'echo c' to its master FIFO): pid "
            "13314 was forked from a copy of the application that pid 13230 loaded at "
            "2026-12-07T15:55:38.364+00:00 (loaded_pid 13230, started_at)") in found.fix, \
        found.fix


def test_uwsgi_without_a_master_lists_its_processes_before_any_stops() -> None:
    # c4c: stopping the two pids named, then 'ps --ppid', left 15492 serving with ppid 1.
    both = stale(r23.UWSGI_NO_MASTER_DEPLOY, r23.UWSGI_NO_MASTER_FIRST,
                 r23.UWSGI_NO_MASTER_CHILD)
    listed = both.fix.index("'ps -o pid= --ppid 15489'")
    assert both.fix.startswith("List every process of this uWSGI before stopping any"), \
        both.fix
    assert listed < both.fix.index("then stop pid 15489 and every pid listed"), both.fix
    assert "Stop every process" not in both.fix, both.fix
    # [1]: the first process alone answered: the same whole-group words, not a service name.
    one = stale(r23.UWSGI_NO_MASTER_DEPLOY, r23.UWSGI_NO_MASTER_FIRST)
    assert one.fix.startswith(
        "List every process of this uWSGI before stopping any: 'ps -o pid= --ppid 15489' "
        "lists the processes pid 15489 forked (it loaded the application itself, loaded_pid "
        "15489: uWSGI's first process, unless started with --lazy-apps;"), one.fix
    assert "Restart the uWSGI service" not in one.fix, one.fix
    # The child alone: its loaded_pid names the first process to list from.
    child = stale(r23.UWSGI_NO_MASTER_DEPLOY, r23.UWSGI_NO_MASTER_CHILD)
    assert child.fix.startswith(
        "List every process of this uWSGI before stopping any: 'ps -o pid= --ppid 15489' "
        "lists the processes pid 15489 forked (pid 15491 among them: loaded_pid 15489)"), \
        child.fix


def test_embedded_children_of_one_apache_take_its_restart_once() -> None:
    # c5, embedded, not touched: "For pid 18024 ...; for pid 18025 ...; for pid 18023 ...".
    third = {**r23.EMBEDDED_A, "pid": 18024, "loaded_pid": 18024,
             "started_at": "2026-12-07T15:57:50.894+00:00"}
    found = stale(r23.EMBEDDED_DEPLOY, r23.EMBEDDED_A, r23.EMBEDDED_B, third)
    assert found.fix.count("estart Apache gracefully") == 1, found.fix
    assert "For pid" not in found.fix, found.fix
    assert found.fix.startswith(
        "Restart Apache gracefully: run the command that 'ps -ww -o args= -p 18021' shows (its "
        "Apache, the parent of pids 18025, 18023 and 18024) with '-k graceful' in place of the "
        "'-k start' it shows"), found.fix
