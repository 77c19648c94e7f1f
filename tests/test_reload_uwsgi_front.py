"""uWSGI behind Apache's mod_proxy_uwsgi: the front passes its own SERVER_SOFTWARE in the
uwsgi variables, so a uWSGI worker's ``server.software`` is ``Apache/2.4.71 (Debian)`` (a
tester's balancer, two uWSGI members, one on old code). The reload said is uWSGI's, told by
``server.uwsgi`` (or an older endpoint's ``server.worker_id``), never "not a server whose
reload this tool knows"; the real run is tests/integration/test_apache_proxy_uwsgi.py."""

from __future__ import annotations

from typing import Any

from probe import manifest
from probe.diagnose.answer_names import server_kind
from probe.diagnose.reload import reload_fix
from probe.endpoint_answer import EndpointAnswer
from probe.model import Cause, Verdict
from tests.test_diagnose import answered, ep, obs, result, run

APACHE = "Apache/2.4.71 (Debian)"


def worker(pid: int, *, version: str = "r1", listen: str = "127.0.0.1:41815",
           uwsgi: dict[str, Any] | None = None, worker_id: int | None = 1,
           software: str = APACHE) -> dict[str, Any]:
    data = ep("shop", host="shop.test", pid=pid, process_group="", application_group="")
    data.update(ppid=8465, process_group=None, application_group=None,
                code={"version": version, "version_source": "wrap"})
    data["server"] = {"software": software, "mod_wsgi_version": None, "worker_id": worker_id,
                      "listen": listen, "hostname": "vm"}
    if uwsgi is not None:
        data["server"]["uwsgi"] = uwsgi
    return data


def answer(**kwargs: Any) -> EndpointAnswer:
    return EndpointAnswer.from_json(worker(8466, **kwargs))


def test_an_older_endpoints_worker_id_tells_uwsgi_behind_the_fronts_software() -> None:
    # What the tester's sweep got: the endpoint before server.uwsgi.
    text = reload_fix([answer()])
    assert "is not a server whose reload this tool knows" not in text, text
    assert text.startswith(
        "Reload uWSGI (pid 8466 is uWSGI's: server.worker_id 1, uWSGI's worker number; its "
        "server.software 'Apache/2.4.71 (Debian)' is the SERVER_SOFTWARE its front passed to "
        "uWSGI with the request, which uWSGI itself does not set): with --master, send HUP to "
        "its master, ppid 8465 (the parent of pid 8466)"), text
    assert "'ps -o pid,args -p 8465' shows whether ppid 8465 is uWSGI" in text


def test_server_uwsgi_names_the_master_and_each_reload_it_was_started_with() -> None:
    seen = {"version": "2.0.31", "master_pid": 8465, "pidfile": ["/run/shop2.pid"],
            "touch_reload": ["/srv/shop2/reload"], "master_fifo": ["/run/shop2.fifo"]}
    text = reload_fix([answer(uwsgi=seen)])
    assert text.startswith(
        "Reload uWSGI (pid 8466 is uWSGI's: server.uwsgi.version '2.0.31'; its server.software "
        "'Apache/2.4.71 (Debian)' is the SERVER_SOFTWARE its front passed"), text
    assert ("send HUP to its master, pid 8465 (server.uwsgi.master_pid), run 'uwsgi --reload "
            "/run/shop2.pid' (its --pidfile, server.uwsgi.pidfile: it sends HUP to the pid "
            "written there), run 'echo r > /run/shop2.fifo' (its --master-fifo, "
            "server.uwsgi.master_fifo) or touch /srv/shop2/reload (its --touch-reload, "
            "server.uwsgi.touch_reload); the master then starts workers with the code on "
            "disk") in text, text
    # The master is said: no check of whether there is one.
    assert "does not say uWSGI runs with --master" not in text and "ps -o" not in text


def test_only_the_reloads_uwsgi_was_started_with_are_named() -> None:
    seen = {"version": "2.0.31", "master_pid": 8465, "pidfile": [], "touch_reload": [],
            "master_fifo": []}
    text = reload_fix([answer(uwsgi=seen)])
    assert "send HUP to its master, pid 8465 (server.uwsgi.master_pid); the master" in text
    assert "--reload" not in text and "touch" not in text and "echo r" not in text, text


def test_uwsgi_without_a_master_is_restarted_never_sent_a_hup() -> None:
    seen = {"version": "2.0.31", "master_pid": 0, "pidfile": ["/run/x.pid"],
            "touch_reload": [], "master_fifo": []}
    text = reload_fix([answer(uwsgi=seen, software="uWSGI/2.0.31")])
    assert text.startswith("List every process of this uWSGI before stopping any: 'ps -o "
                           "pid= --ppid 8466' lists the processes pid 8466 forked"), text
    assert "without a master (server.uwsgi.master_pid 0)" in text, text
    assert "send HUP" not in text and "--reload" not in text


def test_what_no_field_says_is_uwsgi_is_not_taken_for_it() -> None:
    assert server_kind(answer(worker_id=None)) is None
    assert server_kind(answer(worker_id=None, software="gunicorn/23.0.0")) == "gunicorn"
    assert server_kind(answer(worker_id=None, software="uWSGI/2.0.31")) == "uwsgi"
    assert server_kind(answer(uwsgi={"version": "2.0.31"}, worker_id=None)) == "uwsgi"
    text = reload_fix([answer(worker_id=None)])
    assert "server.software 'Apache/2.4.71 (Debian)' is not a server whose reload" in text


SHOP = """\
[instances.shop]
label = "shop"
code_version = "r2"
urls = ["http://shop.test/"]
"""


def test_the_stale_member_of_a_balancer_is_sent_to_uwsgis_reload_once_per_master() -> None:
    url = "http://shop.test/"
    new = worker(8443, version="r2", listen="127.0.0.1:41814")
    new["ppid"] = 8442
    report = run([obs(url, "shop", answered(new), answered(worker(8466)),
                      answered(worker(8467)), answered(new))], manifest.parse(SHOP, "m.toml"))
    found = result(report, url)
    assert (found.verdict, found.cause) == (Verdict.STALE, Cause.STALE_CODE), found.explanation
    assert "not a server whose reload" not in found.fix, found.fix
    # The two workers of one master: one reload, said once.
    assert found.fix.count("Reload uWSGI") + found.fix.count("reload uWSGI") == 1, found.fix
    assert "send HUP to its master, ppid 8465 (the parent of pids 8466 and 8467)" in \
        found.fix, found.fix
