"""Cost at both ends (issue 25), measured by bench/run.py beside its anchors:

- the small end: ``probe check`` of 1 and of 20 URLs against the bare interpreter and against
  Debian's ``check_http`` run once per URL, one process each, as Nagios runs it (hyperfine);
- the large end: peak RSS of a whole ``probe sweep --format json -o FILE`` process at two
  sizes (the slope between them is the memory per URL), and one very large sweep (a million
  URLs by default) with its report streamed to a file, timed.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
PROBE = str(BIN / "probe")
CHECK_HTTP = "/usr/lib/nagios/plugins/check_http"


@dataclass(frozen=True)
class Sweep:
    urls: int
    seconds: float
    peak_rss_kib: int
    problems: int
    """URLs not ok: a few timeouts of a huge sweep on a busy machine do not void its
    time and memory, so they are reported, not fatal."""


def measured_sweep(manifest: Path, output: Path) -> Sweep:
    """One whole ``probe sweep -m M --format json -o OUT`` process: wall time and peak RSS
    (the kernel's high-water mark of the sweep, as /usr/bin/time reads it from wait4).

    Not wait4 on a child of this process: Linux starts a forked child's high-water mark at
    its parent's size and keeps it across exec, so a sweep started from this process (which
    has built manifests of 50,000 URLs by then) would report this process's size as its own
    peak. /usr/bin/time is small when it forks the sweep."""
    peak = output.with_suffix(".peak")
    start = time.perf_counter()
    process = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", str(peak), PROBE, "sweep",
                                "-m", str(manifest), "--format", "json", "-o", str(output)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, _ = os.wait4(process.pid, 0)
    took = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if not output.exists():
        raise SystemExit(f"sweep of {manifest} wrote no report (exit "
                         f"{process.returncode}): {stderr[-2000:]}")
    peak_kib = int(peak.read_text().split()[-1])
    with output.open("rb") as stream:  # the summary is at the top: no need to load it all
        head = stream.read(4096).decode()
        stream.seek(-2, os.SEEK_END)
        tail = stream.read()
    summary = json.loads(head[head.index('"summary"') + 10:head.index("}") + 1])
    # Exit 1: the sweep ran and found problems; anything else (or a cut report) is a failure.
    if process.returncode not in (0, 1) or tail != b"}\n":
        raise SystemExit(f"sweep of {manifest} failed: {summary} {stderr[-500:]}")
    return Sweep(int(summary["targets"]), took, peak_kib,
                 int(summary["targets"]) - int(summary["ok"]))


def memory_lines(sizes: list[int], manifest_for: Callable[[int], Path], tmp: Path,
                 ) -> tuple[list[str], list[Sweep]]:
    runs = [measured_sweep(manifest_for(n), tmp / f"report-{n}.json") for n in sizes]
    lines = [f"- N={r.urls:,}: peak RSS {r.peak_rss_kib / 1024:,.1f} MiB, "
             f"{r.seconds:.2f} s ({r.urls / r.seconds:,.0f} URL/s, "
             f"{r.seconds / r.urls * 1000:.3f} ms per URL)"
             + (f"; {r.problems:,} URLs not ok" if r.problems else "") for r in runs]
    for a, b in itertools.pairwise(runs):
        slope = (b.peak_rss_kib - a.peak_rss_kib) / (b.urls - a.urls)
        lines.append(f"- memory per URL from {a.urls:,} to {b.urls:,} URLs: {slope:.2f} KiB "
                     "(goal: at most 2 KiB)")
    return lines, runs


def hyperfine(commands: dict[str, str], tmp: Path, runs: int = 20) -> dict[str, float]:
    """Median ms of each command; ``-N``: no shell between hyperfine and the command."""
    export = tmp / "check-cost.json"
    subprocess.run(["hyperfine", "-N", "-i", "-w", "3", "-r", str(runs), "--export-json",
                    str(export), *commands.values()], capture_output=True, check=True)
    results = json.loads(export.read_text())["results"]
    return {name: r["median"] * 1000 for name, r in zip(commands, results, strict=True)}


def check_lines(port: int, connect: str, urls: list[str], tmp: Path) -> list[str]:
    """``probe check`` of 1 and of 20 URLs; the bare interpreter; ``check_http`` once and in a
    loop over the same 20 URLs, one process per URL."""
    hosts = sorted({u.split("/")[2] for u in urls})
    first_host = hosts[0]
    one = [u for u in urls if f"//{first_host}/" in u][:1]

    def manifest(name: str, chosen: list[str]) -> Path:
        by_host: dict[str, list[str]] = {}
        for url in chosen:
            by_host.setdefault(url.split("/")[2], []).append(url)
        parts = [f'[probe]\nconnect = "{connect}"\nsamples = 1\ntimeout = 10\n']
        for host, listed in by_host.items():
            name_of = "project-" + re.sub(r"\D", "", host.split(".")[0])
            parts.append(f'[instances.{name_of}]\nlabel = "{name_of}"\n'
                         f"urls = {json.dumps(listed)}\n")
        path = tmp / f"{name}.toml"
        path.write_text("\n".join(parts), encoding="utf-8")
        return path

    m1, m20 = manifest("check-1", one), manifest("check-20", urls)
    loop = tmp / "check_http_loop.sh"
    lines = []
    for url in urls:
        host, path = url.split("/", 3)[2:]
        lines.append(f"{CHECK_HTTP} -H {host} -I 127.0.0.1 -p {port} -u /{path}__probe__ "
                     "-t 10 >/dev/null || exit 1")
    loop.write_text("\n".join(lines) + "\n", encoding="utf-8")
    host, path = one[0].split("/", 3)[2:]
    sock = tmp / "check.sock"
    client = tmp / "check_wsgi_probe"  # what `probe check --write-client` writes
    subprocess.run([PROBE, "check", "--write-client", str(client)], capture_output=True,
                   check=True)
    n = len(urls)
    commands = {
        "python -c pass": f"{sys.executable} -c pass",
        "probe check, 1 URL": f"{PROBE} check -m {m1}",
        "probe check --via, 1 URL": f"{PROBE} check -m {m1} --via {sock}",
        "check_http, 1 URL": f"{CHECK_HTTP} -H {host} -I 127.0.0.1 -p {port} "
                             f"-u /{path}__probe__ -t 10",
        f"probe check, {n} URLs": f"{PROBE} check -m {m20}",
        f"probe check --via, {n} URLs": f"{PROBE} check -m {m20} --via {sock}",
        f"check_http loop, {n} URLs (sh)": f"sh {loop}",
        "written client --via, 1 URL": f"{client} -m {m1} --via {sock}",
        f"written client --via, {n} URLs": f"{client} -m {m20} --via {sock}",
    }
    # The resident checker, as contrib/systemd runs it: started once, not timed.
    server = subprocess.Popen([PROBE, "check", "--serve", str(sock)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr is not None
        if "serving checks at" not in server.stderr.readline():
            raise SystemExit("probe check --serve did not start")
        for name in commands:
            if name.startswith(("probe check", "written client")):
                result = subprocess.run(commands[name].split(), capture_output=True, text=True,
                                        check=False)
                if result.returncode != 0:
                    raise SystemExit(f"{name}: {result.stdout}")
        times = hyperfine(commands, tmp)
    finally:
        server.terminate()
        server.communicate(timeout=30)
    bare = times["python -c pass"]
    theirs1, theirs20 = times["check_http, 1 URL"], times[f"check_http loop, {n} URLs (sh)"]
    out = ["| command | median | over the bare interpreter |", "|---|---|---|"]
    out += [f"| `{name}` | {ms:.1f} ms | {ms - bare:+.1f} ms |" for name, ms in times.items()]
    out.append("")
    for mode, how in (("probe check", "standalone"), ("probe check --via", "resident checker"),
                      ("written client --via", "resident checker, probe check --write-client")):
        ours1, ours20 = times[f"{mode}, 1 URL"], times[f"{mode}, {n} URLs"]
        out += [f"- `{mode}` ({how}) of 1 URL: {ours1 - bare:+.1f} ms over the bare "
                f"interpreter (goal: at most +50 ms); check_http {theirs1:.1f} ms",
                f"- `{mode}` ({how}) of {n} URLs: {theirs20 / ours20:.2f}x the speed of the "
                f"check_http loop ({ours20:.1f} against {theirs20:.1f} ms; goal: at least "
                "1.5x)"]
    return out
