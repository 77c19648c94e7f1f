"""``scheme_not_passed`` through Apache's mod_proxy with its configuration read
(``--config``): the ``RequestHeader`` that sends the scheme in the route's VirtualHost, or the
VirtualHost and ``ProxyPass`` to add it beside."""

from __future__ import annotations

import posixpath

from probe.apache.proxy_slash import says_loaded
from probe.apache.route import ApacheRoutes
from probe.front import FrontConfig
from probe.model import Observation

_SENDS = ("set", "add", "append", "setifempty")
ADD = "RequestHeader set X-Forwarded-Proto \"https\""


def apache_scheme(obs: Observation, front: FrontConfig, taken: str) -> tuple[str, bool] | None:
    """(the words, whether the configuration sends the header); None: not a mod_proxy route
    of Apache's model."""
    if not isinstance(front, ApacheRoutes):
        return None
    address = obs.target.address or next((s.address for s in obs.samples if s.address), None)
    route = front.route(obs.target.url, address)
    proxy, site = route.step("proxy"), route.step("site")
    if route.undecided is not None or proxy is None or site is None:
        return None
    sent = [d for d in front.server_directives(route, "requestheader")
            if d.arg(0).lower() in _SENDS and d.arg(1).lower() == "x-forwarded-proto"]
    if sent:
        lines = "; ".join(f"'{' '.join([d.name, *d.args])}' ({d.where})" for d in sent)
        return (f"Apache sends the scheme for {obs.target.url}: {lines}; {taken}.", True)
    return (f"Apache sends no X-Forwarded-Proto for {obs.target.url}: {site.decision} passes "
            f"it with the ProxyPass at {proxy.source} and no 'RequestHeader set "
            f"X-Forwarded-Proto' is in force there (mod_headers), so nothing tells the "
            f"application the request was https. {load_headers(front)}Add '{ADD}' in that "
            f"VirtualHost.", False)


def load_headers(front: ApacheRoutes) -> str:
    """Loading mod_headers, where the configuration read shows it is not: httpd refuses
    'RequestHeader' without it and does not restart ("Invalid command 'RequestHeader'",
    tester T36's graceful); "" where it is loaded or a fragment does not say. Said before
    every RequestHeader a fix writes (X-Forwarded-Proto here, X-Forwarded-Prefix in
    :mod:`.join_proxy_fixes`)."""
    loaded = [d for d in front.site.config.directives if d.key == "loadmodule"]
    if not says_loaded(front.site) or any(d.arg(0) == "headers_module" for d in loaded):
        return ""
    other = next((d for d in loaded if "/" in d.arg(1)), None)
    line = (f"'LoadModule headers_module {posixpath.dirname(other.arg(1))}/mod_headers.so' (the "
            f"directory of the LoadModule at {other.where})" if other is not None else
            "a LoadModule line for headers_module")
    return (f"No LoadModule line read loads headers_module (mod_headers), and without it "
            f"httpd refuses a RequestHeader line and does not restart (\"Invalid command "
            f"'RequestHeader'\"): load it first, with {line}, or on Debian 'a2enmod "
            f"headers'. ")
