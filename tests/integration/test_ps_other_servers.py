"""``probe ps`` beside real gunicorn, uWSGI and waitress: it lists Apache/mod_wsgi only, and
says so with a count of each other server's processes (tester t-disc21: it said nothing)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from .apache import ApacheError, ApacheUnavailable
from .conftest import unavailable
from .wsgi_servers import (
    WsgiServer,
    ensure_servers_venv,
    make_readable,
    make_site,
    make_workdir,
    start_gunicorn,
    start_uwsgi,
    start_waitress,
)

pytestmark = pytest.mark.apache


@pytest.fixture
def servers() -> Iterator[dict[str, WsgiServer]]:
    try:
        venv = ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    workdir = make_workdir()
    started: dict[str, WsgiServer] = {}
    try:
        project = make_site(workdir, venv)
        make_readable(workdir)
        started["gunicorn"] = start_gunicorn(project, venv, worker_class="sync", workers=2,
                                             log_path=workdir / "gunicorn.log")
        started["uWSGI"] = start_uwsgi(project, venv, processes=2,
                                       log_path=workdir / "uwsgi.log")
        started["waitress"] = start_waitress(project, venv, log_path=workdir / "waitress.log")
        yield started
    except ApacheError as exc:
        pytest.fail(str(exc))
    finally:
        for server in started.values():
            server.stop()
        subprocess.run(["rm", "-rf", str(workdir)], check=False, timeout=60)


def test_ps_counts_the_wsgi_servers_it_does_not_list(servers: dict[str, WsgiServer]) -> None:
    done = subprocess.run([sys.executable, "-m", "probe", "ps", "--format", "json"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    listed = {p["pid"] for p in answer["processes"]}
    for name, server in servers.items():
        mine = [server.pid, *(p.pid for p in server.tree())]
        assert not listed & set(mine), name
        # other helpers' servers may run too: at least this one's processes are counted
        assert answer["not_listed"].get(name, 0) >= len(mine), (name, answer["not_listed"])
    table = subprocess.run([sys.executable, "-m", "probe", "ps"], capture_output=True,
                           text=True, timeout=120, check=False)
    [line] = [line for line in table.stdout.splitlines()
              if line.startswith("probe ps lists Apache httpd and mod_wsgi processes only")]
    assert "also running, not listed: " in line
    assert all(f" {name}" in line for name in servers)
