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
from pathlib import Path

import pytest

from probe import manifest as manifests
from probe.model import Cause, Verdict
from probe.sweep import run_sweep

from .nginx import Nginx
from .test_fleet_app_servers import Project, gunicorn, project, servers
from .test_fleet_orphans import Orphan, balancer, started
from .wsgi_servers import WsgiServer

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
