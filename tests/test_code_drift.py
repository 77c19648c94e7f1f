"""Code compared where it means something (issue 24): script times within one server only,
declared code versions across a fleet's servers (``code_drift``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from probe.manifest import Target
from probe.model import Observation, Report, Sample, Status, Verdict

from .test_diagnose import SITE2, SUB, answered, run, sites
from .test_diagnose_causes import p2_site2, p2_sub

A, B, BALANCER = "127.0.0.1:8001", "127.0.0.2:8002", "127.0.0.1:8000"
EARLY, LATE = "2026-12-06T07:00:00.000000+00:00", "2026-12-06T07:00:01.400000+00:00"


def backend(data: dict[str, Any], *, host: str | None, ppid: int, pid: int,
            mtime: str, version: str | None = None, source: str | None = None) -> dict[str, Any]:
    code = {"version": version, "version_source": source, "script_mtime": mtime}
    server = {**data.get("server", {}), "hostname": host}
    return {**data, "pid": pid, "ppid": ppid, "code": code, "server": server}


def at(url: str, expected: str, address: str, *answers: dict[str, Any]) -> Observation:
    samples: tuple[Sample, ...] = tuple(answered(a) for a in answers)
    return Observation(Target(url, expected, address), samples * (3 // len(samples) or 1))


def fleet(a: dict[str, Any], b: dict[str, Any]) -> list[Observation]:
    """Both project-2 URLs at each of two backends; ``a`` and ``b`` are :func:`backend`'s."""
    return [at(url, "project-2", address, backend(make(), **changes))
            for url, make in ((SUB, p2_sub), (SITE2, p2_site2))
            for address, changes in ((A, a), (B, b))]


def verdicts(report: Report) -> set[tuple[str, str | None, Verdict]]:
    return {(t.url, t.address, t.verdict) for t in report.targets}


def drift(report: Report) -> list[str]:
    return [f.explanation for f in report.findings if f.code == "code_drift"]


def test_two_healthy_backends_deployed_apart_are_ok() -> None:
    # Each backend has its own copy of the script, written 1.4 s apart: not a restart problem.
    report = run(fleet(dict(host="web-1", ppid=10, pid=11, mtime=EARLY),
                       dict(host="web-2", ppid=10, pid=11, mtime=LATE)))
    assert {v for _, _, v in verdicts(report)} == {Verdict.OK}
    assert report.findings == ()
    assert report.status is Status.OK


def test_an_older_endpoint_without_hostname_is_told_apart_by_address_and_parent() -> None:
    report = run(fleet(dict(host=None, ppid=10, pid=11, mtime=EARLY),
                       dict(host=None, ppid=20, pid=21, mtime=LATE)))
    assert {v for _, _, v in verdicts(report)} == {Verdict.OK}


def test_through_a_balancer_each_server_is_its_own() -> None:
    # One address (the balancer), samples alternate between two servers on one machine.
    one = backend(p2_site2(), host="box", ppid=10, pid=11, mtime=EARLY)
    two = backend(p2_site2(), host="box", ppid=20, pid=21, mtime=LATE)
    report = run([Observation(Target(SITE2, "project-2", BALANCER),
                              (answered(one), answered(two), answered(one)))])
    assert {v for _, _, v in verdicts(report)} == {Verdict.OK}
    assert report.findings == ()


def test_processes_of_one_server_on_old_and_new_script_are_still_mixed_code() -> None:
    old = backend(p2_site2(), host="box", ppid=10, pid=11, mtime=EARLY)
    new = backend(p2_site2(), host="box", ppid=10, pid=12, mtime=LATE)
    report = run([Observation(Target(SITE2, "project-2", BALANCER),
                              (answered(old), answered(new), answered(old)))])
    (found,) = report.targets
    assert found.verdict is Verdict.MIXED_CODE
    assert f"pid 11: version None, script modified {EARLY}" in found.explanation


def test_older_code_behind_another_url_of_the_same_server_is_still_mixed_code() -> None:
    report = run([
        at(SUB, "project-2", A, backend(p2_sub(), host="box", ppid=10, pid=11, mtime=EARLY)),
        at(SITE2, "project-2", A, backend(p2_site2(), host="box", ppid=10, pid=12, mtime=LATE)),
        at(SUB, "project-2", B, backend(p2_sub(), host="box2", ppid=10, pid=11, mtime=LATE)),
    ])
    found = {(t.url, t.address): t.verdict for t in report.targets}
    assert found == {(SUB, A): Verdict.MIXED_CODE, (SITE2, A): Verdict.OK,
                     (SUB, B): Verdict.OK}


def test_two_daemon_groups_answering_in_turn_are_no_reload() -> None:
    # CI caught it: group 'pg' (old script) answered first, then group 'project-2' (its copy
    # touched, so restarted later) answered: one Apache parent, and the order of a sweep's
    # answers made it look like a reload. Each daemon group is its own socket.
    old = backend(p2_sub(), host="box", ppid=10, pid=11, mtime=EARLY)
    new = backend(p2_site2(), host="box", ppid=10, pid=12, mtime=LATE)
    old |= {"started_at": EARLY, "uptime_s": 0.5}
    new |= {"started_at": LATE, "uptime_s": 0.5}
    report = run([at(SUB, "project-2", A, old), at(SITE2, "project-2", A, new)])
    found = {t.url: t.verdict for t in report.targets}
    assert found == {SUB: Verdict.MIXED_CODE, SITE2: Verdict.OK}, \
        [t.explanation for t in report.targets]


def test_a_process_restarted_before_the_sweep_answering_last_is_no_reload() -> None:
    # One daemon group, two processes: pid 12 restarted after the deploy (07:00:30), pid 11
    # missed it. The sweep's answers happened to come all of pid 11 first: pid 12 was running
    # before pid 11's first answer (07:01:40), so the sweep saw both side by side, in any order.
    old = backend(p2_site2(), host="box", ppid=10, pid=11, mtime=EARLY)
    new = backend(p2_site2(), host="box", ppid=10, pid=12, mtime=LATE)
    old |= {"started_at": EARLY, "uptime_s": 100.0}
    new |= {"started_at": "2026-12-06T07:00:30.000000+00:00", "uptime_s": 71.0}
    report = run([Observation(Target(SITE2, "project-2", A),
                              (answered(old), answered(old), answered(new)))])
    (found,) = report.targets
    assert found.verdict is Verdict.MIXED_CODE, found.explanation
    assert "reloaded during the sweep" not in found.explanation


def test_a_process_started_after_the_older_codes_first_answer_is_a_reload() -> None:
    # The same answers, pid 12 started after pid 11's first answer (07:01:40): a reload.
    old = backend(p2_site2(), host="box", ppid=10, pid=11, mtime=EARLY)
    new = backend(p2_site2(), host="box", ppid=10, pid=12, mtime=LATE)
    first, second = (old | {"started_at": EARLY, "uptime_s": up} for up in (100.0, 101.0))
    new |= {"started_at": "2026-12-06T07:01:40.500000+00:00", "uptime_s": 1.0}
    report = run([Observation(Target(SITE2, "project-2", A),
                              (answered(first), answered(second), answered(new)))])
    (found,) = report.targets
    assert found.verdict is Verdict.OK, found.explanation
    assert "reloaded during the sweep" in found.explanation, found.explanation


def test_backends_on_different_declared_versions_are_code_drift() -> None:
    v1: dict[str, Any] = {"version": "4f9c2e1", "source": "env:WSGI_PROBE_CODE_VERSION"}
    v2: dict[str, Any] = {"version": "9e1d2c3", "source": "git:/srv/app/.git"}
    report = run(fleet(dict(host="web-1", ppid=10, pid=11, mtime=EARLY, **v1),
                       dict(host="web-2", ppid=10, pid=11, mtime=LATE, **v2)))
    assert {v for _, _, v in verdicts(report)} == {Verdict.OK}
    (text,) = drift(report)
    assert text == (
        "project-2 runs 2 code versions on its servers (code.version): '4f9c2e1' (from "
        "env:WSGI_PROBE_CODE_VERSION) at 127.0.0.1:8001 (host web-1, parent pid 10); '9e1d2c3' "
        "(from git:/srv/app/.git) at 127.0.0.2:8002 (host web-2, parent pid 10). A deploy "
        "reached some of them only, or is still under way; or it reached every server and "
        "some processes were not restarted since: the answers do not tell which (code.version "
        "is read when a process loads). Read where each process's code.version came from, on "
        "its server: WSGI_PROBE_CODE_VERSION in the environment its service starts with on "
        "host web-1 (pid 11 on host web-1, '4f9c2e1'); the commit checked out at "
        "/srv/app/.git on host web-2 (pid 11 on host web-2, '9e1d2c3'). Where it holds "
        "another version than the processes run, they were not restarted: restart the whole "
        "daemon group 'pg': touch its WSGI script (/srv/project-2/wsgi.py) (every process "
        "reloads on its next request) or run the command that 'ps -ww -o args= -p 10' shows "
        "(its Apache, the parent of pid 11) with '-k graceful' in place of the '-k start' it "
        "shows (the binary and its -f, -d and -D options kept; '-k graceful' added where it "
        "shows no -k; both at once is refused: 'illegal option -- k'), in one line: '$(ps -ww "
        "-o args= -p 10 | sed \"s/ -k [a-z-]*//g\") -k graceful'; where it shows no -f, run "
        "'apachectl graceful' instead (it controls the Apache of the system's configuration, "
        "/etc/apache2 or /etc/httpd, not one started with -f). Where it holds their "
        "version, "
        "the deploy did not reach that server: deploy one version to every server, and "
        "restart the processes there as above (the deploy alone changes no process). Then "
        "probe again.")
    (finding,) = report.findings
    assert (finding.severity, finding.instances) == (Status.WARNING, ("project-2",))
    assert report.status is Status.WARNING


def test_one_version_everywhere_is_no_drift() -> None:
    report = run(fleet(dict(host="web-1", ppid=10, pid=11, mtime=EARLY, version="v1"),
                       dict(host="web-2", ppid=10, pid=11, mtime=LATE, version="v1")))
    assert drift(report) == []


def test_other_instances_versions_are_not_drift() -> None:
    from .test_diagnose import SITE1
    from .test_diagnose_causes import p1
    report = run([
        at(SITE1, "project-1", A, backend(p1(), host="web-1", ppid=1, pid=2, mtime=EARLY,
                                          version="a")),
        at(SITE2, "project-2", B, backend(p2_site2(), host="web-2", ppid=1, pid=2,
                                          mtime=EARLY, version="b")),
    ])
    assert drift(report) == []


def test_one_server_restarted_during_the_sweep_is_said_so() -> None:
    # One gunicorn at A (one host, one server.listen), restarted between two URLs with new
    # code: a new master (parent pid), later started_at. Not two servers of a fleet.
    def served(make: Any, ppid: int, pid: int, version: str, started: str) -> dict[str, Any]:
        data = backend(make(), host="web-1", ppid=ppid, pid=pid, mtime=EARLY, version=version)
        return {**data, "started_at": started,
                "server": {**data["server"], "software": "gunicorn/23.0.0", "listen": A}}

    observations = [at(SUB, "project-2", A, served(p2_sub, 10, 11, "v1", EARLY)),
                    at(SITE2, "project-2", A, served(p2_site2, 20, 21, "v2", LATE))]
    [text] = drift(run(observations))
    assert "A deploy reached some of them only" not in text
    assert text.endswith(f"These answers all come from one server (host web-1, server.listen "
                         f"{A}, at {A}) whose processes were replaced during the sweep (parent "
                         f"pids 10, 20, started from {EARLY} to {LATE}): it restarted while the "
                         f"sweep ran, with another code version; probe again once it has "
                         f"settled.")
    # Two servers (two listening sockets) stay a fleet's drift.
    observations[1] = at(SITE2, "project-2", B, served(p2_site2, 20, 21, "v2", LATE))
    [text] = drift(run(observations))
    assert "A deploy reached some of them only" in text


def alone(make: Any, *, ppid: int, pid: int, listen: str, version: str, started: str = EARLY,
          software: str = "waitress") -> dict[str, Any]:
    """An answer of a process that runs the application alone (server.multiprocess false)."""
    data = backend(make(), host="box", ppid=ppid, pid=pid, mtime=EARLY, version=version)
    return {**data, "started_at": started, "server": {
        **data["server"], "software": software, "listen": listen, "multiprocess": False,
        "mod_wsgi_version": None}, "process_group": None, "application_group": None}


def test_single_process_servers_under_init_are_told_apart_by_where_they_listen() -> None:
    # Two waitress started by systemd as two units: one host, parent pid 1 for both.
    one = alone(p2_site2, ppid=1, pid=11, listen="*:8001", version="v1")
    two = alone(p2_site2, ppid=1, pid=21, listen="*:8002", version="v2")
    report = run([Observation(Target(SITE2, "project-2", BALANCER),
                              (answered(one), answered(two), answered(one)))])
    assert {v for _, _, v in verdicts(report)} == {Verdict.OK}
    [text] = drift(report)
    assert f"'v1' at *:8001 (server.listen; host box, pid 11, reached through {BALANCER})" \
        in text
    assert f"'v2' at *:8002 (server.listen; host box, pid 21, reached through {BALANCER})" \
        in text
    # Under one supervisor that is not init (supervisord), the parent is shared too: a
    # single-process uWSGI is still one server per socket, its parent said.
    one = alone(p2_site2, ppid=7, pid=11, listen=":8001", version="v1", software="uWSGI/2.0")
    two = alone(p2_site2, ppid=7, pid=21, listen=":8002", version="v2", software="uWSGI/2.0")
    report = run([Observation(Target(SITE2, "project-2", BALANCER),
                              (answered(one), answered(two), answered(one)))])
    [text] = drift(report)
    assert "at :8001 (server.listen; host box, parent pid 7" in text


def test_workers_of_one_master_stay_one_server() -> None:
    # gunicorn --workers 2: server.multiprocess true, one master; two sockets (two --bind).
    def worker(pid: int, listen: str, mtime: str) -> dict[str, Any]:
        data = backend(p2_site2(), host="box", ppid=10, pid=pid, mtime=mtime)
        return {**data, "server": {**data["server"], "software": "gunicorn/23.0.0",
                                   "listen": listen, "multiprocess": True}}

    report = run([Observation(Target(SITE2, "project-2", BALANCER),
                              (answered(worker(11, A, EARLY)), answered(worker(12, B, LATE)),
                               answered(worker(11, A, EARLY))))])
    (found,) = report.targets
    assert found.verdict is Verdict.MIXED_CODE


def test_a_single_process_server_restarted_during_the_sweep_is_said_by_its_pids() -> None:
    observations = [
        at(SUB, "project-2", A, alone(p2_sub, ppid=1, pid=11, listen="*:8001", version="v1")),
        at(SITE2, "project-2", A, alone(p2_site2, ppid=1, pid=21, listen="*:8001",
                                        version="v2", started=LATE))]
    [text] = drift(run(observations))
    assert f"whose processes were replaced during the sweep (pid 11, pid 21, started from " \
           f"{EARLY} to {LATE})" in text, text


def test_single_process_servers_under_one_supervisor_without_a_socket_are_two() -> None:
    # Two runserver (wsgiref's WSGIServer: multiprocess true, its default, and no
    # server.listen) started by one supervisor: one host, one parent, only the pid differs.
    def runserver(make: Any, pid: int, version: str, multiprocess: bool = True,
                  software: str = "WSGIServer/0.2") -> dict[str, Any]:
        data = alone(make, ppid=7, pid=pid, listen="", version=version, software=software)
        return {**data, "server": {**data["server"], "listen": None,
                                   "multiprocess": multiprocess}}

    for software, multiprocess in (("WSGIServer/0.2", True), ("hypercorn", False)):
        report = run([at(url, "project-2", address, runserver(make, pid, version,
                                                              multiprocess, software))
                      for url, make in ((SUB, p2_sub), (SITE2, p2_site2))
                      for address, pid, version in ((A, 11, "v1"), (B, 21, "v2"))])
        assert {v for _, _, v in verdicts(report)} == {Verdict.OK}, software
        [text] = drift(report)
        assert f"'v1' at {A} (host box, pid 11)" in text, text
        assert f"'v2' at {B} (host box, pid 21)" in text, text
    # One such process answering every URL stays one server: its older script is no drift.
    report = run([at(url, "project-2", A, runserver(make, 11, "v1"))
                  for url, make in ((SUB, p2_sub), (SITE2, p2_site2))])
    assert report.findings == ()


def gunicorn(make: Any, *, ppid: int, pid: int, listen: str, version: str, started: str,
             source: str, host: str = "box") -> dict[str, Any]:
    """A gunicorn worker's answer: its host, master, socket, code and start."""
    data = backend(make(), host=host, ppid=ppid, pid=pid, mtime=EARLY, version=version,
                   source=source)
    return {**data, "started_at": started, "process_group": None, "application_group": None,
            "server": {**data["server"], "software": "gunicorn/23.0.0", "listen": listen,
                       "mod_wsgi_version": None}}


def balanced(old: dict[str, Any], new: dict[str, Any]) -> list[Observation]:
    """Both project-2 URLs through one balancer whose samples alternate between two servers."""
    return [Observation(Target(url, "project-2", BALANCER),
                        (answered(old), answered(new), answered(old)))
            for url in (SUB, SITE2)]


def test_a_server_not_restarted_after_the_deploy_reached_its_file_is_told_to_reload() -> None:
    # Two gunicorn masters of one checkout on one host: v2 written, HUP sent to 20 only. Its
    # worker read v2 from the same REVISION, started after 10's worker read v1 from it.
    revision = "file:/srv/app/REVISION"
    old = gunicorn(p2_site2, ppid=10, pid=11, listen=A, version="v1", started=EARLY,
                   source=revision)
    new = gunicorn(p2_site2, ppid=20, pid=21, listen=B, version="v2", started=LATE,
                   source=revision)
    [text] = drift(run(balanced(old, new)))
    assert "A deploy reached some of them only" not in text, text
    assert text.endswith(
        f"{revision} on host box gave 'v2' to pid 21 at server.listen {B} (parent pid 20, "
        f"started {LATE}), after pid 11 at server.listen {A} (started {EARLY}) had read 'v1' "
        f"from it: the deploy reached that file, and pid 11 at server.listen {A} was not "
        f"restarted since. Send HUP to the gunicorn master (ppid 10, the parent of pid 11): "
        f"it starts new workers with the code on disk (with --preload the master holds the "
        f"old code: restart the service instead; 'ps -ww -o args= -p 10' shows whether it runs "
        f"with --preload). Then probe again and check that every pid "
        f"reports the same code.version."), text
    assert "ppid 20" not in text.split("Send HUP")[1]


def test_without_one_file_read_by_both_the_drift_says_both_and_the_check() -> None:
    # Two checkouts (two REVISION files), one path on two hosts, or one file read by two
    # processes started at once: whether the deploy reached the old server's file the
    # answers do not show.
    for old_source, host, new_start in (("file:/srv/b/REVISION", "box", LATE),
                                        ("file:/srv/a/REVISION", "web-2", LATE),
                                        ("file:/srv/a/REVISION", "box", EARLY)):
        old = gunicorn(p2_site2, ppid=10, pid=11, listen=A, version="v1", started=EARLY,
                       source=old_source)
        new = gunicorn(p2_site2, ppid=20, pid=21, listen=B, version="v2", started=new_start,
                       source="file:/srv/a/REVISION", host=host)
        [text] = drift(run(balanced(old, new)))
        # Both reached through the balancer's address only: a switch of its upstream is
        # said first (tests/test_drift_front.py), then these.
        assert "A deploy reached some of them only, or is still under way; or it reached " \
               "every server and some processes were not restarted since" in text, text
        assert (f"the file {old_source[5:]} on host box (pid 11 at server.listen {A}, 'v1')"
                in text), text
        assert "send HUP to the gunicorn master (ppid 10, the parent of pid 11)" in text, text


def test_servers_on_the_declared_version_are_not_told_to_restart() -> None:
    # A fleet of three, one server left on the old code (a tester's f1): only that server is
    # named for the check and the restart; the two on the manifest's version need nothing.
    m = sites()
    m = dataclasses.replace(m, instances={**m.instances, "project-2": dataclasses.replace(
        m.instances["project-2"], code_version="2.0")})
    c = "127.0.0.3:8003"
    new: dict[str, Any] = {"version": "2.0", "source": "file:/srv/a/VERSION"}
    old: dict[str, Any] = {"version": "1.0", "source": "file:/srv/b/VERSION"}
    observed = [at(SITE2, "project-2", address, backend(p2_site2(), **changes))
                for address, changes in (
                    (A, dict(host="web-1", ppid=10, pid=11, mtime=EARLY, **new)),
                    (B, dict(host="web-2", ppid=10, pid=11, mtime=EARLY, **old)),
                    (c, dict(host="web-3", ppid=10, pid=11, mtime=EARLY, **new)))]
    [text] = drift(run(observed, m))
    assert (f"{A} (host web-1, parent pid 10) and {c} (host web-3, parent pid 10) already run "
            f"'2.0', the code_version the manifest declares: nothing to do there. {B} (host "
            f"web-2, parent pid 10) runs '1.0': a deploy reached some of them only") in text, text
    told = text.split("nothing to do there.")[1]
    assert "web-1" not in told and "web-3" not in told, told
    assert "the file /srv/b/VERSION on host web-2 (pid 11 on host web-2, '1.0')" in told, told
    assert told.count("restart the whole daemon group") == 1, told
