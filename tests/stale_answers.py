"""Real answers of T23's servers after a deploy (old code still serving), for the stale
tests: each is ``targets[1].observed`` of a sweep's JSON output (tests/test_stale_forked.py
varies its pid, ppid and started_at as the other processes of that sweep showed them), less
the fields no stale wording reads (request, python, time_zone, nonce, signature, hits,
uptime_s). The manifest of every case: code_version "r2", restarted_after DEPLOY."""

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

CASES = "/tmp/t-real23/cases/"
DEPLOY = "2026-12-07T15:21:22.150Z"
MANIFEST = f"""\
[probe]
samples = 10

[instances.site]
label = "site"
settings = "mysite.settings"
code_version = "r2"
restarted_after = "{DEPLOY}"
urls = ["http://site.test/ver/"]
"""


def _r1(site: str, script_mtime: str) -> dict[str, Any]:
    """The ``code`` field of the old code, r1, read from the REVISION file in ``site``."""
    return code("r1", "file:" + site + "REVISION", script_mtime)


def _served(case: str, instance_id: str, pid: int, ppid: int, serving: dict[str, Any],
            script_mtime: str, started_at: str) -> dict[str, Any]:
    """An answer of the application server of ``case`` itself (no groups, no script_file)."""
    return real_answer("site", instance_id, pid, ppid, server=serving,
                       code=_r1(CASES + case + "site/mysite/", script_mtime),
                       started_at=started_at)


# gunicorn --preload, 3 workers, after a HUP: its pids [23796, 23798, 23800]
# cases/c2-gunicorn-preload-hup/out-after-hup.json
GUNICORN_PRELOAD = _served(
    "c2-gunicorn-preload-hup/", "56701ec54d6d5a6eb8c9dd3cc7ccd8a1", 23796, 23710,
    server(GUNICORN_27, listen="127.0.0.1:49887"),
    "2026-12-07T15:21:18.116167+00:00", "2026-12-07T15:21:18.329+00:00")

# gunicorn, 3 workers, no --preload: its pids [12317, 12318, 12319]
# cases/c1-gunicorn-hup/out-before-reload.json
GUNICORN = _served(
    "c1-gunicorn-hup/", "0e311f7955260b96bc44456a099a4632", 12319, 12315,
    server(GUNICORN_27, listen="127.0.0.1:33679"),
    "2026-12-07T15:14:30.888171+00:00", "2026-12-07T15:14:31.507+00:00")

# uWSGI --master, 3 processes, no --lazy-apps, after a chain reload: its pids [17574, 17690, 17699]
# cases/c4-uwsgi/out-4b-after-chain.json
UWSGI_MASTER = _served(
    "c4-uwsgi/", "c88c6303b93004b1f1fa03664512feff", 17574, 17488,
    uwsgi_case_server(CASES + "c4-uwsgi/", 17488, 1, "127.0.0.1:47627"),
    "2026-12-07T15:17:44.564169+00:00", "2026-12-07T15:17:44.901+00:00")

# uWSGI without --master, 3 processes: its pids [19394]
# cases/c4c-uwsgi-nomaster/out-before-reload.json
UWSGI_NO_MASTER = _served(
    "c4c-uwsgi-nomaster/", "d9a0fab94f83b3a97d767ba9c13cae77", 19394, 19391,
    uwsgi_case_server(CASES + "c4c-uwsgi-nomaster/", 0, 2, "127.0.0.1:53021"),
    "2026-12-07T15:19:10.768168+00:00", "2026-12-07T15:19:11.166+00:00")

# Apache (apache2 -f) + mod_wsgi daemon mode, 3 processes: its pids [22167, 22168, 22169]
# cases/c5-apache/out-5a-not-touched.json
MOD_WSGI_DAEMON: dict[str, Any] = real_answer(
    "site", "795ba68de06959c557054f0bffa0425c", 22168, 22165,
    process_group="site", application_group="",
    script_file=CASES + "c5-apache/sroot-daemon/sites/site/mysite/mysite/wsgi.py",
    server=apache_server(multithread=False),
    code=_r1(CASES + "c5-apache/sroot-daemon/sites/site/mysite/",
             "2026-12-07T15:20:36.972167+00:00"),
    started_at="2026-12-07T15:20:37.401+00:00")

# mod_wsgi-express, 3 daemon processes: its pids [19802, 19803, 19804]
# cases/c6-express/out-before-reload.json
EXPRESS: dict[str, Any] = real_answer(
    "site", "a01e4ed4b0ef567d0b64d706204f9492", 19803, 19797,
    process_group="127.0.0.1:59715", application_group="",
    server=server("Apache", mod_wsgi_version="6.1.1"),
    code=_r1(CASES + "c6-express/site/mysite/", "2026-12-07T15:20:00.764168+00:00"),
    started_at="2026-12-07T15:20:01.059+00:00")
