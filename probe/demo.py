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
import textwrap
import time
from collections.abc import Iterator
from typing import TextIO

from probe import report as reporting
from probe.diagnose import ConfigJoin
from probe.environment import Environment
from probe.exits import ExitStatus
from probe.lab import scenario
from probe.lab.apache import SimulatedApache, log_to_stderr
from probe.lab.server import LabServer
from probe.manifest import Manifest, parse
from probe.model import Cause
from probe.sweep import run_sweep
from probe.sweep_config import load_config

SWEEP_DEADLINE_S = 4.0
"""Bounds the sweep, so the demo stays under 5 s even if something in it hangs."""

TEXT_MAX = 100
"""The demo's sentences are wrapped at most this wide, even on a wider terminal."""

EXPECTED_CAUSES = (Cause.ALIAS_ORDER, Cause.ENVIRON_LEAK, Cause.VHOST_FALLBACK)


def run(*, serve: bool = False, port: int = 0, env: Environment | None = None,
        out: TextIO | None = None) -> int:
    """Start the lab, sweep it, print the report; with ``serve``, keep it up until Ctrl-C.

    Prose, configuration and the report are rendered for ``env.width`` (no limit when None).
    Returns the exit status: 0 (even though the sweep finds problems: that is the
    demo), 1 when the lab itself failed, 130 when interrupted. Raises UsageError
    when ``port`` is taken.
    """
    env = env or Environment()
    out = out or env.stdout
    text = _Prose(env.width)
    started = time.monotonic()
    apache = SimulatedApache(scenario.CLASSIC)
    try:
        apache.start()  # the WSGIImportScript preloads: project-1 first
    except Exception as exc:  # the demo must say what broke, not print a traceback
        return _failed(f"loading the lab's WSGI scripts failed: {exc}")
    with LabServer(apache, port) as server:
        manifest = parse(scenario.manifest_toml(server.connect), "demo manifest")
        _intro(out, text, server.connect, manifest)
        try:
            with tempfile.TemporaryDirectory(prefix="wsgi-probe-demo-") as top:
                config = _lab_config(top, server.connect)
                print(text.paragraph(f"With its httpd.conf, written to {config.front.files[0]} "
                                     f"with the lab's port, as --config: each cause cites the "
                                     f"line that makes it."), file=out)
                print(file=out, flush=True)
                result = run_sweep(manifest, deadline=SWEEP_DEADLINE_S, config=config)
        except Exception as exc:
            return _failed(f"the sweep failed: {exc!r}")
        rendered = reporting.render(result, "table", color=env.color, width=env.width)
        print(rendered, file=out, end="")
        if result.interrupted:
            return ExitStatus.INTERRUPTED
        restart = _lab_restart(rendered, apache.processes.parent_pid,
                               sorted({t.observed.pid for t in result.targets
                                       if t.observed is not None and t.observed.pid}))
        if restart:
            print(file=out)
            print(text.paragraph(restart), file=out)
        _outro(out, text, time.monotonic() - started)
        # The demo exists to show these; without them it is broken, whatever the report says.
        found = {t.cause for t in result.targets}
        missing = [c.value for c in EXPECTED_CAUSES if c not in found]
        if missing:
            return _failed(f"the sweep did not find {', '.join(missing)} "
                           "(a bug in wsgi-probe; please report it)")
        if serve:
            _serve(out, text, apache, server.connect)
    return ExitStatus.SUCCESS


def _lab_config(top: str, connect: str) -> ConfigJoin:
    """The lab's httpd.conf in ``top``, its VirtualHosts on the lab's port, read as
    ``probe sweep --config`` reads one (lint's findings are the lint command's)."""
    port = connect.rsplit(":", 1)[1]
    path = os.path.join(top, "httpd.conf")
    with open(path, "w", encoding="utf-8") as file:
        file.write(scenario.httpd_conf().replace("<VirtualHost *:80>",
                                                 f"<VirtualHost *:{port}>"))
    return load_config(path, {}, lambda site: [])


def _lab_restart(rendered: str, parent: int, children: list[int]) -> str:
    """What the report's restart advice means in the lab: the parent its answers give as
    ppid is this process, which is no Apache (the report's words are the ones a real server
    gets: the diagnosis does not know it swept a lab); "" where no item names it."""
    asked = f"ps -ww -o args= -p {parent}"
    blocks: dict[str, list[str]] = {"": []}  # the report's items by their header, wrapped
    item = ""
    for line in rendered.splitlines():
        if line.startswith("[") and "]" in line:
            item = line[:line.index("]") + 1]
        elif line.startswith(("WARNING ", "CRITICAL ", "OK ")) and len(line.split()) > 1:
            item = line.split()[1]
        blocks.setdefault(item, []).append(line)
    items = [name or "the report" for name, lines in blocks.items()
             if asked in " ".join(" ".join(lines).split())]
    if not items:
        return ""
    made_up = "" if not children else (
        f" (its child's pid, {children[0]}, is made up)" if len(children) == 1 else
        f" (its children's pids, {', '.join(map(str, children))}, are made up)")
    named = items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
    verb = "restarts" if len(items) == 1 else "restart"
    return (f"In the lab, the Apache that {named} {verb} by what "
            f"'{asked}' shows is this demo process, pid {parent}: it plays the simulated "
            f"Apache's parent, given as ppid in the lab's answers{made_up}. ps shows the command "
            f"that ran probe demo (no Apache: it takes no '-k graceful'; once the demo has "
            f"ended, no process). The lab is restarted by running probe demo again, which "
            f"starts it anew (its processes, interpreters and their environment) from its "
            f"built-in httpd.conf: an edit of the file written for --config does not change "
            f"it. On a real Apache the same words name its parent, whose command line ps shows.")


def _failed(reason: str) -> int:
    print(f"probe demo: the lab failed: {reason}", file=sys.stderr)
    return ExitStatus.PROBLEM


class _Prose:
    """Wraps the demo's sentences to the width (at most TEXT_MAX, for reading), whole words
    only; configuration lines longer than the width go on with Apache's ``\\`` continuation."""

    def __init__(self, width: int | None) -> None:
        self.width = width
        self.prose = min(width or TEXT_MAX, TEXT_MAX)

    def paragraph(self, text: str, indent: str = "") -> str:
        return textwrap.fill(" ".join(text.split()), width=self.prose, initial_indent=indent,
                             subsequent_indent=indent, break_on_hyphens=False,
                             break_long_words=False)

    def config(self, line: str, indent: str = "    ") -> list[str]:
        """One httpd.conf line, split at spaces with `` \\`` where it is too wide."""
        if self.width is None or len(indent + line) <= self.width:
            return [(indent + line).rstrip()]
        lead = line[:len(line) - len(line.lstrip())]
        if line.lstrip().startswith("#"):  # a comment goes on as more comment lines
            return textwrap.wrap(line.strip(), width=self.width, initial_indent=indent + lead,
                                 subsequent_indent=indent + lead + "# ",
                                 break_on_hyphens=False, break_long_words=False)
        parts = textwrap.wrap(line.strip(), width=self.width - len(indent + lead) - 6,
                              break_on_hyphens=False, break_long_words=False)
        cont = indent + lead + "    "
        return [indent + lead + parts[0] + " \\",
                *(cont + part + " \\" for part in parts[1:-1]), cont + parts[-1]]


def _script_lines(source: str, text: _Prose) -> list[str]:
    """The script, indented; where the install block's lines do not fit the width, the block
    is summed up between its own first and last lines (Python has no line continuation
    that would keep it the same code)."""
    lines = [f"    {line}".rstrip() for line in source.splitlines()]
    if text.width is None or all(len(line) <= text.width for line in lines):
        return lines
    start = next(i for i, line in enumerate(lines) if "wsgi-probe endpoint >>>" in line)
    end = next(i for i, line in enumerate(lines) if "wsgi-probe endpoint <<<" in line)
    summary = text.paragraph(
        f"({end - start - 1} lines that load wsgi_endpoint.py from beside this file by path and "
        f"wrap application with it, leaving it as it was on any failure: `probe endpoint "
        f"--install WSGI_PY --dry-run` prints them)", indent="    ")
    first = lines[start]
    marker = "wsgi-probe endpoint >>>"
    shown = first if len(first) <= text.width else first[:first.index(marker) + len(marker)]
    return [*lines[:start], shown, *summary.splitlines(), *lines[end:]]


def _intro(out: TextIO, text: _Prose, connect: str, manifest: Manifest) -> None:
    print(text.paragraph(f"wsgi-probe demo: a SIMULATED Apache httpd + mod_wsgi, inside this "
                         f"process, on {connect}."), file=out)
    print(file=out)
    print(text.paragraph(
        "No real server is involved. The lab routes requests the way Apache and mod_wsgi do "
        "(name-based virtual hosts, WSGIScriptAlias in configuration order, embedded-mode sub "
        "interpreters sharing one process environment), and each of its two Django projects "
        "is wrapped by the real probe endpoint, contrib/wsgi_endpoint.py. Its httpd.conf has "
        'the three classic mistakes of "Requests running in wrong Django instance under '
        'Apache/mod_wsgi" (Graham Dumpleton, 2012):'), file=out)
    print(file=out)
    for line in scenario.httpd_conf().splitlines():
        for part in text.config(line):
            print(part, file=out)
    script = scenario.SCRIPTS[scenario.PROJECT_2]
    print(file=out)
    print(text.paragraph(f"Both WSGI scripts are in the style Django 1.4+ generates, with the "
                         f"block `probe endpoint --install` appends, e.g. {script.path}:"),
          file=out)
    print(file=out)
    for line in _script_lines(script.source(), text):
        print(line, file=out)
    print("\nWhat each URL is meant to be (the manifest):", file=out)
    targets = manifest.targets()
    width = max(len(t.url) for t in targets)
    for target in targets:
        meant = target.expected if target.expected is not None else "refused (no instance)"
        print(f"    {target.url:<{width}}  ->  {meant}", file=out)
    print(file=out)
    print(text.paragraph(f"Sweeping it, as `probe sweep -m MANIFEST --connect {connect}` "
                         "would:"), file=out)
    print(file=out, flush=True)


def _outro(out: TextIO, text: _Prose, elapsed: float) -> None:
    print(file=out)
    print(text.paragraph(f"That was a simulation (started, swept and reported in "
                         f"{elapsed:.2f} s). To check a real server:"), file=out)
    print("""\
  1. install the endpoint in each project's wsgi.py
     (guarded: a broken endpoint never breaks the site; it sets up a token
     and prints the manifest line that gives the probe the same one):
       probe endpoint --install /path/to/project/wsgi.py --label project-1
  2. write a manifest saying which instance must answer which URL
     (`probe demo --serve` prints the lab's, to copy from);
  3. probe sweep -m site.toml
     (add --connect HOST:PORT to probe a server before DNS points at it).""",
          file=out, flush=True)


def _serve(out: TextIO, prose: _Prose, apache: SimulatedApache, connect: str) -> None:
    text = scenario.manifest_toml(connect)
    with _manifest_file(text) as path:
        print(file=out)
        print(prose.paragraph(f"The lab keeps running on {connect} until Ctrl-C; its routing "
                              f"decisions are logged on stderr. Its manifest, written to "
                              f"{path}:"), file=out)
        print(f"""
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
