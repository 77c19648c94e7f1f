"""Real answer of tester T37's cache-leak case: gunicorn 27.0.1 (Django 5.2, the endpoint
installed with a token file) behind nginx 1.22.1 on 127.0.0.1:18113 with the micro-cache recipe
(``proxy_cache micro; proxy_cache_valid 200 60s; proxy_ignore_headers Cache-Control Expires
Set-Cookie;``). STORED: the answer to the first sweep's request (signed with the token), as
nginx then gave it to ``curl http://127.0.0.1:18113/__probe__`` without the token
(cases/cache-leak/anon.txt: 200, ``Server: nginx/1.22.1``, ``Cache-Control: no-store``) and
to the second sweep (its not_live, cached). Unchanged.
"""

from __future__ import annotations

from typing import Any

STORED: dict[str, Any] = {'schema': 1,
 'label': 'tok',
 'instance_id': '22d19b48cbe40cfcc5a53f11b27acdd2',
 'pid': 31376,
 'ppid': 31365,
 'process_group': None,
 'application_group': None,
 'settings_module': {'environ': 'tok.settings',
                     'loaded': 'tok.settings',
                     'file': '/tmp/t-real37/cases/stack/tok/tok/settings.py'},
 'request': {'host': 'localhost',
             'server_name': '127.0.0.1',
             'server_port': '18101',
             'scheme': 'http',
             'script_name': '',
             'path_info': '/__probe__',
             'request_uri': None,
             'script_url': None,
             'forwarded_host': None,
             'host_allowed': True,
             'forwarded_prefix': None,
             'force_script_name': None,
             'forwarded_proto': None,
             'is_secure': False},
 'script_file': '/tmp/t-real37/cases/stack/tok/tok/wsgi.py',
 'server': {'software': 'gunicorn/27.0.1',
            'mod_wsgi_version': None,
            'multithread': False,
            'multiprocess': False,
            'worker_id': None,
            'uwsgi': None,
            'listen': '127.0.0.1:18101',
            'listens': None,
            'hostname': 'vm'},
 'python': {'version': '3.11.2',
            'implementation': 'cpython',
            'executable': '/var/tmp/wsgi-probe-servers-venv/bin/python',
            'prefix': '/var/tmp/wsgi-probe-servers-venv',
            'django_version': '5.2.20'},
 'code': {'version': '7f0209281102155dd554b854c5c087ff5ef70ee4',
          'version_source': 'git:/tmp/t-real37/.git',
          'script_mtime': '2026-12-07T23:52:42.623849+00:00',
          'script_loads': 1,
          'first_loaded_at': '2026-12-07T23:52:50.372+00:00'},
 'time_zone': {'environ': 'UTC', 'name': 'UTC', 'utc_offset_s': 0},
 'started_at': '2026-12-07T23:52:50.372+00:00',
 'process_started_at': '2026-12-07T23:52:50.062+00:00',
 'loaded_pid': 31376,
 'uptime_s': 915.515,
 'hits': 4,
 'nonce': 'Q_6yW--tHGZ3ySZC6whydN8G7RXboZwe',
 'signature': '1a208a607930aff247036419380c379b15ffdccd3b683f9b6e9bf33d6bb1eaa7'}
