"""The ``dead_member`` finding: a member of a balancer's group that answered none of the
samples sent through it, while the others did (``--config``).

A front that fails to connect to one member passes the request to another (nginx's
``proxy_next_upstream error``, mod_proxy_balancer's failover), so every URL reads ``ok`` and
the dead member is silent: only the configuration lists it. Joined from the route's members
(nginx's ``upstream`` ``server`` lines, Apache's ``BalancerMember`` lines) and where the
answers say they listen (``server.listen``; where it is null, a mod_wsgi-express daemon
group's ``HOST:PORT`` name, :func:`probe.diagnose.fronts.listening`), it is said only where
nothing else explains the silence:

* every sample of the URLs whose route passes to that group got an answer that says where
  it listens, and each is one member of the group (else another front, a member that does
  not say where it listens, a wildcard address several members match, or a failure is in
  play, which their verdicts say);
* the group picks members by (weighted) round robin, nginx's default and Apache's
  ``lbmethod=byrequests``; and the samples are at least :data:`ROUNDS` times the members'
  total weight. Round robin hands each member its weight in every turn of that many
  requests, within one nginx worker process (each has its own turn unless the group has a
  ``zone``): with up to :data:`ROUNDS` workers, one of them got a whole turn. With ``random``
  the chance a live member misses every sample is bounded instead (:data:`ODDS`);
  ``least_conn``, ``ip_hash``, ``hash``, ``sticky``, Apache's ``bybusyness``, ``bytraffic``
  and ``heartbeat`` can leave a live member without any of a sweep's requests (the same
  client, a busy member), so the rule is skipped for them;
* ``backup`` members (Apache: ``+H``, ``+R``, a higher ``lbset``) and members marked ``down``
  (``+D``, ``+S``, ...) are neither counted nor named: nothing sends them requests while the
  others answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from probe.diagnose.answer_names import joined
from probe.diagnose.fronts import EXPRESS_NAMING, listening, same_listen
from probe.front import FrontConfig, FrontKind, Member, PredictedRoute, RouteStep
from probe.model import Finding, Observation, Sample, Status

DEAD_MEMBER = "dead_member"

ROUNDS = 4
"""Turns of round robin the samples must cover: one whole turn for some worker of up to 4."""

ODDS = 1000
"""``random``: a live member misses every sample with a chance below 1 in this."""

_NAME = re.compile(r"\(upstream (\S+) at [^)\s]+\)|<Proxy (balancer://[^>\s]+)>")


@dataclass
class _Group:
    step: RouteStep
    members: tuple[Member, ...]
    front: FrontKind
    urls: list[str] = field(default_factory=list)
    instances: set[str] = field(default_factory=set)
    addresses: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    read_from: set[str] = field(default_factory=set)
    """The answer fields the members were told by (``server.listen``, ``process_group``)."""


def dead_member_findings(observations: Sequence[Observation],
                         front: FrontConfig) -> tuple[Finding, ...]:
    """One warning per member of a round-robin group that answered none of its samples."""
    groups: dict[tuple[str, tuple[Member, ...]], _Group] = {}
    for obs in observations:
        route = front.route(obs.target.url, obs.target.address)
        upstream = _upstream(route)
        if upstream is None or obs.target.expected is None:
            continue
        group = groups.setdefault((str(upstream.source), route.members),
                                  _Group(upstream, route.members, route.front))
        group.urls.append(obs.target.url)
        group.instances.add(obs.target.expected)
        address = obs.target.address or next((s.address for s in obs.samples if s.address), "")
        if address and address not in group.addresses:
            group.addresses.append(address)
        group.samples.extend(obs.samples)
    return tuple(f for g in groups.values() for f in _silent(g))


def _upstream(route: PredictedRoute) -> RouteStep | None:
    step = route.step("upstream")
    if step is None or route.undecided or len(route.members) < 2 or step.source is None:
        return None
    return step


def _count(group: _Group) -> dict[Member, int] | None:
    """Answers per member; None where a sample has no answer saying one member's address
    (a wildcard address on a port several members share could be any of them)."""
    counts = dict.fromkeys(group.members, 0)
    for sample in group.samples:
        answer = sample.trusted_answer
        at = listening(answer) if answer is not None else None
        matched = [m for m in group.members if at and same_listen(m.address, at.address)]
        if at is None or len(matched) != 1:
            return None
        counts[matched[0]] += 1
        group.read_from.add(at.field)
    return counts


def _enough(silent: Member, live: Sequence[Member], samples: int,
            nginx: bool = True) -> str | None:
    """Why ``samples`` would have reached ``silent`` had it answered; None if they may not.
    Said with what it assumes (no other client's requests sharing the turns), and the check
    that decides: the member's own log."""
    total = sum(m.weight for m in live)
    method = silent.balancing
    if method is None:
        if samples < ROUNDS * total:
            return None
        return (f"round robin over {len(live)} members of total weight {total} gives it "
                f"{silent.weight} of every {total} requests, and {samples} samples are "
                f"{samples // total} turns"
                + (f": enough for up to {ROUNDS} nginx worker processes, each with its own "
                   f"turn, while no other client's requests go through the group; more "
                   f"workers, or other traffic sharing the turns, can leave a live member "
                   f"without any of them" if nginx else
                   ", while no other client's requests go through the balancer; other "
                   "traffic sharing the turns can leave a live member without any of them")
                + ", which the member's own access log for the sweep's minute tells")
    if method.split()[0] == "random" and "two" not in method.split():
        share = silent.weight / total
        needed = math.ceil(math.log(ODDS) / -math.log1p(-share)) if share < 1 else 1
        if samples < needed:
            return None
        return (f"'{method}' picks it for {silent.weight} in {total} requests: a live member "
                f"misses {samples} samples with a chance below 1 in {ODDS}")
    return None


def _silent(group: _Group) -> list[Finding]:
    counts = _count(group)
    if counts is None or not group.samples:
        return []
    live = [m for m in group.members if not m.backup and not m.down and m.weight > 0]
    answered = [m for m in live if counts[m]]
    findings = []
    for member in live:
        why = _enough(member, live, len(group.samples), group.front is FrontKind.NGINX) \
            if counts[member] == 0 else None
        if why is None or not answered:
            continue
        findings.append(Finding(DEAD_MEMBER, Status.WARNING, tuple(sorted(group.instances)),
                                _words(group, member, answered, counts, why)))
    return findings


def _words(group: _Group, member: Member, answered: Sequence[Member],
           counts: dict[Member, int], why: str) -> str:
    nginx = group.front is FrontKind.NGINX
    found = _NAME.search(group.step.rule)
    name = (found.group(1) or found.group(2)) if found else "the group"
    quoted = f"'server {member.line};'" if nginx else f"BalancerMember {member.address}"
    kind = f"upstream {name}" if nginx and found else name
    via = (f"nginx at {joined(group.addresses)}" if nginx else
           f"Apache httpd at {joined(group.addresses)}") if group.addresses else \
        ("nginx" if nginx else "Apache httpd")
    others = ", ".join(f"{m.address} ({m.source}): {counts[m]} answers" for m in answered)
    log = (f"nginx's error log: 'connect() failed (111: Connection refused) while connecting "
           f"to upstream' (or 'upstream timed out') with upstream \"...{member.address}...\""
           if nginx else
           f"httpd's error log: AH00957 (attempt to connect to {member.address} failed) and "
           f"AH00959 (ap_proxy_connect_backend disabling worker for ({member.address}))")
    return (f"Member {quoted} ({member.source}) of {kind} answered none of "
            f"{len(group.samples)} samples of {joined(list(dict.fromkeys(group.urls)))} "
            f"through {via}; the others did, by {_by(group.read_from)} ({others}). It may be "
            f"down or refusing connections ({why}; each sample was answered by another "
            f"member, so the URLs read ok). Check {log}; then start its application server, "
            f"or correct or remove the line. {_retry(member, nginx)}")


def _by(fields: set[str]) -> str:
    """The answer fields the members were told by."""
    if "process_group" not in fields:
        return "server.listen"
    return (f"{'server.listen, else ' if 'server.listen' in fields else ''}process_group "
            f"where server.listen is null, as {EXPRESS_NAMING}")


def _retry(member: Member, nginx: bool) -> str:
    """A front leaves a member that failed out of the balancing for a while, so a re-sweep
    right after it is started still finds it silent (the re-test's case)."""
    if nginx:
        period = (f"its line's {member.retry}" if "fail_timeout=" in member.retry else
                  "fail_timeout, 10 s by default, as its line does not set it"
                  + (f" ({member.retry})" if member.retry else ""))
        return (f"nginx leaves a member out for fail_timeout after max_fails failed attempts: "
                f"once it is started, sweep again after {period}.")
    period = (f"its line's {member.retry} (seconds)" if member.retry else
              "60 s, httpd's default, as its line sets no retry=")
    return (f"httpd leaves a member it could not reach out for its retry period (AH00959 "
            f"'disabling worker ... for Ns'): once it is started, sweep again after {period}, "
            f"or enable it at once in balancer-manager or with a graceful restart "
            f"('apachectl -k graceful').")
