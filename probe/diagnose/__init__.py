"""Diagnosis: observations + manifest -> a verdict, a cause and a fix per URL.

Pure functions, no I/O, so every verdict can be tested with hand-built
observations. The causes are the three classic misroutes of Apache/mod_wsgi
(see Graham Dumpleton, "Requests running in wrong Django instance under
Apache/mod_wsgi", 2012):

- alias_order: a shorter WSGIScriptAlias listed first swallows a sub-URL;
- environ_leak: ``os.environ.setdefault('DJANGO_SETTINGS_MODULE', ...)`` in a
  second sub interpreter of the same process keeps the first one's value;
- vhost_fallback: a host name no ServerName/ServerAlias matches is served by
  the first VirtualHost for that address and port.

Beyond them, daemon_group_unused: the right application (its label) answering from another
daemon process group than declared, or embedded (a VirtualHost without WSGIProcessGroup).

One module per job: :mod:`.identify` (which instance answered), :mod:`.verdicts` (the
decision tree), :mod:`.causes` (the evidence for each cause), :mod:`.wording` (explanations
and fixes; :mod:`.near_miss` for answers matching some declared fields), :mod:`.findings`
(what only shows across URLs).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from probe.apache.names import vhost_of
from probe.deploy_time import RestartCutoffs, as_cutoffs
from probe.diagnose.backends import backend_findings
from probe.diagnose.code_drift import code_drift_findings
from probe.diagnose.findings import cross_url_findings
from probe.diagnose.identify import SweepContext
from probe.diagnose.verdicts import diagnose_target
from probe.diagnose.wording import Diagnosis, catch_all_vhost
from probe.manifest import Manifest
from probe.model import Observation, Report, TargetResult

__all__ = [
    "Diagnosis",
    "SweepContext",
    "catch_all_vhost",
    "diagnose",
    "diagnose_target",
    "vhost_of",
]


def diagnose(
    manifest: Manifest,
    observations: Sequence[Observation],
    *,
    restarted_after: datetime | RestartCutoffs | None = None,
    duration_s: float = 0.0,
    interrupted: bool = False,
) -> Report:
    """The whole report: one TargetResult per observation, then cross-URL findings."""
    context = SweepContext(manifest, observations)
    cutoffs = as_cutoffs(restarted_after)
    results = tuple(
        _result(obs, diagnose_target(obs, context, cutoffs)) for obs in observations
    )
    findings = cross_url_findings(observations, results, context.identify)
    findings += backend_findings(results)
    findings += code_drift_findings(observations, context.identify)
    return Report(results, findings, duration_s=duration_s, interrupted=interrupted)


def _result(obs: Observation, diagnosis: Diagnosis) -> TargetResult:
    last = obs.last
    pids = tuple(sorted({s.endpoint.pid for s in obs.samples if s.endpoint and s.endpoint.pid}))
    return TargetResult(
        url=obs.target.url,
        expected=obs.target.expected,
        verdict=diagnosis.verdict,
        cause=diagnosis.cause,
        explanation=diagnosis.explanation,
        fix=diagnosis.fix,
        observed=last.endpoint if last else None,
        status_code=last.status_code if last else None,
        samples=len(obs.samples),
        elapsed_ms=round(max((s.elapsed_ms for s in obs.samples), default=0.0), 3),
        answered_by=diagnosis.answered_by,
        pids=pids,
        cache_headers=tuple(dict.fromkeys(line for s in obs.samples for line in s.cache)),
        address=obs.target.address or next(
            (s.address for s in reversed(obs.samples) if s.address), None),
    )
