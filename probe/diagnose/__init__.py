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

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any, cast

from probe.apache.names import vhost_of
from probe.deploy_time import RestartCutoffs, as_cutoffs
from probe.diagnose.front_terms import in_front_terms
from probe.diagnose.identify import SweepContext
from probe.diagnose.prefix_middleware import with_code
from probe.diagnose.sweep_findings import INTERNAL_ERROR, error_words, findings_across
from probe.diagnose.verdicts import diagnose_target, read_as_absent
from probe.diagnose.wording import Diagnosis, catch_all_vhost
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Manifest
from probe.model import (
    Candidate,
    Cause,
    Evidence,
    Finding,
    FrontKind,
    Observation,
    Report,
    Sample,
    Status,
    TargetResult,
    Verdict,
)
from probe.safe_text import prose
from probe.wire import literal_address

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin


__all__ = [
    "INTERNAL_ERROR",
    "ConfigJoin",
    "Diagnosis",
    "SweepContext",
    "catch_all_vhost",
    "diagnose",
    "diagnose_target",
    "vhost_of",
]


def __getattr__(name: str) -> object:
    """``ConfigJoin``, imported when first asked for: the join of a front's configuration
    (with the configuration interface, probe.front) is no part of a sweep without one, such
    as every ``probe check``."""
    if name == "ConfigJoin":
        from probe.diagnose.config_join import ConfigJoin

        return ConfigJoin
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_HOST_WORDED = (Verdict.HOST_MISMATCH, Verdict.WRONG_INSTANCE)
"""The verdicts whose Host words :mod:`.proxy_chain` may put at a chain's inner proxy."""


def diagnose(
    manifest: Manifest,
    observations: Sequence[Observation],
    *,
    restarted_after: datetime | RestartCutoffs | None = None,
    duration_s: float = 0.0,
    interrupted: bool = False,
    unprobed: int = 0,
    config: ConfigJoin | None = None,
    probed: Mapping[str, Sample] | None = None,
    token_sent: bool = False,
) -> Report:
    """The whole report: one TargetResult per observation, then cross-URL findings.

    ``config``: the front's configuration (``--config``), joined to each answer;
    ``probed``: the answers to the extra requests (:mod:`.discriminate`); ``token_sent``:
    they carried the probe's token."""
    context = SweepContext(manifest, observations, probed, token_sent=token_sent)
    if config is not None and config.front.front is FrontKind.APACHE:
        # behind another front the URL's port is that front's: route by what arrived
        from probe.diagnose.arrived import through_fronts

        config = through_fronts(config, observations)
    # nginx's join is its own (probe.diagnose.front_terms); Apache's is probe.diagnose.join.
    apache_join = config if config is not None and config.front.front is not FrontKind.NGINX \
        else None
    cutoffs = as_cutoffs(restarted_after)
    # Thousands of URLs get a handful of distinct diagnoses, explanations and pid sets: each
    # is kept once, not once per URL (what a sweep of a million URLs holds; probe.compact).
    # A diagnosis is frozen, so an equal one is the same to every reader.
    kept: dict[object, Any] = {}
    diagnoses = [_once(_diagnosed(obs, context, cutoffs, apache_join), kept)
                 for obs in observations]
    try:
        joined = diagnoses
        diagnoses = in_front_terms(observations, diagnoses, context,
                                   config.front if config is not None else None,
                                   config.findings if config is not None else None)
        if apache_join is not None:  # the host and mount fixes through mod_proxy, at lines
            from probe.diagnose.express_behind import kept as express_kept
            from probe.diagnose.join_proxy_fixes import proxied

            diagnoses = [proxied(obs, express_kept(obs, j, d, apache_join.front), apache_join.front,
                                 context)
                         for obs, j, d in zip(observations, joined, diagnoses, strict=True)]
        if any(d.verdict in _HOST_WORDED for d in diagnoses):  # a Host rewritten after hop 1
            from probe.diagnose.proxy_chain import chained

            diagnoses = [chained(obs, d, config.front if config is not None else None,
                                 config.findings if config is not None else {})
                         for obs, d in zip(observations, diagnoses, strict=True)]
        if config is not None and any(d.cause is Cause.UPSTREAM_DOWN for d in diagnoses):
            from probe.diagnose.closed_behind import closed_on_purpose  # nginx's 444 behind

            diagnoses = [closed_on_purpose(obs, d, config.front, manifest.refuse_statuses)
                         for obs, d in zip(observations, diagnoses, strict=True)]
        if config is not None:  # which site's certificate a TLS failure met, at its line
            from probe.diagnose.certificate_words import configured
            from probe.diagnose.stale_members import member_lines

            diagnoses = [member_lines(obs, configured(obs, d, context, config.front),
                                      context, config.front)
                         for obs, d in zip(observations, diagnoses, strict=True)]
            from probe.diagnose import cache_config  # a stored answer: the cache's lines

            diagnoses = [cache_config.configured(obs, d, config.front, config.findings,
                                                  context)
                         for obs, d in zip(observations, diagnoses, strict=True)]
        # last: a fix that names the middleware prints it, after every sentence
        diagnoses = [with_code(d, obs) for obs, d in zip(observations, diagnoses, strict=True)]
        failed_wording: Exception | None = None
    except Exception as exc:  # a bug some answer set off: the verdicts stand, worded plainly
        failed_wording = exc
    segment = manifest.probe.segment
    results = tuple(_result(obs, d, kept, segment)
                    for obs, d in zip(observations, diagnoses, strict=True))
    del diagnoses, kept  # before the findings: they look at every result, not at these
    findings = findings_across(observations, results, context, cutoffs, config, apache_join)
    if failed_wording is not None:
        findings += (Finding(INTERNAL_ERROR, Status.WARNING, (), (
            f"The explanations could not be put in the front server's terms "
            f"({error_words(failed_wording)}); each URL's verdict stands.")),)
    findings = tuple(f if f.explanation.isprintable() else
                     dataclasses.replace(f, explanation=prose(f.explanation)) for f in findings)
    return Report(results, findings, duration_s=duration_s, interrupted=interrupted,
                  unprobed=unprobed)


def _diagnosed(obs: Observation, context: SweepContext, cutoffs: RestartCutoffs,
               config: ConfigJoin | None) -> Diagnosis:
    """The URL's diagnosis; if diagnosing what it answered fails (a bug, set off by a hostile
    answer), a bad_answer verdict for that URL alone, rather than no sweep at all."""
    try:
        diagnosis = diagnose_target(obs, context, cutoffs)
        if config is not None:  # the join's fixes end with the restart their edit needs
            from probe.diagnose.bound_in_file import bound_in_file
            from probe.diagnose.config_reload import apache_ended
            from probe.diagnose.join import join

            joined = bound_in_file(join(obs, diagnosis, context, config), config.front, obs)
            diagnosis = apache_ended(diagnosis, joined, obs, context, config.front,
                                     at_only=False)
            from probe.diagnose.join_wording import asks_spent, python_path_line

            diagnosis = asks_spent(diagnosis, python_path_line(config.front))  # it was read
        return diagnosis
    except Exception as exc:
        return Diagnosis(
            Verdict.BAD_ANSWER,
            explanation=(f"{obs.target.url}: what it answered could not be diagnosed "
                         f"({error_words(exc)}); the other URLs are diagnosed as usual."),
            fix=("This is a wsgi-probe bug that this URL's answer sets off: run the sweep "
                 "with -v to see the answers, and report it with them."))


def _once(diagnosis: Diagnosis, kept: dict[object, Any]) -> Diagnosis:
    """The one diagnosis kept for each distinct one (equal fields, equal everywhere)."""
    # Keyed by its fields as a tuple (compared in C), not by itself (its generated __eq__
    # and __hash__ in Python): what a Diagnosis's equality compares.
    try:
        once: Diagnosis = kept.setdefault((Diagnosis, _fields(diagnosis)), diagnosis)
    except TypeError:  # a list where a tuple belongs: no harm to the verdict, only not shared
        return diagnosis
    return once


_fields = attrgetter(*(f.name for f in dataclasses.fields(Diagnosis)))


def _result(obs: Observation, diagnosis: Diagnosis, kept: dict[object, Any],
            segment: str) -> TargetResult:
    samples = obs.samples
    last = samples[-1] if samples else None
    # One pass, no generators: this runs for every URL (one sample, in a usual sweep).
    pids: set[int] = set()
    elapsed_ms = 0.0 if not samples else samples[0].elapsed_ms
    cache: dict[str, None] = {}
    servers: dict[str, None] = {}
    vias: dict[str, None] = {}
    address = None
    kinds: dict[tuple[str | None, ...], EndpointAnswer] = {}
    for sample in samples:
        if sample.endpoint and sample.endpoint.pid:
            pids.add(sample.endpoint.pid)
        if (answer := sample.trusted_answer) is not None:
            kinds.setdefault((answer.label, answer.process_group, answer.application_group,
                              answer.settings), answer)
        if sample.elapsed_ms > elapsed_ms:  # max()'s comparison: the first of equal ones
            elapsed_ms = sample.elapsed_ms
        for line in sample.cache:
            cache.setdefault(line)
        if sample.server:
            servers.setdefault(sample.server)
        if sample.via:
            vias.setdefault(sample.via)
        address = sample.address or address  # the last one given
    held = tuple(sorted(pids))
    said = read_as_absent(obs, segment)  # optional fields of the wrong type: said once
    return TargetResult(
        url=obs.target.url,
        expected=obs.target.expected,
        verdict=diagnosis.verdict,
        cause=diagnosis.cause,
        explanation=_said(diagnosis.explanation, kept),
        fix=_said(diagnosis.fix, kept),
        observed=last.endpoint if last else None,
        status_code=last.status_code if last else None,
        samples=len(samples),
        elapsed_ms=round(elapsed_ms, 3),
        answered_by=diagnosis.answered_by,
        pids=kept.setdefault(held, held),
        cache_headers=tuple(cache),
        # An IP in the URL is its address even when nothing answered to say so.
        address=obs.target.address or address or literal_address(obs.target.url),
        server_headers=_kept_tuple("server", servers, kept),
        via_headers=_kept_tuple("via", vias, kept),
        evidence=_evidence(diagnosis.evidence + said) if diagnosis.evidence or said else (),
        candidates=_candidates(diagnosis.candidates) if diagnosis.candidates else (),
        answered=tuple(kinds.values()),
    )


def _kept_tuple(what: str, values: dict[str, None], kept: dict[object, Any]) -> tuple[str, ...]:
    """``tuple(values)``, one tuple per distinct one in the sweep: thousands of URLs carry
    the same Server header, and a tuple per URL would cost a sweep of a million 50 MiB."""
    if not values:
        return ()
    both = tuple(values)
    return cast("tuple[str, ...]", kept.setdefault((what, both), both))


# The last guard on the words (probe.safe_text.prose): whatever an answer's field reached them
# through, no control or bidi character leaves in an explanation, fix, evidence or check.
def _said(text: str, kept: dict[object, Any]) -> str:
    """``prose(text)``, once per distinct text of the sweep (kept under the text itself)."""
    said = kept.get(text)
    if said is None:
        said = kept[text] = prose(text)
    return cast("str", said)


def _evidence(evidence: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    for item in evidence:
        if not (item.claim.isprintable() and item.source.isprintable()):
            return tuple(Evidence(e.kind, prose(e.claim), prose(e.source)) for e in evidence)
    return evidence


def _candidates(candidates: tuple[Candidate, ...]) -> tuple[Candidate, ...]:
    if all(c.check.isprintable() for c in candidates):
        return candidates
    return tuple(Candidate(c.cause, prose(c.check)) for c in candidates)
