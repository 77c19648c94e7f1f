"""What a catch-all VirtualHost needs on an HTTPS address: httpd decides whether a port
speaks TLS from the VirtualHost a connection's handshake starts in, the first one of the
address (the SNI name picks another only within TLS), so a first VirtualHost without
``SSLEngine on`` turns every site of the port into plain HTTP ("wrong version number" in
every client), and one with ``SSLEngine on`` and no certificate stops httpd starting.

:func:`tls_of` copies the TLS lines of a VirtualHost of that address as read (each with its
``file:line``); :func:`unread_tls` is the same block when no configuration was read.

:func:`tls_only` and :func:`plain_request_fix` are the other side: a site meant for a plain
HTTP URL that exists only as a VirtualHost with ``SSLEngine on`` on another port. Adding the
plain address to that VirtualHost's line is not what is proposed (its ``SSLEngine on`` is
for TLS): the URL is https, or the site gets a plain VirtualHost of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.apache.config import Directive
from probe.apache.model import Server, Site
from probe.front import RouteStep, Source

_CERT_KEYS = ("sslcertificatefile", "sslcertificatekeyfile", "sslcertificatechainfile")


@dataclass(frozen=True)
class CatchAllTls:
    """The lines a catch-all on a TLS address carries after its ServerName, and a comment
    saying where they come from (a ``file:line`` read, or that nothing was read)."""

    lines: tuple[str, ...]
    comment: str


def tls_of(site: Site, servers: Sequence[Server]) -> CatchAllTls | None:
    """The TLS setup of the first of ``servers`` (one address's VirtualHosts) with
    ``SSLEngine on``; None when none has it (a plain-HTTP address)."""
    for server in servers:
        if not server.ssl:
            continue
        # A certificate line the VirtualHost lacks is the main server's, inherited.
        certs = [_last(server.directives, key) or _last(site.config.directives, key)
                 for key in _CERT_KEYS]
        found = [d for d in certs if d is not None]
        lines = ("SSLEngine on", *(f"{d.name} {' '.join(d.args)}" for d in found))
        where = ", ".join(f"{d.file}:{d.line}" for d in found)
        comment = (f"the certificate of {server.describe()}, as read at {where}"
                   if found else f"{server.describe()} names no certificate: give one")
        return CatchAllTls(lines, comment)
    return None


def unread_tls() -> CatchAllTls:
    """For an https URL when no configuration was read: which certificate is not known."""
    return CatchAllTls(
        ("SSLEngine on", "SSLCertificateFile CERTIFICATE.pem",
         "SSLCertificateKeyFile KEY.pem"),
        "HTTPS: a certificate is needed (nothing read names one): copy the "
        "SSLCertificate* lines of a site on this port")


def _last(scope: Sequence[Directive], key: str) -> Directive | None:
    """The directive of ``key`` httpd keeps (the last one written in the scope)."""
    return next((d for d in reversed(scope) if d.key == key and d.args), None)


def tls_only(server: Server, hostname: str) -> RouteStep | None:
    """``server``'s ``SSLEngine on`` line as a step, when it speaks TLS: ``decision`` is the
    origin it answers ``hostname`` at (``https://HOST[:PORT]``, the port of its
    ``<VirtualHost>`` line), ``rule`` says so, ``source`` is that line. None: plain HTTP."""
    engine = _last(server.directives, "sslengine")
    if not server.ssl or engine is None or engine.arg(0).lower() != "on":
        return None
    port = next((a.port for a in server.addresses if a.port is not None), None)
    origin = f"https://{hostname}" + ("" if port in (None, 443) else f":{port}")
    opening = f"<VirtualHost {' '.join(str(a) for a in server.addresses)}>"
    return RouteStep("site", origin, f"SSLEngine on in {opening}: it speaks TLS only",
                     Source(engine.file, engine.line), by="tls")


def plain_request_fix(url: str, expected: str, meant: str, tls: RouteStep, went: str,
                      address: str, listed: Sequence[str] = ()) -> str:
    """The fix for ``url`` (plain HTTP, sent to ``went``, whose VirtualHosts write
    ``address``) whose site ``meant`` (a VirtualHost, described with its ``file:line``)
    speaks only TLS (``tls``, from :func:`tls_only`); ``listed``: the manifest's URLs for
    ``expected``, where the https URL may be already (listing it again is no fix)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    block = "\n".join([f"<VirtualHost {address}>", f"    ServerName {host}",
                       f"    # the WSGI lines of {meant}, without its SSL lines",
                       "</VirtualHost>"])
    https = f"{tls.decision}{path}"
    if any(_same_url(https, u) for u in listed):
        return (f"{meant} serves {host} over HTTPS only ({tls.rule}, {tls.source}). The "
                f"manifest lists {https} for {expected} already (its own row says whether "
                f"that VirtualHost serves it), so no URL is missing: what decides is whether "
                f"{host} must answer plain HTTP at {went} at all, which only the manifest's "
                f"owner knows. If not, remove {url} from the manifest for {expected}; if it "
                f"must, give it a plain VirtualHost of its own there:\n{block}")
    return (f"{meant} serves {host} over HTTPS only ({tls.rule}, {tls.source}): list the URL "
            f"as {https} in the manifest for {expected} (with "
            f"[instances.{expected}] connect where that VirtualHost listens, if the "
            f"manifest's connect sends it elsewhere). Or, if {host} must answer plain HTTP at "
            f"{went} too, give it a plain VirtualHost of its own there:\n{block}")


def _same_url(a: str, b: str) -> bool:
    """The same URL as a client sends it: scheme and name in any case, a default port
    written or not."""
    one, two = urlsplit(a), urlsplit(b)
    try:
        ports = [p.port or {"https": 443, "http": 80}.get(p.scheme.lower()) for p in (one, two)]
    except ValueError:  # a port that is no number: no URL of the manifest (it checks them)
        return False
    return (one.scheme.lower(), (one.hostname or "").lower(), ports[0],
            one.path or "/", one.query) == (two.scheme.lower(), (two.hostname or "").lower(),
                                            ports[1], two.path or "/", two.query)
