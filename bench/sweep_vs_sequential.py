"""How much faster the sweep is than probing the same URLs one after another.

Target: real Apache httpd + mod_wsgi + Django, the ``healthy`` scenario of
tests/integration (daemon mode, 2 process groups x 4 threads), started on a free
loopback port by the test harness; URLS_PER_HOST paths per host.
Anchor: a plain sequential loop of ``requests.Session.get`` over the same probe
URLs and samples, in the same run. Prints the ratio anchor/sweep (higher = faster).

Run from the repository root after ``scripts/test-all`` has built the mod_wsgi venv:
    python bench/sweep_vs_sequential.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from probe import logs
from probe.manifest import Instance, Manifest, ProbeSettings
from probe.sweep import run_sweep
from tests.integration.apache import running, scenario_template

URLS_PER_HOST = 50
SAMPLES = 3
ROUNDS = 5
WORKERS = (1, 8, 32)


def sequential(session: requests.Session, connect: str, urls: tuple[str, ...]) -> None:
    for url in urls:
        host, path = url.split("/", 3)[2:]
        for _ in range(SAMPLES):
            answer = session.get(f"http://{connect}/{path}__probe__", headers={"Host": host},
                                 timeout=5)
            answer.raise_for_status()


def main() -> None:
    logs.configure(0)
    hosts = ["site-1.example.com", "site-2.example.com"]
    urls = tuple(f"http://{h}/page{i}/" for h in hosts for i in range(URLS_PER_HOST))
    with running(scenario_template("healthy")) as server:
        results: dict[str, list[float]] = {"sequential": []}
        results |= {f"sweep, {workers} workers": [] for workers in WORKERS}
        session = requests.Session()
        session.trust_env = False
        sequential(session, server.connect, urls)  # warm up: load both applications
        for _ in range(ROUNDS):  # interleaved, so drift affects all alike
            start = time.perf_counter()
            sequential(session, server.connect, urls)
            results["sequential"].append(time.perf_counter() - start)
            for workers in WORKERS:
                settings = ProbeSettings(connect=server.connect, samples=SAMPLES,
                                         concurrency=workers)
                manifest = Manifest(settings, {"*": Instance("*", urls)}, source="bench")
                start = time.perf_counter()
                report = run_sweep(manifest)
                results[f"sweep, {workers} workers"].append(time.perf_counter() - start)
                assert all(t.ok for t in report.targets), "the healthy scenario must be ok"
    anchor = statistics.median(results["sequential"])
    print(f"{len(urls) * SAMPLES} probe requests to real Apache/mod_wsgi (healthy scenario), "
          f"median of {ROUNDS} rounds")
    for name, times in results.items():
        median = statistics.median(times)
        print(f"  {name:<22} {median * 1000:8.1f} ms   "
              f"ratio sequential/this: {anchor / median:.2f}")


if __name__ == "__main__":
    main()
