"""The ``stale`` verdict from start times: an answer whose process started before the deploy
time of the instance answering (``--restarted-after``, the manifest's ``restarted_after``).

Each distinct start is judged once (behind a balancer one backend of several may have missed
the restart); the processes are named as :mod:`.stale_words` says them (forked from one copy,
or each with its start), and the reload is the answering server's own (:mod:`.reload`).
"""

from __future__ import annotations

from collections.abc import Sequence

from probe.deploy_time import Cutoff
from probe.diagnose import stale_declared, stale_words, wording
from probe.diagnose.answer_names import distinct_by, place, share
from probe.diagnose.reload import reload_fix
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Instance


def stale(answers: Sequence[EndpointAnswer], cutoff: Cutoff | None,
          shown: str, url: str, instance: Instance | None = None) -> Diagnosis | None:
    """``stale`` when any answer's process started before the deploy: each distinct start
    judged once (behind a balancer one backend of several may have missed the restart)."""
    if cutoff is None:
        return None
    starts = distinct_by(answers, lambda a: a.started_at)
    old = [a for started_at, group in starts.items() if started_at is not None
           and (started := group[0].started) is not None and started < cutoff.moment
           for a in group]
    if not old:
        return None
    since = f"before {cutoff.moment.isoformat()} ({cutoff.source})"
    # Processes that run the declared version are not "old code" (T29's blue/green standby).
    want = stale_declared.declared(old, instance)
    said = stale_declared.running(old, want, instance) \
        if want is not None and instance is not None else None
    forked = stale_words.forked(url, shown, old, len(answers), since, said) \
        if len(starts) == 1 else None
    if forked is not None:
        explanation = forked
    elif len(old) == len(answers) and len({place(a) for a in old}) == 1:
        answer = old[-1]
        at = "" if len(answers) == 1 else f" (all {len(answers)} samples)"
        explanation = (f"{url} is served by {shown}: the instance answering, "
                       f"{place(answer)}{at}, started at {answer.started_at}, {since}"
                       + (said or ": old code is still serving after the deploy."))
    else:
        each = "; ".join(f"{place(group[0])} started at {started_at}"
                         for started_at, group in distinct_by(old, lambda a: a.started_at
                                                              ).items())
        explanation = (f"{url} is served by {shown}: {share(old, len(answers))} came "
                       f"from processes started {since} ({each})"
                       + (said or ": old code is still serving there after the deploy."))
    if said is not None:
        return wording.stale(explanation, shown, stale_declared.fix(old, cutoff))
    return stale_words.against_manifest(wording.stale(explanation, shown, reload_fix(old)),
                                        old, len(answers), instance)
