"""A server with several sockets behind an nginx upstream group (uWSGI started with two
``--http-socket``): which member's ``server`` line leads to it.

``server.listen`` is one address; a server that listens on several says every one in
``server.listens`` (the endpoint's, uWSGI's), and ``server.listen`` is then the socket the
request came in on, or null where the endpoint could not tell. So where another instance
answered through a group and ``server.listen`` is no member of it (null, or another of its
sockets), a member at one of its ``server.listens`` is what leads there: that member's line
and that instance are named, not a reload (T34 e-split: ``server 127.0.0.1:18402`` of
``upstream www_pool``, blog's port).

An endpoint older than ``server.listens`` under uWSGI said the last socket option uWSGI kept
(uwsgi.opt holds one value of an option given twice), whichever socket the request came in
on: there nothing is blamed, the member on the port of ``request.server_port`` (an
``--http-socket`` sets it from its socket) is said a candidate, with the checks that decide.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.diagnose.fronts import listens, same_listen
from probe.diagnose.nginx_unlistened import step_said
from probe.diagnose.pass_target import OwnAnswer
from probe.endpoint_answer import EndpointAnswer, mapping
from probe.front import Member, PredictedRoute, RouteStep
from probe.model import Candidate, Cause, Evidence, EvidenceKind

_GROUP = re.compile(r"\(upstream (\S+) at ")


@dataclass(frozen=True)
class Listened:
    """The why, fix and evidence for a member at one of the answering server's sockets;
    ``cause`` None with ``candidates`` where the answer cannot decide."""

    why: str
    fix: str
    evidence: tuple[Evidence, ...]
    cause: Cause | None = Cause.WRONG_UPSTREAM
    candidates: tuple[Candidate, ...] = ()


def member_fix(group: str, member: Member, members: Sequence[Member], who: str,
               expected: str, own: OwnAnswer | None) -> str:
    """The fix for a member that is ``who``'s address: removed where ``expected``'s own
    address is another member of the group already, else replaced by it."""
    kept = next((m for m in members if m is not member and own is not None
                 and same_listen(own.listen, m.address)), None)
    if kept is not None and own is not None:
        return (f"At {member.source}, remove 'server {member.line};' ({who}'s address) from "
                f"upstream {group}: {expected} answers its own URL {own.url} on server.listen "
                f"{own.listen!r}, its member 'server {kept.line}' at {kept.source}; or "
                f"replace it by the address of another server running {expected}.")
    where = (f" ({expected} answers its own URL {own.url} on server.listen {own.listen!r})"
             if own is not None else "")
    return (f"At {member.source}, 'server {member.line}' of upstream {group} is {who}'s "
            f"address: replace it by {expected}'s{where}.")


def _group(upstream: RouteStep) -> str | None:
    found = _GROUP.search(upstream.rule)  # probe.nginx's "(upstream NAME at FILE:LINE)"
    return found.group(1) if found else None


def listened_member(answer: EndpointAnswer, route: PredictedRoute, upstream: RouteStep,
                    url: str, expected: str, who: str, at: str | None,
                    own: OwnAnswer | None) -> Listened | None:
    """Where ``server.listen`` (``at``) is no member of the route's group: a member at one of
    the answer's ``server.listens``, or, from an older endpoint under uWSGI, undecided."""
    members = route.members
    if not members or (at and any(same_listen(at, m.address) for m in members)):
        return None
    group = _group(upstream)
    if group is None:
        return None
    every = listens(answer)
    found = [m for m in members if any(same_listen(a, m.address) for a in every)]
    if found:
        member = found[0]
        came = (f"; this request came in on {at} (server.listen)" if at else
                "; which of them this request came in on the answer does not say "
                "(server.listen null): nginx's access log with $upstream_addr shows it")
        host = urlsplit(url).hostname or url
        why = (f" The server block that takes {host!r} ({step_said(route.step('site'))}) "
               f"passes it to upstream {group} ({upstream.source}). {who} "
               f"listens on {member.address} (server.listens {list(every)}): the address of "
               f"its member 'server {member.line}' at {member.source}{came}.")
        return Listened(why, member_fix(group, member, members, who, expected, own), (
            Evidence(EvidenceKind.OBSERVED, f"server.listens = {list(every)!r}", f"GET {url}"),
            Evidence(EvidenceKind.CONFIGURED, f"server {member.line}", str(member.source))))
    return _older_uwsgi(answer, members, group, url, who, at)


def _older_uwsgi(answer: EndpointAnswer, members: Sequence[Member], group: str, url: str,
                 who: str, at: str | None) -> Listened | None:
    server = mapping(answer.raw.get("server"))
    if not at or "listens" in server or not isinstance(server.get("uwsgi"), Mapping):
        return None
    port = mapping(answer.raw.get("request")).get("server_port")
    port = port if isinstance(port, str) and port.isdigit() else None
    member = next((m for m in members if port and m.address.rpartition(":")[2] == port
                   and not m.address.startswith("unix:")), None)
    why = (f" {who} runs under uWSGI (server.uwsgi) with an endpoint older than "
           f"server.listens: its server.listen {at} is the last socket option uWSGI keeps "
           f"(uwsgi.opt holds one value of an option given twice), not known to be the socket "
           f"this request came in on, so the answer does not say whether a member of "
           f"upstream {group} leads to {who}")
    check = "'ss -ltnp' shows which process listens on each member's address"
    candidates: tuple[Candidate, ...] = ()
    evidence = [Evidence(EvidenceKind.OBSERVED, f"server.listen = {at!r}", f"GET {url}")]
    if member is not None:
        why += (f"; its request.server_port {port!r} is the port of member 'server "
                f"{member.line}' at {member.source} (uWSGI's --http-socket sets SERVER_PORT "
                f"from its socket's port)")
        check = (f"'ss -ltnp sport = :{port}' shows whether {who}'s uWSGI listens on "
                 f"{member.address}")
        candidates = (Candidate(Cause.WRONG_UPSTREAM, check),)
        evidence.append(Evidence(EvidenceKind.OBSERVED, f"request.server_port = {port!r}",
                                 f"GET {url}"))
    return Listened(why + ".", (
        f"Decide it first: {check}; or install this version's endpoint in {who}'s WSGI "
        f"script (probe endpoint --install) and sweep again: its server.listens lists every "
        f"socket, and server.listen the one the request came in on."),
        tuple(evidence), cause=None, candidates=candidates)
