"""Real answers of tester T29's deploy layouts (real servers), each a target's
``observed`` in a sweep's JSON output, less the fields no wording here reads (request,
python, time_zone, nonce, signature, hits, uptime_s).

L3 blue/green: per project a blue gunicorn (r1) and a green one (r2), both running; nginx's
upstream switched from blue to green at GREEN_SWITCH, every answer reached through FRONT.
L1 releases + current with gunicorn --preload: the HUP after the deploy forked new workers
from the master's copy, loaded at 16:32:28.541 before the deploy (PRELOAD_DEPLOY)."""

from __future__ import annotations

from typing import Any

from tests.real_answers import GUNICORN_27, code, real_answer, server

FRONT = "127.0.0.1:40781"
GREEN_SWITCH = "2026-12-07T16:34:21.649Z"
PRELOAD_DEPLOY = "2026-12-07T16:32:30.682Z"


def manifest(deploy: str, code_version: str | None = "r2", connect: str = FRONT) -> str:
    """The tester's manifest for site-a (last-run/manifest-cv-ra.toml), one URL."""
    cv = f'code_version = "{code_version}"\n' if code_version else ""
    ra = f'restarted_after = "{deploy}"\n' if deploy else ""
    return (f'[probe]\nconnect = "{connect}"\nsamples = 10\n[instances.site-a]\n'
            f'label = "site-a"\n{cv}{ra}settings = "mysite.settings"\n'
            f'urls = ["http://a.test/", "http://a.test/admin/"]\n')


def _gunicorn(pid: int, ppid: int, listen: str, colour: str, version: str,
              started: str, process_started: str) -> dict[str, Any]:
    return real_answer(
        "site-a", "e678fd2e68df7f06e573f626de082be2", pid, ppid,
        settings_file=f"/tmp/t29/L3/a/{colour}/mysite/settings.py",
        server=server(GUNICORN_27, listen=listen),
        code=code(version, f"file:/tmp/t29/L3/a/{colour}/REVISION", first_loaded_at=started),
        started_at=started, process_started_at=process_started, loaded_pid=pid)


# out/04-after-cv-ra.json, targets[0].observed (pid 9621) and the start its table gave 9620.
GREEN = [_gunicorn(9620, 9612, "127.0.0.1:33203", "green", "r2",
                   "2026-12-07T16:34:12.373+00:00", "2026-12-07T16:34:11.731+00:00"),
         _gunicorn(9621, 9612, "127.0.0.1:33203", "green", "r2",
                   "2026-12-07T16:34:12.401+00:00", "2026-12-07T16:34:11.741+00:00")]
# out/during/3.json: blue's workers, still answering through the front during its reload.
BLUE = [_gunicorn(9619, 9608, "127.0.0.1:33517", "blue", "r1",
                  "2026-12-07T16:34:12.316+00:00", "2026-12-07T16:34:11.666+00:00"),
        _gunicorn(9615, 9608, "127.0.0.1:33517", "blue", "r1",
                  "2026-12-07T16:34:12.222+00:00", "2026-12-07T16:34:11.584+00:00")]

# L1 out-preload/03-after-hup-cv.json, targets[0].observed: pids 29036 and 29038, forked by
# the HUP from the copy master 28605 loaded (the page showed site-a:r2 settings:r1).
PRELOAD: list[dict[str, Any]] = [real_answer(
    "site-a", "c258e9a6da8740419884d110b09f5385", pid, 28605,
    settings_file="/tmp/t29/L1/a/current/mysite/settings.py",
    server=server(GUNICORN_27, listen="127.0.0.1:41511"),
    code=code("r1", "file:/tmp/t29/L1/a/current/REVISION", "2026-12-07T16:32:27.788123+00:00",
              "2026-12-07T16:32:28.541+00:00"),
    started_at="2026-12-07T16:32:28.541+00:00", process_started_at=started, loaded_pid=28605,
) for pid, started in ((29036, "2026-12-07T16:32:30.719+00:00"),
                       (29038, "2026-12-07T16:32:30.713+00:00"))]
