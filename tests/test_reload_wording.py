"""uWSGI's reload said only as far as the answer shows it (whether uWSGI has a master it does
not say); the run against a real uWSGI is tests/integration/test_reload_uwsgi.py. A stale
process beside one of its server that read the deploy is told so, not sent to check the
file."""

from __future__ import annotations

from typing import Any

from probe import manifest
from probe.diagnose.reload import reload_fix
from probe.endpoint_answer import EndpointAnswer
from probe.model import Cause, Sample, Verdict
from tests.test_diagnose import STARTED, answered, ep, obs, result, run


def uwsgi(ppid: int | None) -> EndpointAnswer:
    return EndpointAnswer.from_json({
        "schema": 1, "instance_id": "a" * 32, "pid": 41, "ppid": ppid,
        "server": {"software": "uWSGI/2.0.31", "listen": "127.0.0.1:8001"}})


def test_a_parent_that_may_be_the_master_is_named_with_the_check() -> None:
    text = reload_fix([uwsgi(40)])
    assert "with --master, send HUP to its master, ppid 40 (the parent of pid 41)" in text
    assert "'ps -o pid,args -p 40' shows whether ppid 40 is uWSGI" in text


def test_init_as_parent_is_never_sent_a_hup() -> None:
    text = reload_fix([uwsgi(1)])
    assert text.startswith("Restart the uWSGI service that runs pid 41: its parent, pid 1, "
                           "is no uWSGI master"), text
    assert "send HUP" not in text


def test_no_parent_said_names_how_to_find_it() -> None:
    text = reload_fix([uwsgi(None)])
    assert "'ps -o ppid= -p 41' names the master" in text and "ppid None" not in text


LATER = "2024-05-01T10:05:00.000+00:00"
KEYSTONE_ADMIN = """\
[instances.keystone-admin]
label = "project-2"
process_group = "keystone-admin"
code_version = "v2"
urls = ["http://keystone.example.com:33079/"]
"""


def _daemon(pid: int, version: str, started: str = STARTED) -> dict[str, Any]:
    data = ep("project-2", host="keystone.example.com", pid=pid,
              process_group="keystone-admin", started_at=started)
    data.update(ppid=14934, code={"version": version,
                                  "version_source": "file:/srv/project-2/REVISION"})
    data["server"]["hostname"] = "vm"
    return data


def test_a_process_of_the_same_server_that_read_the_deploy_decides_it_reached_there() -> None:
    # A re-test: pid 19930 of the same parent read 'v2' from the file pid 19242 read 'v1'
    # from; "check the file: if it still holds 'v1'..." left open what the answers decide.
    # The two answer in turn (19242 last, 10 minutes up): no reload during the sweep.
    url = "http://keystone.example.com:33079/"
    old, new = {**_daemon(19242, "v1"), "uptime_s": 600.0}, _daemon(19930, "v2", LATER)
    report = run([obs(url, "keystone-admin", answered(old), answered(new), answered(old))],
                 manifest.parse(KEYSTONE_ADMIN, "m.toml"))
    found = result(report, url)
    assert (found.verdict, found.cause) == (Verdict.STALE, Cause.STALE_CODE)
    assert found.fix.startswith(
        f"The deploy of 'v2' reached the backend of pid 19242 on host vm: pid 19930 on host "
        f"vm (parent pid 14934, started {LATER}) reported 'v2' read from "
        f"file:/srv/project-2/REVISION, after pid 19242 on host vm (started {STARTED}) had "
        f"read 'v1' from it. Only pid 19242 on host vm did not reload: restart the whole "
        f"daemon group 'keystone-admin'"), \
        found.fix
    assert "if it still holds" not in found.fix, found.fix


def test_without_a_process_that_read_the_deploy_the_check_is_named() -> None:
    url = "http://keystone.example.com:33079/"
    report = run([obs(url, "keystone-admin", answered(_daemon(19242, "v1")))],
                 manifest.parse(KEYSTONE_ADMIN, "m.toml"))
    assert "if it still holds 'v1', the deploy of 'v2' did not reach that backend" in \
        result(report, url).fix


GUNICORN = """\
[instances.app]
label = "project-2"
code_version = "r5"
urls = ["http://app.example.com/", "http://app.example.com/a/"]
"""
T0, T1, T2 = ("2026-12-06T06:00:00+00:00", "2026-12-06T06:28:21+00:00",
              "2026-12-06T06:40:00+00:00")


def _worker(pid: int, ppid: int, listen: str, version: str, started: str,
            uptime: float) -> Sample:
    """A gunicorn worker's answer, ``uptime`` seconds after ``started``: all read one
    REVISION file on one host."""
    data = ep("project-2", host="app.example.com", pid=pid, started_at=started)
    data.update(ppid=ppid, process_group=None, uptime_s=uptime,
                code={"version": version, "version_source": "file:/srv/app/REVISION"})
    data["server"].update(hostname="box", software="gunicorn/23.0.0", listen=listen,
                          mod_wsgi_version=None)
    return answered(data)


G1, G2 = "127.0.0.1:28101", "127.0.0.1:28102"


def test_a_server_replaced_during_the_sweep_is_not_told_to_reload() -> None:
    # A re-test: g1's master was sent HUP mid-sweep; its old workers 28649 and 28647 were
    # told "Only ... did not reload: send HUP" though the same sweep saw them replaced, and
    # "Only" though g2's worker was named after it.
    old = [_worker(28649, 27473, G1, "r4", T0, 1000), _worker(28647, 27473, G1, "r4", T0, 1001)]
    new = [_worker(28927, 27473, G1, "r5", T1, 10), _worker(28925, 27473, G1, "r5", T1, 11)]
    g2 = _worker(28700, 27500, G2, "r4", T0, 1002)
    url, other = "http://app.example.com/", "http://app.example.com/a/"
    report = run([obs(url, "app", *old, g2), obs(other, "app", *new, g2)],
                 manifest.parse(GUNICORN, "m.toml"))
    fix = result(report, url).fix
    assert fix.startswith(f"The server of pid 28649 at server.listen {G1} and pid 28647 at "
                          f"server.listen {G1} reloaded during the sweep"), fix
    assert "ppid 27473" not in fix and "Only" not in fix, fix
    assert (f"The deploy of 'r5' reached the backend of pid 28700 at server.listen {G2}: "
            f"pid 28927 at server.listen {G1} (parent pid 27473, started {T1}) reported 'r5' "
            f"read from file:/srv/app/REVISION, after pid 28700 at server.listen {G2} "
            f"(started {T0}) had read 'r4' from it. pid 28700 at server.listen {G2} did not "
            f"reload since: send HUP to the gunicorn master (ppid 27500") in fix, fix


def test_a_worker_that_missed_the_deploy_answering_first_is_not_a_reload() -> None:
    # Worker 28927 was started (06:05) after the deploy beside 28649 that missed it; the
    # sweep's answers came all of 28649 first (06:10:00, 06:10:01) then 28927's (06:15).
    # 28927 ran before 28649's first answer: no reload was seen, whatever the order.
    url = "http://app.example.com/"
    old = [_worker(28649, 27473, G1, "r4", T0, 600), _worker(28649, 27473, G1, "r4", T0, 601)]
    new = _worker(28927, 27473, G1, "r5", "2026-12-06T06:05:00+00:00", 600)
    report = run([obs(url, "app", *old, new)], manifest.parse(GUNICORN, "m.toml"))
    found = result(report, url)
    assert (found.verdict, found.cause) == (Verdict.STALE, Cause.STALE_CODE), found.explanation
    assert "reloaded during the sweep" not in found.fix, found.fix
    assert f"Only pid 28649 at server.listen {G1} did not reload: send HUP to the gunicorn " \
           f"master (ppid 27473" in found.fix, found.fix


def test_stale_processes_started_after_the_manifests_version_was_read_are_no_lagging() -> None:
    # A re-test: the manifest said r3 and r4 was written mid-sweep (here r5 and r6); the
    # workers started after the r5 one read r6 from the same file, and were told they "did
    # not reload".
    url = "http://app.example.com/"
    first = _worker(28600, 27473, G1, "r5", T0, 5)
    later = [_worker(28647, 27473, G1, "r6", T2, 5), _worker(28649, 27473, G1, "r6", T2, 6)]
    report = run([obs(url, "app", first, *later)], manifest.parse(GUNICORN, "m.toml"))
    fix = result(report, url).fix
    assert "did not reload" not in fix and "reached the backend" not in fix, fix
    assert fix.startswith(
        f"file:/srv/app/REVISION on host box gave 'r6' to pid 28647 at server.listen {G1} and "
        f"pid 28649 at server.listen {G1} "
        f"(parent pid 27473, started {T2}), after pid 28600 at server.listen {G1} (started "
        f"{T0}) had read 'r5' from it: it changed from the manifest's 'r5' to 'r6' "
        f"between those starts."), fix
    assert "Either the manifest's code_version is out of date (if 'r6' is the release meant, " \
           "set code_version to it), or 'r6' was deployed there by mistake (deploy 'r5' " \
           "again, then: restart the gunicorn service (stop its master (ppid 27473, the " \
           "parent of pids 28647 and 28649)" in fix, fix


def test_processes_started_at_once_do_not_decide_which_read_first() -> None:
    url = "http://app.example.com/"
    report = run([obs(url, "app", _worker(11, 10, G1, "r4", T0, 5),
                      _worker(12, 10, G1, "r5", T0, 6))], manifest.parse(GUNICORN, "m.toml"))
    fix = result(report, url).fix
    assert fix.startswith("Check file:/srv/app/REVISION"), fix
    assert "did not reload:" in fix and "reached the backend" not in fix, fix


def test_a_mod_wsgi_express_member_is_told_its_own_reload_not_the_systems_apachectl() -> None:
    """A re-tester's express member was told "touch its WSGI script ... or 'apachectl
    graceful'": the system's apachectl is another Apache. Tried on a real mod_wsgi-express
    (tests/integration/test_reload_express.py): the script it was started with, touched, or
    its server root's own apachectl reload it."""
    express = EndpointAnswer.from_json({
        "schema": 1, "instance_id": "e" * 32, "pid": 27808, "ppid": 27804,
        "process_group": "127.0.0.1:35041", "script_file": None,
        "server": {"software": "Apache", "mod_wsgi_version": "5.0.2", "listen": None}})
    text = reload_fix([express])
    assert text.startswith(
        "Reload mod_wsgi-express's daemon group '127.0.0.1:35041': touch the WSGI script it "
        "was started with (each process reloads on its next request, unless it was started "
        "with --disable-reloading), or run its own apachectl: 'SERVER_ROOT/apachectl "
        "graceful' (SERVER_ROOT: the directory of the httpd.conf that 'ps -ww -o args= -p 27804' "
        "(its Apache, the parent of pid 27808) shows after -f; /tmp/mod_wsgi-127.0.0.1:35041:"
        "UID unless started with --server-root)"), text
    assert "touch its WSGI script" not in text and " or 'apachectl graceful'" not in text
