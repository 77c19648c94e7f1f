"""A fleet on real Apache: two mod_wsgi backends, a mod_proxy_balancer in front, a deploy.

Backend A is the "healthy" scenario on 127.0.0.1:PA; backend B is the "ordering" scenario (its
/suburl is swallowed by project-1) and also listens on 127.0.0.2:PB, so the two backends are
two loopback addresses. The balancer is a third Apache with mod_proxy_balancer sending requests
round robin to both. ``probe sweep`` runs as a user runs it (the console script, JSON out).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from . import apache_fleet
from .apache import ApacheServer, free_port, scenario_manifest
from .apache_fleet import Fleet, backends, balanced
from .conftest import ApacheFactory
from .test_scenarios import probe_command

pytestmark = pytest.mark.apache

S1 = "http://site-1.example.com/"
SUB = "http://site-1.example.com/suburl/"
S2 = "http://site-2.example.com/"
TOKEN = "fleet-token"

@pytest.fixture(scope="module")
def fleet(apache_module: ApacheFactory) -> Iterator[Fleet]:
    # Through the balancer (it adds X-Forwarded-*) the endpoints answer only with a token:
    # the backends' daemons get it from the environment, every sweep of this module too.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WSGI_PROBE_TOKEN", TOKEN)
        yield balanced(apache_module, *backends(apache_module, "healthy", "ordering"))


def sweep(*args: str, expect: int | None) -> dict[str, Any]:
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(scenario_manifest("healthy")), "--format", "json",
         *args],
        capture_output=True, text=True, timeout=180, check=False, stdin=subprocess.DEVNULL,
        env={**os.environ, "WSGI_PROBE_TOKEN": TOKEN})
    context = f"exit {done.returncode}\nstderr:\n{done.stderr[-3000:]}\nstdout:\n" \
              f"{done.stdout[-6000:]}"
    assert done.returncode == expect if expect is not None else done.returncode in (0, 1), \
        context
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def rows(report: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str | None]]:
    return {(t["url"], t["address"]): (t["verdict"], t["cause"]) for t in report["targets"]}


def test_sweep_of_the_backends_names_the_misrouting_one(fleet: Fleet) -> None:
    report = sweep("--connect", fleet.a_address, "--connect", fleet.b_address, expect=1)
    found = rows(report)
    assert found[(SUB, fleet.a_address)] == ("ok", None)
    # Undetermined from the answers (alias order or a rewrite): no cause, the candidates.
    assert found[(SUB, fleet.b_address)] == ("wrong_instance", None)
    assert [t for t in found.items() if t[1] != ("ok", None)] == [
        ((SUB, fleet.b_address), ("wrong_instance", None))]
    assert len(found) == 12  # six URLs at two addresses
    disagree = [f for f in report["findings"] if f["code"] == "backends_disagree"]
    assert [f["explanation"] for f in disagree] == [
        f"The backends of {SUB} disagree: {fleet.b_address} serves /suburl/ from project-1 "
        f"(wrong_instance); {fleet.a_address} serves it from project-2 as expected."]


def test_through_the_balancer_samples_disagree_and_say_who_gave_what(fleet: Fleet) -> None:
    balancer = fleet.balancer_address
    # Round robin hands out the sweep's concurrent requests in whatever order they arrive:
    # now and then all four of SUB's samples land on one backend (then all agree, and the
    # sweep is right to say so). What is tested is the report of samples that disagree, so
    # sweep again until they do, a few times at most.
    for _ in range(5):
        report = sweep("--connect", balancer, "--samples", "4", expect=None)
        sub = next(t for t in report["targets"] if t["url"] == SUB)
        if sub["verdict"] == "inconsistent":
            break
    assert (sub["address"], sub["verdict"]) == (balancer, "inconsistent")
    assert report["summary"]["status"] == "critical"
    # Round robin over both backends, each one daemon process per group: two processes seen,
    # every sample counted (how many each got depends on the other URLs' requests).
    seen = sub["explanation"].split("Seen: ", 1)[1]
    # Each process with where it runs (its host: behind a balancer the address is the
    # balancer's).
    counts = re.findall(r"project-(\d) pid \d+ \(instance \w+, host [^)]+\): (\d) samples?",
                        seen)
    assert sorted(n for n, _ in counts) == ["1", "2"], sub["explanation"]
    assert sum(int(c) for _, c in counts) == 4, sub["explanation"]
    assert "different process" not in seen  # 4 samples, 2 processes: all reached
    assert not [f for f in report["findings"] if f["code"] == "backends_disagree"]


def _touch(path: Path) -> float:
    moment = time.time()
    os.utime(path, (moment, moment))
    return moment


def _reloaded(server: ApacheServer, host: str, after: float) -> None:
    """Wait for the group behind ``host`` to run its touched script (a deploy's own smoke GET).

    mod_wsgi restarts a daemon group whose WSGI script changed on its next request.
    """
    for _ in range(60):
        response = server.get("/__probe__", host, headers={"X-Probe-Token": TOKEN}, timeout=30)
        if response.status_code == 200:
            started = datetime.fromisoformat(response.json()["started_at"])
            if started.timestamp() >= after:
                return
        time.sleep(0.5)
    raise AssertionError(f"{host} did not restart after the touch:\n{server.error_log()[-2000:]}")


def test_deploy_to_one_backend_and_one_group(fleet: Fleet, tmp_path: Path) -> None:
    # Runs last in this module: it restarts backend A's project-2 group.
    baseline = tmp_path / "baseline.json"
    both = ("--connect", fleet.a_address, "--connect", fleet.b_address)
    sweep(*both, "--save-baseline", str(baseline), expect=1)
    script = fleet.a.sites / "project-2" / "wsgi.py"
    moment = _touch(script)  # the deploy: new project-2 code on backend A only
    _reloaded(fleet.a, "site-2.example.com", moment)

    report = sweep(*both, "--restarted-after", f"@{script}", "--baseline", str(baseline),
                   expect=1)
    found = rows(report)
    # project-2 on A restarted after the deploy; project-1 (another group) and all of B did not.
    assert found[(S2, fleet.a_address)] == ("ok", None)
    assert found[(S2, fleet.b_address)] == ("stale", None)
    assert found[(S1, fleet.a_address)] == ("stale", None)
    assert found[(S1, fleet.b_address)] == ("stale", None)
    codes = [(f["code"], f["severity"]) for f in report["findings"]
             if f["code"].startswith("baseline_")]
    assert ("baseline_not_restarted", "critical") in codes
    assert ("baseline_restarted", "ok") in codes
    assert ("baseline_changed", "critical") not in codes
    # The project-2 group restarted on A: both its URLs there; on B neither did.
    behind = sorted(f["explanation"].split(" did not restart ")[0] for f in report["findings"]
                    if f["code"] == "baseline_not_restarted")
    assert behind == sorted([f"{SUB} at {fleet.b_address}", f"{S2} at {fleet.b_address}"])


def test_a_balancer_with_every_member_down_is_upstream_down_not_a_traceback(
        apache_module: ApacheFactory) -> None:
    """mod_proxy_balancer whose members do not listen answers 503 itself: no application ran,
    so no traceback; the fix names the balancer's log lines, not the application's (it said
    "Read the Apache error log for the traceback", a tester's fleet)."""
    dead = [free_port(), free_port()]
    balancer = apache_fleet.balancer(apache_module, f"127.0.0.1:{dead[0]}",
                                     f"127.0.0.1:{dead[1]}")
    report = sweep("--connect", f"127.0.0.1:{balancer.port}", "--samples", "2", expect=1)
    s1 = next(t for t in report["targets"] if t["url"] == S1)
    assert (s1["verdict"], s1["cause"], s1["status_code"]) == ("http_error", "upstream_down",
                                                              503), s1
    assert "traceback" not in s1["fix"] and "All workers are in error state" in s1["fix"]
    assert "Server: Apache" in s1["explanation"] and "No sample reached" in s1["explanation"]
