"""Whether the answers show a proxy in front of the application server, whatever the front:
a Server header naming a front's product (nginx, Apache httpd, HAProxy, Caddy, Envoy, ...)
that is not the application server's own (Apache's mod_proxy passes its backend's on,
HAProxy adds none), a Via header naming something other than the application server, the
application server listening elsewhere than the address the request went to
(``server.listen``), or a forwarded Host that arrived (``request.forwarded_host``). mod_wsgi
answers from inside Apache, whose Server header is its own: only a forwarded Host that
arrived or a Via header shows a proxy before it (:func:`mod_wsgi_proxied`: mod_wsgi-express
backends behind mod_proxy, which adds X-Forwarded-Host unless ProxyAddHeaders Off).

Any other Server header decides nothing: an application or a middleware may set its own
(waitress passes it on, adding ``Via: waitress``), and so may a front this tool does not
know. :func:`server_header_undecided` says what was seen and what would decide it.

Used where a verdict or its words depend on something in between: a stripped mount is a
proxy's doing, and a name to refuse is refused by the front that was seen, not by one to add.
"""

from __future__ import annotations

from dataclasses import dataclass

from probe.diagnose.front_words import FRONT_PRODUCTS, named_front
from probe.diagnose.fronts import (
    APP_SERVERS,
    listen,
    mod_wsgi,
    same_listen,
    server_header,
    software,
)
from probe.endpoint_answer import EndpointAnswer
from probe.model import Evidence, EvidenceKind, Observation
from probe.safe_text import quoted

__all__ = ["FRONT_PRODUCTS", "HeaderSaid", "ProxySeen", "mod_wsgi_proxied", "proxy_seen",
           "server_header_said"]


KNOWN = "nginx, Apache httpd, HAProxy, Caddy, Envoy"
"""The known fronts as a sentence names them (a few of :data:`FRONT_PRODUCTS`)."""


@dataclass(frozen=True, slots=True)
class ProxySeen:
    name: str | None
    """The front's name from its Server header (``Apache``, ``nginx``); None: unnamed."""
    evidence: tuple[Evidence, ...]
    """What showed it, each an observed field of the answer."""

    @property
    def words(self) -> str:
        """The front as the explanation names it."""
        return f"the front in between ({self.name}, its Server header)" if self.name else \
            "the front in between"


def _address(obs: Observation) -> str | None:
    return obs.target.address or next((s.address for s in reversed(obs.samples)
                                       if s.address), None)


def _product(text: str | None) -> str:
    """``nginx`` of ``nginx/1.22.1``, ``waitress`` of ``waitress``: lowercased."""
    return (text or "").strip().split("/")[0].split(" ")[0].lower()


def _own(header: str, answer: EndpointAnswer) -> bool:
    """Whether a Server header is the application server's own (gunicorn, uWSGI and waitress
    by name, as Apache's mod_proxy passes them on; else the product ``server.software``
    names: wsgiref's ``WSGIServer``, hypercorn, ...)."""
    own = _product(software(answer))
    return header.lower().startswith(APP_SERVERS) or (bool(own) and _product(header) == own)


def _via_front(obs: Observation, answer: EndpointAnswer) -> str | None:
    """The Via header when one of its entries names something other than the application
    server (waitress says ``Via: waitress`` when the application set its own Server)."""
    via = next((s.via for s in reversed(obs.samples) if s.via), None)
    own = _product(software(answer))
    for entry in (via or "").split(","):
        words = entry.split()
        # "1.1 varnish (comment)": received-by after the protocol; waitress writes a bare name
        by = words[1] if len(words) > 1 else words[0] if words else ""
        if by and _product(by.split(":")[0]) != own:
            return via
    return None


def proxy_seen(obs: Observation, answer: EndpointAnswer) -> ProxySeen | None:
    """The proxy the answers show in front of ``answer``'s server, or None."""
    if mod_wsgi(answer):
        return None
    sent = f"GET {obs.target.url}"
    found: list[Evidence] = []
    header = server_header(obs)
    # Caddy's own Server header and its backend's, joined: the front is the one named
    front = named_front(header)
    named = header is not None and front is not None and not _own(header, answer) and \
        front.product != _product(software(answer))
    if named:
        found.append(Evidence(EvidenceKind.OBSERVED, f"Server: {header}", sent))
    via = _via_front(obs, answer)
    if via:
        found.append(Evidence(EvidenceKind.OBSERVED, f"Via: {via}", sent))
    at, address = listen(answer), _address(obs)
    if at and address and not same_listen(at, address):
        found.append(Evidence(EvidenceKind.OBSERVED, f"server.listen = {at!r} while the "
                              f"request went to {address}", sent))
    if answer.forwarded_host:
        found.append(Evidence(EvidenceKind.OBSERVED,
                              f"request.forwarded_host = {quoted(answer.forwarded_host)}", sent))
    if not found:
        return None
    return ProxySeen(front.name if named and front is not None else None, tuple(found))


def mod_wsgi_proxied(obs: Observation, answer: EndpointAnswer) -> ProxySeen | None:
    """The proxy the answers show in front of a mod_wsgi answer (a forwarded Host that
    arrived, a Via header), or None. mod_wsgi sets SCRIPT_NAME from its own mount, which
    behind a proxy is the backend's path, not the URL's."""
    if not mod_wsgi(answer):
        return None
    sent = f"GET {obs.target.url}"
    via = None
    # A loop, not a comprehension (a code object of its own, which the check server's
    # warm-up, answered by no mod_wsgi, would leave for a child to run first).
    for sample in reversed(obs.samples):
        if sample.via:
            via = sample.via
            break
    found = [Evidence(EvidenceKind.OBSERVED, f"Via: {via}", sent)] if via else []
    if answer.forwarded_host:
        found.append(Evidence(EvidenceKind.OBSERVED,
                              f"request.forwarded_host = {quoted(answer.forwarded_host)}", sent))
    return ProxySeen(None, tuple(found)) if found else None


@dataclass(frozen=True, slots=True)
class HeaderSaid:
    """What a Server header that is neither the application server's nor a known front's
    shows: ``words`` for the explanation; ``undecided``: whether a front in between may have
    set it (else the application or a middleware did)."""
    header: str
    words: str
    undecided: bool


def server_header_said(obs: Observation, answer: EndpointAnswer) -> HeaderSaid | None:
    """For a Server header that is neither the application server's nor a known front's
    (an application's own, or a front's this tool does not know): what was seen, and whether
    it decides who set it; else (any other header, or none) None."""
    header = server_header(obs)
    if mod_wsgi(answer) or header is None or _own(header, answer) or \
            named_front(header) is not None:
        return None
    name = software(answer)
    theirs = f"{name}'s (server.software)" if name else "the application server's"
    at, address = listen(answer), _address(obs)
    seen = f"The Server header {header!r} is not {theirs} and names no front this tool knows"
    if at and address and same_listen(at, address) and _via_front(obs, answer) is None:
        return HeaderSaid(header, f"{seen}, but the request went to where the application "
                          f"server listens ({at}, server.listen): the application or a "
                          f"middleware sets it, no front.", undecided=False)
    check = (f"a request straight to {at} (server.listen)" if at else
             "a request straight to the application server's own port")
    return HeaderSaid(header, f"{seen} ({KNOWN}): the application or a middleware may set "
                      f"it, or a front in between; the answers do not tell which. "
                      f"{check[0].upper()}{check[1:]} would: the same Server header there "
                      f"is the application's own.", undecided=True)
