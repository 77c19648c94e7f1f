"""uWSGI's reload said only as far as the answer shows it (whether uWSGI has a master it does
not say); the run against a real uWSGI is tests/integration/test_reload_uwsgi.py. A stale
process beside one of its server that read the deploy is told so, not sent to check the
file."""

from __future__ import annotations

from typing import Any

from probe import manifest
from probe.diagnose.reload import reload_fix
from probe.endpoint_answer import EndpointAnswer
from probe.model import Cause, Verdict
from tests.test_diagnose import answered, ep, obs, result, run


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


KEYSTONE_ADMIN = """\
[instances.keystone-admin]
label = "project-2"
process_group = "keystone-admin"
code_version = "v2"
urls = ["http://keystone.example.com:33079/"]
"""


def _daemon(pid: int, version: str) -> dict[str, Any]:
    data = ep("project-2", host="keystone.example.com", pid=pid,
              process_group="keystone-admin")
    data.update(ppid=14934, code={"version": version,
                                  "version_source": "file:/srv/project-2/REVISION"})
    data["server"]["hostname"] = "vm"
    return data


def test_a_process_of_the_same_server_that_read_the_deploy_decides_it_reached_there() -> None:
    # A re-test: pid 19930 of the same parent read 'v2' from the file pid 19242 read 'v1'
    # from; "check the file: if it still holds 'v1'..." left open what the answers decide.
    url = "http://keystone.example.com:33079/"
    old, new = _daemon(19242, "v1"), _daemon(19930, "v2")
    report = run([obs(url, "keystone-admin", answered(old), answered(new), answered(old))],
                 manifest.parse(KEYSTONE_ADMIN, "m.toml"))
    found = result(report, url)
    assert (found.verdict, found.cause) == (Verdict.STALE, Cause.STALE_CODE)
    assert found.fix.startswith(
        "The deploy of 'v2' reached the backend of pid 19242 on host vm: pid 19930 on host vm "
        "(parent pid 14934, as pid 19242 on host vm) reported 'v2' read from "
        "file:/srv/project-2/REVISION, where pid 19242 on host vm read 'v1'. Only pid 19242 "
        "on host vm did not reload: restart the whole daemon group 'keystone-admin'"), \
        found.fix
    assert "if it still holds" not in found.fix, found.fix


def test_without_a_process_that_read_the_deploy_the_check_is_named() -> None:
    url = "http://keystone.example.com:33079/"
    report = run([obs(url, "keystone-admin", answered(_daemon(19242, "v1")))],
                 manifest.parse(KEYSTONE_ADMIN, "m.toml"))
    assert "if it still holds 'v1', the deploy of 'v2' did not reach that backend" in \
        result(report, url).fix
