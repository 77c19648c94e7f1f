"""Real answers of tester R23's re-run of "old code after a deploy" (real servers),
for tests/test_stale_r23.py: each is the ``observed`` answer of one URL of a sweep's JSON
output, less the fields no stale wording reads (request, python, time_zone, nonce, signature,
hits, uptime_s). Unlike tests/stale_answers.py (T23) they carry ``loaded_pid`` and
``process_started_at``; each case's deploy time (its manifest's restarted_after) is beside
it."""

from __future__ import annotations

from typing import Any

from tests.real_answers import (
    GUNICORN_27,
    apache_server,
    code,
    real_answer,
    server,
    uwsgi_case_server,
)

CASES = "/tmp/t-retest23/cases/"


def _gunicorn_preload(instance_id: str, pid: int, process_started_at: str) -> dict[str, Any]:
    """A worker the HUP forked from master 11475, which loaded the script before the deploy."""
    return real_answer(
        "site", instance_id, pid, 11475,
        settings_file=CASES + "c2-gunicorn-preload-hup/site/mysite/mysite/settings.py",
        server=server(GUNICORN_27, listen="127.0.0.1:43069"),
        code=code("r1", "file:" + CASES + "c2-gunicorn-preload-hup/site/mysite/REVISION",
                  "2026-12-07T15:55:05.304995+00:00", "2026-12-07T15:55:05.480+00:00"),
        started_at="2026-12-07T15:55:05.480+00:00", process_started_at=process_started_at,
        loaded_pid=11475)


# gunicorn --preload, 3 workers, after a HUP: forked again from master 11475
# http://site.test/ answered by pids [11732, 11734, 11736]
# cases/c2-gunicorn-preload-hup/out-after-hup.json
GUNICORN_PRELOAD_DEPLOY = "2026-12-07T15:55:09.345Z"
GUNICORN_PRELOAD_A = _gunicorn_preload("122f03a9c955e534f69721e288cd28d4", 11732,
                                       "2026-12-07T15:55:09.367+00:00")

# the same sweep, its other URL: another worker
# http://site.test/ver/ answered by pids [11732, 11734, 11736]
# cases/c2-gunicorn-preload-hup/out-after-hup.json
GUNICORN_PRELOAD_B = _gunicorn_preload("85bb8bbf32c769e69865483d45eda107", 11734,
                                       "2026-12-07T15:55:09.363+00:00")

# uWSGI --master 13230, no --lazy-apps, after a chain reload
# http://site.test/ver/ answered by pids [13314, 13359]
# cases/c4-uwsgi/out-4b-after-chain.json
UWSGI_MASTER_DEPLOY = "2026-12-07T15:55:43.220Z"
UWSGI_MASTER: dict[str, Any] = real_answer(
    "site", "77df94beb19ab28b415165655489d030", 13314, 13230,
    settings_file=CASES + "c4-uwsgi/site/mysite/mysite/settings.py",
    server=uwsgi_case_server(CASES + "c4-uwsgi/", 13230, 1, "127.0.0.1:59677"),
    code=code("r1", "file:" + CASES + "c4-uwsgi/site/mysite/REVISION",
              "2026-12-07T15:55:38.184145+00:00", "2026-12-07T15:55:38.364+00:00"),
    started_at="2026-12-07T15:55:38.364+00:00",
    process_started_at="2026-12-07T15:55:44.371+00:00", loaded_pid=13230)


def _uwsgi_no_master(instance_id: str, pid: int, ppid: int, worker_id: int,
                     process_started_at: str) -> dict[str, Any]:
    """A process of the uWSGI without a master, which loaded the script in its first, 15489."""
    return real_answer(
        "site", instance_id, pid, ppid,
        settings_file=CASES + "c4c-uwsgi-nomaster/site/mysite/mysite/settings.py",
        server=uwsgi_case_server(CASES + "c4c-uwsgi-nomaster/", 0, worker_id, "127.0.0.1:45575"),
        code=code("r1", "file:" + CASES + "c4c-uwsgi-nomaster/site/mysite/REVISION",
                  "2026-12-07T15:56:45.220145+00:00", "2026-12-07T15:56:45.407+00:00"),
        started_at="2026-12-07T15:56:45.407+00:00", process_started_at=process_started_at,
        loaded_pid=15489)


# uWSGI without a master: its first process (ppid: the shell)
# http://site.test/ answered by pids [15489, 15491]
# cases/c4c-uwsgi-nomaster/out-before-reload.json
UWSGI_NO_MASTER_DEPLOY = "2026-12-07T15:56:50.283Z"
UWSGI_NO_MASTER_FIRST = _uwsgi_no_master("43e0d2ae933dce3fca43dd98f576cafe", 15489, 15479, 1,
                                         "2026-12-07T15:56:45.257+00:00")

# the same uWSGI: a process the first forked (ps: 15491, 15492)
# http://site.test/ver/ answered by pids [15489, 15491]
# cases/c4c-uwsgi-nomaster/out-before-reload.json
UWSGI_NO_MASTER_CHILD = _uwsgi_no_master("15db9fbba4451875691ca2df55d48c83", 15491, 15489, 2,
                                         "2026-12-07T15:56:45.407+00:00")


def _embedded(instance_id: str, pid: int, started_at: str,
              process_started_at: str) -> dict[str, Any]:
    """A child of Apache 18021 (mod_wsgi embedded), which loaded the script itself."""
    sites = CASES + "c5-apache/sroot-embedded/sites/site/mysite/"
    return real_answer(
        "site", instance_id, pid, 18021, process_group="", application_group="",
        settings_file=sites + "mysite/settings.py", script_file=sites + "mysite/wsgi.py",
        server=apache_server(multithread=True),
        code=code("r1", "file:" + sites + "REVISION", "2026-12-07T15:57:50.392144+00:00",
                  started_at),
        started_at=started_at, process_started_at=process_started_at, loaded_pid=pid)


# Apache 18021 (apache2 -f), mod_wsgi embedded, not touched: a child
# http://site.test/ answered by pids [18024, 18025]
# cases/c5-apache/out-5c-not-touched.json
EMBEDDED_DEPLOY = "2026-12-07T15:57:51.940Z"
EMBEDDED_A = _embedded("e281e6abd7b5a9e9aa5fb177b643ecbd", 18025,
                       "2026-12-07T15:57:50.588+00:00", "2026-12-07T15:57:50.438+00:00")

# the same Apache, another child
# http://site.test/ver/ answered by pids [18023, 18024, 18025]
# cases/c5-apache/out-5c-not-touched.json
EMBEDDED_B = _embedded("0ef2768d2bb83ccf1ec6106c9c68836b", 18023,
                       "2026-12-07T15:57:50.761+00:00", "2026-12-07T15:57:50.431+00:00")
