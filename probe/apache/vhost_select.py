"""Which ``<VirtualHost>`` httpd gives a request, and by which rule: the one selection shared
by the route prediction (:mod:`probe.apache.route`) and lint.

httpd's "An In-Depth Discussion of Virtual Host Matching" (vhosts/details.html) and
``server/vhost.c``:

1. the address set: the VirtualHosts with the connection's IP address, else those with a
   wildcard address (``*``, ``_default_``); an address with the exact port is preferred to
   one with any port (``find_ipaddr``/``find_default_server``); none: the main server;
2. exactly one VirtualHost in the set: it answers, its names are never compared;
3. else the set, in configuration order, is searched for the first VirtualHost whose
   ServerName, then plain ServerAlias names, then wildcard ServerAlias names match the
   Host header (its port ignored; :func:`probe.apache.hostnames.name_matches`);
4. none matches: the first VirtualHost of the set answers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.apache.addresses import Address
from probe.apache.config import Directive
from probe.apache.hostnames import MatchedBy, is_wildcard, name_matches, wildcard_matches
from probe.apache.model import Server, Site
from probe.apache.names import default_port
from probe.front import Source
from probe.manifest import is_ip

_LOCAL_NAMES = {"localhost": ("127.0.0.1", "::1")}
NO_VHOST = "no_vhost"
"""``by`` of the main server answering: no VirtualHost is written for the port at all (not a
name that matched none: the fix is an address, never a ServerAlias)."""


@dataclass(frozen=True)
class VhostChoice:
    """The server a request gets and why; ``source`` is the line that decided it."""

    server: Server
    rule: str
    source: Source | None
    by: str  # "name", "default", "only", NO_VHOST (see probe.front.RouteStep.by)
    matched_by: MatchedBy | None  # None: the main server, or the only VirtualHost of the set
    address: Address | None  # the address set chosen; None: the main server
    candidates: tuple[Server, ...] = ()  # the address set, in configuration order
    undecided: str | None = None  # why the selection cannot be known from here

    @property
    def set_name(self) -> str:
        """The address set chosen as ``apachectl -S`` names it (``*:80``, not ``_default_:80``)."""
        return "the main server" if self.address is None else self.address.set_name


def address_set(vhosts: Sequence[Server], ip: str | None,
                port: int) -> tuple[Address | None, tuple[Server, ...], str | None]:
    """The address httpd picks for a connection to ``ip:port`` and its VirtualHosts, in
    configuration order; the third item says why it cannot be known (``ip`` None and an
    address-specific VirtualHost on this port)."""
    exact = [(a, v) for v in vhosts for a in v.addresses
             if a.host != "*" and a.port in (None, port)]
    wild = [(a, v) for v in vhosts for a in v.addresses
            if a.host == "*" and a.port in (None, port)]
    if exact and ip is None:
        return None, (), "the address the request arrives on is not known (give --connect)"
    named = next((a for a, _ in exact if not _is_ip(a.host) and a.host not in _LOCAL_NAMES),
                 None)
    if named is not None:
        return None, (), f"<VirtualHost {named}> names a host that httpd resolves at start"
    mine = [(a, v) for a, v in exact if _same_ip(a.host, ip or "")]
    for pairs in (mine, wild):
        for want_port in (port, None):
            chosen = [(a, v) for a, v in pairs if a.port == want_port]
            if chosen:
                servers: list[Server] = []
                for _, server in chosen:
                    if not any(s is server for s in servers):  # identity: no deep compare
                        servers.append(server)
                return chosen[0][0], tuple(servers), None
    return None, (), None


def select_vhost(site: Site, hostname: str, ip: str | None, port: int) -> VhostChoice:
    """The server that answers a request for ``hostname`` arriving at ``ip:port``."""
    address, servers, unknown = address_set(site.vhosts, ip, port)
    if unknown is not None:
        return VhostChoice(site.main, "", None, "", None, None, undecided=unknown)
    if address is None:
        named = next((d for d in reversed(site.config.directives)
                      if d.key == "servername" and d.args), None)
        who = f"ServerName {named.args[0]}" if named is not None else \
            "it has no ServerName line of its own"
        return VhostChoice(site.main, f"no <VirtualHost> address matches port {port}: the "
                           f"main server answers ({who})",
                           Source(named.file, named.line) if named is not None else None,
                           NO_VHOST, None, None)
    if len(servers) == 1:
        only = servers[0]
        over = _passed_over(site, address, port)
        return VhostChoice(only, f"{_opening(only)} is the only VirtualHost for "
                           f"{address.set_name}: names are not compared{over}",
                           Source(only.file, only.line), "only", None, address, servers)
    for server in servers:
        matched = name_matches(server.server_name, server.aliases, hostname)
        if matched is not None:
            directive = name_directive(site, server, hostname, matched)
            where = Source(directive.file, directive.line) if directive else \
                Source(server.file, server.line)
            written = " ".join(directive.args) if directive else server.server_name
            name = directive.name if directive else matched.value
            rule = (f"{name} {written} matches {hostname!r}, the first match among the "
                    f"{len(servers)} VirtualHosts for {address.set_name}")
            return VhostChoice(server, rule, where, "name", matched, address, servers)
    first = servers[0]
    return VhostChoice(first, f"{_opening(first)} is the first of the {len(servers)} "
                       f"VirtualHosts for {address.set_name}, and no ServerName or ServerAlias of "
                       f"them matches {hostname!r}: the first one answers",
                       Source(first.file, first.line), "default", MatchedBy.DEFAULT,
                       address, servers)


def without_line(site: Site, hostname: str, ip: str | None, port: int,
                 line: Source) -> Server | None:
    """The server that would answer the request if the names written on ``line`` (a
    ServerName or ServerAlias line) were gone; None when the address set is not known."""
    address, servers, unknown = address_set(site.vhosts, ip, port)
    if unknown is not None or address is None:
        return None
    if len(servers) == 1:
        return servers[0]
    for server in servers:
        gone = [d for d in server.directives if d.key in ("servername", "serveralias")
                and (d.file, d.line) == (line.file, line.line)]
        name = server.server_name
        if any(d.key == "servername" for d in gone):
            name = None
        dropped = {a.lower() for d in gone if d.key == "serveralias" for a in d.args}
        aliases = tuple(a for a in server.aliases if a.lower() not in dropped)
        if name_matches(name, aliases, hostname) is not None:
            return server
    return servers[0]


def _passed_over(site: Site, address: Address, port: int) -> str:
    """The wildcard-address VirtualHosts of the port httpd never considers for a connection
    to an IP that has VirtualHosts of its own (the most specific address wins first)."""
    if address.host == "*":
        return ""
    wild = [v for v in site.vhosts if any(a.host == "*" and a.port in (None, port)
                                          for a in v.addresses)]
    if not wild:
        return ""
    shown = ", ".join(v.describe() for v in wild[:3]) + (", ..." if len(wild) > 3 else "")
    return (f"; the VirtualHosts for *:{port} ({shown}) are never considered for "
            f"connections to {address.set_name}, whatever their names")


def _opening(server: Server) -> str:
    """The section's opening line as written: ``<VirtualHost *:80>``."""
    return f"<VirtualHost {' '.join(str(a) for a in server.addresses)}>"


def own_name(server: Server, hostname: str) -> bool:
    """Whether ``hostname`` is ``server``'s own ServerName, written in it (not inherited
    from the main server): the VirtualHost is the one written for that name."""
    return not server.name_inherited and \
        name_matches(server.server_name, (), hostname) == MatchedBy.SERVER_NAME


def name_directive(site: Site, server: Server, hostname: str,
                   matched: MatchedBy) -> Directive | None:
    """The ServerName or ServerAlias line that made ``hostname`` match ``server``."""
    if matched is MatchedBy.SERVER_NAME:
        scope = server.directives if not server.name_inherited else site.main.directives
        return next((d for d in reversed(scope) if d.key == "servername" and d.args), None)
    aliases = [d for d in server.directives if d.key == "serveralias"]
    host = hostname.lower()
    plain = next((d for d in aliases for a in d.args
                  if not is_wildcard(a) and a.lower() == host), None)
    return plain or next((d for d in aliases for a in d.args
                          if is_wildcard(a) and wildcard_matches(a, host)), None)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def _same_ip(written: str, ip: str) -> bool:
    """Whether a VirtualHost address (an IP, or ``localhost``) is the IP ``ip``."""
    candidates = _LOCAL_NAMES.get(written, (written.strip("[]"),))
    try:
        wanted = ipaddress.ip_address(ip.strip("[]"))
        return any(ipaddress.ip_address(c) == wanted for c in candidates)
    except ValueError:
        return False


def request_where(url: str, address: str | None) -> tuple[str, str | None, int]:
    """The Host name, and the IP and port the request arrives on (None: not known)."""
    parts = urlsplit(url)
    hostname = (parts.hostname or "").lower()
    port = parts.port or default_port(parts.scheme)
    ip: str | None = hostname if is_ip(hostname) else None
    if address is not None:
        host, _, port_text = address.rpartition(":")
        ip, port = host.strip("[]"), int(port_text) if port_text.isdigit() else port
    return hostname, ip, port
