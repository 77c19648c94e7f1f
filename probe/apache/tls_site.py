"""Which ``<VirtualHost>`` a TLS handshake for one SNI name at one address reaches, and the
certificate it presents: what names the certificate a client rejects.

mod_ssl picks the VirtualHost for an SNI name as httpd picks one for a Host
(:mod:`probe.apache.vhost_select`: the address set, then ServerName and ServerAlias in
configuration order, else the first of the set), and the certificate is that VirtualHost's
``SSLCertificateFile``, else the main server's. Where no VirtualHost of the address claims
the name, the one of another port that does (certbot's ``:80`` site without its
``-le-ssl.conf`` twin) says the name is meant to be served; where the certificate line names
the same file as another site's, it was likely copied from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from probe.apache.config import Directive
from probe.apache.hostnames import name_matches
from probe.apache.model import Server, Site
from probe.apache.twin_mount import written, wsgi_lines
from probe.apache.vhost_select import select_vhost
from probe.front import Source, TlsSite


def certificate_line(site: Site, server: Server) -> Directive | None:
    """The ``SSLCertificateFile`` in force for ``server`` (its own, else the main server's)."""
    return _last(server.directives, "sslcertificatefile") or \
        _last(site.config.directives, "sslcertificatefile")


def tls_site(site: Site, hostname: str, ip: str | None, port: int) -> TlsSite | None:
    """The TLS site for ``hostname`` at ``ip:port``; None where the configuration does not
    decide it, or the site it reaches does not speak TLS."""
    choice = select_vhost(site, hostname, ip, port)
    server = choice.server
    if choice.undecided is not None or server.is_main or not server.ssl:
        return None
    cert = certificate_line(site, server)
    shared = tuple(
        (other.describe(), Source(line.file, line.line)) for other in site.vhosts
        if other is not server and other.ssl
        and (line := certificate_line(site, other)) is not None and cert is not None
        and line.arg(0) == cert.arg(0) and (line.file, line.line) != (cert.file, cert.line))
    key = _last(server.directives, "sslcertificatekeyfile") or \
        _last(site.config.directives, "sslcertificatekeyfile")
    found = TlsSite(server.describe(), choice.rule, choice.source, choice.by,
                    " ".join(str(a) for a in server.addresses),
                    None if cert is None else f"{cert.name} {' '.join(cert.args)}",
                    None if cert is None else Source(cert.file, cert.line), shared,
                    key=None if key is None else f"{key.name} {' '.join(key.args)}",
                    key_source=None if key is None else Source(key.file, key.line))
    if choice.by == "name":
        return found
    # No VirtualHost of the address claims the name: one elsewhere that does.
    here = choice.candidates
    claimant = next((v for v in site.vhosts if not any(v is c for c in here)
                     and name_matches(v.server_name, v.aliases, hostname) is not None), None)
    if claimant is None:
        return found
    names = tuple(n for n in (claimant.server_name, *claimant.aliases) if n)
    sibling = _sibling(here, names, hostname)
    lines = tuple((written(d), Source(d.file, d.line)) for d in wsgi_lines(site, claimant))
    return replace(found, claimant=claimant.describe(), claimant_names=names,
                   claimant_lines=lines,
                   sibling=None if sibling is None else sibling[0].describe(),
                   sibling_line=None if sibling is None else sibling[1])


def _sibling(servers: Sequence[Server], names: Sequence[str],
             hostname: str) -> tuple[Server, Source] | None:
    """The TLS VirtualHost of the address that serves another of ``names``, with its
    ServerName line (where ``hostname`` would go as a ServerAlias)."""
    for server in servers:
        if not server.ssl:
            continue
        if any(n.lower() != hostname.lower()
               and name_matches(server.server_name, server.aliases, n) for n in names):
            line = _last(server.directives, "servername")
            return server, (Source(line.file, line.line) if line is not None
                            else Source(server.file, server.line))
    return None


def _last(scope: Sequence[Directive], key: str) -> Directive | None:
    return next((d for d in reversed(scope) if d.key == key and d.args), None)
