"""``stale`` worded from tester T30's real answers: site2's uWSGI 2.0.31 vassal (an emperor's, no
--lazy-apps) after a deploy, its workers 16229 and 16230 forked after the deploy from the copy
its master 10167 loaded before it (the stale sweep's output; the answer's other fields as in the
first sweep's JSON). Only uWSGI answered: the explanation named gunicorn --preload beside uWSGI
without --lazy-apps."""

from __future__ import annotations

from typing import Any

from probe import manifest
from probe.deploy_time import manifest_cutoffs
from probe.model import Verdict
from tests.real_answers import code, real_answer, uwsgi_server
from tests.test_diagnose import answered, obs, result, run

URL = "http://site2.test/"
DEPLOY = "2026-12-07T18:08:23.112063+00:00"  # deployed.txt
CASE = "/tmp/t-real30/cases/emperor/"
MANIFEST = f"""\
[instances.site2]
label = "site2"
settings = "site2.settings"
restarted_after = "{DEPLOY}"
urls = ["{URL}"]
"""


def worker(pid: int, worker_id: int, started: str) -> dict[str, Any]:
    return real_answer(
        "site2", "237ff57f736ff9c04a16e21dfc7ced00", pid, 10167,
        server=uwsgi_server(10167, "127.0.0.1:18402", worker_id=worker_id),
        settings=("site2.settings", "site2.settings"),
        code=code("ce4c10757f4b3677ed1040b58e12cc593ece747a", "git:/tmp/t-real30/.git",
                  "2026-12-07T17:54:38.196072+00:00"),
        started_at="2026-12-07T18:08:19.013+00:00", process_started_at=started,
        loaded_pid=10167)


def test_a_uwsgi_only_answer_names_uwsgis_option_alone() -> None:
    m = manifest.parse(MANIFEST, "m.toml")
    answers = [worker(16229, 1, "2026-12-07T18:08:26.022+00:00"),
               worker(16230, 2, "2026-12-07T18:08:26.026+00:00")] * 5
    found = result(run([obs(URL, "site2", *(answered(a) for a in answers))], m,
                       restarted_after=manifest_cutoffs({"site2": DEPLOY})), URL)
    assert found.verdict is Verdict.STALE, found.explanation
    assert found.explanation.endswith(
        "modules imported later, after the fork, may be new: a mix (uWSGI without "
        "--lazy-apps)."), found.explanation
    assert "gunicorn" not in found.explanation + found.fix, (found.explanation, found.fix)
    assert found.fix.startswith("Reload uWSGI: send HUP to its master, pid 10167 "
                                "(server.uwsgi.master_pid)"), found.fix
