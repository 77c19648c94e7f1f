"""``stale`` (``stale_code``) with ``--config``: the balancer member that runs the old code named
by its configuration line, after the address its answers gave (``server.listen``).

The answers name a member by where it listens; a balancer's members are each deployed and
restarted on their own, and the configuration given writes which line sends to that address
(Apache's ``BalancerMember``, nginx's upstream ``server``): a tester's uWSGI member behind
``mod_proxy_uwsgi`` with the old code was named by its address only, its ``BalancerMember``
line (30-shop.conf:11) not at all. The line is named where the route's members have one whose
address is the stale answer's ``server.listen``; elsewhere nothing is added.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from probe.diagnose.fronts import listen, same_listen
from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import Diagnosis
from probe.model import Cause, FrontKind, Observation, Verdict

if TYPE_CHECKING:
    from probe.front import FrontConfig, Member, PredictedRoute

_UPSTREAM = re.compile(r"\(upstream (\S+) at [^)\s]+\)")
"""nginx's upstream step names its group: ``(upstream shop at nginx.conf:3)``."""


def member_lines(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
                 front: FrontConfig) -> Diagnosis:
    """``diagnosis`` with each stale member's line after its address; itself otherwise."""
    if diagnosis.verdict is not Verdict.STALE or diagnosis.cause is not Cause.STALE_CODE:
        return diagnosis
    instance = context.manifest.instances.get(obs.target.expected or "")
    want = instance.code_version if instance is not None else None
    stale = {at for s in obs.samples if (a := s.trusted_answer) is not None
             and a.code_version != want and (at := listen(a)) is not None}
    if not stale:
        return diagnosis
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    route = front.route(obs.target.url, address)
    if route.undecided is not None or not route.members:
        return diagnosis
    explanation, fix = diagnosis.explanation, diagnosis.fix
    for at in sorted(stale):
        member = next((m for m in route.members
                       if m.source is not None and same_listen(m.address, at)), None)
        if member is None:
            continue
        tag = _tag(member, route)
        # Once per text, at the address's first mention: the fix repeats it per process.
        # Not inside a longer address (a digit, a dot, ':PORT' follows); a colon that ends a
        # clause does not stop it ("at server.listen 127.0.0.1:53517: if it still holds").
        said = re.compile(rf"(server\.listen {re.escape(at)})(?![\w.]|:\d)")
        plain = tag.replace("\\", "\\\\")  # a file name is no template
        explanation = said.sub(rf"\g<1>{plain}", explanation, count=1)
        fix = said.sub(rf"\g<1>{plain}", fix, count=1)
    if (explanation, fix) == (diagnosis.explanation, diagnosis.fix) and want is not None:
        from probe.diagnose.stale_pass import pass_line  # no balancer: the ProxyPass target

        return pass_line(obs, diagnosis, context, front, route, want, stale)
    if (explanation, fix) == (diagnosis.explanation, diagnosis.fix):
        return diagnosis
    return dataclasses.replace(diagnosis, explanation=explanation, fix=fix)


def _tag(member: Member, route: PredictedRoute) -> str:
    if route.front is not FrontKind.NGINX:
        return f" (BalancerMember at {member.source})"
    step = route.step("upstream")
    found = _UPSTREAM.search(step.rule) if step is not None else None
    group = f" in upstream {found.group(1)}" if found else ""
    return f" (server at {member.source}{group})"
