"""More requests in flight than ``ulimit -n`` allows sockets for: past it, libcurl could not
connect and the URLs were reported unreachable (102 of 150 at a limit of 64 and concurrency
100), a verdict about servers nobody asked. Each case runs in a process of its own that
lowers its limit first."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.loopback_wsgi import serve
from tests.test_sweep import loopback_router

ROOT = Path(__file__).resolve().parents[1]


def _python(soft: int, hard: int, code: str) -> list[str]:
    limit = f"import resource; resource.setrlimit(resource.RLIMIT_NOFILE, ({soft}, {hard}))"
    return [sys.executable, "-c", f"{limit}\n{code}"]


def test_a_sweep_past_the_open_files_limit_answers_every_url() -> None:
    with serve(loopback_router()) as port:
        urls = [f"http://127.0.0.1:{port}/{i}/" for i in range(150)]
        argv = ["probe", "sweep", *urls, "--samples", "1", "--concurrency", "100",
                "--format", "json"]
        code = f"import runpy, sys; sys.argv = {argv!r}; runpy.run_module('probe', " \
               f"run_name='__main__')"
        done = subprocess.run(_python(64, 64, code), capture_output=True, text=True, cwd=ROOT,
                              timeout=120)
    verdicts = Counter(t["verdict"] for t in json.loads(done.stdout)["targets"])
    assert verdicts == {"ok": 150}, (verdicts, done.stderr[-500:])


def test_the_soft_limit_is_raised_towards_the_hard_one_as_far_as_needed() -> None:
    code = ("import resource; from probe import descriptors; "
            "print(descriptors.fitted(100), *resource.getrlimit(resource.RLIMIT_NOFILE)); "
            "print(descriptors.fitted(10_000))")
    done = subprocess.run(_python(64, 1024, code), capture_output=True, text=True, cwd=ROOT,
                          timeout=60, check=True)
    first, second = done.stdout.splitlines()
    fitted, soft, hard = (int(n) for n in first.split())
    assert fitted == 100 and 64 < soft <= 1024 and hard == 1024
    assert 0 < int(second) < 512  # the hard limit reached: fewer at once
