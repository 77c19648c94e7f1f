"""The configuration join of requests that timed out at a balancer (``--config`` given): the
members its group lists (``file:line``) and which of them the other samples' answers came
from.

A re-tester's nginx passed a URL to three members, one taking 1.5 s per request; the words
listed the servers that answered and missed the slow one, which answered nothing. A
timed-out request got no answer, so nothing says which member it went to: the members the
configuration lists that none of the answers came from are named first, as the place to
look, and a sweep of each member's own address as the check that tells which is slow.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from probe.diagnose.answer_names import joined
from probe.diagnose.fronts import listening, same_listen
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.errors import ErrorKind
from probe.front import FrontConfig, FrontKind, Member, PredictedRoute
from probe.model import Evidence, EvidenceKind, Observation

if TYPE_CHECKING:
    from probe.diagnose.identify import SweepContext

_GROUP = re.compile(r"\(upstream (\S+) at ([^)\s]+)\)|<Proxy (balancer://[^>\s]+)>")
_ANSWERS_ALONE = " The answers at "
"""Where the answers-alone words of the servers behind the address begin
(:func:`probe.diagnose.timeout_queue.timeout_fix`): the configuration's replace them."""


def timed_out_members(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
                      front: FrontConfig) -> Diagnosis:
    """``diagnosis`` of a URL some of whose requests timed out, with the members of the
    balancer the route passes it to; unchanged where the route has no such group."""
    if not any(s.error_kind is ErrorKind.TIMEOUT for s in obs.samples):
        return diagnosis
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    route = front.route(obs.target.probe_url(context.manifest.probe.segment), address)
    step = route.step("upstream") or route.step("proxy")
    live = [m for m in route.members if not m.backup and not m.down]
    if route.undecided is not None or step is None or step.source is None or len(live) < 2:
        return diagnosis
    reached = [a for s in obs.samples if (a := s.trusted_answer) is not None]
    found = _GROUP.search(step.rule)
    group = (f"upstream {found.group(1)} ({found.group(2)})" if found and found.group(1)
             else found.group(3) if found else f"the group at {step.source}")
    listed = joined([_member(m) for m in live])
    words = f"The configuration given passes it to {group}, members {listed}"
    answered, silent = _split(reached, live)
    if answered is None:
        words += (": an answer that does not say where it listens (server.listen null) may be "
                  "any member's, so which members answered the other samples is not told.")
    elif silent:
        words += (f". The other samples were answered by {joined(answered)}; none by "
                  f"{joined([_member(m) for m in silent])}.")
    else:
        words += f". Every member answered some of the other samples ({joined(answered)})."
    where = joined([m.address for m in (silent or live)])
    own = "its" if len(silent) == 1 else "each member's"
    fix = (diagnosis.fix or "").split(_ANSWERS_ALONE, 1)[0]
    fix += (" The timed-out requests got no answer, so the answers cannot tell which member "
            "they went to" + (f"; start with {'the one' if len(silent) == 1 else 'those'} "
                               f"none of the answers came from" if silent else "")
            + f": a sweep of {own} own address "
              f"(--connect {where}) tells which is slow.")
    evidence = (*diagnosis.evidence, Evidence(EvidenceKind.CONFIGURED, step.rule,
                                              str(step.source)),
                *(Evidence(EvidenceKind.CONFIGURED, _line(route, m), str(m.source))
                  for m in live if m.source is not None))
    return dataclasses.replace(diagnosis, explanation=f"{diagnosis.explanation} {words}",
                               fix=fix, evidence=evidence)


def _line(route: PredictedRoute, member: Member) -> str:
    return (f"server {member.line}" if route.front is FrontKind.NGINX else
            f"BalancerMember {member.address}")


def _member(member: Member) -> str:
    return member.address + (f" ({member.source})" if member.source else "")


def _split(reached: list[EndpointAnswer],
           members: list[Member]) -> tuple[list[str] | None, list[Member]]:
    """The members the answers came from (as the answers say where they listen), and the
    members none came from; None where an answer does not say where it listens."""
    said: dict[str, None] = {}
    matched: set[str] = set()
    for answer in reached:
        at = listening(answer)
        if at is None:
            return None, []
        member = [m for m in members if same_listen(m.address, at.address)]
        matched.update(m.address for m in member)
        field = f"{at.field} {at.value}"
        said[f"{member[0].address} ({field})" if len(member) == 1 else field] = None
    return list(said), [m for m in members if m.address not in matched]
