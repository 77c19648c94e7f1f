"""The configuration join of a 5xx on some samples of a URL while the others reached the
endpoint (``--config`` given): the answers-alone words asked for the configuration (a
re-tester's balancer was told 'Sweep with --config ...' although it was given); here the
route read says where the request went, the answers where the others were answered, and
what neither decides is named as the check that does.

* through mod_proxy: the ``ProxyPass`` and its members (:func:`.join_proxy_500.proxy_500`),
  the member each answer came from (``server.listen``, or a mod_wsgi-express daemon group's
  ``HOST:PORT``) with its ``BalancerMember`` line, and the members none came from, the
  first place to look; where every member answered some, the answers do not say which made
  the 500s, and the error log's codes or each member's own log do;
* to mod_wsgi (a daemon process group, or embedded): the group the route sends the path to
  (its ``WSGIProcessGroup`` line) and that the other samples were answered by it; whether
  the application failed (a traceback) or mod_wsgi lost the request to its daemon process
  (its own messages) only the error log says. A group the answers show other than the
  route's is said by :mod:`.join` before this (the configuration is not the one running).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.diagnose.answer_names import joined
from probe.diagnose.fronts import listening, same_listen
from probe.diagnose.join_gateway import answered
from probe.diagnose.join_mount_needs import apache_log, fleet_server
from probe.diagnose.join_proxy_500 import proxy_500
from probe.diagnose.server_errors import CONFIG_HINT, with_log, without_leak_hint
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.front import Member, PredictedRoute
from probe.model import Evidence, EvidenceKind, Observation
from probe.safe_text import quoted

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin
    from probe.diagnose.identify import SweepContext

_DAEMON_LOST = ("mod_wsgi's own message for the daemon process ('Truncated or oversized "
                "response headers received from daemon process' or 'Timeout when reading "
                "response headers from daemon process': a process that died or hung on that "
                "request)")


def partial_500(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
                config: ConfigJoin) -> Diagnosis:
    """``diagnosis`` of a 5xx on some samples (others answered) with what the route read
    says; never the ask for --config."""
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    route = config.front.route(obs.target.probe_url(context.manifest.probe.segment), address)
    log = apache_log(config.front, route, fleet_server(obs, context))
    reached = [a for s in obs.samples if (a := s.trusted_answer) is not None]
    # --config was read: its hint is spent whatever the route tells, and it names the log
    spent = dataclasses.replace(diagnosis, fix=with_log(diagnosis.fix.replace(CONFIG_HINT, ""),
                                                        log))
    if route.undecided is not None:
        return spent
    if route.step("proxy") is not None:
        return _proxied(spent, route, config, reached)
    if route.process_group is not None and route.step("process_group") is not None:
        return _mod_wsgi(spent, route, reached, log)
    return spent


def _proxied(diagnosis: Diagnosis, route: PredictedRoute, config: ConfigJoin,
             reached: list[EndpointAnswer]) -> Diagnosis:
    found = proxy_500(diagnosis, route, config.front)
    if found is None:
        return diagnosis
    said = " " + answered(reached, route.members)
    silent = _silent(reached, route.members)
    if silent:
        listed = joined([m.address + (f" ({m.source})" if m.source else "") for m in silent])
        one = len(silent) == 1
        fix = (f"{found.fix} Start with the member{'' if one else 's'} none of the other "
               f"samples came from, {listed}: {'its' if one else 'their'} own log at the "
               f"time of these requests has the reason where the log above has none of "
               f"these codes.")
    else:
        said += (" The answers do not say which member made the 500s: one that answers some "
                 "requests may fail others.")
        fix = (f"{found.fix} Each member's own log at the time of these requests says "
               f"whether it answered 500 itself.")
    return dataclasses.replace(found, explanation=found.explanation + said, fix=fix)


def _silent(reached: list[EndpointAnswer], members: tuple[Member, ...]) -> list[Member]:
    """The members no answer came from, where every answer says where it listens (else none
    is said to be silent: an answer without an address may be any member's)."""
    places = [listening(a) for a in reached]
    if len(members) < 2 or any(p is None for p in places):
        return []
    return [m for m in members
            if not any(p is not None and same_listen(m.address, p.address) for p in places)]


def _mod_wsgi(diagnosis: Diagnosis, route: PredictedRoute, reached: list[EndpointAnswer],
              log: str) -> Diagnosis:
    step = route.step("process_group")
    assert step is not None  # partial_500 asked
    group = route.process_group or ""
    path = urlsplit(route.url).path or "/"
    at = f", {step.source}" if step.source is not None else ""
    where = (f"daemon process group {quoted(group)} ({step.rule}{at})" if group else
             f"the Apache child processes, embedded ({step.rule}{at})")
    pids = joined(sorted({str(a.pid) for a in reached if a.pid is not None}))
    shown = f"process_group {quoted(group)}" + (f", pid {pids}" if pids else "")
    explanation = (without_leak_hint(diagnosis.explanation) if group else
                   diagnosis.explanation)  # a daemon group shares no embedded process
    explanation += (f" The configuration given sends the probe request's path {path} to "
                    f"{where}; the other samples were answered by that group ({shown}): "
                    f"the failed requests were sent the same way, one route for the URL.")
    # embedded: the answers' words stand (an inherited settings module among them)
    fix = (f"{log[:1].upper()}{log[1:]} at the time of the failed requests says why: a "
           f"Python traceback (the application failed on that request), or {_DAEMON_LOST}."
           if group else diagnosis.fix)
    evidence = (*diagnosis.evidence,) + ((Evidence(EvidenceKind.CONFIGURED, step.rule,
                                                   str(step.source)),)
                                         if step.source is not None else ())
    return dataclasses.replace(diagnosis, explanation=explanation, fix=fix,
                               evidence=evidence)
