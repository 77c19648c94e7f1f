"""Where a sweep's time goes on the server's machine, measured by bench/run.py beside its
anchors (issue 25, goal 3):

- the server's capacity for the sweep's own mix of URLs: ``wrk`` on one probe URL of each
  site at once, half the connections each. The anchor of the goal is ``wrk`` on one URL of
  one site, which reaches one mod_wsgi daemon process: one interpreter, one GIL, at most
  one core's worth of Python. A sweep's URLs go to both sites' daemons;
- the CPU of one whole sweep, split: the probe process's (user + sys), the server's (every
  process of the Apache tree, its daemons included) and the machine's idle time over the
  same seconds. With both on the same cores, what the server spends per request plus what
  the probe spends per URL bounds the rate: ``cores / (server + probe)`` per second.
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class CpuSplit:
    urls: int
    wall_s: float
    probe_s: float
    """User + system CPU of the whole ``probe sweep`` process."""
    server_s: float
    """User + system CPU of the Apache tree over the same seconds."""
    idle_s: float
    """Idle CPU time of the whole machine over the same seconds (all cores)."""

    @property
    def cores(self) -> int:
        return os.cpu_count() or 1

    def ceiling(self) -> float:
        """URLs per second the machine's cores allow when the probe and the server spend
        what they spent here per URL (no core idle, nothing else running)."""
        return self.cores / ((self.probe_s + self.server_s) / self.urls)


def _tree_cpu(pid: int) -> float:
    """User + system seconds of ``pid`` and its descendants alive now."""
    total = 0.0
    root = psutil.Process(pid)
    for process in (root, *root.children(recursive=True)):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:  # a worker Apache retired meanwhile: its share is lost
            continue
        total += times.user + times.system
    return total


def _idle() -> float:
    """Idle seconds of the whole machine since boot (/proc/stat: idle + iowait)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()
    return (int(fields[4]) + int(fields[5])) / os.sysconf("SC_CLK_TCK")


def cpu_of_sweep(probe: str, manifest: Path, server_pid: int) -> CpuSplit:
    """One whole ``probe sweep -m M --format json`` process, its CPU and the server's."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server, idle, start = _tree_cpu(server_pid), _idle(), time.perf_counter()
    result = subprocess.run([probe, "sweep", "-m", str(manifest), "--format", "json"],
                            capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    server, idle = _tree_cpu(server_pid) - server, _idle() - idle
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"sweep not all ok: {result.stderr[-500:]}")
    urls = sum(1 for target in json.loads(result.stdout)["targets"] if target["verdict"] == "ok")
    probe_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return CpuSplit(urls, wall, probe_s, server, idle)


def wrk_rate(out: str, url: str) -> float:
    """Requests per second in wrk's output; an error answer voids the anchor."""
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"wrk: {non2xx.group(1)} error answers from {url}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise SystemExit(f"wrk: no rate for {url}: {out[-300:]}")
    return float(match.group(1))


def wrk_together(targets: Sequence[tuple[str, str]], concurrency: int, seconds: int,
                 runs: int, warm_up: int) -> float:
    """Requests per second ``wrk`` gets from all ``(url, host)`` targets at once, the
    connections shared out among them: the median over ``runs`` of the sum, after a warm-up
    (as bench/run.py's own wrk anchor)."""
    share = max(1, concurrency // len(targets))

    def once(duration: int) -> float:
        started = [subprocess.Popen(["wrk", "-t1", f"-c{share}", f"-d{duration}s", "-H",
                                     f"Host: {host}", url], stdout=subprocess.PIPE, text=True)
                   for url, host in targets]
        return sum(wrk_rate(process.communicate()[0], url)
                   for process, (url, _) in zip(started, targets, strict=True))

    once(warm_up)
    return statistics.median(once(seconds) for _ in range(runs))


def budget(split: CpuSplit, rate: float) -> float:
    """Most CPU seconds per URL the probe may spend for the cores to allow ``rate`` URLs per
    second, the server spending per request what it spent in ``split``."""
    return split.cores / rate - split.server_s / split.urls


def lines(size: int, label: str, split: CpuSplit, anchor: float, blackbox: float) -> list[str]:
    """What bench/run.py prints for one size and interpreter."""
    per_url = 1e3 / split.urls
    return [
        f"- N={size:,}{label}, one more whole sweep: CPU per URL, the probe "
        f"{split.probe_s * per_url:.3f} ms (user + sys, the whole process), the server "
        f"{split.server_s * per_url:.3f} ms; the machine idle "
        f"{split.idle_s / (split.wall_s * split.cores):.0%} of its {split.cores} cores' time "
        f"({split.urls / split.wall_s:,.0f} URL/s). Spending that, the cores allow at most "
        f"{split.ceiling():,.0f} URL/s ({split.ceiling() / anchor:.2f} of the wrk anchor); "
        f"0.7 of wrk asks the probe for at most {budget(split, 0.7 * anchor) * 1e3:.3f} ms "
        f"per URL, 2x blackbox for {budget(split, 2 * blackbox) * 1e3:.3f} ms."]


def together_line(size: int, both: float, anchor: float) -> str:
    return (f"- N={size:,}: wrk on one probe URL of each site at once got {both:,.0f}/s "
            f"({both / anchor:.2f}x the anchor, which reaches one site's daemon process only)")
