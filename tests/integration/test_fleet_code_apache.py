"""A healthy fleet on real Apache is healthy; code drift across it is drift (issue 24).

Backends A (127.0.0.1:PA) and B (127.0.0.2:PB) both run the "healthy" scenario, each from its
own copy of the sites (the WSGI scripts, the endpoint) with a Capistrano-style ``REVISION``
file above them; B's scripts are written 1.4 s after A's, as two hosts checking out one
commit would. A third Apache balances requests over both (mod_proxy_balancer, round robin).
``probe sweep`` runs as a user runs it (the console script, JSON out).

The tests run in file order: the later ones deploy to B, then to one application of A.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from .apache import ApacheServer, scenario_manifest
from .apache_fleet import Fleet, backends, balanced
from .conftest import ApacheFactory
from .test_fleet_apache import S1, S2, SUB
from .test_scenarios import probe_command

pytestmark = pytest.mark.apache

SCRIPTS = ("project-1/wsgi.py", "project-2/wsgi.py")


def _set_mtime(path: Path, moment: float) -> None:
    os.utime(path, (moment, moment))


@pytest.fixture(scope="module")
def fleet(apache_module: ApacheFactory) -> Iterator[Fleet]:
    revision = {"REVISION": "4f9c2e1\n"}
    # Through the balancer (it adds X-Forwarded-*) the endpoints answer only with a token:
    # the backends' daemons get it from the environment, every sweep of this module too.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WSGI_PROBE_TOKEN", TOKEN)
        a, b = backends(apache_module, "healthy", "healthy", files=revision)
        # A checked out at one moment (its scripts are written a few ms apart, more under
        # load) and B 1.4 s later, before either loaded its scripts.
        checkout = (a.sites / SCRIPTS[0]).stat().st_mtime
        for script in SCRIPTS:
            _set_mtime(a.sites / script, checkout)
            _set_mtime(b.sites / script, checkout + 1.4)
        found = balanced(apache_module, a, b)
        for server in (a, b):  # load Django in every daemon group before a sweep times it
            for host, path in WARM:
                answer = server.get(f"{path}__probe__", host, timeout=60,
                                    headers={"X-Probe-Token": TOKEN})
                assert answer.status_code == 200
        yield found


TOKEN = "fleet-code-token"
WARM = [("site-1.example.com", "/"), ("site-1.example.com", "/suburl/"),
        ("site-2.example.com", "/")]


def probe(*args: str, expect: int, manifest: Path | None = None) -> dict[str, Any]:
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(manifest or scenario_manifest("healthy")),
         "--format", "json", "--timeout", "30", *args],
        capture_output=True, text=True, timeout=180, check=False, stdin=subprocess.DEVNULL,
        env={**os.environ, "WSGI_PROBE_TOKEN": TOKEN})
    context = f"exit {done.returncode}\nstderr:\n{done.stderr[-3000:]}\nstdout:\n" \
              f"{done.stdout[-6000:]}"
    assert done.returncode == expect, context
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def verdicts(report: dict[str, Any]) -> set[str]:
    return {t["verdict"] for t in report["targets"]}


def code_of(report: dict[str, Any], key: str) -> set[str]:
    return {t["observed"]["code"][key] for t in report["targets"] if t["observed"]}


def test_a_healthy_fleet_is_all_ok(fleet: Fleet) -> None:
    # Through the balancer: each URL's samples reach both backends.
    through = probe("--connect", fleet.balancer_address, "--samples", "4", expect=0)
    assert verdicts(through) == {"ok"}, through["targets"]
    assert through["findings"] == []
    # Each backend at its own address.
    both = probe("--connect", fleet.a_address, "--connect", fleet.b_address, expect=0)
    assert verdicts(both) == {"ok"}, both["targets"]
    assert both["findings"] == []
    # What makes it a real test: the two copies' scripts differ in time, not in version.
    a_time, b_time = ((server.sites / SCRIPTS[0]).stat().st_mtime for server in (fleet.a, fleet.b))
    assert b_time - a_time == pytest.approx(1.4)
    assert len(code_of(both, "script_mtime")) == 2  # A's scripts, and B's 1.4 s later
    assert code_of(both, "version") == {"4f9c2e1"}
    sources = code_of(both, "version_source")
    assert sources == {f"file:{fleet.a.sites}/REVISION", f"file:{fleet.b.sites}/REVISION"}


def _deploy(server: ApacheServer, scripts: tuple[str, ...], hosts: list[tuple[str, str]]) -> None:
    """Touch the scripts, then wait until each group behind ``hosts`` runs them (mod_wsgi
    restarts a daemon group whose WSGI script changed on its next request)."""
    moment = time.time()
    for script in scripts:
        _set_mtime(server.sites / script, moment)
    for host, path in hosts:
        for _ in range(60):
            response = server.get(f"{path}__probe__", host, timeout=30,
                                  headers={"X-Probe-Token": TOKEN})
            if response.status_code == 200 and datetime.fromisoformat(
                    response.json()["started_at"]).timestamp() >= moment:
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"{host}{path} did not restart:\n{server.error_log()[-2000:]}")


def test_one_backend_on_another_version_is_drift_named_with_both(fleet: Fleet) -> None:
    (fleet.b.sites / "REVISION").write_text("9e1d2c3\n", encoding="utf-8")
    _deploy(fleet.b, SCRIPTS, [("site-1.example.com", "/"), ("site-2.example.com", "/")])
    report = probe("--connect", fleet.a_address, "--connect", fleet.b_address, expect=0)
    # Not a restart problem: every URL is served by the right, freshly started instance.
    assert verdicts(report) == {"ok"}, report["targets"]
    drift = {tuple(f["instances"]): f for f in report["findings"] if f["code"] == "code_drift"}
    assert set(drift) == {("project-1",), ("project-2",)}, report["findings"]
    for name, finding in drift.items():
        assert finding["severity"] == "warning"
        text = finding["explanation"]
        assert text.startswith(f"{name[0]} runs 2 code versions on its servers (code.version): ")
        assert (f"'4f9c2e1' (from file:{fleet.a.sites}/REVISION) at {fleet.a_address} (host "
                in text), text
        assert (f"'9e1d2c3' (from file:{fleet.b.sites}/REVISION) at {fleet.b_address} (host "
                in text), text
    # Through the balancer the drift shows too: one address, two servers behind it.
    through = probe("--connect", fleet.balancer_address, "--samples", "4", expect=0)
    assert verdicts(through) == {"ok"}
    assert {tuple(f["instances"]) for f in through["findings"]
            if f["code"] == "code_drift"} == {("project-1",), ("project-2",)}


def test_deploying_one_application_of_two_stales_only_it(fleet: Fleet, tmp_path: Path) -> None:
    """Per-instance --restarted-after: project-2 deployed on A, project-1 untouched."""
    script = fleet.a.sites / "project-2" / "wsgi.py"
    _deploy(fleet.a, ("project-2/wsgi.py",), [("site-2.example.com", "/"),
                                              ("site-1.example.com", "/suburl/")])
    at_a = ("--connect", fleet.a_address)
    # The global form says project-1 is stale: it did not restart, and was not deployed.
    everyone = probe(*at_a, "--restarted-after", f"@{script}", expect=1)
    assert {t["url"]: t["verdict"] for t in everyone["targets"]
            if t["expected"] == "project-1"} == {S1: "stale", "http://www.site-1.example.com/":
                                                 "stale"}
    # Per instance: only project-2 was deployed, and it restarted.
    own = probe(*at_a, "--restarted-after", f"project-2=@{script}", expect=0)
    assert verdicts(own) == {"ok"}, own["targets"]
    # The same in the manifest, an @FILE read at each sweep.
    text = scenario_manifest("healthy").read_text(encoding="utf-8").replace(
        'settings = "mysite.settings_two"\n',
        f'settings = "mysite.settings_two"\nrestarted_after = "@{script}"\n', 1)
    manifest = tmp_path / "deploy.toml"
    manifest.write_text(text, encoding="utf-8")
    assert verdicts(probe(*at_a, expect=0, manifest=manifest)) == {"ok"}
    # A later deploy of project-2 that did not reach its processes is stale again (two
    # minutes on: within the clock skew a deploy time may have, an hour ahead is refused).
    _set_mtime(script, time.time() + 120)
    later = probe(*at_a, expect=1, manifest=manifest)
    stale = {t["url"] for t in later["targets"] if t["verdict"] == "stale"}
    assert stale == {SUB, S2}, later["targets"]
    assert all(f"(instances.project-2.restarted_after = @{script})" in t["explanation"]
               for t in later["targets"] if t["url"] in stale)
