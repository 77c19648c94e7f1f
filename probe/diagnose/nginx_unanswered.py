"""nginx's route (``--config``) of a URL the endpoint did not answer: ``no_endpoint``, or
``unreachable`` where the connection was closed without an answer.

No answer says who was reached, so the predicted route says why, step by step with its
``file:line`` (the Apache side does the same in :mod:`.join_unanswered`):

* closed: the route's ``return 444`` (the default server's when no ``server_name`` matched:
  ``default_server``; or one in an ``if`` whose condition holds for the URL, as the route
  decides it), else an ``if`` of the block or location holding one, named as what closes
  connections there;
* ``no_endpoint``: where the route ends in nginx itself (a ``return``, a location that serves
  files, no location, the default server) that step is the reason and the fix is written
  there; only where the route passes to an application is installing the endpoint advised,
  and an ``error_page`` for gateway errors in force there is named (it turns an upstream's
  502 into the page's own answer, a 404 when the page is missing).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from urllib.parse import urlsplit

from probe.diagnose.closed import answered_by_expected, mostly_answered
from probe.diagnose.identify import SweepContext
from probe.diagnose.pass_target import own_answer
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig, PredictedRoute, RouteStep, Source
from probe.model import Cause, Evidence, EvidenceKind, Observation
from probe.nginx.text import Directive

GATEWAY_CODES = ("502", "503", "504")


def configured(*steps: RouteStep | None) -> tuple[Evidence, ...]:
    return tuple(Evidence(EvidenceKind.CONFIGURED, s.rule, str(s.source))
                 for s in steps if s is not None and s.source is not None)


def last_mapping(route: PredictedRoute) -> RouteStep | None:
    """The route's last mapping step: a location's ``return`` comes after the location."""
    return next((s for s in reversed(route.steps) if s.stage == "mapping"), None)


def meant_block(obs: Observation, context: SweepContext, front: FrontConfig | None) -> str:
    """The server block the expected instance's own answered URL took, read from the
    configuration; else words naming the block meant for it."""
    expected = obs.target.expected or "it"
    own = own_answer(context, obs.target.expected)
    if own is not None and front is not None:
        site = front.route(own.url, own.address).step("site")
        if site is not None and site.source is not None and site.by != "default":
            return (f"{site.decision}, the block that takes {expected}'s own URL {own.url} "
                    f"({site.rule})")
    unnamed = _unnamed(front, route_port(obs))
    if unnamed:
        # The tester's case: the block meant for it had lost its server_name line.
        return (f"the server block meant for {expected} (" + "; ".join(
            f"the server block at {where} on this port has no server_name: it matches no "
            f"host name"
            for where in unnamed) + ")")
    return f"the server block meant for {expected}"


def route_port(obs: Observation) -> int:
    parts = urlsplit(obs.target.url)
    address = obs.target.address or next((s.address for s in obs.samples if s.address), "")
    port = address.rpartition(":")[2] if address else ""
    return int(port) if port.isdigit() else parts.port or (443 if parts.scheme == "https"
                                                           else 80)


def _unnamed(front: FrontConfig | None, port: int) -> list[str]:
    """The server blocks listening on ``port`` without a server_name and not marked
    default_server (a block that forgot its names), as read."""
    servers = getattr(getattr(front, "model", None), "servers", None) or []
    return [server.where for server in servers
            if [n for n, _ in server.names] == [""] and server.returns is None
            and any(lst.port == port and not lst.default_server for lst in server.listens)]


def directives(front: FrontConfig | None) -> tuple[Directive, ...]:
    model = getattr(front, "model", None)
    text = getattr(model, "text", None)
    found = getattr(text, "directives", ())
    return found if isinstance(found, tuple) else ()


def walk(tree: tuple[Directive, ...]) -> Iterator[Directive]:
    for d in tree:
        yield d
        yield from walk(d.block or ())


def block_at(front: FrontConfig | None, where: str) -> Directive | None:
    """The ``server`` or ``location`` block written at ``where`` (file:line), or the server
    block holding the line there (a site step cites the server_name or listen that
    decided)."""
    for d in walk(directives(front)):
        if d.block is not None and d.name in ("server", "location") and (
                d.where == where or (d.name == "server" and
                any(c.where == where and c.block is None for c in d.block))):
            return d
    return None


def _closing_ifs(block: Directive | None) -> list[Directive]:
    """The ``if`` blocks directly in ``block`` that hold a ``return 444``."""
    return [d for d in (block.block or () if block is not None else ()) if d.name == "if"
            and any(r.args[:1] == ("444",) for r in d.children("return"))]


def closed_route(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
            route: PredictedRoute, front: FrontConfig | None) -> Diagnosis:
    host = (urlsplit(obs.target.url).hostname or "").lower()
    site, last = route.step("site"), last_mapping(route)
    where = (f"{site.decision} ({site.rule}{f', {site.source}' if site.source else ''})"
             if site is not None else "?")  # no line: no block listens on the address
    meant = meant_block(obs, context, front)
    if route.refused and last is not None and last.decision == "return 444" and \
            last.source is not None:
        said = (f" The configuration given says why: {host} goes to {where}, which closes "
                f"the connection without an answer: return 444 at {last.source}.")
        if last.rule.startswith("if ("):
            # The model decided the condition for this request (probe.nginx.flow).
            said = (f" The configuration given says why: {host} goes to {where}, where "
                    f"{last.rule}, and its 'return 444' ({last.source}) closes the connection "
                    f"without an answer.")
            fix = (f"At {last.source}, let {host} through that condition (add it to the names "
                   f"the condition accepts), or, if {host} is not to be served, take it out of "
                   f"the block's server_name ({site.source if site else '?'}).")
            return _worded(obs, diagnosis, said, fix, None, route.steps)
        if site is not None and site.by == "default":
            fix = (f"Add {host} to the server_name of {meant}: no server_name of this address "
                   f"matches it, so the default server ({site.source}) refuses it with "
                   f"'return 444' ({last.source}).")
            cause: Cause | None = Cause.DEFAULT_SERVER
        else:
            fix = (f"At {last.source}, that block refuses {host} with 'return 444': if "
                   f"{host} is meant to be served, take it out of that block's server_name "
                   f"({site.source if site else '?'}) and give it to {meant}.")
            cause = None
        return _worded(obs, diagnosis, said, fix, cause, route.steps)
    mapping = route.step("mapping")
    blocks = [b for b in (block_at(front, str(site.source)) if site and site.source else None,
                          block_at(front, str(mapping.source))
                          if mapping and mapping.source else None) if b is not None]
    ifs = [i for b in blocks for i in _closing_ifs(b)]
    if not ifs:
        short = _short_of_connections(obs, diagnosis, context, front, where, route.steps)
        if short is not None:
            return short
        said = (f" The configuration given routes it to {where} and no line read there closes "
                f"a connection: the server at this address may not run this configuration "
                f"('nginx -T' shows what it runs).")
        if mostly_answered(obs, context):
            said = (f" The configuration given routes it to {where} and no line read there "
                    f"closes a connection; {answered_by_expected(obs, context)} of "
                    f"{len(obs.samples)} requests were answered by {obs.target.expected}, so "
                    f"nginx runs a route to it: what closed the others is not in the lines read "
                    f"(nginx's error log at that time says: a worker process that exited, or "
                    f"'worker_connections are not enough').")
        return dataclasses.replace(diagnosis, explanation=_sentence(diagnosis.explanation) + said,
                                   evidence=(*diagnosis.evidence, *configured(*route.steps)))
    cited = "; ".join(f"'if ({' '.join(i.args)}) {{ return 444; }}' at {i.where}" for i in ifs)
    # The route's own if evaluation (probe.nginx.flow) found it not holding for this host,
    # or it is in a block the route did not take: what closes is said, not decided.
    said = (f" The configuration given routes it to {where}, which holds {cited}: nginx "
            f"closes the connection there when the condition holds; read here, it does not "
            f"hold for {host}, so the server at this address may not run this configuration "
            f"('nginx -T' shows what it runs).")
    fix = (f"At {ifs[0].where}, let {host} through that condition (add it to the names the "
           f"condition accepts), or, if {host} is not to be served, take it out of the "
           f"block's server_name ({site.source if site else '?'}).")
    steps = (*route.steps, *(RouteStep("mapping", "if ... return 444",
                                       f"if ({' '.join(i.args)})", _source(i)) for i in ifs))
    return _worded(obs, diagnosis, said, fix, None, steps)


def worker_connections(front: FrontConfig | None) -> Directive | None:
    """The events block's ``worker_connections`` line, as read."""
    events = next((d for d in directives(front) if d.name == "events"), None)
    found = events.children("worker_connections") if events is not None else []
    return found[-1] if found and found[-1].args[:1] and found[-1].args[0].isdigit() else None


def _short_of_connections(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
                          front: FrontConfig | None, where: str,
                          steps: tuple[RouteStep, ...]) -> Diagnosis | None:
    """Worded where the sweep's own requests at once can exhaust nginx's connections: each
    proxied request holds one from the client and one to the upstream, so a
    ``worker_connections`` of at most twice the sweep's concurrency runs short."""
    line = worker_connections(front)
    at_once = context.manifest.probe.concurrency
    if line is None or int(line.args[0]) > 2 * at_once:
        return None
    limit = line.args[0]
    said = (f" The configuration given routes it to {where}, and 'worker_connections {limit};' "
            f"({line.where}) is what each nginx worker process may hold, while this sweep sent "
            f"up to {at_once} requests at once (--concurrency), each holding a connection from "
            f"the client and one to the upstream ({2 * at_once}): nginx short of connections "
            f"closes new ones before reading them.")
    fix = (f"Check nginx's error log at warn level for '{limit} worker_connections are not "
           f"enough, reusing connections' at the sweep's time; if it is there, raise "
           f"worker_connections at {line.where} well above {2 * at_once}, or sweep with a "
           f"lower --concurrency.")
    if obs.target.expected is None:
        return None
    worded = _worded(obs, diagnosis, said, fix, None, steps)
    return dataclasses.replace(worded, evidence=(*worded.evidence, Evidence(
        EvidenceKind.CONFIGURED, f"worker_connections {limit}", line.where)))


def _source(directive: Directive) -> Source:
    return Source(directive.file, directive.line)


def _worded(obs: Observation, diagnosis: Diagnosis, said: str, fix: str, cause: Cause | None,
            steps: tuple[RouteStep, ...]) -> Diagnosis:
    if obs.target.expected is None:
        return diagnosis  # a URL to refuse that is closed is refused: not worded here
    return dataclasses.replace(diagnosis, cause=cause,
                               explanation=_sentence(diagnosis.explanation) + said,
                               fix=fix, candidates=(),
                               evidence=(*diagnosis.evidence, *configured(*steps)))


def _sentence(text: str) -> str:
    """``text`` ended as a sentence: the transport's error it may end with has no stop."""
    return text if not text or text.endswith((".", "!", "?", ")")) else text + "."

