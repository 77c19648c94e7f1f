"""A stock Django project behind every common WSGI server, set up by ``probe endpoint --install``.

For mod_wsgi-express (``start-server``), gunicorn (sync and gthread, several workers), uWSGI
(several processes) and waitress, each test generates ``django-admin startproject mysite`` with
the Django of the venv that serves it, installs the endpoint with the real CLI, starts the real
server on a free loopback port and then:

* sweeps it with ``probe sweep``: ``ok``, the instance identified by label and settings, no word
  about mod_wsgi fields the server does not have;
* checks the endpoint's answers against the server's own process tree (every worker its own
  copy; mod_wsgi-express's group as its httpd.conf names it and as ``probe ps`` shows it);
* breaks the endpoint file on purpose, restarts, and sees the site still serve its pages.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests import reaper

from .apache import ApacheError, ApacheUnavailable, free_port, missing_for_server
from .conftest import unavailable
from .wsgi_servers import (
    WsgiServer,
    ensure_servers_venv,
    make_readable,
    make_site,
    make_workdir,
    start_express,
    start_gunicorn,
    start_uwsgi,
    start_waitress,
)

pytestmark = pytest.mark.apache

STOCK_PAGE = "The install worked successfully"  # Django's page for / in a new project (DEBUG)
BROKEN_ENDPOINT = b"def wrap(:\n"
NOT_LOADED = "wsgi-probe: the probe endpoint is not loaded in "


@dataclass
class Kind:
    name: str
    processes: int  # how many processes run the application
    software: str  # what server.software starts with


KINDS = {
    "mod_wsgi-express": Kind("mod_wsgi-express", 2, "Apache"),
    "gunicorn-sync": Kind("gunicorn-sync", 3, "gunicorn/"),
    "gunicorn-gthread": Kind("gunicorn-gthread", 2, "gunicorn/"),
    "uwsgi": Kind("uwsgi", 3, "uWSGI/"),
    "waitress": Kind("waitress", 1, "waitress"),
}


@pytest.fixture(scope="session")
def servers_venv() -> Path:
    try:
        return ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))


@dataclass
class Site:
    kind: Kind
    workdir: Path
    project: Path
    venv: Path

    @property
    def script(self) -> Path:
        return self.project / "mysite" / "wsgi.py"

    @property
    def endpoint(self) -> Path:
        return self.project / "mysite" / "wsgi_endpoint.py"


def probe_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The probe command as a user runs it."""
    return subprocess.run([sys.executable, "-m", "probe", *args], capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.fixture(params=list(KINDS), ids=list(KINDS))
def site(request: pytest.FixtureRequest, servers_venv: Path) -> Iterator[Site]:
    kind = KINDS[request.param]
    if kind.name == "mod_wsgi-express":
        missing = missing_for_server()
        if missing:
            unavailable("cannot run Apache: missing " + ", ".join(missing))
        venv: Path = request.getfixturevalue("apache_venv")
    else:
        venv = servers_venv
    workdir = make_workdir()
    try:
        project = make_site(workdir, venv)
        site = Site(kind, workdir, project, venv)
        # Reached directly on loopback, with no proxy in front: where loopback-only is safe
        # (test_endpoint_nginx.py installs with the default token behind nginx).
        installed = probe_cli("endpoint", "--install", str(site.script), "--no-token")
        assert installed.returncode == 0, installed.stderr
        yield site
    finally:
        subprocess.run(["rm", "-rf", str(workdir)], check=False, timeout=60)


def start(site: Site, generation: int = 0) -> WsgiServer:
    """Start the site's server (a fresh one per call: it loads the endpoint file anew)."""
    make_readable(site.workdir)
    log = site.workdir / f"{site.kind.name}-{generation}.log"
    try:
        if site.kind.name == "mod_wsgi-express":
            return start_express(site.project, site.venv, processes=site.kind.processes,
                                 server_root=site.workdir / f"express-{generation}")
        if site.kind.name.startswith("gunicorn-"):
            return start_gunicorn(site.project, site.venv, log_path=log,
                                  worker_class=site.kind.name.split("-")[1],
                                  workers=site.kind.processes)
        if site.kind.name == "uwsgi":
            return start_uwsgi(site.project, site.venv, processes=site.kind.processes,
                               log_path=log)
        return start_waitress(site.project, site.venv, log_path=log)
    except ApacheError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def running(site: Site) -> Iterator[Callable[[int], WsgiServer]]:
    started: list[WsgiServer] = []

    def run(generation: int = 0) -> WsgiServer:
        server = start(site, generation)
        started.append(server)
        return server

    try:
        yield run
    finally:
        for server in started:
            server.stop()


def manifest(site: Site, server: WsgiServer, extra: str = "") -> Path:
    path = site.workdir / "site.toml"
    path.write_text(f"""
[probe]
samples = 6

[instances.mysite]
label = "mysite"
settings = "mysite.settings"
{extra}
urls = ["{server.url('/')}", "{server.url('/admin/')}"]
""", encoding="utf-8")
    return path


def probe_once(server: WsgiServer) -> dict[str, Any]:
    response = requests.get(server.url("/__probe__"), timeout=30, headers={"Connection": "close"})
    assert response.status_code == 200, response.text[:300]
    answer: dict[str, Any] = response.json()
    return answer


def probe_burst(server: WsgiServer, count: int = 24) -> list[dict[str, Any]]:
    """``count`` probe answers, many at once on separate connections."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda _: probe_once(server), range(count)))


def probe_until_every_process(server: WsgiServer, processes: int,
                              bursts: int = 20) -> list[dict[str, Any]]:
    """Bursts of concurrent probes until ``processes`` distinct pids answered (at most
    ``bursts`` bursts: a process that never answers fails the test's count below)."""
    answers: list[dict[str, Any]] = []
    for _ in range(bursts):
        answers += probe_burst(server)
        if len({a["pid"] for a in answers}) >= processes:
            break
    return answers


def probe_every_worker(server: WsgiServer, workers: int) -> list[dict[str, Any]]:
    """One answer from each of ``workers`` processes: after each answer its process is
    stopped (SIGSTOP) so that it cannot accept the next connection, then all are resumed."""
    answers: list[dict[str, Any]] = []
    stopped: list[int] = []
    try:
        for _ in range(workers):
            answers.append(probe_once(server))
            pid = answers[-1]["pid"]
            assert pid not in stopped, f"stopped process {pid} answered"
            os.kill(pid, signal.SIGSTOP)
            stopped.append(pid)
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)
    return answers


# -------------------------------------------------------------------------------------------


def test_the_sweep_identifies_the_stock_site(site: Site,
                                             running: Callable[[int], WsgiServer]) -> None:
    server = running(0)
    page = requests.get(server.url("/"), timeout=30)
    assert page.status_code == 200 and STOCK_PAGE in page.text

    if site.kind.name == "mod_wsgi-express":
        # mod_wsgi's daemon processes take turns at one accept mutex: a process stopped while
        # holding it would block the others, so reach each by bursts instead of SIGSTOP.
        answers = probe_until_every_process(server, site.kind.processes)
    else:
        answers = probe_burst(server) + probe_every_worker(server, site.kind.processes)
    processes = {p.pid for p in server.tree()} | {server.pid}
    for answer in answers:
        assert answer["label"] == "mysite"
        # the stock project's settings.py, the file the settings module was read from
        file = answer["settings_module"].pop("file")
        assert file is not None and file.startswith("/") and \
            file.endswith("/mysite/mysite/settings.py"), file
        assert answer["settings_module"] == {"environ": "mysite.settings",
                                             "loaded": "mysite.settings"}
        assert answer["server"]["software"].startswith(site.kind.software), answer["server"]
        assert answer["pid"] in processes
        # the file the installed block ran in: under gunicorn, uWSGI and waitress no server
        # names a WSGI script, and mod_wsgi-express's SCRIPT_FILENAME is no script
        assert answer["script_file"] == str(site.script), answer["script_file"]
    # every worker process is its own copy of the application, with its own identity
    copies = {(a["pid"], a["instance_id"]) for a in answers}
    assert len({pid for pid, _ in copies}) == len(copies)
    assert len(copies) == site.kind.processes
    if site.kind.processes > 1:
        assert all(a["pid"] != server.pid for a in answers)  # workers answer, not the master
    check_server_specific(site, server, answers)

    swept = probe_cli("sweep", "-m", str(manifest(site, server, extra_manifest(site, answers))),
                      "--format", "json")
    assert swept.returncode == 0, swept.stdout[-3000:] + swept.stderr
    report = json.loads(swept.stdout)
    assert report["summary"]["status"] == "ok"
    for target in report["targets"]:
        assert target["verdict"] == "ok", target
        assert target["observed"]["label"] == "mysite"
    if site.kind.name == "mod_wsgi-express":
        check_wrong_group_is_named(site, server, answers[0]["process_group"])
    # nothing about mod_wsgi fields a server that is not mod_wsgi cannot have
    table = probe_cli("sweep", "-m", str(site.workdir / "site.toml"), "-vv")
    assert table.returncode == 0, table.stdout + table.stderr
    if site.kind.name != "mod_wsgi-express":
        for text in (swept.stdout, table.stdout, table.stderr):
            assert "process group" not in text.lower()
            assert "application group" not in text.lower()


def extra_manifest(site: Site, answers: list[dict[str, Any]]) -> str:
    """mod_wsgi-express: declare the group it really uses, so the sweep checks it too."""
    if site.kind.name != "mod_wsgi-express":
        return ""
    return f'process_group = "{answers[0]["process_group"]}"'


def check_wrong_group_is_named(site: Site, server: WsgiServer, group: str) -> None:
    """The issue's report: process_group = "mysite" against express's real group."""
    path = manifest(site, server, 'process_group = "mysite"')
    swept = probe_cli("sweep", "-m", str(path), "--format", "json")
    assert swept.returncode == 1, swept.stderr
    for target in json.loads(swept.stdout)["targets"]:
        assert (target["verdict"], target["cause"]) == ("wrong_instance", "daemon_group_unused")
        assert (f"label 'mysite' as expected, but process group {group!r}, not 'mysite'"
                in target["explanation"])
        assert "but was answered by mysite" not in target["explanation"]
    # restore the right manifest for the table sweep that follows
    manifest(site, server, f'process_group = "{group}"')


def check_server_specific(site: Site, server: WsgiServer, answers: list[dict[str, Any]]) -> None:
    if site.kind.name == "mod_wsgi-express":
        check_express(server, answers)
    elif site.kind.name == "uwsgi":
        workers = {a["pid"]: a["server"]["worker_id"] for a in answers}
        assert set(workers.values()) <= set(range(1, site.kind.processes + 1)), workers
        assert len(set(workers.values())) == len(workers)  # one worker id per process
    else:
        for answer in answers:
            assert answer["process_group"] is None and answer["application_group"] is None
            assert answer["server"]["mod_wsgi_version"] is None
            assert answer["server"]["worker_id"] is None


def check_express(server: WsgiServer, answers: list[dict[str, Any]]) -> None:
    conf = (server.log_path.parent / "httpd.conf").read_text(encoding="utf-8")
    daemon = re.search(r"^WSGIDaemonProcess '([^']+)'", conf, re.M)
    assert daemon, "no WSGIDaemonProcess in mod_wsgi-express's httpd.conf"
    group = daemon.group(1)
    assert group == f"127.0.0.1:{server.port}"  # express names it after host and port
    assert "application-group=%{GLOBAL}" in conf or "WSGIApplicationGroup %{GLOBAL}" in conf
    for answer in answers:
        assert answer["process_group"] == group
        assert answer["application_group"] == ""  # %{GLOBAL}: the main interpreter
        assert answer["server"]["mod_wsgi_version"]
    # probe ps names the daemons by the same group
    listed = probe_cli("ps", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = [r for r in json.loads(listed.stdout)["processes"] if r["ppid"] == server.pid]
    daemons = {r["pid"]: r["process_group"] for r in rows if r["role"] == "wsgi daemon"}
    assert {a["pid"] for a in answers} <= set(daemons)
    assert set(daemons.values()) == {group}, rows


def test_a_broken_endpoint_file_never_breaks_the_site(
        site: Site, running: Callable[[int], WsgiServer]) -> None:
    site.endpoint.write_bytes(BROKEN_ENDPOINT)
    server = running(1)
    for _ in range(6):
        page = requests.get(server.url("/"), timeout=30, headers={"Connection": "close"})
        assert page.status_code == 200, page.text[:500]
        assert STOCK_PAGE in page.text
    # the probe URL reaches Django like any other unknown path: its 404, not a 500
    missing = requests.get(server.url("/__probe__"), timeout=30)
    assert missing.status_code == 404
    lines = [line for line in server.log().splitlines() if NOT_LOADED in line]
    assert lines, server.log()[-3000:]
    for line in lines:
        assert f"{site.script}" in line and "SyntaxError" in line
    swept = probe_cli("sweep", "-m", str(manifest(site, server)), "--format", "json")
    assert swept.returncode == 1
    verdicts = {t["verdict"] for t in json.loads(swept.stdout)["targets"]}
    assert verdicts == {"no_endpoint"}


def test_a_started_server_is_recorded_for_the_reaper_until_stopped(servers_venv: Path) -> None:
    workdir = make_workdir()
    try:
        project = make_site(workdir, servers_venv)
        server = start_waitress(project, servers_venv, log_path=workdir / "waitress.log")
        record = reaper.RECORDS / f"{os.getpgid(server.pid)}.json"
        try:
            assert record.is_file()
            assert json.loads(record.read_text(encoding="utf-8"))["owner"] == os.getpid()
        finally:
            server.stop()
        assert not record.exists()
        assert server.process.poll() is not None
    finally:
        subprocess.run(["rm", "-rf", str(workdir)], check=False, timeout=60)


def test_waitress_listen_is_its_bound_address_whatever_proxy_headers_say(
        servers_venv: Path) -> None:
    """server.listen is the address waitress's socket is bound to: '127.0.0.1:PORT' for
    ``--listen=127.0.0.1:PORT`` (a tester's read as '*:PORT', the port alone), and that
    still where it trusts X-Forwarded-Proto and puts 80/443 in SERVER_PORT (once read as
    '*:80')."""
    from .wsgi_servers import _start

    workdir = make_workdir()
    token = "waitress-listen-token-0123456789abcdef"
    try:
        project = make_site(workdir, servers_venv)
        installed = probe_cli("endpoint", "--install", str(project / "mysite" / "wsgi.py"),
                              "--no-token")
        assert installed.returncode == 0, installed.stderr
        make_readable(workdir)
        port = free_port()
        server = _start("waitress-trusting", [
            str(servers_venv / "bin" / "waitress-serve"), f"--listen=127.0.0.1:{port}",
            "--trusted-proxy=127.0.0.1", "--trusted-proxy-headers=x-forwarded-proto",
            "mysite.wsgi:application"], cwd=project, port=port,
            log_path=workdir / "waitress.log", env={"WSGI_PROBE_TOKEN": token})
        try:
            def listen(**headers: str) -> object:
                answer = requests.get(server.url("/__probe__"), timeout=30, headers={
                    "X-Probe-Token": token, **headers})
                assert answer.status_code == 200, answer.text
                return answer.json()["server"]["listen"]

            assert listen() == f"127.0.0.1:{port}"
            assert listen(**{"X-Forwarded-Proto": "https"}) == f"127.0.0.1:{port}"
            assert listen(**{"X-Forwarded-Proto": "http"}) == f"127.0.0.1:{port}"
        finally:
            server.stop()
    finally:
        subprocess.run(["rm", "-rf", str(workdir)], check=False, timeout=60)
