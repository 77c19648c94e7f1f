"""``stale`` (``stale_code``) with Apache's configuration read, where the URL's ``ProxyPass``
names one backend (no balancer) and the stale answers listen there (``server.listen``): the
line that picks that backend is named with the address it names.

Tester T36's delta.test: the deploy started version 2 beside the old gunicorn (a new socket,
delta.sock) and left ``ProxyPass "/" "unix:.../delta-old.sock|http://localhost/"`` as it
was; the fix told to check the old code's file and "deploy it there", never the line. The
answers cannot tell a deploy that did not reach this server from one that started another:
both are said, the ProxyPass first, and the other server is named only where an answer of
the sweep shows it (a process of the instance running the manifest's version, listening
elsewhere); otherwise what would show it is named as the check.
"""

from __future__ import annotations

import dataclasses

from probe.apache.route import ApacheRoutes
from probe.diagnose.answer_names import joined
from probe.diagnose.deploy_reached import current_answers
from probe.diagnose.fronts import listen, same_listen
from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig, PredictedRoute
from probe.model import Evidence, EvidenceKind, Observation


def pass_line(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
              front: FrontConfig, route: PredictedRoute, want: str,
              stale: set[str]) -> Diagnosis:
    """``diagnosis`` with the ProxyPass that sends to the stale processes' address first in
    its fix; itself where the route names no such single backend."""
    taken = route.step("proxy")
    rule = front.proxy_rule(route) if isinstance(front, ApacheRoutes) else None
    if rule is None or taken is None or taken.source is None or \
            len(route.members) != 1 or route.members[0].source is not None:
        return diagnosis
    address = route.members[0].address
    if not any(same_listen(address, at) for at in stale):
        return diagnosis
    instance = obs.target.expected or "this instance"
    old = [a for s in obs.samples if (a := s.trusted_answer) is not None
           and a.code_version != want]
    masters = sorted({a.ppid for a in old if a.ppid is not None})
    pids = sorted({a.pid for a in old if a.pid is not None})
    parent = (f" (ppid {joined([str(p) for p in masters])}, the parent of "
              f"{'pid' if len(pids) == 1 else 'pids'} {joined([str(p) for p in pids])})"
              if masters else "")
    elsewhere = [(a, at) for a in current_answers(context, instance, want)
                 if (at := listen(a)) is not None and not same_listen(at, address)]
    if elsewhere:
        seen = "; ".join(dict.fromkeys(f"pid {a.pid} at server.listen {at}"
                                       for a, at in elsewhere))
        other = (f"This sweep saw {instance} running {want!r} elsewhere ({seen}): point the "
                 f"line there and stop the old server{parent}.")
    else:
        other = (f"No answer of this sweep came from a process running {want!r}, so whether "
                 f"one runs, and where it listens, is not observed: 'ss -xlp' (unix "
                 f"sockets) or 'ss -tlnp' lists what listens, with its process. If one does, "
                 f"point the line at its socket or address and stop the old server{parent}.")
    said = (f"At {taken.source}, '{rule.written()}' passes this URL to "
            f"{address}, where these processes listen (server.listen): where the deploy of "
            f"{want!r} started another server beside this one, that line still picks the "
            f"old one. {other} Where it was meant to replace this server's code: ")
    fix = said + diagnosis.fix[:1].lower() + diagnosis.fix[1:] if diagnosis.fix else said
    configured = Evidence(EvidenceKind.CONFIGURED, taken.rule, str(taken.source))
    evidence = diagnosis.evidence if configured in diagnosis.evidence else \
        (*diagnosis.evidence, configured)
    return dataclasses.replace(diagnosis, fix=fix, evidence=evidence)
