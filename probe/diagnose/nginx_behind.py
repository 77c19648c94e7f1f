"""A misroute through nginx whose choice was made behind it, by a server that picks its site
by the Host it receives (Apache's name-based VirtualHosts), told from what reached it.

* :func:`host_not_passed`: Apache with mod_wsgi received a Host that is not the URL's, the one
  nginx sends where its location passes none (``$proxy_host``, the ``proxy_pass`` target):
  the server behind chose its site by that address, so every name passed there lands on
  its first site. The fix is ``proxy_set_header Host $host;`` at the location's line, never
  the ``proxy_pass`` target, which leads where it should. Without ``--config`` the same is
  the leading reading of the answer alone (``request.host`` is not the URL's host);
* :func:`chosen_behind`: the Host arrived intact, nginx's location passes it (configured),
  Apache with mod_wsgi answered (``server.software``) and other instances answered their
  own URLs through the same hand-over: nginx's part is right and Apache's name matching
  chose the site (``vhost_fallback`` or ``vhost_shadowed``, Apache's configuration the
  check). A tester's nginx -> Apache chain with ``ServerName site2.exmaple`` got the nginx
  ``proxy_pass`` line blamed for it;
* :func:`apache_may_choose`: the same without nginx's configuration. The Host arrived intact
  at a mod_wsgi answer, and other instances' own URLs were answered through the same front
  address by the same Apache (its parent pid, host and ``server.software``; ``server.listen``
  is null under mod_wsgi, so where nginx passed the URL is not in the answer): Apache's name
  matching joins nginx's two readings as candidates, and nginx's fix is worded as one reading
  of them (the re-tester R22's ``servername_typo`` was told only to change nginx).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from urllib.parse import urlsplit

from probe.diagnose.answer_names import joined
from probe.diagnose.apache_graceful import vhost_dump
from probe.diagnose.fronts import EXPRESS_NAMING, express_address, mod_wsgi, software
from probe.diagnose.host_words import HOST_FIX, host_fix, host_name
from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.front import PredictedRoute
from probe.model import Candidate, Cause, Evidence, EvidenceKind, FrontKind, Observation
from probe.safe_text import quoted

Router = Callable[[Observation], "PredictedRoute | None"]


def _behind(answer: EndpointAnswer) -> str:
    """The server behind nginx as its answer names it."""
    seen = software(answer)
    return f"{seen} (server.software)" if seen else "the server behind it"


def _group(answer: EndpointAnswer) -> str:
    return (f", from daemon process group {quoted(answer.process_group)} (process_group)"
            if answer.process_group else "")


def one_application(answer: EndpointAnswer, who: str, named: bool = False) -> str:
    """Why a mod_wsgi-express answer leaves no choice to the server behind nginx: its port
    serves one application (express writes one ``<VirtualHost _default_:PORT>``, and with
    --server-name refuses other Hosts with 403); empty for any other answer. ``named``: the
    HOST:PORT naming was said already."""
    if express_address(answer) is None:
        return ""
    naming = "mod_wsgi-express's HOST:PORT too" if named else \
        f"a mod_wsgi-express server's ({EXPRESS_NAMING})"
    return (f" Its process_group {quoted(answer.process_group)} is {naming}, and an express "
            f"server serves one application, here {who}'s, to every Host it accepts on its "
            f"port: the address nginx passed it to chose {who}, no name matching behind nginx.")


def host_not_passed(url: str, diagnosis: Diagnosis, answer: EndpointAnswer,
                    route: PredictedRoute | None, head: str,
                    observed: tuple[Evidence, ...]) -> Diagnosis | None:
    """``host_rewritten`` in nginx's terms, where the Host received is the one nginx sends
    (``--config``), or, without it, where the answer alone shows a rewritten Host."""
    host = (urlsplit(url).hostname or "").lower()
    received = answer.host
    if not received or host_name(received) == host or not mod_wsgi(answer):
        return None  # an application server reached by address answers whatever the Host
    step = route.step("host") if route is not None else None
    if route is not None and (step is None or step.source is None
                              or step.decision.strip().lower() != received.strip().lower()):
        return None  # the Host nginx sends is another (or not known): not nginx's doing
    seen = Evidence(EvidenceKind.OBSERVED, f"request.host = {quoted(received)}", f"GET {url}")
    behind = _behind(answer)
    chose = (f" {behind[:1].upper()}{behind[1:]} then chose its site by {host_name(received)!r}"
             f"{_group(answer)}: a server that picks its site by name answers a name none of "
             f"its sites claims from its first one, whichever site nginx's block was for.")
    if step is not None and route is not None:
        return dataclasses.replace(
            diagnosis, cause=Cause.HOST_REWRITTEN, candidates=(),
            explanation=f"{head} It received Host {quoted(received)} (request.host), not {host!r}: "
                        f"{step.rule} ({step.source}).{chose} The hand-over's target is not "
                        f"what is wrong: nginx passed the request where it is written to, "
                        f"without its name.",
            fix=host_fix(FrontKind.NGINX, step, route),
            evidence=(*observed, seen, Evidence(EvidenceKind.CONFIGURED, step.rule,
                                                str(step.source))))
    if diagnosis.cause is not Cause.HOST_REWRITTEN:
        return None
    forwarded = (f" with X-Forwarded-Host {quoted(answer.forwarded_host)} (request.forwarded_host)"
                 if answer.forwarded_host else " and no X-Forwarded-Host")
    return dataclasses.replace(
        diagnosis, candidates=(),
        explanation=f"{head} It received Host {quoted(received)} (request.host), not {host!r},"
                    f"{forwarded}: nginx passed it on with a Host of its own, as a location "
                    f"whose proxy_pass has no 'proxy_set_header Host $host' in force does (it "
                    f"sends $proxy_host, the proxy_pass target's host and port).{chose}",
        fix=f"{HOST_FIX[FrontKind.NGINX]} probe sweep --config with nginx's configuration "
            f"names that location's line.",
        evidence=(*observed, seen))


def _shared(obs: Observation, upstream: str, context: SweepContext,
            route_of: Router) -> list[str]:
    """The other instances whose own URLs were answered right through a route to the same
    hand-over address (the server there tells sites apart by name)."""
    key = ("nginx_behind", upstream)
    if key not in context.memo:
        found: list[tuple[str, str]] = []
        for other in context.observations:
            expected = other.target.expected
            answer = next((s.trusted_answer for s in reversed(other.samples)
                           if s.trusted_answer), None)
            if expected is None or answer is None \
                    or context.identify(answer, expected) != expected:
                continue
            route = route_of(other)
            if route is not None and route.upstream == upstream \
                    and all(name != expected for name, _ in found):  # one URL each
                found.append((expected, other.target.url))
        context.memo[key] = found
    shared = context.memo[key]
    assert isinstance(shared, list)
    return [f"{name} ({url})" for name, url in shared if name != obs.target.expected]


def chosen_behind(obs: Observation, diagnosis: Diagnosis, answer: EndpointAnswer,
                  route: PredictedRoute | None, context: SweepContext, route_of: Router,
                  head: str, observed: tuple[Evidence, ...]) -> Diagnosis | None:
    """Apache behind nginx chose the site: nginx passed the right name to the right place."""
    url, expected = obs.target.url, obs.target.expected
    host = (urlsplit(url).hostname or "").lower()
    step = route.step("host") if route is not None else None
    upstream = route.step("upstream") if route is not None else None
    if route is None or step is None or step.source is None or upstream is None \
            or not route.upstream or expected is None or not mod_wsgi(answer) \
            or express_address(answer) is not None \
            or host_name(answer.host) != host or host_name(step.decision) != host:
        return None
    others = _shared(obs, route.upstream, context, route_of)
    if not others:
        return None  # no other site answered through that hand-over: it may lead elsewhere
    # the answer is mod_wsgi's own (not express's): its ppid is that Apache (re-tester R30: a
    # bare 'apachectl -S' reads the system's configuration, not a file given with -f)
    check = (f"--config with Apache's configuration (the httpd.conf of the server at "
             f"{route.upstream}; {vhost_dump(answer.ppid)} lists each address's VirtualHosts "
             f"and names)")
    return dataclasses.replace(
        diagnosis, cause=None,
        explanation=f"{head} It received Host {quoted(answer.host)} (request.host): nginx passed "
                    f"the name on ({step.rule}, {step.source}) to {route.upstream} "
                    f"({upstream.rule}, {upstream.source}), where {joined(others)} "
                    f"answered their own URLs. So nginx's part is right; {_behind(answer)} "
                    f"chose {diagnosis.answered_by or 'another'}'s site for "
                    f"{host!r}{_group(answer)}: no VirtualHost of that address claims the "
                    f"name and the first one answered, or an earlier one claims it (a "
                    f"ServerAlias, a wildcard).",
        fix=f"Leave nginx's lines as they are. In Apache's configuration, give the VirtualHost "
            f"meant for {expected} the name {host} (its ServerName or ServerAlias: a name "
            f"written otherwise there sends {host} to the address's first VirtualHost), or take "
            f"it off the earlier VirtualHost that claims it; {check} names the line.",
        candidates=(
            Candidate(Cause.VHOST_FALLBACK, f"{check}: no ServerName or ServerAlias of the "
                                            f"VirtualHosts there matches {host}, so the first "
                                            f"one answers"),
            Candidate(Cause.VHOST_SHADOWED, f"{check}: an earlier VirtualHost's ServerAlias "
                                            f"(a wildcard) takes {host}")),
        evidence=(*observed,
                  Evidence(EvidenceKind.OBSERVED, f"request.host = {quoted(answer.host)}",
                           f"GET {url}"),
                  Evidence(EvidenceKind.OBSERVED, f"server.software = {software(answer)!r}",
                           f"GET {url}"),
                  Evidence(EvidenceKind.CONFIGURED, step.rule, str(step.source)),
                  Evidence(EvidenceKind.CONFIGURED, upstream.rule, str(upstream.source))))


_NGINX_SIDE = (Cause.DEFAULT_SERVER, Cause.WRONG_UPSTREAM)


def _address(obs: Observation) -> str | None:
    return obs.target.address or next((s.address for s in reversed(obs.samples)
                                       if s.address), None)


def _same_apache(obs: Observation, answer: EndpointAnswer,
                 context: SweepContext) -> list[tuple[str, str]]:
    """The other instances (one URL each) whose own URLs the same Apache answered through
    the same front address: the same parent pid (``ppid``), host and ``server.software``."""
    address = _address(obs)
    key = ("apache_behind", f"{address}|{answer.ppid}|{answer.hostname}|{software(answer)}")
    if key not in context.memo:  # once per Apache and address: asked for every wrong URL
        found: list[tuple[str, str]] = []
        for other in context.observations:
            expected = other.target.expected
            seen = next((s.trusted_answer for s in reversed(other.samples)
                         if s.trusted_answer), None)
            if expected is None or seen is None or _address(other) != address \
                    or seen.ppid != answer.ppid or seen.hostname != answer.hostname \
                    or software(seen) != software(answer) or not mod_wsgi(seen) \
                    or any(name == expected for name, _ in found) \
                    or context.identify(seen, expected) != expected:
                continue
            found.append((expected, other.target.url))
        context.memo[key] = found
    shared = context.memo[key]
    assert isinstance(shared, list)
    return [(name, url) for name, url in shared if name != obs.target.expected]


def apache_may_choose(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
                      route: PredictedRoute | None) -> Diagnosis:
    """Without nginx's configuration, nginx's readings (``default_server``,
    ``wrong_upstream``) joined by Apache's name matching where the answers show the same
    Apache answering other instances' own URLs through the same address with the Host
    intact; else ``diagnosis`` unchanged."""
    url, expected = obs.target.url, obs.target.expected
    host = (urlsplit(url).hostname or "").lower()
    answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer), None)
    nginx_side = [c for c in diagnosis.candidates if c.cause in _NGINX_SIDE]
    if route is not None or expected is None or answer is None or not mod_wsgi(answer) \
            or express_address(answer) is not None \
            or answer.ppid is None or host_name(answer.host) != host \
            or not (diagnosis.cause in _NGINX_SIDE or (diagnosis.cause is None and nginx_side)):
        return diagnosis
    others = _same_apache(obs, answer, context)
    if not others:
        return diagnosis
    if diagnosis.cause is not None:  # decided on nginx's side alone: one reading now
        nginx_side = [Candidate(diagnosis.cause, "'nginx -T' (or probe sweep --config with "
                                f"nginx's configuration): the server block that takes {host} "
                                f"and its pass line")]
    address = _address(obs) or "this address"
    who = diagnosis.answered_by or "another instance"
    apache = (f"{software(answer)} (server.software), parent pid {answer.ppid} (ppid)"
              + (f", host {quoted(answer.hostname)} (server.hostname)" if answer.hostname else ""))
    check = (f"--config with Apache's configuration ({vhost_dump(answer.ppid)} lists each "
             f"address's VirtualHosts and names), or with nginx's")
    why = (f" A third reading: it received Host {quoted(answer.host)} (request.host), the "
           f"URL's, and "
           f"the same Apache ({apache}) answered {joined([f'{n} ({u})' for n, u in others])} "
           f"through the same address {address}; server.listen is null under mod_wsgi, so the "
           f"answers do not show where nginx passed it. nginx may have passed {host} right, "
           f"and Apache chosen {who}'s site itself, by name: no VirtualHost of the address it "
           f"arrived on claims {host} and the first one answered, or an earlier one claims it "
           f"(a ServerAlias, a wildcard). The answers alone do not tell these readings apart.")
    nginx_fix = diagnosis.fix[:1].lower() + diagnosis.fix[1:]
    fix = (f"Find first which server chose {who}'s site: {check}. If no VirtualHost of "
           f"Apache's address claims {host} (a name written otherwise there, such as a typo, "
           f"sends it to that address's first VirtualHost), or an earlier one claims it, the "
           f"fix is Apache's: give the VirtualHost meant for {expected} the name {host} (its "
           f"ServerName or ServerAlias), or take the name off the earlier one, and leave "
           f"nginx's lines as they are. If the VirtualHost meant for {expected} is the first "
           f"to claim {host} there, nginx's part is the reading left: {nginx_fix}")
    same = tuple(Evidence(EvidenceKind.OBSERVED, f"{name} answered from the same Apache "
                          f"(ppid {answer.ppid}, server.software {software(answer)!r})",
                          f"GET {other}") for name, other in others)
    return dataclasses.replace(
        diagnosis, cause=None, explanation=f"{diagnosis.explanation}{why}", fix=fix,
        candidates=(*nginx_side,
                    Candidate(Cause.VHOST_FALLBACK, f"{check}: no ServerName or ServerAlias "
                                                    f"of the VirtualHosts of Apache's address "
                                                    f"matches {host}, so the first one "
                                                    f"answers"),
                    Candidate(Cause.VHOST_SHADOWED, f"{check}: an earlier VirtualHost's "
                                                    f"ServerAlias (a wildcard) takes {host}"),
                    *(c for c in diagnosis.candidates if c.cause not in _NGINX_SIDE)),
        evidence=(*diagnosis.evidence,
                  Evidence(EvidenceKind.OBSERVED, f"request.host = {quoted(answer.host)}",
                           f"GET {url}"),
                  Evidence(EvidenceKind.OBSERVED, f"ppid = {answer.ppid}", f"GET {url}"),
                  *same))
