"""The decision tree: which verdict a URL's samples earn, in order of what outranks what.

A URL that no request reached is ``unreachable`` before anything else is looked at; a 5xx
outranks an answer that is not the endpoint; samples that disagree outrank any one answer's
verdict. Causes are weighed in :mod:`probe.diagnose.causes`, imported (with
:mod:`.causes_sharing` and :mod:`.causes_site`) where a problem needs it: an ok URL, what most
checks see, needs none of their wording.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from probe.apache.names import vhost_of
from probe.deploy_time import Cutoff, RestartCutoffs, as_cutoffs
from probe.diagnose import backends, causes_runtime, causes_tls, wording
from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.errors import ErrorKind
from probe.manifest import ANY_INSTANCE
from probe.model import Liveness, Observation, Sample, Verdict


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
        return wording.unreachable(failed, len(samples))
    server_errors = [s for s in samples if s.status_code is not None and s.status_code >= 500]
    if server_errors:
        return _http_error(obs, server_errors[-1], context)
    misdirected = causes_tls.misdirected(obs)
    if misdirected is not None:
        return misdirected
    not_endpoint = [s for s in samples if s.endpoint is None]
    if not_endpoint:
        probe_url = obs.target.probe_url(context.manifest.probe.segment)
        return wording.no_endpoint(probe_url, not_endpoint[-1])
    untrusted = _untrusted(obs, context)
    if untrusted:
        return untrusted
    answers = [s.endpoint for s in samples if s.endpoint is not None]
    disagreement = _disagreement(obs, answers, context)
    if disagreement:
        return disagreement
    cutoffs = restarted_after if isinstance(restarted_after, RestartCutoffs) \
        else as_cutoffs(restarted_after)
    verdict = _diagnose_answer(obs, answers[-1], context, cutoffs)
    instance = context.manifest.instances.get(obs.target.expected or "")
    if verdict.verdict is not Verdict.OK or instance is None:
        return verdict
    return causes_runtime.runtime_problem(obs, answers, instance, context) or verdict


def _diagnose_answer(
    obs: Observation,
    answer: EndpointAnswer,
    context: SweepContext,
    cutoffs: RestartCutoffs,
) -> Diagnosis:
    expected = obs.target.expected
    answered_by = context.identify(answer, expected)
    shown = context.display_name(answer, expected)
    # The answering instance's own deploy time (it is the expected one where that matters).
    stale = _stale(answer, cutoffs.of(answered_by))
    if expected == ANY_INSTANCE:
        # Any instance may answer a command-line URL, but old code may not.
        if stale:
            return wording.stale(stale, shown)
        return _answered(answer, shown, context)
    assert expected is not None
    if answered_by != expected:
        from probe.diagnose import causes

        near = context.near_miss(answer, expected)
        if near is not None:
            return causes.near_miss(obs, answer, near, shown, context)
        return causes.wrong_instance(obs, answer, shown, context)
    if stale:
        return wording.stale(stale, shown)
    instance = context.manifest.instances[expected]
    if instance.settings is not None and answer.settings != instance.settings:
        from probe.diagnose import causes

        return causes.settings_mismatch(obs, answer, instance, context)
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


def _diagnose_refused(obs: Observation, context: SweepContext) -> Diagnosis:
    url = obs.target.url
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
        refused = sample.error_kind is ErrorKind.CLOSED or sample.status_code in statuses
        if refused:
            continue
        if sample.status_code is None:
            # Every request that got no answer, not just this one: "1 of 2 failed" was said
            # when both had.
            failed = [s for s in obs.samples
                      if s.status_code is None and s.error_kind is not ErrorKind.CLOSED]
            return wording.unreachable(failed, len(obs.samples))
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
    dead = forged or cached
    return wording.not_live(obs.target.url, dead) if dead is not None else None


def _http_error(obs: Observation, sample: Sample, context: SweepContext) -> Diagnosis:
    from probe.diagnose import causes

    suspect = causes.leak_suspect(obs, context)
    answer, name = suspect if suspect else (None, "")
    return wording.http_error(obs.target.url, sample, answer, name)


def _disagreement(
    obs: Observation, answers: Sequence[EndpointAnswer], context: SweepContext
) -> Diagnosis | None:
    expected = obs.target.expected
    kinds: dict[tuple[str | None, ...], list[EndpointAnswer]] = defaultdict(list)
    for answer in answers:
        key = (context.identify(answer, expected), answer.label, answer.settings,
               answer.application_group, answer.process_group)
        kinds[key].append(answer)
    if len(kinds) < 2:
        return None
    groups = [
        (len(group), wording.who(group[0], context.display_name(group[0], expected)),
         group[0].settings)
        for group in kinds.values()
    ]
    found = wording.inconsistent(obs.target.url, len(answers), groups,
                                 context.display_name(answers[-1], expected))
    # Which process gave what, so one bad process can be told from a bad backend.
    seen = backends.processes_seen(answers)
    return dataclasses.replace(found, explanation=f"{found.explanation} {seen}")


def _stale(answer: EndpointAnswer, cutoff: Cutoff | None) -> str | None:
    started = answer.started
    if cutoff is None or started is None:
        return None
    if started >= cutoff.moment:
        return None
    return (
        f"the instance answering (pid {answer.pid}) started at {answer.started_at}, before "
        f"{cutoff.moment.isoformat()} ({cutoff.source}): old code is still serving after "
        f"the deploy."
    )
