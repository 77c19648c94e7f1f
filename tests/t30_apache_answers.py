"""Real answers of tester T30's uWSGI Emperor case behind Apache mod_proxy_uwsgi
(its httpd.conf as the tester wrote it): each a target's ``observed`` in the sweep's JSON
with --config, less nonce, signature, hits, uptime_s and time_zone.

SITE1: http://site1.test/ (unix:run/site1.sock|uwsgi://site1/), the address's default site;
SITE3_APP: http://site1.test/app/ through 'ProxyPass /app/ uwsgi://127.0.0.1:18403/shop/' to
the vassal mounting site3 at /shop with manage-script-name (host_allowed false);
SITE2_AT_SITE3: http://site3.test/, whose VirtualHost's 'ProxyPass / uwsgi://127.0.0.1:18402/'
(copied from site2's) reached site2."""

from __future__ import annotations

from typing import Any

from tests.real_answers import code, real_answer, request, server, uwsgi

FRONT = "127.0.0.1:18481"
CASE = "/tmp/t-real30/cases/emperor"
VENV = "/var/tmp/wsgi-probe-servers-venv"


def _answer(label: str, instance_id: str, pid: int, master: int, *, host: str,
            host_allowed: bool, proxied: str, worker_id: int, listen: str,
            times: tuple[str, str, str], script_name: str = "", request_uri: str = "/__probe__",
            touch_reload: tuple[str, ...] = ()) -> dict[str, Any]:
    """A vassal's answer through mod_proxy_uwsgi: Apache's software, the vassal's uWSGI
    (master ``master``, the loader) at ``listen``; ``proxied`` the uwsgi:// URL Apache
    passed as SCRIPT_FILENAME; ``times`` the script's mtime, the vassal's load (its
    started_at) and this process's start."""
    settings = f"{label}.settings"
    return real_answer(
        label, instance_id, pid, master, settings=(settings, settings),
        settings_file=f"{CASE}/projects/{label}/{label}/settings.py",
        request=request(host, host, "80", script_name=script_name, request_uri=request_uri,
                        host_allowed=host_allowed),
        script_file=f"proxy:{proxied}/__probe__",
        server=server("Apache/2.4.71 (Debian)", worker_id=worker_id, listen=listen,
                      uwsgi=uwsgi(master, touch_reload=touch_reload)),
        python={"version": "3.11.2", "implementation": "cpython",
                "executable": f"{VENV}/bin/uwsgi", "prefix": VENV, "django_version": "5.2.20"},
        code=code("ce4c10757f4b3677ed1040b58e12cc593ece747a", "git:/tmp/t-real30/.git",
                  times[0], times[1]),
        started_at=times[1], process_started_at=times[2], loaded_pid=master)


SITE1 = _answer(
    "site1", "1cee19345fec6c7ba1fa95ac9192619d", 13979, 10166, host="site1.test",
    host_allowed=True, proxied="uwsgi://site1", worker_id=1,
    listen=f"unix:{CASE}/run/site1.sock", touch_reload=(f"{CASE}/projects/site1/reload.txt",),
    times=("2026-12-07T18:06:51.138244+00:00", "2026-12-07T18:06:57.627+00:00",
           "2026-12-07T18:06:57.627+00:00"))

SITE3_APP = _answer(
    "site3", "2bc7f01a8ef4458904631e929aa19e4f", 10205, 10170, host="site1.test",
    host_allowed=False, proxied="uwsgi://127.0.0.1:18403/shop", worker_id=1,
    listen="127.0.0.1:18403", script_name="/shop", request_uri="/app/__probe__",
    times=("2026-12-07T17:54:38.304072+00:00", "2026-12-07T18:05:26.332+00:00",
           "2026-12-07T18:05:26.342+00:00"))

SITE2_AT_SITE3 = _answer(
    "site2", "4ef8ff886b0d5cfb738ae2ed49233e13", 10207, 10167, host="site3.test",
    host_allowed=False, proxied="uwsgi://127.0.0.1:18402", worker_id=2,
    listen="127.0.0.1:18402",
    times=("2026-12-07T17:54:38.196072+00:00", "2026-12-07T18:05:26.327+00:00",
           "2026-12-07T18:05:26.343+00:00"))
