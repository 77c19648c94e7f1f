"""The nginx join of ``inconsistent``: one URL's answers, from different applications, joined
to the ``server`` lines of the upstream group its route passes to by the answer's
``server.listen`` (as :mod:`.join_proxy` does for Apache's ``BalancerMember`` lines).

Where every answer's ``server.listen`` is a member of that group, the configuration read
explains every answer: no other nginx is needed to say why they differ, and the member
lines the other application answered from are the cause (``wrong_upstream``), each with its
``file:line``. Where an answer's address is no member (or an answer says none), or one
member gave answers of both applications, the join decides nothing and the words of
:func:`probe.diagnose.disagreement.through_nginx` stand.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from typing import cast

from probe.diagnose.answer_names import joined, places
from probe.diagnose.fronts import listen, same_listen
from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.front import Member, PredictedRoute, RouteStep
from probe.model import Cause, Evidence, EvidenceKind, Observation

_GROUP = re.compile(r"\(upstream (\S+) at ([^)\s]+)\)")
"""The group's name and where it is declared, as the route's upstream step writes them."""


def _member_of(members: Sequence[Member], answer: EndpointAnswer) -> Member | None:
    at = listen(answer)
    return next((m for m in members if at and same_listen(m.address, at)), None)


def _quoted(member: Member) -> str:
    return f"'server {member.line};' ({member.source})"


Routes = Callable[[Observation], PredictedRoute | None]
"""The route the configuration predicts for a URL of the sweep."""


def member_cause(obs: Observation, diagnosis: Diagnosis, route: PredictedRoute | None,
                 context: SweepContext, routes: Routes | None = None) -> Diagnosis | None:
    """``wrong_upstream`` at the member lines another application answered from; None where
    the answers do not all come from members of the group the route passes to. ``routes``:
    the other URLs' routes, to see whether the group is also another application's."""
    upstream = route.step("upstream") if route is not None else None
    expected = obs.target.expected
    if route is None or upstream is None or not route.members or expected is None:
        return None
    answers = [a for s in obs.samples if (a := s.trusted_answer) is not None]
    right: dict[Member, list[EndpointAnswer]] = {}
    wrong: dict[Member, list[EndpointAnswer]] = {}
    for answer in answers:
        member = _member_of(route.members, answer)
        if member is None:
            return None
        mine = context.identify(answer, expected) == expected
        (right if mine else wrong).setdefault(member, []).append(answer)
    if not right or not wrong or right.keys() & wrong.keys():
        return None
    declared = _GROUP.search(upstream.rule)
    group, at = declared.groups() if declared else ("of this proxy_pass", str(upstream.source))
    others = sorted({context.display_name(a, expected) for g in wrong.values() for a in g})
    said_wrong = "; ".join(f"{_quoted(m)} from {places(g)}" for m, g in wrong.items())
    said_right = "; ".join(f"{_quoted(m)} from {places(g)}" for m, g in right.items())
    why = (f" Every answer's server.listen is a member of upstream {group} ({at}), so the "
           f"configuration given accounts for each of them, with no other nginx: {expected} "
           f"answered through {said_right}; {joined(others)} through {said_wrong}.")
    lines = [m for m in route.members if m in wrong]
    theirs = _users(context, routes, (group, at), others) if routes and declared else []
    fix = _split_fix(expected, group, upstream, right, lines, theirs) if theirs else (
           f"At {joined([str(m.source) for m in lines])}, remove "
           f"{joined([repr(f'server {m.line};') for m in lines])} from upstream {group}: "
           f"{'they are' if len(lines) > 1 else 'it is'} where {joined(others)} answered, "
           f"while {expected} answers through the other members "
           f"({', '.join(m.address for m in right)}); or replace "
           f"{'each' if len(lines) > 1 else 'it'} by another address where {expected} "
           f"listens.")
    observed = tuple(e for e in diagnosis.evidence if e.kind is not EvidenceKind.CONFIGURED)
    return dataclasses.replace(
        diagnosis, cause=Cause.WRONG_UPSTREAM, candidates=(),
        explanation=diagnosis.explanation + why, fix=fix,
        evidence=(*observed, *_configured(upstream, lines)))


def _configured(upstream: RouteStep, lines: Sequence[Member]) -> tuple[Evidence, ...]:
    steps = [Evidence(EvidenceKind.CONFIGURED, upstream.rule, str(upstream.source))] \
        if upstream.source is not None else []
    return (*steps, *(Evidence(EvidenceKind.CONFIGURED, f"server {m.line};", str(m.source))
                      for m in lines if m.source is not None))


def _users(context: SweepContext, routes: Routes, group: tuple[str, ...],
           others: Sequence[str]) -> list[Observation]:
    """The sweep's URLs of the ``others`` that the configuration passes to ``group`` too:
    worked out once per sweep (a few URLs come here, each would route every URL)."""
    memo = cast("dict[tuple[str, ...] | None, list[Observation]]",
                context.memo.setdefault(("upstream_users", ""), {}))
    if not memo:
        for each in context.observations:
            step = route.step("upstream") if (route := routes(each)) is not None else None
            declared = _GROUP.search(step.rule) if step is not None else None
            memo.setdefault(declared.groups() if declared else None, []).append(each)
    return [o for o in memo.get(group, []) if o.target.expected in others]


def _split_fix(expected: str, group: str, upstream: RouteStep,
               right: dict[Member, list[EndpointAnswer]], lines: Sequence[Member],
               theirs: Sequence[Observation]) -> str:
    """The fix where the group is also the route of the other application's URLs: removing
    its members would take them from those URLs, so each application gets a group."""
    urls = list(dict.fromkeys(o.target.url for o in theirs))
    owners = joined(sorted({o.target.expected or "" for o in theirs}))
    members = " ".join(f"server {m.line};" for m in right)
    quoted = joined([f"'server {m.line};' ({m.source})" for m in lines])
    # The hand-over line as written (proxy_pass http://app/x, uwsgi_pass app), the group renamed.
    words = upstream.rule.split()
    name = f"{expected}_app"
    target = re.sub(rf"(^|://){re.escape(group)}(?=[/:]|$)", lambda m: m.group(1) + name,
                    words[1], count=1) if len(words) > 1 else name
    return (f"Give {expected} an upstream group of its own: upstream {group} is also the "
            f"route of {joined(urls)} ({owners}'s, by the configuration given), so removing "
            f"{quoted} would take {owners} from {'them' if len(urls) > 1 else 'it'}. Declare "
            f"one for {expected}'s members under a name no other upstream has, e.g. "
            f"'upstream {name} {{ {members} }}', and point the location at it: "
            f"'{words[0]} {target};' in place of the line at {upstream.source}.")
