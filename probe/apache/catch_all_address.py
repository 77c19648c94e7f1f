"""The address a refusing catch-all VirtualHost is written for, and why that one.

httpd first picks the VirtualHosts of the connection's address, the IP before ``*``
(vhosts/details.html, ``server/vhost.c``), and only then compares names among them. So a
catch-all helps only when written with the address of the set a request selects, and listed
first in it: for sites written ``<VirtualHost 127.0.0.1:80>`` (IP-based, as hosting panels
write them) that is ``<VirtualHost 127.0.0.1:80>``; a ``<VirtualHost *:80>`` is never
considered for connections to 127.0.0.1, which is what lint's ``vhost_ip_based`` says of
it. Where both kinds share a port, the address the request went to decides which set, and
so which catch-all, it meets.
"""

from __future__ import annotations

from collections.abc import Sequence

from probe.apache.addresses import Address
from probe.apache.model import Server, Site
from probe.apache.unknown_hosts import address_groups, unknown_hosts
from probe.apache.vhost_select import VhostChoice


def catch_all_why(site: Site, choice: VhostChoice, ip: str | None, port: int) -> str:
    """Why the catch-all for ``choice`` (a request to ``ip:port``) is written with the
    chosen set's address: empty where every VirtualHost of the port is written ``*``."""
    address = choice.address
    if address is None or not choice.candidates:
        return ""
    first = choice.candidates[0]
    if address.host != "*":
        return _ip_based(site, address, first, port)
    others = [(a, servers) for a, servers in address_groups(site.vhosts).items()
              if a.host != "*" and a.port in (None, port)]
    if not others:
        return ""
    shown = "; ".join(f"those for {a} ({_where(servers)}) take only connections to {a.host}"
                      for a, servers in others[:3])
    went = ip or "the address probed"
    return (f"written for {address}, the address of the VirtualHosts a connection to "
            f"{went}:{port} selects ({first.describe()} first): no VirtualHost is written for "
            f"{went} itself; {shown}, and would need a catch-all of their own, written with "
            f"that address, to refuse unknown names there")


def _ip_based(site: Site, address: Address, first: Server, port: int) -> str:
    """The set chosen is an IP's: a ``*:PORT`` catch-all never sees its requests."""
    why = (f"written for {address}, because httpd takes the VirtualHosts of the "
           f"connection's IP before those of '*' and {first.describe()} is the first of those "
           f"written for {address}: a <VirtualHost *:{port}> is never considered for "
           f"connections to {address}")
    bypassed = next((g.bypassed for g in unknown_hosts(site)
                     if (g.address.host, g.address.port) == (address.host, address.port)
                     and g.bypassed), ())
    if not bypassed:
        return why
    catch_all = bypassed[0]
    written = " ".join(str(a) for a in catch_all.addresses)
    return (f"{why}; {catch_all.describe()} refuses, but is such a one: write {address} "
            f"instead of {written} on its line, and have it read before "
            f"{first.where}, rather than adding a second one")


def _where(servers: Sequence[Server]) -> str:
    return ", ".join(s.where for s in servers[:2]) + (", ..." if len(servers) > 2 else "")
