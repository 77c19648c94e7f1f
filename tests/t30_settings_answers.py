"""Answers of tester T30's uWSGI Emperor behind nginx (real servers): three
``startproject`` sites, each vassal's answer as the sweep's JSON gave it (``targets[].observed``,
less request, python, time_zone, nonce, signature, hits, uptime_s), or as its text output
printed it where no JSON was kept (the socket takeover's run).

The Emperor ran with DJANGO_SETTINGS_MODULE=site1.settings_two exported; site1.ini has no
``env =`` and a ``touch-reload``. In the last step a vassal site2unix.ini ran site2's code on
site1's unix socket path (uWSGI unlinked and bound it again), while site1's vassal went on
running on the unlinked socket."""

from __future__ import annotations

from typing import Any

from tests.real_answers import code, real_answer, uwsgi_server

CASE = "/tmp/t-real30/cases/emperor"
VERSION = "ce4c10757f4b3677ed1040b58e12cc593ece747a"
SITE1_SOCK = f"unix:{CASE}/run/site1.sock"


def manifest(connect: str = "127.0.0.1:18480") -> str:
    """The case's manifest.toml, site1 and site2 (site3's URLs are not needed here)."""
    return "".join(
        f'[instances.site{n}]\nlabel = "site{n}"\nsettings = "site{n}.settings"\n'
        f'urls = ["http://site{n}.test/", "http://www.site{n}.test/"]\n' for n in (1, 2)
    ) + f'[probe]\nconnect = "{connect}"\n'


def _answer(site: str, instance_id: str, pid: int, ppid: int, settings: str, listen: str,
            started: str, process_started: str | None, *, worker: int,
            touch: tuple[str, ...] = ()) -> dict[str, Any]:
    package = settings.split(".")[0]
    after: dict[str, Any] = {"process_started_at": process_started} if process_started else {}
    return real_answer(
        site, instance_id, pid, ppid, settings=(settings, settings),
        settings_file=f"{CASE}/projects/{package}/{package}/{settings.split('.')[1]}.py",
        server=uwsgi_server(ppid, listen, worker_id=worker, touch_reload=touch),
        code=code(VERSION, "git:/tmp/t-real30/.git", first_loaded_at=started),
        started_at=started, **after, loaded_pid=ppid)


# out-sweep.json, targets[0].observed: site1's vassal, the Emperor's leaked variable.
SITE1_LEAKED = _answer("site1", "a27c8f8cc50d5f7f2582ae72221757d2", 10209, 10166,
                       "site1.settings_two", SITE1_SOCK, "2026-12-07T18:05:26.350+00:00",
                       "2026-12-07T18:05:26.355+00:00", worker=2,
                       touch=(f"{CASE}/projects/site1/reload.txt",))
# out-sweep-config.json, the target http://site2.test/: site2's own vassal on TCP.
SITE2 = _answer("site2", "237ff57f736ff9c04a16e21dfc7ced00", 10202, 10167, "site2.settings",
                "127.0.0.1:18402", "2026-12-07T18:05:26.327+00:00",
                "2026-12-07T18:05:26.337+00:00", worker=1)
# out-unix-collision.txt [1]: site2unix's worker 16559 on site1's socket path, forked from
# master 16557's copy (loaded_pid, started_at as printed; its process start and worker
# number were not printed); site2's own vassal answered its URLs as pids 16473 and 16474
# (their ppid and start were not printed: SITE2's kept).
INTRUDER = _answer("site2", "237ff57f736ff9c04a16e21dfc7ced00", 16559, 16557,
                   "site2.settings", SITE1_SOCK, "2026-12-07T18:08:40.251+00:00", None,
                   worker=1)
SITE2_OWN = [{**SITE2, "pid": pid} for pid in (16473, 16474)]
