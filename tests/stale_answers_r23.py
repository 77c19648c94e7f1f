"""Real answers of tester R23's re-run of "old code after a deploy" (/tmp/t-retest23/cases),
for tests/test_stale_r23.py: each is the ``observed`` answer of one URL of a sweep's JSON
output, less the fields no stale wording reads (request, python, time_zone, nonce, signature,
hits, uptime_s). Unlike tests/stale_answers.py (T23) they carry ``loaded_pid`` and
``process_started_at``; each case's deploy time (its manifest's restarted_after) is beside
it."""

from __future__ import annotations

from typing import Any

CASES = "/tmp/t-retest23/cases/"


# gunicorn --preload, 3 workers, after a HUP: forked again from master 11475
# http://site.test/ answered by pids [11732, 11734, 11736]
# cases/c2-gunicorn-preload-hup/out-after-hup.json
GUNICORN_PRELOAD_DEPLOY = "2026-12-07T15:55:09.345Z"
GUNICORN_PRELOAD_A: dict[str, Any] = {
    "schema": 1,
    "label": "site",
    "instance_id": "122f03a9c955e534f69721e288cd28d4",
    "pid": 11732,
    "ppid": 11475,
    "process_group": None,
    "application_group": None,
    "settings_module": {
        "environ": "mysite.settings",
        "loaded": "mysite.settings",
        "file": CASES + "c2-gunicorn-preload-hup/site/mysite/mysite/settings.py"
    },
    "script_file": None,
    "server": {
        "software": "gunicorn/27.0.1",
        "mod_wsgi_version": None,
        "multithread": False,
        "multiprocess": True,
        "worker_id": None,
        "uwsgi": None,
        "listen": "127.0.0.1:43069",
        "hostname": "vm"
    },
    "code": {
        "version": "r1",
        "version_source": "file:" + CASES + "c2-gunicorn-preload-hup/site/mysite/REVISION",
        "script_mtime": "2026-12-07T15:55:05.304995+00:00",
        "script_loads": 1,
        "first_loaded_at": "2026-12-07T15:55:05.480+00:00"
    },
    "started_at": "2026-12-07T15:55:05.480+00:00",
    "process_started_at": "2026-12-07T15:55:09.367+00:00",
    "loaded_pid": 11475
}

# the same sweep, its other URL: another worker
# http://site.test/ver/ answered by pids [11732, 11734, 11736]
# cases/c2-gunicorn-preload-hup/out-after-hup.json
GUNICORN_PRELOAD_B: dict[str, Any] = {
    "schema": 1,
    "label": "site",
    "instance_id": "85bb8bbf32c769e69865483d45eda107",
    "pid": 11734,
    "ppid": 11475,
    "process_group": None,
    "application_group": None,
    "settings_module": {
        "environ": "mysite.settings",
        "loaded": "mysite.settings",
        "file": CASES + "c2-gunicorn-preload-hup/site/mysite/mysite/settings.py"
    },
    "script_file": None,
    "server": {
        "software": "gunicorn/27.0.1",
        "mod_wsgi_version": None,
        "multithread": False,
        "multiprocess": True,
        "worker_id": None,
        "uwsgi": None,
        "listen": "127.0.0.1:43069",
        "hostname": "vm"
    },
    "code": {
        "version": "r1",
        "version_source": "file:" + CASES + "c2-gunicorn-preload-hup/site/mysite/REVISION",
        "script_mtime": "2026-12-07T15:55:05.304995+00:00",
        "script_loads": 1,
        "first_loaded_at": "2026-12-07T15:55:05.480+00:00"
    },
    "started_at": "2026-12-07T15:55:05.480+00:00",
    "process_started_at": "2026-12-07T15:55:09.363+00:00",
    "loaded_pid": 11475
}

# uWSGI --master 13230, no --lazy-apps, after a chain reload
# http://site.test/ver/ answered by pids [13314, 13359]
# cases/c4-uwsgi/out-4b-after-chain.json
UWSGI_MASTER_DEPLOY = "2026-12-07T15:55:43.220Z"
UWSGI_MASTER: dict[str, Any] = {
    "schema": 1,
    "label": "site",
    "instance_id": "77df94beb19ab28b415165655489d030",
    "pid": 13314,
    "ppid": 13230,
    "process_group": None,
    "application_group": None,
    "settings_module": {
        "environ": "mysite.settings",
        "loaded": "mysite.settings",
        "file": CASES + "c4-uwsgi/site/mysite/mysite/settings.py"
    },
    "script_file": None,
    "server": {
        "software": "uWSGI/2.0.31",
        "mod_wsgi_version": None,
        "multithread": False,
        "multiprocess": True,
        "worker_id": 1,
        "uwsgi": {
            "version": "2.0.31",
            "master_pid": 13230,
            "pidfile": [
                CASES + "c4-uwsgi/uwsgi.pid"
            ],
            "touch_reload": [
                CASES + "c4-uwsgi/reload.trigger"
            ],
            "master_fifo": [
                CASES + "c4-uwsgi/fifo"
            ]
        },
        "listen": "127.0.0.1:59677",
        "hostname": "vm"
    },
    "code": {
        "version": "r1",
        "version_source": "file:" + CASES + "c4-uwsgi/site/mysite/REVISION",
        "script_mtime": "2026-12-07T15:55:38.184145+00:00",
        "script_loads": 1,
        "first_loaded_at": "2026-12-07T15:55:38.364+00:00"
    },
    "started_at": "2026-12-07T15:55:38.364+00:00",
    "process_started_at": "2026-12-07T15:55:44.371+00:00",
    "loaded_pid": 13230
}

# uWSGI without a master: its first process (ppid: the shell)
# http://site.test/ answered by pids [15489, 15491]
# cases/c4c-uwsgi-nomaster/out-before-reload.json
UWSGI_NO_MASTER_DEPLOY = "2026-12-07T15:56:50.283Z"
UWSGI_NO_MASTER_FIRST: dict[str, Any] = {
    "schema": 1,
    "label": "site",
    "instance_id": "43e0d2ae933dce3fca43dd98f576cafe",
    "pid": 15489,
    "ppid": 15479,
    "process_group": None,
    "application_group": None,
    "settings_module": {
        "environ": "mysite.settings",
        "loaded": "mysite.settings",
        "file": CASES + "c4c-uwsgi-nomaster/site/mysite/mysite/settings.py"
    },
    "script_file": None,
    "server": {
        "software": "uWSGI/2.0.31",
        "mod_wsgi_version": None,
        "multithread": False,
        "multiprocess": True,
        "worker_id": 1,
        "uwsgi": {
            "version": "2.0.31",
            "master_pid": 0,
            "pidfile": [
                CASES + "c4c-uwsgi-nomaster/uwsgi.pid"
            ],
            "touch_reload": [],
            "master_fifo": []
        },
        "listen": "127.0.0.1:45575",
        "hostname": "vm"
    },
    "code": {
        "version": "r1",
        "version_source": "file:" + CASES + "c4c-uwsgi-nomaster/site/mysite/REVISION",
        "script_mtime": "2026-12-07T15:56:45.220145+00:00",
        "script_loads": 1,
        "first_loaded_at": "2026-12-07T15:56:45.407+00:00"
    },
    "started_at": "2026-12-07T15:56:45.407+00:00",
    "process_started_at": "2026-12-07T15:56:45.257+00:00",
    "loaded_pid": 15489
}

# the same uWSGI: a process the first forked (ps: 15491, 15492)
# http://site.test/ver/ answered by pids [15489, 15491]
# cases/c4c-uwsgi-nomaster/out-before-reload.json
UWSGI_NO_MASTER_CHILD: dict[str, Any] = {
    "schema": 1,
    "label": "site",
    "instance_id": "15db9fbba4451875691ca2df55d48c83",
    "pid": 15491,
    "ppid": 15489,
    "process_group": None,
    "application_group": None,
    "settings_module": {
        "environ": "mysite.settings",
        "loaded": "mysite.settings",
        "file": CASES + "c4c-uwsgi-nomaster/site/mysite/mysite/settings.py"
    },
    "script_file": None,
    "server": {
        "software": "uWSGI/2.0.31",
        "mod_wsgi_version": None,
        "multithread": False,
        "multiprocess": True,
        "worker_id": 2,
        "uwsgi": {
            "version": "2.0.31",
            "master_pid": 0,
            "pidfile": [
                CASES + "c4c-uwsgi-nomaster/uwsgi.pid"
            ],
            "touch_reload": [],
            "master_fifo": []
        },
        "listen": "127.0.0.1:45575",
        "hostname": "vm"
    },
    "code": {
        "version": "r1",
        "version_source": "file:" + CASES + "c4c-uwsgi-nomaster/site/mysite/REVISION",
        "script_mtime": "2026-12-07T15:56:45.220145+00:00",
        "script_loads": 1,
        "first_loaded_at": "2026-12-07T15:56:45.407+00:00"
    },
    "started_at": "2026-12-07T15:56:45.407+00:00",
    "process_started_at": "2026-12-07T15:56:45.407+00:00",
    "loaded_pid": 15489
}

# Apache 18021 (apache2 -f), mod_wsgi embedded, not touched: a child
# http://site.test/ answered by pids [18024, 18025]
# cases/c5-apache/out-5c-not-touched.json
EMBEDDED_DEPLOY = "2026-12-07T15:57:51.940Z"
EMBEDDED_A: dict[str, Any] = {
    "schema": 1,
    "label": "site",
    "instance_id": "e281e6abd7b5a9e9aa5fb177b643ecbd",
    "pid": 18025,
    "ppid": 18021,
    "process_group": "",
    "application_group": "",
    "settings_module": {
        "environ": "mysite.settings",
        "loaded": "mysite.settings",
        "file": CASES + "c5-apache/sroot-embedded/sites/site/mysite/mysite/settings.py"
    },
    "script_file": CASES + "c5-apache/sroot-embedded/sites/site/mysite/mysite/wsgi.py",
    "server": {
        "software": "Apache/2.4.71 (Debian) mod_wsgi/6.1.1 Python/3.11",
        "mod_wsgi_version": "6.1.1",
        "multithread": True,
        "multiprocess": True,
        "worker_id": None,
        "uwsgi": None,
        "listen": None,
        "hostname": "vm"
    },
    "code": {
        "version": "r1",
        "version_source": "file:" + CASES + "c5-apache/sroot-embedded/sites/site/mysite/REVISION",
        "script_mtime": "2026-12-07T15:57:50.392144+00:00",
        "script_loads": 1,
        "first_loaded_at": "2026-12-07T15:57:50.588+00:00"
    },
    "started_at": "2026-12-07T15:57:50.588+00:00",
    "process_started_at": "2026-12-07T15:57:50.438+00:00",
    "loaded_pid": 18025
}

# the same Apache, another child
# http://site.test/ver/ answered by pids [18023, 18024, 18025]
# cases/c5-apache/out-5c-not-touched.json
EMBEDDED_B: dict[str, Any] = {
    "schema": 1,
    "label": "site",
    "instance_id": "0ef2768d2bb83ccf1ec6106c9c68836b",
    "pid": 18023,
    "ppid": 18021,
    "process_group": "",
    "application_group": "",
    "settings_module": {
        "environ": "mysite.settings",
        "loaded": "mysite.settings",
        "file": CASES + "c5-apache/sroot-embedded/sites/site/mysite/mysite/settings.py"
    },
    "script_file": CASES + "c5-apache/sroot-embedded/sites/site/mysite/mysite/wsgi.py",
    "server": {
        "software": "Apache/2.4.71 (Debian) mod_wsgi/6.1.1 Python/3.11",
        "mod_wsgi_version": "6.1.1",
        "multithread": True,
        "multiprocess": True,
        "worker_id": None,
        "uwsgi": None,
        "listen": None,
        "hostname": "vm"
    },
    "code": {
        "version": "r1",
        "version_source": "file:" + CASES + "c5-apache/sroot-embedded/sites/site/mysite/REVISION",
        "script_mtime": "2026-12-07T15:57:50.392144+00:00",
        "script_loads": 1,
        "first_loaded_at": "2026-12-07T15:57:50.761+00:00"
    },
    "started_at": "2026-12-07T15:57:50.761+00:00",
    "process_started_at": "2026-12-07T15:57:50.431+00:00",
    "loaded_pid": 18023
}
