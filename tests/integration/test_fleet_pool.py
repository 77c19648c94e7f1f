"""An upstream pool of real application servers behind a real nginx, on loopback: what is
said of a name the pool serves though it should be refused.

* one server block (the address's default) passing to an upstream of three gunicorn: the
  ``.invalid`` request and the URL land on different members of the pool, and they run one
  application, so the default server served both (never ``wrong_upstream``);
* a pool of two kinds of server (uWSGI and waitress) names each that answered, with its own
  software and socket, not the last answer's for all.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from probe import manifest as manifests
from probe.model import Cause, Verdict
from probe.sweep import run_sweep

from .apache import ApacheError, free_port
from .conftest import unavailable
from .nginx import Nginx
from .test_fleet_app_servers import Project, gunicorn, project, servers
from .test_fleet_orphans import Orphan, balancer, started
from .wsgi_servers import WsgiServer, _start, start_uwsgi, start_waitress

pytestmark = pytest.mark.apache

__all__ = ["project", "servers", "started"]  # the fixtures, shared


def refuse(address: str, samples: int) -> manifests.Manifest:
    return manifests.parse(f"""\
[probe]
connect = {json.dumps([address])}
samples = {samples}

[instances.mysite]
label = "mysite"
settings = "mysite.settings"
urls = ["http://localhost/"]

[refuse]
urls = ["http://unknown.invalid/"]
""", "pool.toml")


def test_a_default_server_over_a_pool_is_the_default_server(
        project: Project, servers: list[WsgiServer], started: list[Orphan | Nginx],
        tmp_path: Path) -> None:
    pool = [gunicorn(project, servers, workers=1) for _ in range(3)]
    front = f"127.0.0.1:{balancer([s.port for s in pool], started, tmp_path / 'nginx')}"
    # Round robin over three: with 4 samples the .invalid request goes to another member
    # than the URL's last answer in most sweeps; each sweep must say the same.
    seen: set[int] = set()
    for samples in (4, 5, 6):
        report = run_sweep(refuse(front, samples))
        [target] = [t for t in report.targets if t.expected is None]
        seen.update(target.pids)
        assert target.verdict is Verdict.SERVED_UNMAPPED, target
        assert target.cause is not Cause.WRONG_UPSTREAM, target.explanation
        assert "so a server block claims it" not in target.explanation, target.explanation
        claims = [e.claim for e in target.evidence]
        assert any("reached the same application" in c for c in claims), claims
    assert len(seen) == 3, seen  # every member answered: else the test proves nothing


HAPROXY = """\
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:{port}
    default_backend be
backend be
    balance roundrobin
    server uw 127.0.0.1:{uwsgi}
    server w 127.0.0.1:{waitress}
"""


def test_a_pool_of_two_kinds_names_each_server_that_answered(
        project: Project, servers: list[WsgiServer], tmp_path: Path) -> None:
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        unavailable("haproxy is not installed (Debian package haproxy)")
    try:
        uwsgi = start_uwsgi(project.project, project.venv, processes=1,
                            log_path=tmp_path / "uwsgi.log")
        servers.append(uwsgi)
        waitress = start_waitress(project.project, project.venv,
                                  log_path=tmp_path / "waitress.log")
        servers.append(waitress)
        port = free_port()
        config = tmp_path / "haproxy.cfg"
        config.write_text(HAPROXY.format(port=port, uwsgi=uwsgi.port, waitress=waitress.port),
                          encoding="utf-8")
        servers.append(_start("haproxy", [haproxy, "-db", "-f", str(config)], cwd=tmp_path,
                              port=port, log_path=tmp_path / "haproxy.log"))
    except ApacheError as exc:
        pytest.fail(str(exc), pytrace=False)
    report = run_sweep(refuse(f"127.0.0.1:{port}", 4))
    [target] = [t for t in report.targets if t.expected is None]
    assert target.verdict is Verdict.SERVED_UNMAPPED, target
    text = target.explanation
    assert len(set(target.pids)) >= 2, \
        target.pids  # both answered (uWSGI's worker is a child of its master)
    [uwsgi_name] = [e.claim.split("'")[1] for e in target.evidence
                    if e.claim.startswith("server.software = 'uWSGI")]
    assert f"{uwsgi_name} (server.software, server.listen 127.0.0.1:{uwsgi.port})" in text, text
    assert f"waitress (server.software, server.listen 127.0.0.1:{waitress.port})" in text, text
    assert f"they listen on 127.0.0.1:{uwsgi.port} and 127.0.0.1:{waitress.port}" in text \
        or f"they listen on 127.0.0.1:{waitress.port} and 127.0.0.1:{uwsgi.port}" in text, text
    assert "uWSGI passes every request" in text and "waitress has no virtual hosts" in text, \
        text
    assert "on to uWSGI and waitress" in target.fix or "on to waitress and uWSGI" in \
        target.fix or "before uWSGI and waitress" in target.fix or \
        "before waitress and uWSGI" in target.fix, target.fix
