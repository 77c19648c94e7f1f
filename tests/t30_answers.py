"""Real answers of tester T30's uWSGI Emperor behind nginx 1.22.1 (its sweeps'
JSON, without and with --config), each a target's ``observed`` less the fields no
wording here reads (python, code, time_zone, nonce, signature, hits, uptime_s), and nginx's
configuration as the tester ran it (nginx/nginx.conf.orig).

Seven vassals of one emperor: site1 on site1.sock (masters 10166), site2 on 127.0.0.1:18402
(10167), site3 on site3.sock (10168) and on 127.0.0.1:18403 with a mount (10170), and site4.ini
on site4.sock (master 10165), copied from site1.ini with its chdir/module left: it runs site1.
Every vassal listens with ``socket=`` (uWSGI's own protocol); nginx passes with uwsgi_pass.
"""

from __future__ import annotations

from typing import Any

from probe.model import Observation, Sample
from tests.real_answers import real_answer, request, uwsgi_server
from tests.test_diagnose import answered, obs

CASE = "/tmp/t-real30/cases/emperor"
RUN = f"{CASE}/run"
FRONT = "127.0.0.1:18480"
NGINX = "nginx/1.22.1"
SITE1_SOCK, SITE3_SOCK, SITE4_SOCK = (f"unix:{RUN}/site1.sock", f"unix:{RUN}/site3.sock",
                                      f"unix:{RUN}/site4.sock")
SITE2_TCP = "127.0.0.1:18402"


def manifest(front: str, *site3_urls: str) -> str:
    """The case's manifest.toml with the front at ``front``: site1 and site2 at their two
    names each, site3 at ``site3_urls``, unknown.test refused."""
    shown = ", ".join(f'"{url}"' for url in site3_urls)
    return f"""[probe]
connect = "{front}"
samples = 10

[instances.site1]
label = "site1"
settings = "site1.settings"
urls = ["http://site1.test/", "http://www.site1.test/"]

[instances.site2]
label = "site2"
settings = "site2.settings"
urls = ["http://site2.test/", "http://www.site2.test/"]

[instances.site3]
label = "site3"
settings = "site3.settings"
urls = [{shown}]

[refuse]
urls = ["http://unknown.test/"]
"""


MANIFEST = manifest(FRONT, "http://site1.test/app/", "http://site2.test/blog/",
                    "http://site3.test/", "http://www.site3.test/", "http://site3.test/shop/")


def nginx_conf(run: str = RUN) -> str:
    """nginx/nginx.conf.orig as the tester ran it (its paths outside the sockets left out)."""
    return f"""events {{ worker_connections 256; }}
http {{
    server {{
        listen 127.0.0.1:18480 default_server;
        server_name _;
        return 404;
    }}
    # site1: unix socket; /app/ is site3 mounted with SCRIPT_NAME + modifier1 30
    server {{
        listen 127.0.0.1:18480;
        server_name site1.test www.site1.test;
        location / {{
            include uwsgi_params;
            uwsgi_pass unix:{run}/site1.sock;
        }}
        location /app/ {{
            include uwsgi_params;
            uwsgi_param SCRIPT_NAME /app;
            uwsgi_modifier1 30;
            uwsgi_pass unix:{run}/site3.sock;
        }}
    }}
    # site2: TCP; /blog/ is site3 with NO SCRIPT_NAME handling
    server {{
        listen 127.0.0.1:18480;
        server_name site2.test www.site2.test;
        location / {{
            include uwsgi_params;
            uwsgi_pass 127.0.0.1:18402;
        }}
        location /blog/ {{
            include uwsgi_params;
            uwsgi_pass unix:{run}/site3.sock;
        }}
    }}
    # site3: / goes to site4.sock (vassal copied from site1); /shop/ is uWSGI's own mount
    server {{
        listen 127.0.0.1:18480;
        server_name site3.test;
        location / {{
            include uwsgi_params;
            uwsgi_pass unix:{run}/site4.sock;
        }}
        location /shop/ {{
            include uwsgi_params;
            uwsgi_pass 127.0.0.1:18403;
        }}
    }}
    # www.site3.test: block copied from site2, socket left as site2's
    server {{
        listen 127.0.0.1:18480;
        server_name www.site3.test;
        location / {{
            include uwsgi_params;
            uwsgi_pass 127.0.0.1:18402;
        }}
    }}
}}
"""


def _answer(label: str, instance_id: str, pid: int, master: int, listen: str, host: str,
            settings: str, *, script_name: str = "", path_info: str = "/__probe__",
            allowed: bool = True, worker: int = 1, touch: tuple[str, ...] = ()
            ) -> dict[str, Any]:
    server_name = host.removeprefix("www.") if host.startswith("www.site1") \
        or host.startswith("www.site2") else host
    return real_answer(
        label, instance_id, pid, master, settings=(settings, settings),
        settings_file=f"{CASE}/projects/{label}/{label}/{settings.split('.')[1]}.py",
        request=request(host, server_name, "18480", script_name=script_name,
                        path_info=path_info, request_uri=path_info
                        if path_info.startswith(script_name) else script_name + path_info,
                        host_allowed=allowed),
        server=uwsgi_server(master, listen, worker_id=worker, touch_reload=touch),
        started_at="2026-12-07T18:05:26.338+00:00", loaded_pid=master)


def through(url: str, expected: str | None, *answers: dict[str, Any]) -> Observation:
    """Ten samples through nginx, the answers in turn (each URL's pids as its row showed)."""
    samples = [answered(answers[n % len(answers)]) for n in range(10)]
    return obs(url, expected, *(Sample(s.elapsed_ms, s.status_code, s.endpoint,
                                       address=FRONT, server=NGINX) for s in samples))


def _site1(pid: int, host: str, worker: int) -> dict[str, Any]:
    return _answer("site1", "a27c8f8cc50d5f7f2582ae72221757d2", pid, 10166, SITE1_SOCK, host,
                   "site1.settings", worker=worker,
                   touch=(f"{CASE}/projects/site1/reload.txt",))


def _site2(pid: int, host: str, worker: int) -> dict[str, Any]:
    return _answer("site2", "237ff57f736ff9c04a16e21dfc7ced00", pid, 10167, SITE2_TCP, host,
                   "site2.settings", allowed=host.endswith("site2.test"), worker=worker)


def _site3(pid: int, host: str, worker: int, script_name: str, path_info: str,
           allowed: bool) -> dict[str, Any]:
    return _answer("site3", "854496e97be472dd945b01c30039791b", pid, 10168, SITE3_SOCK, host,
                   "site3.settings", script_name=script_name, path_info=path_info,
                   allowed=allowed, worker=worker)


def _site4(pid: int, worker: int) -> dict[str, Any]:
    # site4.ini runs site1 (its env = DJANGO_SETTINGS_MODULE=site1.settings)
    return _answer("site1", "4c65e7894171cbb597e526052812393e", pid, 10165, SITE4_SOCK,
                   "site3.test", "site1.settings", allowed=False, worker=worker)


def _shop(pid: int, worker: int) -> dict[str, Any]:
    return _answer("site3", "d26aa382366401456bc280072a1a3901", pid, 10170, "127.0.0.1:18403",
                   "site3.test", "site3.settings", script_name="/shop", worker=worker)


def observations() -> list[Observation]:
    """The nginx sweep's URLs in the manifest's order, each with the answers its row named
    (settings_mismatch left out: the manifest's site1.settings is what these answers hold)."""
    return [
        through("http://site1.test/", "site1", _site1(10208, "site1.test", 1),
                _site1(10209, "site1.test", 2)),
        through("http://www.site1.test/", "site1", _site1(10208, "www.site1.test", 1),
                _site1(10209, "www.site1.test", 2)),
        through("http://site2.test/", "site2", _site2(10202, "site2.test", 1),
                _site2(10207, "site2.test", 2)),
        through("http://www.site2.test/", "site2", _site2(10202, "www.site2.test", 1),
                _site2(10207, "www.site2.test", 2)),
        through("http://site1.test/app/", "site3",
                _site3(10172, "site1.test", 1, "/app", "/app/__probe__", False),
                _site3(10173, "site1.test", 2, "/app", "/app/__probe__", False)),
        through("http://site2.test/blog/", "site3",
                _site3(10172, "site2.test", 1, "", "/blog/__probe__", False),
                _site3(10173, "site2.test", 2, "", "/blog/__probe__", False)),
        through("http://site3.test/", "site3", _site4(10203, 1), _site4(10204, 2)),
        through("http://www.site3.test/", "site3", _site2(10202, "www.site3.test", 1),
                _site2(10207, "www.site3.test", 2)),
        through("http://site3.test/shop/", "site3", _shop(10205, 1), _shop(10206, 2)),
        obs("http://unknown.test/", None, *(Sample(1.0, 404, address=FRONT, server=NGINX)
                                             for _ in range(10))),
    ]
