"""The wsgi-probe benchmark: every goal of issue 15, measured side by side in one run.

Starts real Apache httpd + mod_wsgi + Django on loopback (the ``healthy`` scenario of
tests/integration: daemon mode, 2 process groups x 4 threads), then measures, printing
ratios against anchors measured in the same run on the same server:

- sweep: ``probe sweep`` (the whole process: start-up, diagnosis and report included)
  over N URLs x 1 sample at concurrency C, after one untimed sweep (as wrk's warm-up run;
  its rate is printed too), against
  - Debian's ``check_http`` run once per URL (as Nagios runs it),
  - Debian's ``prometheus-blackbox-exporter`` ``/probe`` of the same URLs, C in flight,
  - ``wrk`` on one probe URL with C connections (what the server can answer);
- start-up: ``probe --version``, ``probe check --help`` and ``probe check -m MISSING``
  against the bare interpreter of the same venv (hyperfine);
- exporter: ``probe exporter`` scrapes of a manifest of EXPORTER_URLS URLs, and its RSS
  over the scrapes;
- endpoint: contrib/wsgi_endpoint.py in-process, pass-through and probe answer.

Run from the repository root (``scripts/test-all`` builds the venv and the mod_wsgi venv):

    .venv/bin/python bench/run.py                 # default sizes, about 3-5 minutes
    .venv/bin/python bench/run.py --scrapes 1000  # the full exporter soak (+ ~10 minutes)
    .venv/bin/python bench/run.py --markdown      # also print a RESULTS.md section

It installs what it needs with apt (hyperfine, wrk, prometheus-blackbox-exporter,
monitoring-plugins-basic). No test runs this; no test asserts on time.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import capacity, cost  # noqa: E402
from tests.integration.apache import running, scenario_template  # noqa: E402

BIN = Path(sys.executable).parent
PROBE = str(BIN / "probe")
APT = ["hyperfine", "wrk", "prometheus-blackbox-exporter", "monitoring-plugins-basic"]
CHECK_HTTP = "/usr/lib/nagios/plugins/check_http"
HOSTS = ("site-1.example.com", "site-2.example.com")
WRK_SECONDS = 5
WRK_WARM_UP_SECONDS = 2
WRK_RUNS = 3
PARTS = ("sweep", "clients", "startup", "check", "memory", "exporter", "endpoint")


def ensure_tools() -> None:
    missing = [t for t, exe in zip(APT, ["hyperfine", "wrk", "prometheus-blackbox-exporter",
                                         CHECK_HTTP], strict=True)
               if not shutil.which(exe) and not Path(exe).exists()]
    if missing:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        print(f"installing {' '.join(missing)} (apt)", file=sys.stderr)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends",
                        *missing], check=True, env={**os.environ,
                                                    "DEBIAN_FRONTEND": "noninteractive"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def urls(n: int) -> list[str]:
    """N distinct URLs over both sites: every one answered by the endpoint."""
    return [f"http://{HOSTS[i % 2]}/page{i}/" for i in range(n)]


def manifest_text(n: int, connect: str, concurrency: int) -> str:
    listed = ",\n".join(f'  "{u}"' for u in urls(n))
    return (f'[probe]\nconnect = "{connect}"\nsamples = 1\nconcurrency = {concurrency}\n'
            f'timeout = 10\n\n[instances.project-1]\nlabel = "project-1"\n'
            f"urls = [\n{listed}\n]\n")


def expect_ok(n: int, connect: str, concurrency: int, tmp: Path) -> Path:
    """A manifest whose every URL is OK: site-2 URLs belong to project-2 (healthy scenario)."""
    one = [u for u in urls(n) if HOSTS[0] in u]
    two = [u for u in urls(n) if HOSTS[1] in u]
    text = (f'[probe]\nconnect = "{connect}"\nsamples = 1\nconcurrency = {concurrency}\n'
            f'timeout = 10\n\n[instances.project-1]\nlabel = "project-1"\nurls = '
            f"{json.dumps(one)}\n\n[instances.project-2]\nlabel = \"project-2\"\nurls = "
            f"{json.dumps(two)}\n")
    path = tmp / f"manifest-{n}.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the sweep and its anchors ----------------------------------------------------------------


def interpreter(probe: str) -> str:
    """The Python running ``probe`` (a console script): its version, and whether it calls the
    interpreter in libpython3.X.so or has it linked in (Debian's python3; 20 % less CPU per
    URL here, bench/RESULTS.md)."""
    python = str(Path(probe).parent / "python")
    return subprocess.run(
        [python, "-c", "import sys; maps = open('/proc/self/maps').read(); "
         "print(sys.version.split()[0] + (', libpython .so' if 'libpython' in maps "
         "else ', linked in'))"], capture_output=True, text=True, check=True).stdout.strip()


def time_sweep(manifest: Path, probe: str = PROBE) -> tuple[float, float]:
    """Seconds of the whole ``probe sweep`` process, and of its sweep (``duration_s``: the
    probing, before diagnosis)."""
    start = time.perf_counter()
    result = subprocess.run([probe, "sweep", "-m", str(manifest), "--format", "json"],
                            capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    report = json.loads(result.stdout)
    bad = [t for t in report["targets"] if t["verdict"] != "ok"]
    if result.returncode != 0 or bad:
        raise SystemExit(f"sweep not all ok: {bad[:3]} {result.stderr[-500:]}")
    return took, float(report["summary"]["duration_s"])


def cost_lines(measured: list[tuple[int, float, float, float]], per_check: float) -> list[str]:
    """The whole process's cost split into a fixed part and a cost per URL, and what the
    ratio goals ask of the server (as shares of what wrk got from it)."""
    lines = []
    for (n1, t1, _, _), (n2, t2, _, _) in itertools.pairwise(measured):
        per_url = (t2 - t1) / (n2 - n1)
        lines.append(f"- per URL from {n1:,} to {n2:,} URLs: {per_url * 1e3:.3f} ms "
                     f"({1 / per_url:,.0f} URL/s); fixed part (start-up, imports): "
                     f"{(t1 - n1 * per_url) * 1e3:.0f} ms")
    for size, _, bb_rps, wrk_rps in measured:
        lines.append(f"- N={size:,}: 2x blackbox would be {2 * bb_rps / wrk_rps:.2f} of wrk, "
                     f"20x the check_http loop {20 / per_check / wrk_rps:.2f} of wrk "
                     "(above 1.00: more than wrk got from the server)")
    return lines


def time_misrouted_sweep(tmp: Path, text: str) -> float:
    """Seconds of a whole JSON sweep in which half the URLs are answered by the wrong
    instance: what made diagnosis search the sweep once per wrong URL (minutes at 10,000)."""
    manifest = tmp / "misrouted.toml"
    manifest.write_text(text, encoding="utf-8")
    output = tmp / "misrouted.json"
    start = time.perf_counter()
    result = subprocess.run([PROBE, "sweep", "-m", str(manifest), "--format", "json", "-o",
                             str(output)], capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    verdicts = [t["verdict"] for t in json.loads(output.read_text())["targets"]]
    if result.returncode == 0 or verdicts.count("wrong_instance") != len(verdicts) // 2:
        raise SystemExit(f"misrouted sweep: not half wrong_instance: {result.stderr[-500:]}")
    return took


def time_table_sweep(manifest: Path) -> float:
    """Seconds of ``probe sweep -m M`` with the default table report (what a person runs)."""
    start = time.perf_counter()
    result = subprocess.run([PROBE, "sweep", "-m", str(manifest)], capture_output=True,
                            text=True, check=False)
    took = time.perf_counter() - start
    if result.returncode != 0 or "ok" not in result.stdout.splitlines()[-1].lower():
        raise SystemExit(f"table sweep not all ok: {result.stdout[-500:]}")
    return took


def check_http_per_url(port: int, count: int) -> float:
    chosen = urls(count)
    start = time.perf_counter()
    for url in chosen:
        host, path = url.split("/", 3)[2:]
        result = subprocess.run([CHECK_HTTP, "-H", host, "-I", "127.0.0.1", "-p", str(port),
                                 "-u", f"/{path}__probe__", "-t", "10"],
                                capture_output=True, check=False)
        if result.returncode != 0:
            raise SystemExit(f"check_http failed: {result.stdout!r}")
    return (time.perf_counter() - start) / count


def wrk(url: str, concurrency: int, host: str | None = None) -> float:
    """Requests per second wrk gets from ``url`` (2 threads, ``concurrency`` connections): the
    median of :data:`WRK_RUNS` runs after a warm-up run. The first seconds of load after a
    pause got 20-30 % fewer answers from the same server (2,130 against 2,818/s in one run),
    which moved the anchor more than anything measured against it."""
    args = ["wrk", "-t2", f"-c{concurrency}", "--latency"]
    if host:
        args += ["-H", f"Host: {host}"]
    subprocess.run([*args, f"-d{WRK_WARM_UP_SECONDS}s", url], capture_output=True, check=True)
    rates = []
    for _ in range(WRK_RUNS):
        out = subprocess.run([*args, f"-d{WRK_SECONDS}s", url], capture_output=True, text=True,
                             check=True).stdout
        rates.append(capacity.wrk_rate(out, url))
    return statistics.median(rates)


@contextlib.contextmanager
def blackbox(port: int, tmp: Path) -> Iterator[int]:
    """prometheus-blackbox-exporter with one http module per site (Host header set)."""
    modules = "\n".join(
        f"  site{i + 1}:\n    prober: http\n    timeout: 10s\n    http:\n"
        f"      headers:\n        Host: {host}\n      valid_status_codes: [200]\n"
        for i, host in enumerate(HOSTS))
    config = tmp / "blackbox.yml"
    config.write_text(f"modules:\n{modules}", encoding="utf-8")
    listen = free_port()
    process = subprocess.Popen(
        ["prometheus-blackbox-exporter", f"--config.file={config}",
         f"--web.listen-address=127.0.0.1:{listen}", "--log.level=error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{listen}/metrics")
        yield listen
    finally:
        process.terminate()
        process.wait(10)


def wait_for(url: str, seconds: float = 15) -> None:
    end = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)


# --- the HTTP client, chosen by measurement ----------------------------------------------------


def clients(connect: str, count: int, concurrency: int) -> dict[str, float]:
    """Probe requests per second, in-process, of three clients on the same URLs."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import requests
    import urllib3

    from probe.http_messages import Request
    from probe.transport import Transport

    chosen = [u + "__probe__" for u in urls(count)]
    rates: dict[str, float] = {}

    transport = Transport(connect=connect, timeout=10)
    start = time.perf_counter()
    transport.probe_all([Request(u) for u in chosen], concurrency=concurrency, end=None,
                        on_sample=lambda i, sample: None)
    rates["pycurl multi (probe.transport)"] = count / (time.perf_counter() - start)

    local = threading.local()

    def with_requests(url: str) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.trust_env = False
        host, path = url.split("/", 3)[2:]
        session.get(f"http://{connect}/{path}", headers={"Host": host}, timeout=10).json()

    pool = urllib3.PoolManager(maxsize=concurrency)

    def with_urllib3(url: str) -> None:
        host, path = url.split("/", 3)[2:]
        pool.request("GET", f"http://{connect}/{path}", headers={"Host": host},
                     timeout=10).json()

    for name, fetch in (("requests, a Session per thread", with_requests),
                        ("urllib3 pool, threads", with_urllib3)):
        with ThreadPoolExecutor(concurrency) as executor:
            start = time.perf_counter()
            list(executor.map(fetch, chosen))
            rates[name] = count / (time.perf_counter() - start)
    return rates


# --- start-up ---------------------------------------------------------------------------------


def startup(tmp: Path) -> dict[str, float]:
    """Mean ms of each command (hyperfine), the bare interpreter first."""
    commands = {
        "python -c pass": f"{sys.executable} -c pass",
        "probe --version": f"{PROBE} --version",
        "probe check --help": f"{PROBE} check --help",
        "probe check -m MISSING": f"{PROBE} check -m {tmp / 'missing.toml'}",
    }
    export = tmp / "startup.json"
    subprocess.run(["hyperfine", "-N", "-i", "-w", "5", "-r", "40", "--export-json",
                    str(export), *commands.values()], capture_output=True, check=True)
    results = json.loads(export.read_text())["results"]
    # The median: a neighbour's burst on a shared machine moves the mean, not the median.
    return {name: r["median"] * 1000 for name, r in zip(commands, results, strict=True)}


# --- exporter ---------------------------------------------------------------------------------


def exporter(manifest: Path, scrapes: int) -> dict[str, float]:
    import psutil

    listen = free_port()
    process = subprocess.Popen([PROBE, "exporter", "-m", str(manifest), "--listen",
                                f"127.0.0.1:{listen}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{listen}/")
        proc = psutil.Process(process.pid)
        times: list[float] = []
        rss: list[int] = []
        for _ in range(scrapes):
            start = time.perf_counter()
            request = urllib.request.Request(f"http://127.0.0.1:{listen}/metrics",
                                             headers={"X-Prometheus-Scrape-Timeout-Seconds":
                                                      "10"})
            with urllib.request.urlopen(request, timeout=30) as answer:
                body = answer.read()
            times.append(time.perf_counter() - start)
            rss.append(proc.memory_info().rss)
        if b"wsgi_probe" not in body:
            raise SystemExit("exporter answered no wsgi_probe metrics")
    finally:
        process.terminate()
        process.wait(10)
    warm = max(1, scrapes // 10)  # allocator and caches settle in the first scrapes
    return {
        "scrape_median_s": statistics.median(times),
        "scrape_max_s": max(times),
        "rss_after_warmup_mib": rss[warm - 1] / 2**20,
        "rss_end_mib": rss[-1] / 2**20,
    }


# --- the endpoint -----------------------------------------------------------------------------


ENDPOINT_CALLS = 20_000
ENDPOINT_ROUNDS = 7


def bare_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def per_call(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> float:
    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        pass

    start = time.perf_counter()
    for _ in range(ENDPOINT_CALLS):
        for _chunk in app(dict(environ), start_response):
            pass
    return (time.perf_counter() - start) / ENDPOINT_CALLS


def endpoint_costs() -> dict[str, float]:
    """Microseconds wrap() adds to an ordinary request, and a probe answer takes.

    Anchor: the same trivial application unwrapped, called the same way, interleaved.
    """
    from wsgiref.util import setup_testing_defaults

    from probe.endpoint_source import load_module

    endpoint = load_module("wsgi_endpoint_bench")
    wrapped = endpoint.wrap(bare_app, label="bench")
    environ: dict[str, Any] = {"PATH_INFO": "/some/page/", "REMOTE_ADDR": "127.0.0.1"}
    setup_testing_defaults(environ)
    probe_environ = {**environ, "PATH_INFO": "/__probe__"}
    b, w, p = [], [], []
    for _ in range(ENDPOINT_ROUNDS):
        b.append(per_call(bare_app, environ))
        w.append(per_call(wrapped, environ))
        p.append(per_call(wrapped, probe_environ))
    bm, wm, pm = (statistics.median(t) * 1e6 for t in (b, w, p))
    return {"passthrough_us": wm - bm, "probe_answer_us": pm}


# --- the run ----------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    def out(*args: str) -> str:
        try:
            result = subprocess.run(args, capture_output=True, text=True, check=False)
        except OSError:
            return "?"
        return (result.stdout or result.stderr).strip().splitlines()[0]

    import pycurl

    cpu = out("sh", "-c", "grep -m1 'model name' /proc/cpuinfo").partition(":")[2].strip()
    return {
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, {cpu}",
        "os": out("sh", "-c", ". /etc/os-release; echo $PRETTY_NAME"),
        "python": interpreter(PROBE),
        "pycurl": pycurl.version,
        "apache": out("apache2", "-v"),
        "wrk": out("wrk", "-v"),
        "check_http": out(CHECK_HTTP, "-V"),
        "blackbox": out("prometheus-blackbox-exporter", "--version"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="URL counts to sweep")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--check-http-urls", type=int, default=300,
                        help="URLs the check_http loop runs (its cost per URL is flat)")
    parser.add_argument("--exporter-urls", type=int, default=1000)
    parser.add_argument("--scrapes", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3, help="sweeps per size (median)")
    parser.add_argument("--also-venv", action="append", default=[], metavar="DIR",
                        help="also time the sweeps with DIR/bin/probe (another interpreter, "
                             "the same code installed there), in turn with this venv's")
    parser.add_argument("--markdown", action="store_true", help="print a RESULTS.md section")
    parser.add_argument("--memory-sizes", default="10000,50000",
                        help="URL counts whose whole sweep's peak RSS is measured")
    parser.add_argument("--million", type=int, default=0, metavar="N",
                        help="also one sweep of N URLs, report streamed to a file (1000000: "
                             "half an hour or more on a busy 2-core machine)")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"what to measure, of {','.join(PARTS)}")
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    ensure_tools()
    # Byte-code as pip's install writes it: with PYTHONDONTWRITEBYTECODE set (as on the
    # development machines) every start-up would otherwise compile the probe's modules.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "probe")],
                   stdout=subprocess.DEVNULL, check=True)
    c = args.concurrency
    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    with tempfile.TemporaryDirectory(prefix="wsgi-probe-bench-") as tmp_name, \
            running(scenario_template("healthy")) as server:
        tmp = Path(tmp_name)
        port = server.port
        for host in HOSTS:  # load both applications before anything is timed
            server.get("/__probe__", host)
        say(f"## {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
        for name, value in versions().items():
            say(f"- {name}: {value}")
        say("")
        say(f"- load average at the start: {load()}\n")
        if "sweep" in parts:
            sweep_part(args, server, tmp, say)
        if "clients" in parts:
            say(f"### HTTP clients, in-process, 2,000 probe requests, {c} in flight\n")
            for name, rate in clients(server.connect, 2000, c).items():
                say(f"- {name}: {rate:,.0f} requests/s")
            say("")
        if "check" in parts:
            say("### `probe check` against check_http (hyperfine, median of 20 runs)\n")
            for line in cost.check_lines(port, server.connect, urls(20), tmp):
                say(line)
            say("")
        if "memory" in parts or args.million:
            say("### Memory: whole `probe sweep --format json -o FILE` process, peak RSS\n")
            sizes = [int(n) for n in args.memory_sizes.split(",")] if "memory" in parts else []
            sizes += [args.million] if args.million else []
            found, _ = cost.memory_lines(sizes, lambda n: expect_ok(n, server.connect, c, tmp),
                                         tmp)
            for line in found:
                say(line)
            say(f"- load average after: {load()}")
            say("")
        if "startup" in parts:
            startup_part(tmp, say)
        if "exporter" in parts:
            exporter_part(args, server, tmp, say)

    if "endpoint" in parts:
        say("\n### Endpoint, in-process (contrib/wsgi_endpoint.py)\n")
        ep = endpoint_costs()
        say(f"- pass-through: +{ep['passthrough_us']:.2f} us per request (goal < 1 us)")
        say(f"- probe answer: {ep['probe_answer_us']:.1f} us (goal < 50 us)")
    say(f"\n- load average at the end: {load()}")
    if args.markdown:
        print("\n--- RESULTS.md section ---\n" + "\n".join(lines))
    return 0


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def sweep_part(args: argparse.Namespace, server: Any, tmp: Path,
               say: Callable[[str], None]) -> None:
    c = args.concurrency
    port = server.port
    sizes = [int(s) for s in args.sizes.split(",")]
    probe_url = f"http://127.0.0.1:{port}/page1/__probe__"
    say(f"### Sweep: N URLs x 1 sample, concurrency {c}, real Apache + mod_wsgi (healthy)\n")
    say("| N | probe sweep (whole process) | per URL | vs blackbox | vs wrk | "
        "vs check_http loop | its probing alone (duration_s) | vs wrk |")
    say("|---|---|---|---|---|---|---|---|")
    per_check = check_http_per_url(port, args.check_http_urls)
    measured: list[tuple[int, float, float, float]] = []  # size, seconds, blackbox, wrk
    cold: dict[tuple[int, str], float] = {}  # each size's first sweep, on a server idle before
    after_table: list[str] = []
    # The same code under other interpreters (--also-venv), its rounds taken in turn with
    # this venv's, against the same anchors.
    probes = [PROBE, *(str(Path(venv) / "bin" / "probe") for venv in args.also_venv)]
    labels = {probe: interpreter(probe) for probe in probes}
    with blackbox(port, tmp) as bb:
        target = urllib.parse.quote(probe_url.replace("/page1/", "/page2/"), safe="")
        for size in sizes:
            manifest = expect_ok(size, server.connect, c, tmp)
            runs: dict[str, list[tuple[float, float]]] = {probe: [] for probe in probes}
            # One untimed sweep first, as wrk gets a warm-up run: a server idle since its
            # start answers the first seconds of load slower (Apache starts more children,
            # mod_wsgi's daemon threads warm), and that would be charged to the probe alone.
            for probe in probes:
                cold[(size, probe)] = time_sweep(manifest, probe)[0]
            for _ in range(args.rounds):
                for probe in probes:
                    runs[probe].append(time_sweep(manifest, probe))
            # the anchors right after, so both see the same neighbours on the machine
            bb_rps = wrk(f"http://127.0.0.1:{bb}/probe?module=site1&target={target}", c)
            wrk_rps = wrk(probe_url, c, host=HOSTS[1])
            # What the anchor leaves out: the server's capacity for both sites, and where a
            # sweep's CPU goes (bench/capacity.py).
            both = capacity.wrk_together(
                [(probe_url.replace("/page1/", f"/page{i}/"), host)
                 for i, host in enumerate(HOSTS)], c, WRK_SECONDS, WRK_RUNS, WRK_WARM_UP_SECONDS)
            after_table.append(capacity.together_line(size, both, wrk_rps))
            for probe in probes:
                split = capacity.cpu_of_sweep(probe, manifest, server.pid)
                label = f" ({labels[probe]})" if len(probes) > 1 else ""
                after_table += capacity.lines(size, label, split, wrk_rps, bb_rps)
            for probe in probes:
                sweep_s = statistics.median(whole for whole, _ in runs[probe])
                inner_s = statistics.median(inner for _, inner in runs[probe])
                rate = size / sweep_s
                if probe == PROBE:
                    measured.append((size, sweep_s, bb_rps, wrk_rps))
                shown = f"{size:,} ({labels[probe]})" if len(probes) > 1 else f"{size:,}"
                say(f"| {shown} | {rate:,.0f} URL/s ({sweep_s:.2f} s) | "
                    f"{sweep_s / size * 1000:.3f} ms | {rate / bb_rps:.2f}x ({bb_rps:,.0f}/s) | "
                    f"{rate / wrk_rps:.2f} ({wrk_rps:,.0f}/s) | "
                    f"{per_check * rate:.0f}x ({per_check * 1000:.1f} ms/URL) | "
                    f"{size / inner_s:,.0f} URL/s | {size / inner_s / wrk_rps:.2f} |")
    say("\nGoals: >= 2x blackbox, >= 0.7 of wrk, >= 20x the check_http loop, flat per URL.\n")
    for (size, probe), took in cold.items():
        label = f" ({labels[probe]})" if len(probes) > 1 else ""
        wrk_of = next(w for n, _, _, w in measured if n == size)
        say(f"- N={size:,}{label}: the untimed first sweep, on a server idle before it (as "
            f"wrk's warm-up run): {size / took:,.0f} URL/s ({took:.2f} s), "
            f"{size / took / wrk_of:.2f} of wrk")
    for line in [*cost_lines(measured, per_check), *after_table]:
        say(line)
    largest = measured[-1][0]
    table_s = time_table_sweep(expect_ok(largest, server.connect, c, tmp))
    say(f"- the default table report instead of JSON, N={largest:,}: {table_s:.2f} s "
        f"({largest / table_s:,.0f} URL/s, whole process)")
    wrong_s = time_misrouted_sweep(tmp, manifest_text(largest, server.connect, c))
    say(f"- half of them misrouted (every site-2 URL listed under project-1), N={largest:,}: "
        f"{wrong_s:.2f} s, {wrong_s / measured[-1][1]:.2f}x the all-ok sweep (whole process, "
        f"JSON): each wrong answer's causes are looked up, not searched for among the others")
    say("")


def startup_part(tmp: Path, say: Callable[[str], None]) -> None:
    say("### Start-up (hyperfine, median of 40 runs)\n")
    say("| command | median | over the bare interpreter | goal |")
    say("|---|---|---|---|")
    times = startup(tmp)
    bare = times["python -c pass"]
    goals = {"probe --version": 60, "probe check --help": 60, "probe check -m MISSING": 100}
    for name, ms in times.items():
        goal = f"<= {goals[name]} ms" if name in goals else ""
        say(f"| `{name}` | {ms:.1f} ms | {ms - bare:+.1f} ms | {goal} |")
    say("")


def exporter_part(args: argparse.Namespace, server: Any, tmp: Path,
                  say: Callable[[str], None]) -> None:
    say(f"### Exporter: {args.exporter_urls:,}-URL manifest, {args.scrapes} scrapes\n")
    manifest = expect_ok(args.exporter_urls, server.connect, args.concurrency, tmp)
    ex = exporter(manifest, args.scrapes)
    say(f"- scrape: median {ex['scrape_median_s']:.2f} s, max {ex['scrape_max_s']:.2f} s "
        "(goal: well inside a 10 s scrape timeout)")
    say(f"- RSS: {ex['rss_after_warmup_mib']:.1f} MiB after the first tenth, "
        f"{ex['rss_end_mib']:.1f} MiB at the end "
        f"({ex['rss_end_mib'] - ex['rss_after_warmup_mib']:+.1f} MiB)")


if __name__ == "__main__":
    raise SystemExit(main())
