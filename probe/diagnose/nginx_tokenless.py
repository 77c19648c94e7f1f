"""``no_endpoint`` through nginx (``--config``) where the route's location sends proxy
headers and the sweep sent no token: why an endpoint without a token stays silent there.

The endpoint without a token answers only a loopback request that carries no proxy header
(``Forwarded``, ``Via``, ``X-Real-IP``, ``X-Forwarded-*``, ``X-Client-IP``... :
docs/endpoint-protocol.md, ``_PROXY_KEY`` in contrib/wsgi_endpoint.py); any other request
it passes on to the application, which answers as if no endpoint were there. A location
with ``proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`` (Seafile's published
block, most tutorials') sends one with every request: a first install without a token is
silent behind it, and "install the endpoint; if it is installed, give the probe its token"
(the answers-alone words) leaves the reader guessing which. The lines in force are nginx's
after inheritance (:class:`probe.nginx.model.HeaderSet`); a header whose value is a request
header the probe does not send (``$http_x_forwarded_for``) may be empty, and nginx sends no
empty header, so it is not counted.

The probe sends its one token with every URL of the manifest: the instances of the same sweep
that answered without a signature (their endpoints have no token) would answer not_live
(forged) once it has one, so the fix names them (:func:`unsigned_elsewhere`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from probe.diagnose.nginx_names import nginx_model
from probe.diagnose.wording import FILE_GROUP_FIX, UNREADABLE_FILE_LOG
from probe.model import Evidence, EvidenceKind

if TYPE_CHECKING:
    from probe.diagnose.identify import SweepContext
    from probe.front import FrontConfig, PredictedRoute, RouteStep
    from probe.nginx.model import Header, Location

# The endpoint's proxy headers (contrib/wsgi_endpoint.py _PROXY_KEY), as header names.
_PROXY = re.compile(r"(?:forwarded|via|x-real-ip|x-forwarded(?:-.*)?|x-(?:cluster-)?client-ip"
                    r"|true-client-ip|cf-connecting-ip)", re.IGNORECASE)
# A value that is one request header's: empty unless the request sends it (the probe sends
# Host and its own X-Probe-* headers, none of these).
_REQUEST_ONLY = re.compile(r"\$\{?http_(?!host\b)\w+\}?")


@dataclass(frozen=True)
class Tokenless:
    """Why a token-less endpoint does not answer through this location, and the fix."""

    said: str  # appended to the explanation
    fix: str
    evidence: tuple[Evidence, ...]


def _location(front: FrontConfig | None, route: PredictedRoute) -> Location | None:
    """The location that passes the request: the route's last location step, as read."""
    model = nginx_model(front)
    if model is None:
        return None
    by_line = {loc.where: loc for _, loc in model.locations()}
    return next((by_line[str(s.source)] for s in reversed(route.steps)
                 if s.stage == "mapping" and s.source is not None
                 and str(s.source) in by_line), None)


def proxy_headers(front: FrontConfig | None, route: PredictedRoute) -> tuple[Header, ...]:
    """The proxy headers nginx sends with every request the route's location passes
    (proxy_pass: ``proxy_set_header`` does nothing on uwsgi_pass); none where the lines in
    force are not known (an include not read)."""
    loc = _location(front, route)
    if loc is None or loc.proxy_pass is None or loc.header_set.unread is not None:
        return ()
    return tuple(h for h in loc.headers if h.where and _PROXY.fullmatch(h.name)
                 and h.value and not _REQUEST_ONLY.fullmatch(h.value))


def unsigned_elsewhere(context: SweepContext) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The instances that answered this sweep without a signature (``signature`` null), each
    with its URLs, in sweep order; computed once per sweep (every silent URL asks)."""
    key = ("unsigned_elsewhere", "")
    if key not in context.memo:
        found: dict[str, list[str]] = {}
        for obs, answer in context.answers():
            if answer.signature is None:
                urls = found.setdefault(context.display_name(answer, obs.target.expected), [])
                if obs.target.url not in urls:
                    urls.append(obs.target.url)
        context.memo[key] = tuple((name, tuple(urls)) for name, urls in found.items())
    return cast("tuple[tuple[str, tuple[str, ...]], ...]", context.memo[key])


def _same_token_too(context: SweepContext, expected: str) -> str:
    """The sentence naming the other token-less endpoints the token would turn not_live."""
    others = [(name, urls) for name, urls in unsigned_elsewhere(context) if name != expected]
    if not others:
        return ""
    named = "; ".join(f"{name} ({', '.join(urls)})" for name, urls in others)
    return (f" The probe sends its one token with every URL of the manifest, and these "
            f"answered this sweep without a signature (signature null: their endpoints have "
            f"no token): {named}. Give each of them the same token (the same token file, or "
            f"the same WSGI_PROBE_TOKEN) in the same step, or their answers turn not_live "
            f"(forged) once the probe sends it.")


def tokenless(front: FrontConfig | None, route: PredictedRoute, upstream: RouteStep,
              expected: str, context: SweepContext) -> Tokenless | None:
    """The words where the sweep sent no token and the location sends proxy headers."""
    if context.token_sent:
        return None
    headers = proxy_headers(front, route)
    loc = _location(front, route)
    if not headers or loc is None:
        return None
    lines = ", ".join(f"'proxy_set_header {h.name} {h.value}' ({h.where})" for h in headers)
    said = (f" nginx sends proxy headers with every request {loc.describe()} passes: {lines}. "
            f"An endpoint without a token answers no request that carries one (such a "
            f"request may have been forwarded for anybody: docs/endpoint-protocol.md), and "
            f"this sweep sent no token (no X-Probe-Token): an endpoint installed there "
            f"without a token passes the request on to the application, which answers as "
            f"this did.")
    fix = (f"Give the endpoint a token and the probe the same: 'probe endpoint --install "
           f"path/to/wsgi.py' on {expected}'s WSGI script (without --no-token) installs the "
           f"endpoint with a token file, or rewrites a token-less install of its own to read "
           f"one, and prints the '[probe] token_file' line for the manifest (a script that "
           f"calls wsgi_endpoint.wrap() by hand it refuses, naming the lines: add "
           f"token_file=... to that call, or remove the import and the call and run it "
           f"again), or set WSGI_PROBE_TOKEN "
           f"for the application's processes and name it in the manifest's token_env; then "
           f"reload the application server.{_same_token_too(context, expected)} Behind these "
           f"headers no token-less endpoint answers. If the endpoint still does not answer "
           f"with the token, the application's error log tells which: "
           f"{UNREADABLE_FILE_LOG} when the application loads says its user cannot read the "
           f"token file ({FILE_GROUP_FIX}); without that line, what listens at "
           f"{upstream.decision} ({upstream.rule}, {upstream.source}) is not {expected}'s "
           f"application: its log shows the request.")
    evidence = tuple(Evidence(EvidenceKind.CONFIGURED, f"proxy_set_header {h.name} {h.value}",
                              h.where) for h in headers)
    return Tokenless(said, fix, evidence)
