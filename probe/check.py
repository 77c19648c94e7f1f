"""``probe check``: the sweep as a Monitoring Plugin (Nagios, Icinga, Naemon, ...).

acquire -> evaluate -> summarise -> runtime, one module each:

- acquire (here): load the manifest, read the token, sweep with a deadline inside ``-t``;
- evaluate and summarise: :mod:`probe.report.nagios_evaluate` (thresholds, state, status
  line, perfdata, long output), rendered by :mod:`probe.report.nagios`;
- runtime: :mod:`probe.check_runtime` (the hard alarm at ``-t``, the exit, click parsing
  that keeps plugin exit codes).

UNKNOWN (3) means the plugin could not check: bad arguments, a bad manifest, an
unreadable token file, an interrupted sweep, an internal error. Any exception that
escapes becomes UNKNOWN, never a traceback on stdout.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import NoReturn, Protocol

from probe.check_runtime import (
    PluginCommand,
    Stage,
    exit_now,
    silence_logs,
    watchdog,
)
from probe.errors import ProbeError, UsageError
from probe.exits import outcome
from probe.manifest import Manifest
from probe.model import Report
from probe.report.nagios import PLUGIN_NAME, PluginOutput, render
from probe.report.nagios_evaluate import (
    DEFAULT_TIMEOUT,
    CheckOptions,
    Thresholds,
    check_timeout,
    evaluate,
    parse_range,
    parse_thresholds,
    sweep_deadline,
    unknown,
)

__all__ = ["DEFAULT_TIMEOUT", "CheckOptions", "PluginCommand", "Stage", "Thresholds",
           "check_timeout", "command", "evaluate", "main", "parse_range", "run",
           "sweep_deadline", "unknown", "watchdog"]


class SweepFunction(Protocol):
    def __call__(self, manifest: Manifest, *, deadline: float | None = None,
                 token: str | None = None) -> Report: ...


def run(options: CheckOptions, *, sweep: SweepFunction | None = None,
        load: Callable[[str], Manifest] | None = None,
        stage: Callable[[str], None] = lambda _: None) -> PluginOutput:
    """Load, sweep, judge. Never raises: every failure is an UNKNOWN output."""
    from probe import manifest as manifests
    from probe.credentials import read_token

    load = load or manifests.load
    started = time.monotonic()
    try:
        stage("loading the manifest")
        loaded = load(options.manifest_path).with_probe(
            connect=options.connect or None, token_file=options.token_file)
        # Read the token now: an unreadable token file is UNKNOWN, not 7 no_endpoint URLs.
        token = read_token(loaded.probe, os.environ)
        count = len(loaded.targets())
        stage(f"sweeping {count} URL{'s' if count != 1 else ''}")
        report = (sweep or _real_sweep())(loaded, deadline=sweep_deadline(options.timeout),
                                          token=token)
        stage("judging the results")
        return evaluate(report, options, elapsed=time.monotonic() - started, manifest=loaded)
    except ProbeError as exc:
        return unknown(str(exc))
    except Exception as exc:  # the last line of defence: never a traceback on stdout
        if options.verbose >= 3:
            traceback.print_exc(file=sys.stderr)
        return unknown(outcome(exc, "check").message)


def _real_sweep() -> SweepFunction:
    """probe.sweep, imported once the manifest is good: a bad one (UNKNOWN) needs no HTTP."""
    from probe.sweep import run_sweep

    return run_sweep


def main(options: CheckOptions, *, sweep: SweepFunction | None = None) -> int:
    """Run the check, print its output, return the exit status (see :func:`command`)."""
    stage = Stage()
    try:
        silence_logs(options.verbose)
        with watchdog(options.timeout, stage):
            output = run(options, sweep=sweep, stage=stage)
            text = render(output)
    except Exception as exc:  # run() catches everything; this guards setup and rendering
        output = unknown(outcome(exc, "check").message)
        try:
            text = render(output)
        except Exception:  # rendering itself is broken: the bare status line still is not
            text = f"{PLUGIN_NAME} UNKNOWN - {output.summary}\n"
    sys.stdout.write(text)
    sys.stdout.flush()
    return output.exit_code


def command(*, manifest_path: str, warning: str | None, critical: str | None, timeout: float,
            verbose: int, perfdata_urls: bool, connect: tuple[str, ...],
            token_file: str | None) -> NoReturn:
    """``probe check`` once click has parsed the options: check them, run, exit."""
    try:
        options = CheckOptions(
            manifest_path=manifest_path, thresholds=parse_thresholds(warning, critical),
            timeout=check_timeout(timeout), verbose=verbose, perfdata_urls=perfdata_urls,
            connect=connect, token_file=token_file,
        )
    except UsageError as exc:
        sys.stdout.write(render(unknown(str(exc))))
        exit_now(3)
    exit_now(main(options))
