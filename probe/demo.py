"""``probe demo``: sweep a built-in, misconfigured, simulated Apache/mod_wsgi on loopback.

The lab (:mod:`probe.lab`) is started in this process; the sweep, the diagnosis
and the report are the real ones ``probe sweep`` uses, pointed at the lab with
``connect``, as they would be pointed at a real server.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import TextIO

from probe import report as reporting
from probe.lab import scenario
from probe.lab.apache import SimulatedApache, log_to_stderr
from probe.lab.server import LabServer
from probe.manifest import Manifest, parse
from probe.model import Cause
from probe.sweep import run_sweep

SWEEP_DEADLINE_S = 4.0
"""Bounds the sweep, so the demo stays under 5 s even if something in it hangs."""

EXPECTED_CAUSES = (Cause.ALIAS_ORDER, Cause.ENVIRON_LEAK, Cause.VHOST_FALLBACK)


def run(*, serve: bool = False, port: int = 0, color: bool = False,
        out: TextIO | None = None) -> int:
    """Start the lab, sweep it, print the report; with ``serve``, keep it up until Ctrl-C.

    Returns the exit status: 0 (even though the sweep finds problems: that is the
    demo), 1 when the lab itself failed, 130 when interrupted. Raises UsageError
    when ``port`` is taken.
    """
    out = out or sys.stdout
    started = time.monotonic()
    apache = SimulatedApache(scenario.CLASSIC)
    try:
        apache.start()  # the WSGIImportScript preloads: project-1 first
    except Exception as exc:  # the demo must say what broke, not print a traceback
        return _failed(f"loading the lab's WSGI scripts failed: {exc}")
    with LabServer(apache, port) as server:
        manifest = parse(scenario.manifest_toml(server.connect), "demo manifest")
        _intro(out, server.connect, manifest)
        try:
            result = run_sweep(manifest, deadline=SWEEP_DEADLINE_S)
        except Exception as exc:
            return _failed(f"the sweep failed: {exc!r}")
        print(reporting.render(result, "table", color=color), file=out, end="")
        if result.interrupted:
            return 130
        _outro(out, time.monotonic() - started)
        # The demo exists to show these; without them it is broken, whatever the report says.
        found = {t.cause for t in result.targets}
        missing = [c.value for c in EXPECTED_CAUSES if c not in found]
        if missing:
            return _failed(f"the sweep did not find {', '.join(missing)} "
                           "(a bug in wsgi-probe; please report it)")
        if serve:
            _serve(out, apache, server.connect)
    return 0


def _failed(reason: str) -> int:
    print(f"probe demo: the lab failed: {reason}", file=sys.stderr)
    return 1


def _intro(out: TextIO, connect: str, manifest: Manifest) -> None:
    print(f"""\
wsgi-probe demo: a SIMULATED Apache httpd + mod_wsgi, inside this process, on {connect}.

No real server is involved. The lab routes requests the way Apache and mod_wsgi do
(name-based virtual hosts, WSGIScriptAlias in configuration order, embedded-mode sub
interpreters sharing one process environment), and each of its two Django projects is
wrapped by the real probe endpoint, contrib/wsgi_endpoint.py. Its httpd.conf has the three
classic mistakes of "Requests running in wrong Django instance under Apache/mod_wsgi"
(Graham Dumpleton, 2012):
""", file=out)
    for line in scenario.httpd_conf().splitlines():
        print(f"    {line}".rstrip(), file=out)
    script = scenario.SCRIPTS[scenario.PROJECT_2]
    print(f"\nBoth WSGI scripts are in the style Django 1.4+ generates, e.g. {script.path}:\n",
          file=out)
    for line in script.source().splitlines():
        print(f"    {line}", file=out)
    print("\nWhat each URL is meant to be (the manifest):", file=out)
    targets = manifest.targets()
    width = max(len(t.url) for t in targets)
    for target in targets:
        meant = target.expected if target.expected is not None else "refused (no instance)"
        print(f"    {target.url:<{width}}  ->  {meant}", file=out)
    print(f"\nSweeping it, as `probe sweep -m MANIFEST --connect {connect}` would:\n",
          file=out, flush=True)


def _outro(out: TextIO, elapsed: float) -> None:
    print(f"""
That was a simulation (started, swept and reported in {elapsed:.2f} s). To check a real server:
  1. install the endpoint in each project's wsgi.py (guarded: it never breaks the site):
       probe endpoint --install /path/to/project/wsgi.py --label project-1
  2. write a manifest saying which instance must answer which URL
     (`probe demo --serve` prints the lab's, to copy from);
  3. probe sweep -m site.toml
     (add --connect HOST:PORT to probe a server before DNS points at it).""",
          file=out, flush=True)


def _serve(out: TextIO, apache: SimulatedApache, connect: str) -> None:
    text = scenario.manifest_toml(connect)
    with _manifest_file(text) as path:
        print(f"""
The lab keeps running on {connect} until Ctrl-C; its routing decisions are logged on stderr.
Its manifest, written to {path}:

{text}
Try:
  probe sweep -m {path} --connect {connect}
  probe check -m {path}
  probe exporter -m {path} --listen 127.0.0.1:0
  curl -s -H 'Host: site-2.example.com' http://{connect}/__probe__
""", file=out, flush=True)
        apache.log = log_to_stderr
        _wait_for_interrupt()
    print("lab stopped", file=out, flush=True)


@contextlib.contextmanager
def _manifest_file(text: str) -> Iterator[str]:
    handle, path = tempfile.mkstemp(prefix="wsgi-probe-demo-", suffix=".toml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _wait_for_interrupt() -> None:
    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # SIGINT too: a shell starts background jobs with SIGINT ignored, and then Python
    # installs no KeyboardInterrupt handler of its own.
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while True:
            time.sleep(0.25)  # short: the signal may land in another thread
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
