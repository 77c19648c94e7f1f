"""A 502 from a front before nginx (HAProxy -> nginx -> application server) where nginx's
configuration given closes the connection for the URL's name on purpose (``return 444``).

Tester T32's chain: HAProxy on 127.0.0.1:18132 passes every name to nginx on
127.0.0.1:18133, whose default server is ``return 444``. For ``unknown.example.com`` nginx
closed the connection without answering (its access log: 444) and HAProxy answered 502 with
no Server header; the sweep said a backend was down and told to start it, with nginx's
configuration given and not read.

Where the URL's address is not one nginx listens on (configured: a front before it answered
there) and, at each address nginx does listen on, the route of the URL ends in ``return
444``, that line is the cause of the outer proxy's 502 (configured), nothing down: cause
``closed_on_purpose``, not ``upstream_down``, since the words say nothing is down; the check
that confirms it is nginx's access log (status 444 for the request). Where nginx's addresses
route the name differently, nothing is claimed.

The front is named HAProxy only where the answer's body is HAProxy's own error page
(``Sample.page``, observed: its Server header is none, which many fronts' pages share);
else "the proxy in front", and its fix is worded for no product.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig, FrontKind, PredictedRoute, RouteStep
from probe.model import Cause, Evidence, EvidenceKind, Observation, Verdict

_STATUS = 502


def closed_on_purpose(obs: Observation, diagnosis: Diagnosis, front: FrontConfig | None,
                      refuse_statuses: frozenset[int]) -> Diagnosis:
    """``diagnosis`` worded with nginx's ``return 444`` where the configuration given closes
    the connection for the URL's name behind the front that answered 502; else unchanged."""
    if diagnosis.verdict is not Verdict.HTTP_ERROR or diagnosis.cause is not Cause.UPSTREAM_DOWN \
            or front is None or front.front is not FrontKind.NGINX \
            or not any(s.status_code == _STATUS and s.endpoint is None and not s.server
                       for s in obs.samples):
        return diagnosis
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    if address is None or front.route(obs.target.url, address).step("site") is None or \
            _listened(front.route(obs.target.url, address)):
        return diagnosis  # nginx listens where the probe connected: its own 502 is not this
    routes = [(at, front.route(obs.target.url, at)) for at in _addresses(front)]
    closed = [(at, route, step) for at, route in routes if (step := _closes(route)) is not None]
    if not closed or len(closed) != len(routes):
        return diagnosis
    url = obs.target.url
    host = urlsplit(url).hostname or url
    said = "; ".join(
        f"at {at} it is taken by {site.decision} ({site.rule}, {site.source}) and ends at "
        f"'return 444' ({step.source})"
        for at, route, step in closed if (site := route.step("site")) is not None)
    lines = ", ".join(dict.fromkeys(str(step.source) for _, _, step in closed))
    page = next((s.page for s in obs.samples if s.status_code == _STATUS and s.page is not None
                 and s.page.server == "HAProxy"), None)
    who = (f"HAProxy answered there (the body is its own '{page.reason}' page)"
           if page is not None else
           "a front before nginx answered there, with no Server header")
    why = (f" The configuration given is nginx's, and no server block of it listens on "
           f"{address}: {who}. In nginx's configuration {said}: nginx closes the "
           f"connection without answering, on purpose, and the proxy in front answers 502 "
           f"for a backend that closed the connection. So nothing need be down: nginx refused "
           f"{host} by its configuration. The check: nginx's access log has this request with "
           f"status 444.")
    refused = obs.target.expected is None
    statuses = sorted({*refuse_statuses, _STATUS})
    fix = (f"Nothing is down: nginx refuses {host} at {lines}. " + (
        f"{host} is to be refused, and it is, but the client gets the front's 502: add 502 to "
        f"statuses in the manifest's [refuse] table (statuses = "
        f"[{', '.join(map(str, statuses))}]) to take it as that refusal, or make " + (
            f"HAProxy refuse {host} itself (an acl for the names served and 'http-request "
            f"deny' for the others)." if page is not None else
            f"the proxy in front refuse {host} itself.")
        if refused else
        f"To serve {host}, give it a server block in nginx's configuration (its name in "
        f"server_name of the block meant for it), then reload nginx."))
    evidence = tuple(Evidence(EvidenceKind.CONFIGURED, "return 444", str(step.source))
                     for _, _, step in closed)
    if page is not None:
        evidence += (Evidence(EvidenceKind.OBSERVED, f"body: HAProxy's error page: "
                              f"{page.reason}: {page.message}", f"GET {url}"),)
    return dataclasses.replace(diagnosis, cause=Cause.CLOSED_ON_PURPOSE,
                               explanation=diagnosis.explanation + why, fix=fix,
                               evidence=(*diagnosis.evidence, *evidence))


def _listened(route: PredictedRoute) -> bool:
    site = route.step("site")
    return site is not None and site.source is not None


def _addresses(front: FrontConfig) -> list[str]:
    """The TCP addresses nginx's server blocks listen on, in configuration order."""
    from probe.nginx.route import NginxConfig

    servers = front.model.servers if isinstance(front, NginxConfig) else []
    return list(dict.fromkeys(
        f"{'127.0.0.1' if lst.host in ('*', '0.0.0.0') else lst.host}:{lst.port}"  # noqa: S104
        for server in servers for lst in server.listens if not lst.host.startswith("unix:")))


def _closes(route: PredictedRoute) -> RouteStep | None:
    """The ``return 444`` step that ends ``route``, if it does."""
    last = route.steps[-1] if route.steps else None
    return last if last is not None and last.decision == "return 444" and \
        last.source is not None else None
