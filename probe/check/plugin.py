"""``probe check``: the sweep as a Monitoring Plugin (Nagios, Icinga, Naemon, ...).

acquire -> evaluate -> summarise -> runtime, one module each:

- acquire (here): load the manifest, read the token, sweep with a deadline inside ``-t``;
- evaluate and summarise: :mod:`probe.report.nagios_evaluate` (thresholds, state, status
  line, perfdata, long output), rendered by :mod:`probe.report.nagios`;
- runtime: :mod:`probe.check.runtime` (the hard alarm at ``-t``, the exit); the command
  line: :mod:`probe.check.args`.

A manifest that cannot be read or parsed is UNKNOWN before the sweep, the model, the
reports or nagiosplugin are imported (:func:`_attempt` returns its message and
:mod:`probe.check.status_line` writes it): start-up is most of what that answer costs.

UNKNOWN (3) means the plugin could not check: bad arguments, a bad manifest, an
unreadable token file, an interrupted sweep, an internal error. Any exception that
escapes becomes UNKNOWN, never a traceback on stdout.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from probe.check.options import (
    DEFAULT_TIMEOUT,
    CheckOptions,
    Thresholds,
    check_timeout,
    parse_range,
    parse_thresholds,
    sweep_deadline,
)
from probe.check.runtime import Stage, exit_now, silence_logs, timeout_exit, watchdog
from probe.check.status_line import UNKNOWN_EXIT, unknown_text
from probe.environment import Environment
from probe.errors import ProbeError, UsageError

if TYPE_CHECKING:
    from probe.diagnose import ConfigJoin
    from probe.front_config import FrontConfig
    from probe.manifest import Manifest
    from probe.model import Report
    from probe.report.nagios import PluginOutput
    from probe.report.nagios_evaluate import evaluate, unknown

__all__ = ["DEFAULT_TIMEOUT", "CheckOptions", "Stage", "Thresholds", "check_timeout", "command",
           "evaluate", "main", "parse_range", "parse_thresholds", "render", "run",
           "sweep_deadline", "unknown", "watchdog"]


def __getattr__(name: str) -> object:
    """``evaluate`` and ``unknown``, imported when first asked for: a check whose manifest
    cannot be read prints its UNKNOWN line without the judgement (the model, the reports,
    nagiosplugin), which is most of start-up."""
    if name in ("evaluate", "unknown"):
        from probe.report import nagios_evaluate

        return getattr(nagios_evaluate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class SweepFunction(Protocol):
    def __call__(self, manifest: Manifest, *, deadline: float | None = None,
                 token: str | None = None, config: ConfigJoin | None = None) -> Report: ...


def run(options: CheckOptions, *, sweep: SweepFunction | None = None,
        load: Callable[[str], Manifest] | None = None,
        stage: Callable[[str], None] = lambda _: None,
        env: Environment | None = None) -> PluginOutput:
    """Load, sweep, judge. Never raises: every failure is an UNKNOWN output."""
    answer = _attempt(options, sweep=sweep, load=load, stage=stage,
                      env=env or Environment.from_process())
    if isinstance(answer, str):
        from probe.report.nagios_evaluate import unknown

        return unknown(answer)
    return answer


def _attempt(options: CheckOptions, *, sweep: SweepFunction | None,
             load: Callable[[str], Manifest] | None,
             stage: Callable[[str], None], env: Environment) -> PluginOutput | str:
    """:func:`run`'s work; a failure is returned as its one-line message, so that
    :func:`main` can print the UNKNOWN line of a bad manifest without the reports."""
    from probe import manifest as manifests

    load = load or manifests.load
    started = time.monotonic()
    try:
        stage("loading the manifest")
        loaded = load(options.manifest_path).with_probe(
            connect=options.connect or None, token_file=options.token_file)
        from probe.credentials import check_ca_file, read_token

        # Read the token now: an unreadable token file is UNKNOWN, not 7 no_endpoint URLs;
        # a bad CA file likewise, not every https URL unreachable.
        token = read_token(loaded.probe, env.environ, manifest_file=options.manifest_path)
        from probe.token_exposure import MANIFEST_OPT_IN, refuse_unverified, token_exposure

        refuse_unverified(loaded, token, MANIFEST_OPT_IN)
        exposed = token_exposure(loaded, token)
        check_ca_file(loaded.probe)
        reading = time.monotonic()
        front = _front(loaded.probe.config, env, stage)
        spent = time.monotonic() - reading if front is not None else 0.0
        # The manifest is good: only now the sweep, the model and the judgement.
        from probe.report.nagios_evaluate import evaluate

        count = len(loaded.targets())
        stage(f"sweeping {count} URL{'s' if count != 1 else ''}")
        # Reading the configuration took from -t too: the sweep gets what is left of its share.
        deadline = max(sweep_deadline(options.timeout) - spent, 0.0)
        report = (sweep or _real_sweep())(loaded, deadline=deadline, token=token,
                                          config=front.join if front else None)
        stage("judging the results")
        output = evaluate(report, options, elapsed=time.monotonic() - started, manifest=loaded)
        return _with_warnings(_with_problem(output, front), exposed)
    except ProbeError as exc:
        return str(exc)
    except Exception as exc:  # the last line of defence: never a traceback on stdout
        if options.verbose >= 3:
            import traceback

            traceback.print_exc(file=env.stderr)
        return _internal(exc)


def _front(path: str | None, env: Environment,
           stage: Callable[[str], None]) -> FrontConfig | None:
    """``[probe] config``, read as ``probe sweep`` reads it (lint imported only then)."""
    if path is None:
        return None
    from probe.front_config import manifest_front

    stage("reading the front server's configuration")
    return manifest_front(path, env.environ)


def _with_problem(output: PluginOutput, front: FrontConfig | None) -> PluginOutput:
    """A configuration that could not be read is a secondary problem: the state stays what
    was measured, and the first long-output line says what was not read and why (as the
    Monitoring Plugins put detail below the status line)."""
    if front is None or front.problem is None:
        return output
    from dataclasses import replace

    line = f"configuration not read, explanations made without it: {front.problem}"
    return replace(output, long_output=(line, *output.long_output))


def _with_warnings(output: PluginOutput, warnings: list[str]) -> PluginOutput:
    """The token's exposure said on the first long-output lines, as check_http puts what is
    not the status below it: the status line stays one line that the state alone decides,
    and the operator sees the warning beside every result (stderr is lost by Nagios)."""
    if not warnings:
        return output
    from dataclasses import replace

    lines = tuple(f"warning: {line}" for line in warnings)
    return replace(output, long_output=(*lines, *output.long_output))


def _internal(exc: BaseException) -> str:
    from probe.exits import outcome

    return outcome(exc, "check").message


def render(output: PluginOutput) -> str:
    """:func:`probe.report.nagios.render`, imported once there is a judgement to render."""
    from probe.report import nagios

    return nagios.render(output)


def _real_sweep() -> SweepFunction:
    """probe.sweep, imported once the manifest is good: a bad one (UNKNOWN) needs no HTTP."""
    from probe.sweep import run_sweep

    return run_sweep


def _quiet(sweep: SweepFunction | None, verbose: int) -> SweepFunction:
    """The sweep, logs silenced first (see :func:`silence_logs`): nothing logs before
    it, and a bad manifest's UNKNOWN then needs no logging module."""
    def quiet_sweep(manifest: Manifest, *, deadline: float | None = None,
                    token: str | None = None, config: ConfigJoin | None = None) -> Report:
        silence_logs(verbose)
        return (sweep or _real_sweep())(manifest, deadline=deadline, token=token, config=config)

    return quiet_sweep


def main(options: CheckOptions, *, sweep: SweepFunction | None = None,
         env: Environment | None = None,
         fire: Callable[[float, str], None] = timeout_exit) -> int:
    """Run the check, print its output, return the exit status (see :func:`command`).
    ``fire`` replaces what the hard alarm at ``-t`` does (:func:`watchdog`): a check
    server's child answers on its connection, not on stdout."""
    env = env or Environment.from_process()
    stage = Stage()
    try:
        with watchdog(options.timeout, stage, fire):
            answer = _attempt(options, sweep=_quiet(sweep, options.verbose), load=None,
                              stage=stage, env=env)
            if isinstance(answer, str):
                text, code = unknown_text(answer), int(UNKNOWN_EXIT)
            else:
                text, code = render(answer), answer.exit_code
    except Exception as exc:  # _attempt catches everything; this guards setup and rendering
        text, code = unknown_text(_internal(exc)), UNKNOWN_EXIT
    env.stdout.write(text)
    env.stdout.flush()
    return code


def check_options(*, manifest_path: str, warning: str | None, critical: str | None,
                  timeout: float, verbose: int, perfdata_urls: bool,
                  connect: tuple[str, ...], token_file: str | None) -> CheckOptions:
    """The parsed command line (:func:`probe.check.args.parse`) as options; raises
    :class:`UsageError` for a bad threshold or timeout."""
    return CheckOptions(
        manifest_path=manifest_path, thresholds=parse_thresholds(warning, critical),
        timeout=check_timeout(timeout), verbose=verbose, perfdata_urls=perfdata_urls,
        connect=connect, token_file=token_file,
    )


def command(**values: Any) -> NoReturn:
    """``probe check`` once its arguments are parsed (:mod:`probe.check.args`): check the
    thresholds, run, exit."""
    try:
        options = check_options(**values)
    except UsageError as exc:
        sys.stdout.write(unknown_text(str(exc)))
        exit_now(UNKNOWN_EXIT)
    exit_now(main(options))
