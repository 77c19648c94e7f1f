"""The findings across URLs of one sweep: what only shows when its results are read together.

Each finder is pure and reads the observations and the URLs' results; this module runs them in
turn, so that a bug one hostile answer sets off in any of them becomes one ``internal_error``
warning and every URL's verdict still stands (the sweep's report is never lost to a finder).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from probe.deploy_time import RestartCutoffs
from probe.diagnose import script_rerun
from probe.diagnose.backends import backend_findings
from probe.diagnose.cache_front import cache_untested_findings
from probe.diagnose.code_drift import code_drift_findings
from probe.diagnose.doubled_slash import doubled_slash_findings
from probe.diagnose.findings import cross_url_findings
from probe.diagnose.forwarded_host import forwarded_host_findings
from probe.diagnose.identify import SweepContext
from probe.diagnose.mount_undecided import mount_undecided_findings
from probe.diagnose.scheme import scheme_findings
from probe.diagnose.settings_root import settings_root_findings
from probe.diagnose.token_leak_words import token_leak_findings
from probe.diagnose.zone_drift import time_zone_drift_findings
from probe.model import Finding, FrontKind, Observation, Status, TargetResult
from probe.safe_text import one_line

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin

INTERNAL_ERROR = "internal_error"
"""The finding when the findings across URLs could not be computed."""


def error_words(exc: Exception) -> str:
    """A bug's exception as one line of a report (a hostile answer may have set it off)."""
    return one_line(f"internal error {type(exc).__name__}: {exc}")


def findings_across(observations: Sequence[Observation], results: Sequence[TargetResult],
                    context: SweepContext, cutoffs: RestartCutoffs, config: ConfigJoin | None,
                    apache_join: ConfigJoin | None) -> tuple[Finding, ...]:
    """Every finder's findings, in the order the report lists them; ``config``: the front's
    configuration (``--config``), ``apache_join`` the same where the front is Apache."""
    findings: tuple[Finding, ...]
    try:
        findings = cross_url_findings(observations, results, context.identify,
                                      _group_line(apache_join), _group_line(apache_join, True),
                                      {name: inst.settings for name, inst
                                       in context.manifest.instances.items()})
        findings += backend_findings(results)
        findings += scheme_findings(observations, results,
                                    config.front if config is not None else None)
        findings += forwarded_host_findings(observations, results, config)
        findings += settings_root_findings(observations, results, context, config)
        findings += mount_undecided_findings(observations, results, context,
                                             config.front if config is not None else None)
        findings += doubled_slash_findings(observations, results, context,
                                           config.front if config is not None else None)
        findings += code_drift_findings(observations, context.identify, {
            name: inst.code_version for name, inst in context.manifest.instances.items()},
            config is not None and config.front.front is FrontKind.NGINX)
        findings += time_zone_drift_findings(observations, context.identify, {
            name: inst.time_zone for name, inst in context.manifest.instances.items()})
        findings += script_rerun.findings(observations, cutoffs, context.identify)
        findings += cache_untested_findings(observations, config)
        findings += token_leak_findings(observations, context, config)
        if config is not None:  # a balancer's member that answered none of its samples
            from probe.diagnose.dead_member import dead_member_findings

            findings += dead_member_findings(observations, config.front)
        if config is not None and config.front.front is FrontKind.NGINX:
            from probe.diagnose.nginx_names import default_only_findings

            findings += default_only_findings(results, config.front)
    except Exception as exc:  # a bug some answer set off: the URLs' verdicts still stand
        findings = (Finding(INTERNAL_ERROR, Status.WARNING, (), (
            f"The findings across URLs could not be computed ({error_words(exc)}); each URL's "
            f"verdict stands.")),)
    return findings


def _group_line(config: ConfigJoin | None,
                own: bool = False) -> Callable[[Observation], str | None] | None:
    """With Apache's --config: the line setting a URL's application group, for findings;
    ``own``: how a daemon group of its own is written for its application instead."""
    if config is None:
        return None
    from probe.diagnose.join_sharing import group_line, own_line

    return (lambda obs: own_line(config, obs)) if own else (lambda obs: group_line(config, obs))
