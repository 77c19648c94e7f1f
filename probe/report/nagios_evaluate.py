"""``probe check``'s judgement of a finished sweep: thresholds, state, and the words.

Pure: a Report and the options in, a :class:`PluginOutput` out (rendered by
:mod:`probe.report.nagios`). States, following the Monitoring Plugins Development
Guidelines:

- the number of problem URLs is checked against ``-w``/``-c`` ranges in the
  standard ``[@][start:][end]`` syntax (nagiosplugin's Range). Without either,
  any problem URL is CRITICAL (critical range ``0``); with only ``-w``, problem
  URLs are at most WARNING;
- a warning-severity finding makes the state at least WARNING, a
  critical-severity one CRITICAL;
- unreachable URLs, DNS failures and per-request timeouts are problem URLs,
  so CRITICAL: the guidelines say such "higher-level errors" are not UNKNOWN;
- UNKNOWN (3) means the plugin could not check (see :mod:`probe.check.plugin`).

The options and the ``-w``/``-c`` thresholds are :mod:`probe.check.options` (re-exported
here), apart so that an UNKNOWN before the sweep needs none of this module.
"""

from __future__ import annotations

from collections.abc import Sequence

from probe.addresses import is_fleet
from probe.check.options import DEFAULT_CRITICAL as DEFAULT_CRITICAL
from probe.check.options import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from probe.check.options import SWEEP_MARGIN as SWEEP_MARGIN
from probe.check.options import CheckOptions as CheckOptions
from probe.check.options import Thresholds as Thresholds
from probe.check.options import check_timeout as check_timeout
from probe.check.options import parse_range as parse_range
from probe.check.options import parse_thresholds as parse_thresholds
from probe.check.options import sweep_deadline
from probe.manifest import Manifest
from probe.model import Finding, Report, Status, TargetResult, Verdict
from probe.report.counts import noun as counted
from probe.report.counts import several_addresses, urls_at
from probe.report.nagios import (
    ROUTING_VERDICTS,
    Perfdatum,
    PluginOutput,
    fleet_key,
    problem_phrase,
    target_line,
    url_labels,
)
from probe.urls import public_url

STATUS_LINE_PROBLEMS = 3
"""Problem URLs named on the status line at verbosity 0 (it should stay short: pagers cut it)."""

FIXED_LABELS = ("urls", "ok", "problems", "time")


def unknown(message: str) -> PluginOutput:
    return PluginOutput(Status.UNKNOWN, message)


def evaluate(report: Report, options: CheckOptions, *, elapsed: float | None = None,
             manifest: Manifest | None = None) -> PluginOutput:
    """The plugin's answer for a finished sweep."""
    if report.interrupted:
        return unknown("sweep interrupted before it finished")
    if not report.targets:
        return unknown(f"no URL was probed before the time limit ({_urls(report.unprobed)} "
                       f"not sent)" if report.unprobed else "the sweep probed no URLs")
    for_problems = options.thresholds.status(len(report.problems))
    # URLs never asked are no problem found, but the check did not finish: UNKNOWN, unless a
    # problem it did find says more.
    status = _worst(for_problems, *(f.severity for f in report.findings),
                    *((Status.UNKNOWN,) if report.unprobed else ()))
    summary = _summary(report, names=None if options.verbose >= 1 else STATUS_LINE_PROBLEMS)
    if report.unprobed:
        sent = "it was" if report.unprobed == 1 else "they were"
        summary += (f"; {_urls(report.unprobed)} not probed: the time limit (-t) ran out "
                    f"before {sent} sent")
    perfdata = _perfdata(report, options, elapsed if elapsed is not None else report.duration_s)
    lines = _long_output(report, options, status_for_problems=for_problems, manifest=manifest)
    return PluginOutput(status, summary, tuple(perfdata), tuple(lines))


_PRECEDENCE = (Status.OK, Status.UNKNOWN, Status.WARNING, Status.CRITICAL)
"""A problem found outranks a part we could not judge: CRITICAL > WARNING > UNKNOWN > OK."""


def _urls(number: int) -> str:
    return f"{number} URL" if number == 1 else f"{number} URLs"


def _worst(*states: Status) -> Status:
    return max(states, key=_PRECEDENCE.index)


_WORDS = {Verdict.WRONG_INSTANCE: "misrouted", Verdict.SERVED_UNMAPPED: "misrouted",
          Verdict.SETTINGS_MISMATCH: "on other settings",
          Verdict.INCONSISTENT: "answered inconsistently"}
"""What the status line calls URLs of these verdicts: a settings_mismatch is served by the
right instance, not misrouted (re-tester R26: "2 of 5 URLs misrouted" for settings_path)."""


def _problem_word(problems: Sequence[TargetResult]) -> str:
    """The problems' verdicts in words: each kind once, "failing" where any is not one of
    :data:`ROUTING_VERDICTS` (reaching nothing, or an error)."""
    # One loop, no generator: the resident checker's warm-up runs this with a failing URL
    # among its problems, and a check of misroutes alone must run nothing it did not.
    words: dict[str, None] = {}
    for problem in problems:
        if problem.verdict not in ROUTING_VERDICTS:
            return "failing"
        words.setdefault(_WORDS.get(problem.verdict, "misrouted"))
    return " or ".join(words)


def _summary(report: Report, *, names: int | None) -> str:
    total = len(report.targets)
    problems = report.problems
    if not problems:
        text = _all_ok(report)
    else:
        word = _problem_word(problems)
        shown = problems if names is None else problems[:names]
        # A fleet's targets are URLs at addresses: "1 of 6 targets (2 URLs at 3 addresses)".
        within = f" ({urls_at(report)})" if several_addresses(report) else ""
        text = f"{len(problems)} of {total} {counted(report, total)}{within} {word}: "
        addresses: dict[str, set[str | None]] = {}
        for target in report.targets:
            addresses.setdefault(target.url, set()).add(target.address)
        text += ", ".join(problem_phrase(p, at_address=len(addresses[p.url]) > 1) for p in shown)
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
        parts.append(f"{answered} {counted(report, answered)} answered by the expected instance")
    if refused:
        parts.append(f"{refused} {counted(report, refused)} refused as required")
    text = ", ".join(parts)
    return f"{text} ({urls_at(report)})" if several_addresses(report) else text


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
        # A URL probed at several addresses gets a label per address (stable, unique).
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
    # A URL probed at several addresses: each of its lines names the address it is about.
    fleet = is_fleet((t.url, t.address) for t in report.targets) if verbose >= 2 else set()
    if verbose >= 2:
        lines += [_ok_line(t, t.url in fleet) for t in report.targets if t.ok]
        if manifest is not None:
            probe = manifest.probe
            connect = ",".join(probe.connects) if len(probe.connects) > 1 else probe.connect
            lines.append(f"manifest {manifest.source}: connect={connect or 'DNS'} "
                         f"samples={probe.samples} request timeout={probe.timeout:g}s "
                         f"concurrency={probe.concurrency}; check timeout={options.timeout:g}s, "
                         f"sweep deadline={sweep_deadline(options.timeout):g}s")
    if verbose >= 3:
        for target in report.problems:
            raw = dict(target.observed.raw) if target.observed is not None else {}
            at = f" at {target.address}" if target.url in fleet and target.address else ""
            lines.append(f"observed at {public_url(target.url)}{at}: {raw!r}")
    return lines


def _finding_line(finding: Finding) -> str:
    instances = ", ".join(finding.instances)
    return f"{finding.severity.value.upper()}: {finding.code} ({instances}): {finding.explanation}"


def _ok_line(target: TargetResult, at_address: bool = False) -> str:
    url = public_url(target.url)
    if at_address and target.address:
        url += f" at {target.address}"
    if target.expected is None:
        code = f" (HTTP {target.status_code})" if target.status_code is not None else ""
        return f"OK: {url} refused{code} in {target.elapsed_ms:.1f} ms"
    who = target.answered_by or target.expected
    return f"OK: {url} answered by {who} in {target.elapsed_ms:.1f} ms"
