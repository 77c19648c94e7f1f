"""A URL behind Apache's mod_proxy whose Host no ServerName or ServerAlias of its address
matches: httpd gives it to the first VirtualHost of the address, and that one's ProxyPass
passes it to its own application. The cause is the fallback (``vhost_fallback``), not the
first VirtualHost's ProxyPass: that line is right for the site it is written in (a tester's
``ServerName lz.tset`` typo was "fixed" at NetBox's ProxyPass, which broke NetBox).

The VirtualHost meant for the URL is the one with a name one edit from the Host (its line is
the fix: :func:`probe.apache.site_fix.site_fix`), else the one whose ProxyPass passes to an
address the expected instance answers its own URLs from. Where the first VirtualHost is the
one that passes there, it is the site meant and the fallback is not the cause (None).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from urllib.parse import urlsplit

from probe.apache.model import Server
from probe.apache.names import catch_all_vhost
from probe.apache.proxy import rules
from probe.apache.route import ApacheRoutes
from probe.diagnose.config_join import ConfigJoin
from probe.diagnose.fronts import Listening, listening, same_listen
from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import Diagnosis
from probe.front import PredictedRoute, RouteStep, Source
from probe.model import Cause, Evidence, EvidenceKind, Observation


def proxy_fallback(obs: Observation, diagnosis: Diagnosis, route: PredictedRoute,
                   context: SweepContext, config: ConfigJoin,
                   own: Sequence[tuple[Listening, str]],
                   wrong: Sequence[Listening]) -> Diagnosis | None:
    """``vhost_fallback`` where no name matched and the first VirtualHost passed the URL to
    another application; ``own``: where the expected instance answers its own URLs (and
    one such URL), ``wrong``: where this URL's wrong answers came from."""
    front = config.front
    site, taken = route.step("site"), route.step("proxy")
    expected = obs.target.expected
    if not isinstance(front, ApacheRoutes) or site is None or site.by != "default" or \
            taken is None or expected is None or not wrong:
        return None
    passing = _passing_to(front, [at for at, _ in own])
    if any(site.source == Source(v.file, v.line) for v in passing):
        return None  # the first VirtualHost passes to the expected instance: it is its site
    meant = passing[0] if len(passing) == 1 else None
    url, host = obs.target.url, (urlsplit(obs.target.url).hostname or "").lower()
    path = urlsplit(url).path or "/"
    at = wrong[0]
    who = diagnosis.answered_by or "another application"
    why = (f"{url} should be served by {expected}; {site.rule} ({site.source}). That "
           f"VirtualHost passes {path} on ({taken.rule}, {taken.source}), and {who} answered "
           f"from there ({at.said}).{_serves_own(context, who, at)} Its ProxyPass is not the "
           f"line to change: the request should not reach that VirtualHost.")
    fixed = front.site_fix(route, url, expected, None,
                           Source(meant.file, meant.line) if meant else None)
    block = (config.refuse_block(route) if config.refuse_block else None) or \
        catch_all_vhost(f"*:{(route.address or '').rpartition(':')[2] or '80'}")
    refuse = (f" And so that a name no VirtualHost claims is refused rather than given to "
              f"the first one, list first for this address a catch-all that refuses "
              f"unknown names:\n{block}")
    cites: tuple[Evidence, ...] = ()
    if fixed is not None:
        fix = fixed.fix
        cites = tuple(Evidence(EvidenceKind.CONFIGURED, what, str(where))
                      for what, where in fixed.cites)
    else:
        fix = (f"Add 'ServerAlias {host}' inside the VirtualHost meant for {expected}: the "
               f"configuration read does not tell which one it is (no name of one is one edit "
               f"from {host}, and none passes to an address {expected} answers from); not at "
               f"{taken.source}, the ProxyPass of the VirtualHost that answers names no "
               f"VirtualHost claims.")
    observed = tuple(e for e in diagnosis.evidence if e.kind is not EvidenceKind.CONFIGURED)
    steps = (*route.steps, *((_step(meant),) if meant else ()))
    configured = tuple(Evidence(EvidenceKind.CONFIGURED, s.rule, str(s.source))
                       for s in steps if s.source is not None)
    return dataclasses.replace(diagnosis, explanation=why, fix=fix + refuse,
                               cause=Cause.VHOST_FALLBACK, candidates=(),
                               evidence=(*observed, *configured, *cites))


def _passing_to(front: ApacheRoutes, addresses: Sequence[Listening]) -> list[Server]:
    """The VirtualHosts with a ProxyPass whose target is one of ``addresses``."""
    found: list[Server] = []
    for server in front.site.vhosts:
        sections, direct = rules(front.site, server)
        targets = [urlsplit(r.target).netloc for r in (*sections, *direct)
                   if r.target.startswith(("http://", "https://", "uwsgi://"))]
        if any(same_listen(t, at.address) for t in targets if t for at in addresses):
            found.append(server)
    return found


def _serves_own(context: SweepContext, who: str, at: Listening) -> str:
    """That the instance that answered answers its own URLs from the same place: the first
    VirtualHost is its site (observed)."""
    for other, answer in context.answers_of(who):
        seen = listening(answer)
        if other.target.expected == who and seen is not None and \
                same_listen(seen.address, at.address):
            return (f" {who} answers its own URL {other.target.url} from the same place "
                    f"({seen.said}): that ProxyPass serves {who}.")
    return ""


def _step(server: Server) -> RouteStep:
    opening = f"<VirtualHost {' '.join(str(a) for a in server.addresses)}>"
    return RouteStep("site", server.describe(), f"{opening} passes to where the expected "
                     f"instance answers its own URLs", Source(server.file, server.line))
