"""``probe check``: the sweep as a Monitoring Plugin (Nagios, Icinga, Naemon, ...).

States, following the Monitoring Plugins Development Guidelines:

- the number of problem URLs is checked against ``-w``/``-c`` ranges in the
  standard ``[@][start:][end]`` syntax (nagiosplugin's Range). Without either,
  any problem URL is CRITICAL (critical range ``0``); with only ``-w``, problem
  URLs are at most WARNING;
- a warning-severity finding makes the state at least WARNING, a
  critical-severity one CRITICAL;
- unreachable URLs, DNS failures and per-request timeouts are problem URLs,
  so CRITICAL: the guidelines say such "higher-level errors" are not UNKNOWN;
- UNKNOWN (3) means the plugin could not check: bad arguments, a bad manifest,
  an unreadable token file, an interrupted sweep, an internal error.

The ``-t`` timeout bounds the whole run in two layers:

1. the sweep gets a deadline a little before ``-t``; URLs unanswered by then
   become ``unreachable`` (a timeout of the monitored service: CRITICAL, named
   per URL in the output);
2. a hard alarm at ``-t`` is the safety net for the plugin itself hanging past
   its own deadline. That is the plugin failing to do its job, so it exits
   UNKNOWN with the stage it was in, as the newer guidelines ask ("If the
   execution is terminated by this timeout, it should exit with state UNKNOWN
   (3) and give some helpful output in which stage the timeout occurred").

After its output the plugin ends the process with ``os._exit``: a sweep worker
thread that outlives the deadline (a name lookup cannot be interrupted) would
otherwise be joined at interpreter exit and hold the plugin past ``-t``.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any, NoReturn, Protocol

import click
from nagiosplugin import Range

from probe.addresses import is_fleet
from probe.errors import ProbeError, UsageError
from probe.exits import outcome
from probe.manifest import Manifest
from probe.model import Finding, Report, Status, TargetResult
from probe.report.nagios import (
    PLUGIN_NAME,
    ROUTING_VERDICTS,
    Perfdatum,
    PluginOutput,
    clean_text,
    fleet_key,
    problem_phrase,
    render,
    target_line,
    url_labels,
)
from probe.urls import public_url

DEFAULT_TIMEOUT = 10.0
"""Seconds; the guidelines' "typically 10 sec", and Nagios' default service_check_timeout is 60."""

SWEEP_MARGIN = 1.0
"""Seconds kept between the sweep's deadline and ``-t`` for diagnosis and output."""

STATUS_LINE_PROBLEMS = 3
"""Problem URLs named on the status line at verbosity 0 (it should stay short: pagers cut it)."""

FIXED_LABELS = ("urls", "ok", "problems", "time")


class SweepFunction(Protocol):
    def __call__(self, manifest: Manifest, *, deadline: float | None = None) -> Report: ...


DEFAULT_CRITICAL = "0"
"""The critical range without -w and -c: 0..0, so one problem URL is already outside it."""


@dataclass(frozen=True)
class Thresholds:
    """``-w``/``-c`` on the number of problem URLs."""

    warning: Range | None = None
    critical: Range | None = None

    @property
    def effective_critical(self) -> Range | None:
        """``-c``; the default range only when neither ``-w`` nor ``-c`` was given.

        A lone ``-w 5`` must be able to say WARNING: with a default ``-c 0`` the
        first problem URL would already be CRITICAL and ``-w`` would never matter.
        """
        if self.critical is None and self.warning is None:
            return Range(DEFAULT_CRITICAL)
        return self.critical

    def status(self, problems: int) -> Status:
        """A value outside a range (inside for ``@``) is an alert, critical first."""
        critical = self.effective_critical
        if critical is not None and not critical.match(problems):
            return Status.CRITICAL
        if self.warning is not None and not self.warning.match(problems):
            return Status.WARNING
        return Status.OK


def parse_range(spec: str, option: str) -> Range:
    """A threshold range, or UsageError naming the option.

    nagiosplugin accepts an empty range (and ``@``/``:``) as 0..inf; the
    guidelines say an empty range is not valid, so those are refused here.
    """
    if spec.lstrip("@").strip() in ("", ":"):
        raise UsageError(f"{option}: empty threshold range {spec!r}")
    try:
        return Range(spec)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{option}: not a threshold range {spec!r} "
                         f"(expected [@][start:][end], e.g. 10, 10:, ~:10, 10:20, @10:20): {exc}"
                         ) from None


def parse_thresholds(warning: str | None, critical: str | None) -> Thresholds:
    """``-w``/``-c`` as given on the command line (None: not given)."""
    return Thresholds(
        warning=parse_range(warning, "-w") if warning is not None else None,
        critical=parse_range(critical, "-c") if critical is not None else None,
    )


def check_timeout(seconds: float) -> float:
    """``-t``: a finite number of seconds above 0 (``nan`` passes a range check)."""
    if not math.isfinite(seconds) or seconds <= 0:
        raise UsageError(f"-t: not a number of seconds above 0: {seconds!r}")
    return seconds


@dataclass(frozen=True)
class CheckOptions:
    manifest_path: str
    thresholds: Thresholds = Thresholds()
    timeout: float = DEFAULT_TIMEOUT
    verbose: int = 0
    perfdata_urls: bool = False
    connect: str | None = None
    token_file: str | None = None


def sweep_deadline(timeout: float) -> float:
    """The sweep's share of ``-t``: all but SWEEP_MARGIN, and never less than half."""
    return max(timeout - SWEEP_MARGIN, timeout / 2)


def run(options: CheckOptions, *, sweep: SweepFunction | None = None,
        load: Callable[[str], Manifest] | None = None,
        stage: Callable[[str], None] = lambda _: None) -> PluginOutput:
    """Load, sweep, judge. Never raises: every failure is an UNKNOWN output."""
    from probe import manifest as manifests
    from probe.sweep import run_sweep

    sweep = sweep or run_sweep
    load = load or manifests.load
    started = time.monotonic()
    try:
        stage("loading the manifest")
        loaded = load(options.manifest_path).with_probe(
            connect=options.connect, token_file=options.token_file)
        # Read the token now: an unreadable token file is UNKNOWN, not 7 no_endpoint URLs.
        loaded.probe.token()
        count = len(loaded.targets())
        stage(f"sweeping {count} URL{'s' if count != 1 else ''}")
        report = sweep(loaded, deadline=sweep_deadline(options.timeout))
        stage("judging the results")
        return evaluate(report, options, elapsed=time.monotonic() - started, manifest=loaded)
    except ProbeError as exc:
        return unknown(str(exc))
    except Exception as exc:  # the last line of defence: never a traceback on stdout
        if options.verbose >= 3:
            traceback.print_exc(file=sys.stderr)
        return unknown(outcome(exc, "check").message)


def unknown(message: str) -> PluginOutput:
    return PluginOutput(Status.UNKNOWN, message)


def evaluate(report: Report, options: CheckOptions, *, elapsed: float | None = None,
             manifest: Manifest | None = None) -> PluginOutput:
    """The plugin's answer for a finished sweep."""
    if report.interrupted:
        return unknown("sweep interrupted before it finished")
    if not report.targets:
        return unknown("the sweep probed no URLs")
    for_problems = options.thresholds.status(len(report.problems))
    status = _worst(for_problems, *(f.severity for f in report.findings))
    summary = _summary(report, names=None if options.verbose >= 1 else STATUS_LINE_PROBLEMS)
    perfdata = _perfdata(report, options, elapsed if elapsed is not None else report.duration_s)
    lines = _long_output(report, options, status_for_problems=for_problems, manifest=manifest)
    return PluginOutput(status, summary, tuple(perfdata), tuple(lines))


_PRECEDENCE = (Status.OK, Status.UNKNOWN, Status.WARNING, Status.CRITICAL)
"""A problem found outranks a part we could not judge: CRITICAL > WARNING > UNKNOWN > OK."""


def _worst(*states: Status) -> Status:
    return max(states, key=_PRECEDENCE.index)


def _summary(report: Report, *, names: int | None) -> str:
    total = len(report.targets)
    problems = report.problems
    noun = "URL" if total == 1 else "URLs"
    if not problems:
        text = _all_ok(report)
    else:
        word = "misrouted" if all(p.verdict in ROUTING_VERDICTS for p in problems) else "failing"
        shown = problems if names is None else problems[:names]
        text = f"{len(problems)} of {total} {noun} {word}: "
        text += ", ".join(problem_phrase(p) for p in shown)
        if len(shown) < len(problems):
            text += f", ... (+{len(problems) - len(shown)} more)"
    notable = [f for f in report.findings if f.severity is not Status.OK]
    if notable:
        codes = ", ".join(dict.fromkeys(f.code for f in notable))
        text += f"; {len(notable)} finding{'s' if len(notable) != 1 else ''}: {codes}"
    return text


def _all_ok(report: Report) -> str:
    """The OK summary, counting refused URLs apart: a refusal is not an instance answering."""
    refused = sum(1 for t in report.targets if t.expected is None)
    answered = len(report.targets) - refused
    parts = []
    if answered:
        noun = "URL" if answered == 1 else "URLs"
        parts.append(f"{answered} {noun} answered by the expected instance")
    if refused:
        noun = "URL" if refused == 1 else "URLs"
        parts.append(f"{refused} {noun} refused as required")
    return ", ".join(parts)


def _perfdata(report: Report, options: CheckOptions, elapsed: float) -> list[Perfdatum]:
    total = len(report.targets)
    thresholds = options.thresholds
    critical = thresholds.effective_critical
    data = [
        Perfdatum("urls", total, min=0),
        Perfdatum("ok", total - len(report.problems), min=0, max=total),
        Perfdatum("problems", len(report.problems),
                  warn=str(thresholds.warning) if thresholds.warning is not None else "",
                  crit=str(critical) if critical is not None else "", min=0, max=total),
        Perfdatum("time", round(elapsed, 6), uom="s", min=0, max=options.timeout),
    ]
    if options.perfdata_urls:
        fleet = is_fleet((t.url, t.address) for t in report.targets)
        keys = [fleet_key(t.url, t.address) if t.url in fleet else t.url for t in report.targets]
        labels = url_labels(keys, reserved=FIXED_LABELS)
        for key, target in zip(keys, report.targets, strict=True):
            # No answer means no response time to graph: "U", not the time until giving up.
            seconds = None if target.observed is None and target.status_code is None \
                else round(target.elapsed_ms / 1000, 6)
            data.append(Perfdatum(labels[key], seconds, uom="s", min=0))
    return data


def _long_output(report: Report, options: CheckOptions, *, status_for_problems: Status,
                 manifest: Manifest | None) -> list[str]:
    verbose = options.verbose
    # Problems within the thresholds are still listed, but not marked as alerts.
    mark = (status_for_problems.value.upper() if status_for_problems is not Status.OK
            else "WITHIN THRESHOLDS")
    lines = [target_line(t, prefix=mark, with_fix=verbose >= 1) for t in report.problems]
    for finding in report.findings:
        if finding.severity is not Status.OK or verbose >= 2:
            lines.append(_finding_line(finding))
    if verbose >= 2:
        lines += [_ok_line(t) for t in report.targets if t.ok]
        if manifest is not None:
            probe = manifest.probe
            lines.append(f"manifest {manifest.source}: connect={probe.connect or 'DNS'} "
                         f"samples={probe.samples} request timeout={probe.timeout:g}s "
                         f"concurrency={probe.concurrency}; check timeout={options.timeout:g}s, "
                         f"sweep deadline={sweep_deadline(options.timeout):g}s")
    if verbose >= 3:
        for target in report.problems:
            lines.append(f"observed at {public_url(target.url)}: {dict(target.observed or {})!r}")
    return lines


def _finding_line(finding: Finding) -> str:
    instances = ", ".join(finding.instances)
    return f"{finding.severity.value.upper()}: {finding.code} ({instances}): {finding.explanation}"


def _ok_line(target: TargetResult) -> str:
    url = public_url(target.url)
    if target.expected is None:
        code = f" (HTTP {target.status_code})" if target.status_code is not None else ""
        return f"OK: {url} refused{code} in {target.elapsed_ms:.1f} ms"
    who = target.answered_by or target.expected
    return f"OK: {url} answered by {who} in {target.elapsed_ms:.1f} ms"


# -- the hard timeout ---------------------------------------------------------------


class _Stage:
    """What the plugin is doing, for the timeout message."""

    def __init__(self) -> None:
        self.text = "starting"

    def __call__(self, text: str) -> None:
        self.text = text


def _timeout_exit(timeout: float, stage: str) -> None:
    line = f"{PLUGIN_NAME} UNKNOWN - plugin timed out after {timeout:g} s while {stage}\n"
    # os.write and os._exit: inside a signal handler buffered stdout may be mid-write,
    # and a normal exit would wait for sweep worker threads that may be stuck.
    os.write(sys.stdout.fileno(), clean_text(line).encode("utf-8") + b"\n")
    os._exit(3)


@contextmanager
def watchdog(timeout: float, stage: _Stage,
             fire: Callable[[float, str], None] = _timeout_exit) -> Iterator[None]:
    """Call ``fire(timeout, stage)`` if the block is still running after ``timeout`` seconds.

    Uses SIGALRM (setitimer, for fractions of a second), so it only arms in the
    main thread; elsewhere the sweep deadline is the only bound.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        fire(timeout, stage.text)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def silence_logs(verbose: int) -> None:
    """Keep stderr quiet below -vvv: Icinga 2 appends stderr to the plugin output."""
    from probe import logs

    logs.configure(2, "console", silent=verbose < 3)


def main(options: CheckOptions, *, sweep: SweepFunction | None = None) -> int:
    """Run the check, print its output, return the exit status (see :func:`command`)."""
    stage = _Stage()
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


def exit_now(code: int) -> NoReturn:
    """End the process with ``code`` at once, output flushed.

    Not ``sys.exit``: the interpreter would join the sweep's worker threads, and
    one stuck past the deadline (a name lookup, which nothing can interrupt)
    would hold the plugin past ``-t``.
    """
    from probe.transport import abort_in_flight

    abort_in_flight()
    for stream in (sys.stdout, sys.stderr):
        # A closed or broken pipe: there is nobody left to tell.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def command(*, manifest_path: str, warning: str | None, critical: str | None, timeout: float,
            verbose: int, perfdata_urls: bool, connect: str | None,
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


class PluginCommand(click.Command):
    """A click command that keeps the Monitoring Plugin exit codes even while parsing.

    Click exits 2 on a usage error and 0 after --help/--version; a plugin must
    exit 3 (UNKNOWN) for all of them, with one readable line on stdout.
    """

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.exceptions.Exit:  # --help or --version printed, now exit UNKNOWN
            raise click.exceptions.Exit(3) from None
        except click.ClickException as exc:
            message = f"{exc.format_message()} (see 'probe {info_name or 'check'} --help')"
            click.echo(render(unknown(message)), nl=False)
            raise click.exceptions.Exit(3) from None
