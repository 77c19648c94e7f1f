"""The configuration join of a URL Apache's mod_proxy passes to an application server
(gunicorn, waitress, uWSGI...): no WSGI script names the application there, the address does
(the answer's ``server.listen``; where it is null, a mod_wsgi-express backend's daemon group
name, ``HOST:PORT``: :func:`probe.diagnose.fronts.listening`).

* another application answered, and a narrower ``ProxyPass`` for the path is shadowed by the
  one that took it (server context: an earlier broader one, a ``ProxyPassMatch`` as much as
  a ``ProxyPass``, or the main server's line, checked before a VirtualHost's own;
  ``<Location>``: a later section for a broader path): ``url_mapping`` at the line that took
  it, the fix is the order (a main-server line moved into the VirtualHost);
* another application answered from an address the route passes to (a ``BalancerMember``, or
  the ``ProxyPass`` target itself): ``wrong_upstream`` at that line, unless no name
  matched and the first VirtualHost took the URL (:mod:`.join_proxy_fallback`);
* a gateway status (502, 503, 504): :mod:`probe.diagnose.join_gateway`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from urllib.parse import urlsplit

from probe.apache.proxy_reverse import reverse_line, reverse_of
from probe.apache.proxy_rule import socket_url, target_at
from probe.apache.route import ApacheRoutes
from probe.diagnose.config_join import ConfigJoin
from probe.diagnose.fronts import Listening, listening, same_listen
from probe.diagnose.identify import SweepContext
from probe.diagnose.join_proxy_fallback import proxy_fallback
from probe.diagnose.pass_mount import mount_of
from probe.diagnose.wording import Diagnosis
from probe.front import PredictedRoute, RouteStep, Source
from probe.model import Cause, Evidence, EvidenceKind, Observation

GATEWAY = (502, 503, 504)


def _configured(steps: Sequence[RouteStep | None]) -> tuple[Evidence, ...]:
    return tuple(Evidence(EvidenceKind.CONFIGURED, s.rule, str(s.source))
                 for s in steps if s is not None and s.source is not None)


def _own_listens(obs: Observation, context: SweepContext) -> list[tuple[Listening, str]]:
    """(where it listens, URL) of the expected instance answering its own URLs."""
    name = obs.target.expected
    if name is None:
        return []
    seen = ((listening(a), o.target.url) for o, a in context.answers_of(name)
            if o.target.expected == name)
    return list(dict.fromkeys((at, url) for at, url in seen if at))


def _wrong_listens(obs: Observation, context: SweepContext) -> list[Listening]:
    """Where this URL's answers from an instance other than the expected one listen."""
    found: list[Listening] = []
    for sample in obs.samples:
        answer = sample.trusted_answer
        if answer is None or context.identify(answer, obs.target.expected) == \
                obs.target.expected:
            continue
        at = listening(answer)
        if at and at not in found:
            found.append(at)
    return found


def proxy_cause(obs: Observation, diagnosis: Diagnosis, route: PredictedRoute,
                context: SweepContext, config: ConfigJoin) -> Diagnosis | None:
    """The cause of a wrong answer through mod_proxy, from the route; None: not decided."""
    taken = route.step("proxy")
    if taken is None or not isinstance(config.front, ApacheRoutes):
        return None
    url, expected = obs.target.url, obs.target.expected or "no instance"
    path = urlsplit(url).path or "/"
    own = _own_listens(obs, context)
    wrong = _wrong_listens(obs, context)
    # No name matched and the first VirtualHost's ProxyPass took it: the name, not that line
    fell = proxy_fallback(obs, diagnosis, route, context, config, own, wrong)
    if fell is not None:
        return fell
    meant = config.front.proxy_meant(
        route, lambda a: any(same_listen(a, at.address) for at, _ in own))
    seen = "".join(f" {expected} answers its own URL {u} on {at.said}." for at, u in own[:1])
    if meant is not None:
        order = ("httpd merges <Location> sections in configuration order and the ProxyPass "
                 "of the last one that matches wins, so the section for the narrower path "
                 f"must come after the one at {taken.source}" if taken.by == "section" else
                 "in server context mod_proxy uses the first ProxyPass that matches, so the "
                 "narrower path must come first")
        why = (f"{url} should be served by {expected}; mod_proxy took {path}: "
               f"{taken.rule} ({taken.source}), {taken.decision}. A narrower rule for "
               f"{path} never gets it: {meant.rule} ({meant.source}).{seen}")
        site = route.step("site")
        if meant.by == "server" and taken.by == "main" and site is not None:
            fix = (f"Move the main server's line at {taken.source} into the VirtualHosts that "
                   f"need it, below the line at {meant.source} in {site.decision}, or narrow "
                   f"it so that it leaves {path}: httpd checks the main server's ProxyPass "
                   f"lines before a VirtualHost's own, so no line of the VirtualHost comes "
                   f"before it.")
        elif meant.by == "server" and taken.by == "section":
            fix = (f"A <Location>'s ProxyPass ({taken.source}) is used before any ProxyPass "
                   f"in server context: write the rule at {meant.source} as a <Location> "
                   f"for its path after the one at {taken.source}, or narrow that <Location>.")
        elif taken.by == "section":
            fix = (f"Move the <Location> that holds the line at {meant.source} below the one "
                   f"that holds {taken.source}: {order}.")
        else:
            fix = f"Move the line at {meant.source} above the one at {taken.source}: {order}."
        return _worded(diagnosis, why, fix, Cause.URL_MAPPING, (*route.steps, meant))
    # one member per address: a wildcard address several members match names none of them
    hits = [(m, at) for at in wrong
            if len(found := [m for m in route.members if same_listen(m.address, at.address)]) == 1
            for m in found]
    if not hits:
        return None
    member, at = hits[0]
    line = member.source or taken.source
    what = f"BalancerMember {member.address}" if member.source else "the ProxyPass target"
    # an address of the expected instance that is a member already: proposing it again
    # would duplicate that member (a re-tester's balancer had checkin's only one listed)
    listed = [(at_own, u, m) for at_own, u in own for m in route.members
              if same_listen(m.address, at_own.address)]
    fresh = [(at_own, u) for at_own, u in own
             if not any(at_own is x for x, _, _ in listed)]
    why = (f"{url} should be served by {expected}; mod_proxy passes {path} to "
           f"{taken.decision.removeprefix('proxied to ')} ({taken.rule}, {taken.source}), and "
           f"{what} ({line}) is where another application answered ({at.said}).")
    if member.source and listed and not fresh:
        at_own, u, kept = listed[0]
        fix = (f"At {line}, remove that BalancerMember {member.address}: every address where "
               f"{expected} is seen answering ({expected} answers its own URL {u} on "
               f"{at_own.said}) is a member already, {kept.address}"
               f"{f' ({kept.source})' if kept.source else ''}, so writing it in place of "
               f"{member.address} would list that member twice. If {expected} has another "
               f"backend that this sweep did not see, point the line at that one instead.")
        return _worded(diagnosis, why, fix, Cause.WRONG_UPSTREAM, route.steps)
    if fresh or own:
        at_own, u = (fresh or own)[0]
        right = (f"an address where {expected} listens ({expected} answers its own URL "
                 f"{u} on {at_own.said})")
    elif member.address.startswith("unix:") and not member.source:
        # httpd's unix:/x.sock|http://localhost/: the socket path is what changes
        right = (f"the socket of {expected}, which this sweep did not see (no URL of "
                 f"{expected} was answered by {expected}): its application server's bind "
                 f"option gives it (where it listens on TCP instead, write its "
                 f"{socket_url(taken.decision.removeprefix('proxied to ')).split('://')[0]}"
                 f"://HOST:PORT/ in place of the whole target, '|' and all)")
    else:
        right = (f"the address of {expected}, which this sweep did not see (no URL of "
                 f"{expected} was answered by {expected}): its application server's bind "
                 f"option gives it{_socket_form(taken, member.source)}")
    drop = ", or remove that BalancerMember" if member.source else ""
    fix = f"At {line}, replace {member.address} with {right}{drop}{_reverse(config, route)}."
    mounted = None if member.source or not (fresh or own) else \
        _mounted(obs, context, config, route, (fresh or own)[0])
    if mounted is not None:
        fix = mounted
    return _worded(diagnosis, why, fix, Cause.WRONG_UPSTREAM, route.steps)


def _socket_form(taken: RouteStep, member: Source | None) -> str:
    """How a TCP target is written for a backend on a unix socket: the socket in place of
    the host, ``http://unix:/g.sock/``, is a host named ``unix`` to httpd (R36 did so as told:
    500, AH00898 'DNS lookup failure for: unix:'). Empty for a BalancerMember."""
    target = taken.decision.removeprefix("proxied to ")
    whole = None if member else target_at(target, "unix:/path/to.sock")
    if whole is None:
        return ""
    return (f" (where it listens on a unix socket instead, write the whole target in "
            f"mod_proxy's socket form, {whole} in place of {target}: "
            f"{socket_url(target).split('://')[0]}://unix:/path/to.sock/ would be read as a "
            f"host named 'unix')")


def _mounted(obs: Observation, context: SweepContext, config: ConfigJoin,
             route: PredictedRoute, own: tuple[Listening, str]) -> str | None:
    """The ProxyPass line rewritten to the expected instance's address with the mount its
    own answers show (``request.script_name``, a mod_wsgi-express ``--mount-point``): tester
    T31's blog-old, told to replace the port alone, then got blog's 404 (blog serves /app
    only); None where its answers show no mount or the target carries it already."""
    at, url = own
    front = config.front
    rule = front.proxy_rule(route) if isinstance(front, ApacheRoutes) else None
    mount = mount_of(context, obs.target.expected, url)
    if rule is None or not isinstance(front, ApacheRoutes) or rule.regex or \
            at.address.startswith("*:") or rule.target.startswith("balancer://"):
        return None
    path = urlsplit(socket_url(rule.target)).path or ""
    kept = not mount or path.rstrip("/") == mount or path.startswith(mount + "/")
    # a socket for an address or the reverse: 'replace A with B' would leave 'B|http://..'
    # or 'http://unix:/x.sock/' (T36: gamma's ProxyPass named alpha's socket)
    if kept and (rule.target[:5].lower() == "unix:") == at.address.startswith("unix:"):
        return None
    target = target_at(rule.target, at.address, None if kept or not mount else mount + (
        "/" if rule.pattern.endswith("/") else ""))
    if target is None:
        return None
    reverse = "".join(f", and at {d.where} '{reverse_line(d, rule.target, target)}'"
                      for d in reverse_of(front.site, rule))
    expected = obs.target.expected
    said = f"{expected} answers its own URL {url} on {at.said}"
    if kept:
        return (f"At {rule.where}, write '{rule.line(target)}' in place of "
                f"'{rule.written()}'{reverse}: {said}.")
    return (f"At {rule.where}, write '{rule.line(target)}' in place of '{rule.written()}'"
            f"{reverse}: {said}, mounted at "
            f"{mount!r} (request.script_name), so the target carries that mount; the port "
            f"alone would hand it paths without {mount}, which it does not serve.")


def _reverse(config: ConfigJoin, route: PredictedRoute) -> str:
    """The ProxyPassReverse lines beside the ProxyPass whose target changes: left on the old
    backend they rewrite its redirects, not the new one's."""
    front = config.front
    rule = front.proxy_rule(route) if isinstance(front, ApacheRoutes) else None
    if rule is None or not isinstance(front, ApacheRoutes) or \
            rule.target.startswith("balancer://"):
        return ""
    return "".join(f", and the same at {d.where} (its ProxyPassReverse "
                   f"{' '.join(d.args)})" for d in reverse_of(front.site, rule))


def no_endpoint(obs: Observation, diagnosis: Diagnosis, route: PredictedRoute,
                config: ConfigJoin, context: SweepContext) -> Diagnosis | None:
    """No endpoint's answer where the route passes through mod_proxy: the application server
    it passes to must answer (no WSGI mount of Apache's is involved); a URL to refuse, the
    site that took its name must refuse it (:func:`.join_refused_site.passed_on`)."""
    taken = route.step("proxy")
    if taken is None:
        return None
    listed = ", ".join(m.address + (f" ({m.source})" if m.source else "")
                       for m in route.members) or taken.decision
    passes = (f" The configuration given passes the probe URL through mod_proxy: {taken.rule} "
              f"({taken.source}), to {listed}")
    said = f"{passes}: the endpoint must answer from the application server there."
    if not obs.target.expected:  # [refuse]: no endpoint is meant to answer
        from probe.diagnose.discriminate import refuse_key
        from probe.diagnose.join_refused_site import passed_on

        # the answer: a sample's, else the request sent again without certificate checks
        answered = next((s for s in reversed(obs.samples) if s.status_code is not None),
                        context.probed.get(refuse_key(obs)))
        return dataclasses.replace(passed_on(diagnosis, route, config, passes, answered),
                                   evidence=(*diagnosis.evidence, *_configured(route.steps)))
    return dataclasses.replace(diagnosis, explanation=diagnosis.explanation + said,
                               evidence=(*diagnosis.evidence, *_configured(route.steps)))


def _worded(diagnosis: Diagnosis, why: str, fix: str, cause: Cause,
            steps: Sequence[RouteStep | None]) -> Diagnosis:
    observed = tuple(e for e in diagnosis.evidence if e.kind is not EvidenceKind.CONFIGURED)
    return dataclasses.replace(diagnosis, explanation=why, fix=fix, cause=cause,
                               candidates=(), evidence=(*observed, *_configured(steps)))
