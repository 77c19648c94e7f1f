"""Which ``server`` block a TLS handshake for one SNI name at one address reaches, and the
``ssl_certificate`` it presents: what names the certificate a client rejects.

nginx picks the block for an SNI name as it picks one for a Host (:mod:`probe.nginx.select`:
``server_name`` exact, wildcard, regular expression, else the ``default_server`` of the
listen, else the first block listening there); the certificate is that block's
``ssl_certificate``, else the http level's. Where no block of the address claims the name, a
block of another address or port that does (certbot's port-80 block) says the name is meant
to be served there; where the certificate line names the same file as another block's, it
was likely copied from there.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from probe.front import Source, TlsSite
from probe.nginx.model import NginxModel, Server
from probe.nginx.passes import source
from probe.nginx.select import choose_server, normal_host
from probe.nginx.text import Directive


def tls_site(model: NginxModel, url: str, address: str | None) -> TlsSite | None:
    """The TLS block for ``url``'s name arriving at ``address`` (None: the URL's host and
    port); None where no block listening there speaks TLS (or none listens)."""
    parts = urlsplit(url)
    url_host = parts.netloc
    host, _, at_port = (address or "").rpartition(":")
    if not address or not at_port.isdigit():
        host, at_port = parts.hostname or "", str(parts.port or 443)
    port = int(at_port)
    choice = choose_server(model.servers, host, port, url_host)
    server = choice.server
    listen = None if server is None else next(
        (lst for lst in server.listens if lst.ssl and lst.port == port), None)
    if server is None or listen is None:
        return None
    certs = server_lines(model)
    cert = certs.get(server.where)
    key = server_lines(model, "ssl_certificate_key").get(server.where)
    shared = tuple((other.describe(), at) for other in model.servers
                   if other is not server and cert is not None
                   and (line := certs.get(other.where)) is not None
                   and line.args[:1] == cert.args[:1]
                   and (at := source(line.where)) is not None)
    name = normal_host(url_host)
    found = TlsSite(server.describe(), choice.rule, source(choice.where), choice.by,
                    listen.address,
                    None if cert is None else f"ssl_certificate {' '.join(cert.args)}",
                    None if cert is None else source(cert.where), shared,
                    key=None if key is None else f"ssl_certificate_key {' '.join(key.args)}",
                    key_source=None if key is None else source(key.where))
    if choice.by != "default":
        return found
    here = [s for s in model.servers if any(lst.port == port for lst in s.listens)]
    claimant = next((s for s in model.servers if s not in here
                     and any(n == name for n, _ in s.names)), None)
    if claimant is None:
        return found
    names = tuple(n for n, _ in claimant.names if n)
    sibling = _sibling(here, names, name)
    return replace(found, claimant=claimant.describe(), claimant_names=names,
                   sibling=None if sibling is None else sibling[0].describe(),
                   sibling_line=None if sibling is None else sibling[1])


def _sibling(servers: Sequence[Server], names: Sequence[str],
             name: str) -> tuple[Server, Source | None] | None:
    """The TLS block of the address serving another of ``names``, with its server_name line
    (where ``name`` would be added)."""
    for server in servers:
        if not any(lst.ssl for lst in server.listens):
            continue
        for written, where in server.names:
            if written and written != name and written in names:
                return server, source(where)
    return None


def server_lines(model: NginxModel, name: str = "ssl_certificate") -> dict[str, Directive]:
    """Each server block's ``ssl_certificate`` (or ``name``: its key, its
    ``ssl_reject_handshake``) in force (its own, else the http level's), by the block's
    ``file:line``."""
    found: dict[str, Directive] = {}
    text = model.text
    # a site file read alone: its server blocks are at its top (as probe.nginx.model reads)
    https = ([Directive("http", (), text.main, 0, text.directives)] if text.fragment
             else [d for d in text.directives if d.name == "http"])
    for http, block in _servers(https):
        line = next(iter(block.children(name)), None) or \
            next(iter(http.children(name)), None)
        if line is not None and line.args:
            found[block.where] = line
    return found


def _servers(https: Sequence[Directive]) -> Iterator[tuple[Directive, Directive]]:
    for http in https:
        yield from ((http, d) for d in http.block or () if d.name == "server")
