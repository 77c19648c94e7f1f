"""What ``probe ps`` says it does not list: other WSGI servers by name and command line, and
processes this user cannot read or see (the real servers: tests/integration/
test_ps_other_servers.py)."""

from __future__ import annotations

import pytest

from probe.procs import ApacheProcess
from probe.procs_others import Census, hidepid, other_server
from probe.procs_table import render_table


@pytest.mark.parametrize(("name", "cmdline", "server"), [
    ("gunicorn", ("/srv/venv/bin/python3", "/srv/venv/bin/gunicorn", "app.wsgi"), "gunicorn"),
    ("python3", ("/srv/venv/bin/python3", "/srv/venv/bin/gunicorn", "app.wsgi"), "gunicorn"),
    ("gunicorn", ("gunicorn: worker [mysite.wsgi:application]",), "gunicorn"),  # setproctitle
    ("python3", ("python3", "-m", "gunicorn", "app:app"), "gunicorn"),
    ("uwsgi", ("/usr/bin/uwsgi", "--ini", "/etc/uwsgi/app.ini"), "uWSGI"),
    ("uwsgi", ("uWSGI worker 1",), "uWSGI"),
    ("uwsgi-core", ("/usr/bin/uwsgi-core", "--emperor", "/etc/uwsgi/vassals"), "uWSGI"),
    ("waitress-serve", ("/v/bin/python", "/v/bin/waitress-serve", "--listen=:8080", "a:b"),
     "waitress"),
    ("python", ("python", "-m", "waitress", "a:b"), "waitress"),
    # not servers: a file named after one, nginx passing to one, Apache itself
    ("vim", ("vim", "gunicorn.conf.py"), None),
    ("python3", ("python3", "gunicorn_helper.py"), None),
    ("nginx", ("nginx: worker process",), None),
    ("apache2", ("/usr/sbin/apache2", "-k", "start"), None),
])
def test_other_servers_by_name_and_command_line(name: str, cmdline: tuple[str, ...],
                                                server: str | None) -> None:
    assert other_server(name, cmdline) == server


PROC_MOUNTS = ("sysfs /sys sysfs rw,nosuid 0 0\n"
               "proc /proc proc rw,nosuid,nodev,noexec,relatime,hidepid=invisible 0 0\n")


def test_a_proc_mount_that_hides_other_users_processes() -> None:
    assert hidepid(PROC_MOUNTS, 1000) == "hidepid=invisible"
    assert hidepid(PROC_MOUNTS, 0) is None  # root sees them all
    assert hidepid(PROC_MOUNTS.replace("hidepid=invisible", "hidepid=0"), 1000) is None
    assert hidepid("proc /proc proc rw,relatime 0 0\n", 1000) is None


def test_the_table_says_what_it_does_not_list() -> None:
    rows: list[ApacheProcess] = []
    seen = render_table(rows, terminal=False, census=Census(
        (("gunicorn", 3), ("waitress", 1)), 2, "hidepid=2"))
    assert seen.splitlines() == [
        "no Apache (apache2/httpd) processes found",
        "probe ps lists Apache httpd and mod_wsgi processes only; also running, not listed: "
        "3 gunicorn, 1 waitress process(es).",
        "2 process(es) could not be read (permission: another user's): whether any is Apache "
        "is unknown; run 'probe ps' as root.",
        "/proc is mounted with hidepid=2: other users' processes are invisible to this user; "
        "run 'probe ps' as root.",
    ]
    none = render_table(rows, terminal=False, census=Census((), 0, None))
    assert none.splitlines()[1] == ("probe ps lists Apache httpd and mod_wsgi processes only; "
                                    "no gunicorn, uWSGI or waitress process is running (by "
                                    "name and command line).")
    assert Census((("uWSGI", 2),), 1, None).as_json() == {
        "not_listed": {"uWSGI": 2}, "unreadable_processes": 1, "proc_hidepid": None}


class _Proc:
    """What snapshot() reads of a psutil.Process from process_iter: its info."""

    def __init__(self, pid: int, name: str, cmdline: list[str] | None,
                 status: str = "sleeping") -> None:
        self.info: dict[str, object] = {
            "pid": pid, "ppid": 1, "name": name, "cmdline": cmdline, "username": None,
            "memory_info": None, "create_time": 1.0, "status": status}


def test_snapshot_counts_what_it_could_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import psutil

    from probe import procs_read

    table = [_Proc(10, "gunicorn", ["gunicorn: master [app]"]),
             _Proc(11, "gunicorn", ["gunicorn: worker [app]"]),
             _Proc(12, "", None),  # AccessDenied: psutil gives None, not []
             _Proc(13, "sleep", None, status="zombie"),  # a zombie has no command line: no secret
             _Proc(14, "kthreadd", [])]

    def process_iter(attrs: list[str]) -> list[_Proc]:
        assert "status" in attrs and "cmdline" in attrs
        return table

    monkeypatch.setattr(psutil, "process_iter", process_iter)
    monkeypatch.setattr(procs_read, "_read", lambda path: PROC_MOUNTS)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    found, census = procs_read.snapshot()
    assert found == []
    assert census == Census((("gunicorn", 2),), 1, "hidepid=invisible")
