"""The decision tree: which verdict a URL's samples earn, in order of what outranks what.

A URL that no request reached is ``unreachable`` before anything else is looked at; a 5xx
outranks an answer that is not the endpoint; samples that disagree outrank any one answer's
verdict. Causes are weighed in :mod:`probe.diagnose.causes`, imported (with
:mod:`.causes_sharing` and :mod:`.causes_site`) where a problem needs it: an ok URL, what most
checks see, needs none of their wording.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import cast
from urllib.parse import urlsplit

from probe import answer_types
from probe.apache.names import vhost_of
from probe.deploy_time import RestartCutoffs, as_cutoffs
from probe.diagnose import (
    causes_runtime,
    causes_tls,
    redirected,
    script_rerun,
    server_errors,
    stale_verdict,
    unreachable_words,
    wording,
)
from probe.diagnose.answer_names import distinct_by, places
from probe.diagnose.disagreement import disagreement as disagreement_of
from probe.diagnose.discriminate import certificate_failed, certificate_only, refuse_key
from probe.diagnose.identify import SweepContext
from probe.diagnose.sentences import then
from probe.diagnose.timeout_queue import timeout_fix
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.errors import ErrorKind
from probe.manifest import ANY_INSTANCE
from probe.model import Evidence, EvidenceKind, Liveness, Observation, Sample, Verdict


def diagnose_target(
    obs: Observation, context: SweepContext,
    restarted_after: datetime | RestartCutoffs | None = None,
) -> Diagnosis:
    samples = obs.samples
    if not samples:
        return Diagnosis(Verdict.UNREACHABLE, explanation="no request was made (sweep interrupted)")
    if obs.target.expected is None:
        return _diagnose_refused(obs, context)
    failed = [s for s in samples if s.status_code is None]
    if failed:
        # How many requests the sweep had in flight there decides the timeout's words.
        waited = timeout_fix(obs, context) if any(
            s.error_kind is ErrorKind.TIMEOUT for s in failed) else None
        if any(s.error_kind is ErrorKind.CLOSED for s in failed):
            from probe.diagnose.closed import answered_by_expected, closed_elsewhere_answered

            found = unreachable_words.unreachable(failed, len(samples), samples,
                                                  answered_by_expected(obs, context), waited)
            if all(s.error_kind is ErrorKind.CLOSED for s in failed):
                found = closed_elsewhere_answered(obs, found, context)
            return found
        found = unreachable_words.unreachable(failed, len(samples), samples,
                                              timed_out=waited)
        if certificate_failed(obs):  # which certificate, shown to a request sent to decide
            from probe.diagnose.certificate_words import presented

            found = presented(obs, found, context)
        return found
    server_errors = [s for s in samples if s.status_code is not None and s.status_code >= 500]
    if server_errors:
        return _http_error(obs, server_errors[-1], context)
    misdirected = causes_tls.misdirected(obs)
    if misdirected is not None:
        return misdirected
    not_endpoint = [s for s in samples if s.endpoint is None]
    if not_endpoint:
        probe_url = obs.target.probe_url(context.manifest.probe.segment)
        return redirected.without_route(obs, wording.no_endpoint(
            probe_url, not_endpoint[-1], token_sent=context.token_sent), context)
    untrusted = _untrusted(obs, context)
    if untrusted:
        return untrusted
    answers = [s.endpoint for s in samples if s.endpoint is not None]
    disagreement = disagreement_of(obs, answers, context)
    if disagreement:
        return disagreement
    cutoffs = restarted_after if isinstance(restarted_after, RestartCutoffs) \
        else as_cutoffs(restarted_after)
    verdict = _diagnose_answer(obs, answers, context, cutoffs)
    instance = context.manifest.instances.get(obs.target.expected or "")
    if verdict.verdict is not Verdict.OK or instance is None:
        return verdict
    return causes_runtime.runtime_problem(obs, answers, instance, context) or \
        _groups_seen(verdict, answers)


def _groups_seen(verdict: Diagnosis, answers: Sequence[EndpointAnswer]) -> Diagnosis:
    """An ok verdict whose answers ran in process or application groups the manifest does
    not declare, and differ in them (a pool mixing mod_wsgi with other servers): said, not a
    disagreement."""
    if len(answers) < 2:
        return verdict
    groups = distinct_by(answers, lambda a: (a.process_group, a.application_group))
    if len(groups) < 2:
        return verdict
    seen = "; ".join(f"process_group {pg!r}, application_group {ag!r} at {places(group)}"
                     for (pg, ag), group in groups.items())
    return dataclasses.replace(verdict, explanation=(
        then(verdict.explanation, f"The samples ran in different groups, which the manifest "
             f"does not declare for this instance ({seen}): same label and settings, so not a "
             f"disagreement (declare process_group or application_group to have them "
             f"checked)")))


def _diagnose_answer(
    obs: Observation,
    answers: Sequence[EndpointAnswer],
    context: SweepContext,
    cutoffs: RestartCutoffs,
) -> Diagnosis:
    """The verdict of answers that agree on who they are (:func:`_disagreement`): who
    answered is read from the last; the start of every one is judged."""
    answer = answers[-1]
    expected = obs.target.expected
    answered_by = context.identify(answer, expected)
    shown = context.display_name(answer, expected)
    # The answering instance's own deploy time (it is the expected one where that matters).
    cutoff = cutoffs.of(answered_by)
    # A script run again in an old process reads a new code.version over old modules.
    stale = stale_verdict.stale(answers, cutoff, shown, obs.target.url,
                   context.manifest.instances.get(answered_by or "")) or \
        script_rerun.stale(answers, cutoff, shown, obs.target.url)
    if expected == ANY_INSTANCE:
        # Any instance may answer a command-line URL, but old code may not.
        if stale:
            return stale
        return _answered(answer, shown, context)
    assert expected is not None
    if answered_by != expected:
        from probe.diagnose import causes

        near = context.near_miss(answer, expected)
        if near is not None:
            return causes.near_miss(obs, answer, near, shown, context)
        return causes.wrong_instance(obs, answer, shown, context)
    if stale:
        return stale
    instance = context.manifest.instances[expected]
    if instance.settings is not None and answer.settings != instance.settings:
        from probe.diagnose import causes

        return causes.settings_mismatch(obs, answer, instance, context)
    if any(a.settings_file for a in answers):  # the right name, another project's file?
        from probe.diagnose.settings_file import foreign, settings_path

        found = foreign(answers, expected, context)
        if found is not None:
            return settings_path(obs, found, expected, shown, context)
    return _answered(answer, shown, context)


def _answered(answer: EndpointAnswer, shown: str, context: SweepContext) -> Diagnosis:
    """The ok diagnosis, one per name, pid and group (what its words read): most URLs'."""
    kept = cast("dict[tuple[str, int | None, str | None], Diagnosis]",
                context.memo.setdefault(("answered", ""), {}))
    key = (shown, answer.pid, answer.process_group)
    found = kept.get(key)
    if found is None:
        found = kept[key] = wording.answered(shown, wording.who(answer, shown))
    return found


def _diagnose_refused(obs: Observation, context: SweepContext,
                      *, unverified: bool = False) -> Diagnosis:
    url = obs.target.url
    again = context.probed.get(refuse_key(obs)) if not unverified and \
        certificate_only(obs) else None
    if again is not None:
        # The certificate cannot name the host (.invalid) or does not: what the server does
        # with the name shows in the answer to the request sent without its checks.
        found = _diagnose_refused(Observation(obs.target, (again,)), context, unverified=True)
        sent = (f"GET {obs.target.probe_url(context.manifest.probe.segment)} sent again "
                f"without certificate checks, so without the token")
        got = (f"HTTP {again.status_code}" if again.status_code is not None else
               again.error or "no answer")
        why = (f"{len(obs.samples)} of {len(obs.samples)} requests failed in TLS on the "
               f"certificate's names ({obs.samples[-1].error}), which say nothing of whether "
               f"the server refuses the name: judged by the {sent}, answered {got}")
        return dataclasses.replace(found, explanation=then(found.explanation, f"{why}."),
                                   evidence=(*found.evidence,
                                             Evidence(EvidenceKind.PROBED, f"answered {got}",
                                                      sent)))
    if again is None and not unverified and certificate_only(obs):
        host = urlsplit(url).hostname or ""
        cut = unreachable_words.unreachable(obs.samples, len(obs.samples))
        return dataclasses.replace(cut, fix=(
            f"The certificate does not name {host!r} (no certificate can name a .invalid "
            f"host), which says nothing of whether the server refuses it: let the request "
            f"sent again without certificate checks (and without the token) run (no "
            f"--no-extra-probes), or check by hand: curl -k https://{host}/ at this address "
            f"should get one of the refusal statuses."))
    statuses = context.manifest.refuse_statuses
    served = [s.endpoint for s in obs.samples if s.endpoint is not None]
    untrusted = _untrusted(obs, context) if served else None
    if untrusted:
        return untrusted
    if served:
        from probe.diagnose import causes_sharing, causes_site

        answer = served[-1]
        shown = context.display_name(answer)
        rewritten = causes_sharing.host_rewritten(url, answer, wording.who(answer, shown),
                                                  shown, None)
        if rewritten is not None:
            return rewritten
        vhost = vhost_of(answer.application_group)
        return causes_site.other_site(obs, answer, wording.who(answer, shown), shown,
                                      vhost or "", context, swallowed=False)
    for sample in obs.samples:
        refused = sample.error_kind is ErrorKind.CLOSED or sample.status_code in statuses \
            or wording.name_refused_in_tls(sample)
        if refused:
            continue
        if sample.status_code is None:
            # Every request that got no answer, not just this one: "1 of 2 failed" was said
            # when both had.
            failed = [s for s in obs.samples
                      if s.status_code is None and s.error_kind is not ErrorKind.CLOSED
                      and not wording.name_refused_in_tls(s)]
            return unreachable_words.unreachable(failed, len(obs.samples))
        if sample.status_code >= 500:
            return _http_error(obs, sample, context)
        return wording.not_refused(url, sample, statuses)
    return wording.refused(obs.samples)


def _untrusted(obs: Observation, context: SweepContext) -> Diagnosis | None:
    """``bad_answer`` or ``not_live``: an answer that cannot say who serves the URL.

    A broken answer outranks liveness (its nonce field may be the broken one); a
    forged signature outranks a stale nonce.
    """
    # The last of each kind, in one pass (every URL passes here).
    bad: EndpointAnswer | None = None
    forged: Sample | None = None
    cached: Sample | None = None
    for sample in obs.samples:
        answer = sample.endpoint
        if answer is None:
            continue
        if answer.problems:
            bad = answer
        if sample.liveness is Liveness.FORGED:
            forged = sample
        elif sample.liveness is Liveness.CACHED:
            cached = sample
    if bad is not None:
        return wording.bad_answer(obs.target.probe_url(context.manifest.probe.segment), bad)
    if forged is not None:
        return wording.not_live(obs.target.url, forged)
    if cached is not None:  # in the words of the cache its headers name
        from probe.diagnose.cached import cached as cached_words

        return cached_words(obs, cached, context)
    return None


def _http_error(obs: Observation, sample: Sample, context: SweepContext) -> Diagnosis:
    from probe.diagnose import causes

    suspect = causes.leak_suspect(obs, context)
    answer, name = suspect if suspect else (None, "")
    return server_errors.http_error(obs, sample, answer, name, context)


def read_as_absent(obs: Observation, segment: str) -> tuple[Evidence, ...]:
    """The URL's answers' optional fields of the wrong type, read as absent
    (:mod:`probe.answer_types`): one observed item, each field said once; none without."""
    # Runs for every URL of a sweep: nearly all have none, found without a call.
    notes = [s.endpoint.ignored for s in obs.samples if s.endpoint and s.endpoint.ignored]
    absent = answer_types.read_as_absent(notes) if notes else None
    return () if absent is None else (
        Evidence(EvidenceKind.OBSERVED, absent, f"GET {obs.target.probe_url(segment)}"),)
