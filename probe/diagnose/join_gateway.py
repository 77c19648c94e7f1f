"""The configuration join of a gateway status (502, 503, 504) where the route (``--config``)
passes the URL through Apache's mod_proxy: the ``ProxyPass`` and its backends (each
``BalancerMember`` line) are named, and the error log lines that tell why (the log named by
the caller, with its line where the configuration decides it).

What the answers decide is said, and no more:

* no sample reached the endpoint: no backend there answered; the fix starts them or points
  the ``ProxyPass`` where they listen;
* some samples did (a tester's balancer, a member that closed its connections while the other
  answered): the members they came from are named by the answers' own fields
  (``server.listen``, or a mod_wsgi-express daemon group's ``HOST:PORT``); which member failed
  the others, and how, only the error log says: AH01102 or AH00898 (a member that took the
  connection and gave no answer: its own log says why), AH00957 with AH00959 (nothing
  listened: httpd disables that member for its retry period).

Never the ask for ``--config`` (it was given) nor "no configuration was read".
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from probe.apache.proxy_log import connect_codes, reads_http
from probe.diagnose.answer_names import joined
from probe.diagnose.fronts import listening, same_listen
from probe.diagnose.join_socket import socket_fix, socket_path
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.front import FrontConfig, Member, PredictedRoute, RouteStep
from probe.model import Cause, Evidence, EvidenceKind, Observation


def closed(schemes: frozenset[str]) -> str:
    """The log lines of a backend that took the connection and gave no answer: mod_proxy_http's
    codes where a backend speaks HTTP (or none is known); mod_proxy_uwsgi logs none."""
    said = ("names a backend that took the connection and closed or broke it without an "
            "answer (its own log at that time says why: a restart, a crash, a worker killed)")
    if not reads_http(schemes):
        return ("a backend that took the connection and closed or broke it without an answer "
                "leaves no code of mod_proxy_uwsgi's: its own log at that time says why (a "
                "restart, a crash, a worker killed)")
    return ("AH01102 ('error reading status line from remote server ADDRESS') or AH00898 "
            f"('Error reading from remote server') {said}")


def refused(schemes: frozenset[str]) -> str:
    """The log lines of an address where nothing accepted the connection, by the module of
    the backends' scheme (:mod:`probe.apache.proxy_log`)."""
    return (f"AH00957 ('attempt to connect to ADDRESS failed') or {connect_codes(schemes)} "
            f"names an address where nothing accepted the connection (AH00959 'disabling "
            f"worker for (ADDRESS)' where httpd then leaves that member out for its retry "
            f"period)")


def gateway_error(obs: Observation, diagnosis: Diagnosis, route: PredictedRoute,
                  status: int, log: str, schemes: frozenset[str] = frozenset(),
                  front: FrontConfig | None = None) -> Diagnosis | None:
    """A 502/503/504 where the route passes through mod_proxy: its lines, its backends, and
    the lines of ``log`` that decide (their codes those of the backends' ``schemes``: none
    known, every module's); None where the route takes no ``ProxyPass``. ``front``: the
    configuration read (Apache's User and Group, for a unix socket's permission)."""
    taken = route.step("proxy")
    if taken is None:
        return None
    path = urlsplit(obs.target.url).path or "/"
    listed = _listed(route.members) or taken.decision.removeprefix("proxied to ")
    failed = [s for s in obs.samples if s.status_code == status and s.endpoint is None]
    reached = [a for s in obs.samples if (a := s.trusted_answer) is not None]
    share = "" if len(failed) == len(obs.samples) else \
        f" ({len(failed)} of {len(obs.samples)} samples)"
    # The Server header stays in the evidence: it may name mod_wsgi, loaded but not on
    # this route, which read here would blame it.
    why = (f"{obs.target.url}: {status}{share}, not the endpoint's answer. The "
           f"configuration "
           f"given passes {path} through mod_proxy: {taken.rule} ({taken.source}), to "
           f"{listed}.")
    lines = ", ".join(str(s) for s in (*(m.source for m in route.members), taken.source)
                      if s is not None)
    if not reached:
        why += (f" No sample reached the endpoint: mod_proxy answers {status} when no "
                f"backend there answers (it cannot connect, or every balancer member is in "
                f"error).")
        if (sock := socket_path(route)) is not None:  # a socket: refused, or not allowed
            said, told = socket_fix(sock, taken, status, log, connect_codes(schemes), front)
            return _worded(diagnosis, why + said, told, route.steps)
        fix = (f"Start the application server at {listed}, or at {taken.source} point the "
               f"ProxyPass where it listens. {log[:1].upper()}{log[1:]} at the time of "
               f"these requests tells why: {refused(schemes)}; {closed(schemes)}.")
        return _worded(diagnosis, why, fix, route.steps)
    why += " " + answered(reached, route.members)
    why += (f" Apache's mod_proxy answers {status} for a request its backend gave no answer "
            f"to; the answers do not say which backend that was, nor why.")
    fix = (f"Which backend failed the {status} requests, and how, {log} tells for them: "
           f"{closed(schemes)}; {refused(schemes)}: start its application server, or "
           f"correct or remove its line ({lines}).")
    return _worded(diagnosis, why, fix, route.steps)


def _listed(members: tuple[Member, ...]) -> str:
    return ", ".join(m.address + (f" ({m.source})" if m.source else "") for m in members)


def answered(reached: list[EndpointAnswer], members: tuple[Member, ...]) -> str:
    """Who answered the other samples, by the answers' own fields, and the member of each;
    the members none came from, where every answer says where it listens."""
    said: dict[str, None] = {}
    matched: set[str] = set()
    unplaced = False
    for answer in reached:
        at = listening(answer)
        pid = f"pid {answer.pid}" if answer.pid is not None else "pid unknown"
        if at is None:
            unplaced = True
            said[f"{pid} (it does not say where it listens: server.listen null)"] = None
            continue
        member = [m for m in members if same_listen(m.address, at.address)]
        matched.update(m.address for m in member)
        field = f"{at.field} {at.value!r}" if at.field == "process_group" else \
            f"{at.field} {at.value}"
        said[f"{pid} ({field}" + (f", BalancerMember {member[0].address} at "
                                  f"{member[0].source})" if len(member) == 1 and
                                  member[0].source else ")")] = None
    text = f"The other samples reached the endpoint: {joined(sorted(said))}."
    silent = [m for m in members if m.address not in matched]
    if len(members) > 1 and silent and not unplaced:
        text += (f" None came from {_listed(tuple(silent))}" + (
            "." if len(silent) < len(members) else
            ": the answers' addresses match no BalancerMember."))
    return text


def _worded(diagnosis: Diagnosis, why: str, fix: str,
            steps: tuple[RouteStep, ...]) -> Diagnosis:
    observed = tuple(e for e in diagnosis.evidence if e.kind is not EvidenceKind.CONFIGURED)
    configured = tuple(Evidence(EvidenceKind.CONFIGURED, s.rule, str(s.source))
                       for s in steps if s.source is not None)
    return dataclasses.replace(diagnosis, explanation=why, fix=fix, cause=Cause.UPSTREAM_DOWN,
                               candidates=(), evidence=(*observed, *configured))
