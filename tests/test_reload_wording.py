"""uWSGI's reload said only as far as the answer shows it (whether uWSGI has a master it does
not say); the run against a real uWSGI is tests/integration/test_reload_uwsgi.py."""

from __future__ import annotations

from probe.diagnose.reload import reload_fix
from probe.endpoint_answer import EndpointAnswer


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
