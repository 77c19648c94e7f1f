"""One URL through a round-robin balancer: every sample is judged, each answer is named by its
own pid and ``server.listen`` (the address probed is the balancer's), and the words follow the
server that answered (a tester's HAProxy / nginx / mod_proxy_balancer fleet).

The answers are recorded shapes of gunicorn, waitress and mod_wsgi-express answers."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from itertools import permutations
from typing import Any

import pytest

from probe import manifest
from probe.diagnose.backends import processes_seen
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target
from probe.model import Cause, Observation, Report, Sample, TargetResult, Verdict

from .test_diagnose import ep, run, status

URL = "http://shop.example.com/"
HAPROXY = "127.0.0.1:27080"
SHOP = """\
[instances.shop]
label = "shop"
settings = "mysite.settings"
code_version = "v2"
urls = ["http://shop.example.com/"]
"""


def backend(kind: str, listen: str | None, pid: int, *, ppid: int = 1, version: str | None = "v2",
            label: str = "shop", allowed: bool = True,
            started: str = "2026-12-06T23:00:00+00:00", **extra: Any) -> dict[str, Any]:
    """An answer as the real endpoint gives it under ``kind``: gunicorn, waitress or express."""
    data = ep(label, host="shop.example.com", pid=pid, started_at=started)
    data["ppid"] = ppid
    data["request"]["host_allowed"] = allowed
    software, mod_wsgi = {"gunicorn": ("gunicorn/27.0.1", None), "waitress": ("waitress", None),
                          "express": ("Apache", "6.1.1"), "other": ("hypercorn", None)}[kind]
    data["server"] = {"software": software, "mod_wsgi_version": mod_wsgi, "listen": listen,
                      "hostname": "vm"}
    if kind == "express":  # mod_wsgi-express: a daemon group named after its address
        data["process_group"], data["application_group"] = "127.0.0.4:27001", ""
    else:
        data["process_group"] = data["application_group"] = None
    data["code"] = {"version": version, "version_source": f"file:/srv/{listen}/REVISION",
                    "script_mtime": "2026-12-06T23:04:43+00:00"}
    return {**data, **extra}


B1 = backend("gunicorn", "127.0.0.2:27001", 101, ppid=100)
B2 = backend("waitress", "*:27001", 201)
B3 = backend("express", None, 301, ppid=300)
OLD = backend("gunicorn", "127.0.0.5:27001", 401, ppid=400, version="v1")


def through(*answers: dict[str, Any], server: str | None = None,
            address: str = HAPROXY) -> Observation:
    samples = tuple(Sample(elapsed_ms=2.0, status_code=200, server=server,
                           endpoint=EndpointAnswer.from_json(a)) for a in answers)
    return Observation(Target(URL, "shop", address), samples)


def one(*observations: Observation, text: str = SHOP, **kwargs: Any) -> TargetResult:
    report: Report = run(list(observations), manifest.parse(text, "shop.toml"), **kwargs)
    return report.targets[0]


# --- 1. every answer is judged, not the last one ----------------------------------------------


@pytest.mark.parametrize("order", list(permutations((B1, B2, OLD))))
def test_old_code_on_one_backend_is_stale_whichever_sample_it_was(
        order: tuple[dict[str, Any], ...]) -> None:
    found = one(through(*order))
    assert (found.verdict, found.cause) == (Verdict.STALE, Cause.STALE_CODE), found.explanation
    assert "1 of 3 samples (pid 401 at server.listen 127.0.0.5:27001)" in found.explanation
    assert "'v1'" in found.explanation


@pytest.mark.parametrize("last", [True, False])
def test_one_backend_rejecting_the_host_is_host_rejected_and_says_which(last: bool) -> None:
    rejecting = backend("waitress", "127.0.0.3:27001", 202, allowed=False)
    answers = (B1, B3, rejecting) if not last else (rejecting, B1, B3)
    found = one(through(*answers))
    assert found.verdict is Verdict.HOST_REJECTED, found.explanation
    assert "1 of 3 samples (pid 202 at server.listen 127.0.0.3:27001)" in found.explanation
    assert "every real page" not in found.explanation
    assert "127.0.0.3:27001" in found.fix


def test_a_process_started_before_the_deploy_is_stale_whichever_sample_it_was() -> None:
    early = backend("gunicorn", "127.0.0.5:27001", 402, ppid=400,
                    started="2026-12-06T22:00:00+00:00")
    for answers in permutations((B1, B2, early)):
        found = one(through(*answers),
                    restarted_after=datetime.fromisoformat("2026-12-06T22:30:00+00:00"))
        assert found.verdict is Verdict.STALE, found.explanation
        assert "1 of 3 samples (pid 402 at server.listen 127.0.0.5:27001)" in \
            found.explanation
        assert "gunicorn master (ppid 400" in found.fix


# --- 2. a mixed pool is not a disagreement; the fix of one is worded from evidence ------------


def test_a_pool_mixing_gunicorn_and_mod_wsgi_express_is_ok_and_says_the_groups() -> None:
    found = one(through(B1, B3, B2))
    assert found.verdict is Verdict.OK, found.explanation
    assert "pid 301 at process_group '127.0.0.4:27001' (mod_wsgi-express's HOST:PORT)" in \
        found.explanation, found.explanation


def test_a_declared_process_group_still_makes_samples_disagree_named_by_field() -> None:
    text = SHOP.replace('code_version = "v2"\n', 'process_group = "127.0.0.4:27001"\n')
    found = one(through(B1, B3, B3), text=text)
    assert found.verdict is Verdict.INCONSISTENT
    assert "process_group" in found.fix and "pid 101 at server.listen 127.0.0.2:27001" in \
        found.fix
    assert "embedded" not in found.fix


def test_another_application_in_the_pool_is_named_the_odd_one_out_by_its_address() -> None:
    blog = backend("gunicorn", "127.0.0.6:27001", 601, label="blog")
    found = one(through(B1, blog, B2, B1), text=SHOP + '[instances.blog]\nlabel = "blog"\n'
                'urls = ["http://blog.example.com/"]\n')
    assert found.verdict is Verdict.INCONSISTENT
    assert found.fix.startswith("The odd one out: pid 601 at server.listen 127.0.0.6:27001 "
                                "answered as 'blog' (1 of 4 samples)"), found.fix
    assert "Apache" not in found.fix and "embedded" not in found.fix


def test_settings_differing_between_backends_are_not_called_embedded_mode() -> None:
    other = backend("gunicorn", "127.0.0.5:27001", 402, settings_module={
        "environ": "mysite.settings_dev", "loaded": None})
    found = one(through(B1, other, B1))
    assert found.verdict is Verdict.INCONSISTENT
    assert "different servers answered this address" in found.fix
    assert "'mysite.settings_dev' at pid 402 at server.listen 127.0.0.5:27001" in found.fix
    assert "Apache child" not in found.fix and "daemon mode" not in found.fix


def test_settings_differing_between_runservers_of_one_supervisor_are_two_servers() -> None:
    # Django's runserver (wsgiref's WSGIServer): no server.listen, one parent (a supervisor)
    # for both; each process is its own server.
    def runserver(pid: int, settings: str) -> dict[str, Any]:
        data = backend("other", None, pid, ppid=7, settings_module={"environ": settings,
                                                                     "loaded": None})
        return {**data, "server": {**data["server"], "software": "WSGIServer/0.2",
                                   "multiprocess": True}}

    found = one(through(runserver(11, "mysite.settings"), runserver(21, "mysite.settings_dev"),
                        runserver(11, "mysite.settings")))
    assert found.verdict is Verdict.INCONSISTENT
    assert "different servers answered this address" in found.fix, found.fix


# --- 3. a balancer's own 5xx is not an application's traceback --------------------------------


def gateway(code: int, server: str | None, *answers: dict[str, Any]) -> Observation:
    samples = (dataclasses.replace(status(code), server=server), *through(*answers).samples)
    return Observation(Target(URL, "shop", HAPROXY), samples)


def test_haproxys_503_without_a_server_header_is_not_a_traceback_nor_a_decided_cause() -> None:
    # HAProxy's 503 for a name it routes nowhere is the same page as for a backend all down
    # (tests/test_unrouted.py): no cause, both readings; a 502 is a backend's failure.
    found = one(gateway(503, None))
    assert (found.verdict, found.cause) == (Verdict.HTTP_ERROR, None)
    assert "traceback" not in found.fix and "Apache" not in found.fix + found.explanation
    assert "no Server header" in found.explanation
    assert "No sample reached the endpoint" in found.explanation
    assert "it chose no backend for the name" in found.explanation
    assert one(gateway(502, None)).cause is Cause.UPSTREAM_DOWN


def test_apaches_balancer_503_names_the_log_lines_that_tell_balancer_from_mod_wsgi() -> None:
    found = one(gateway(503, "Apache/2.4.66 (Debian)"))
    assert found.cause is Cause.UPSTREAM_DOWN
    assert "All workers are in error state" in found.fix and "traceback" not in found.fix


def test_a_5xx_from_one_backend_of_several_names_the_ones_that_answered() -> None:
    found = one(gateway(502, None, B1, B2))
    assert found.cause is Cause.UPSTREAM_DOWN
    assert "1 of 3 samples" in found.explanation
    assert "pid 101 at server.listen 127.0.0.2:27001" in found.explanation


# --- 4. reload fixes in the terms of the server that answered ---------------------------------


def test_stale_code_on_gunicorn_asks_to_deploy_then_hup_not_apache() -> None:
    found = one(through(OLD))
    assert found.cause is Cause.STALE_CODE
    assert "deploy of 'v2' did not reach that backend" in found.fix
    assert "file:/srv/127.0.0.5:27001/REVISION" in found.fix
    assert "HUP to the gunicorn master (ppid 400" in found.fix
    assert "apachectl" not in found.fix and "Apache" not in found.fix


@pytest.mark.parametrize(("kind", "words"), [
    ("waitress", "restart the waitress process (pid 9)"),
    ("express", "touch the WSGI script it was started with"),
    ("other", "server.software 'hypercorn' is not a server whose reload this tool knows"),
])
def test_a_stale_process_is_reloaded_as_its_server_reloads(kind: str, words: str) -> None:
    answer = backend(kind, "127.0.0.9:27001", 9, started="2026-12-06T22:00:00+00:00")
    found = one(through(answer, answer),
                restarted_after=datetime.fromisoformat("2026-12-06T22:30:00+00:00"))
    assert found.verdict is Verdict.STALE
    assert words.lower() in found.fix.lower(), found.fix
    if kind != "express":
        assert "apachectl" not in found.fix and "WSGI script" not in found.fix


def test_mixed_code_on_one_gunicorn_gives_gunicorns_reasons() -> None:
    new = backend("gunicorn", "127.0.0.2:27001", 102, ppid=100, version=None)
    old = {**new, "pid": 103, "code": {**new["code"], "script_mtime": "2026-12-06T22:00:00+00:00"}}
    found = one(through(new, old), text=SHOP.replace('code_version = "v2"\n', ""))
    assert found.verdict is Verdict.MIXED_CODE, found.explanation
    assert "maximum-requests" not in found.explanation and "gunicorn workers" in \
        found.explanation
    assert "HUP to the gunicorn master (ppid 100" in found.fix


# --- 5. each answer named by its own pid and server.listen ------------------------------------


def test_inconsistent_groups_list_every_process_with_where_it_listens() -> None:
    blog = backend("gunicorn", "127.0.0.6:27001", 601, label="blog")
    b4 = backend("gunicorn", "127.0.0.5:27001", 501)
    found = one(through(B1, b4, B3, blog, B1, b4))
    assert ("5x shop with settings 'mysite.settings' from pid 101 at server.listen "
            "127.0.0.2:27001, pid 501 at server.listen 127.0.0.5:27001 and pid 301 at "
            "process_group '127.0.0.4:27001' (mod_wsgi-express's HOST:PORT)") in \
        found.explanation, found.explanation


def test_processes_seen_names_where_each_process_listens() -> None:
    answers = [EndpointAnswer.from_json(a) for a in (B1, B3)]
    seen = processes_seen(answers)
    assert "shop pid 101 (instance shop-shop.example.com|-101, server.listen 127.0.0.2:27001)" \
        in seen
    assert "pid 301 (instance shop-shop.example.com|-301, process_group '127.0.0.4:27001' " \
        "(mod_wsgi-express's HOST:PORT))" in seen, seen


def test_code_drift_names_the_backend_by_server_listen_not_the_balancer() -> None:
    report = run([through(B1, B1), through(OLD, OLD)],
                 manifest.parse(SHOP.replace('code_version = "v2"\n', ""), "shop.toml"))
    (drift,) = [f.explanation for f in report.findings if f.code == "code_drift"]
    assert "127.0.0.5:27001 (server.listen; host vm, parent pid 400, reached through " \
           "127.0.0.1:27080)" in drift
