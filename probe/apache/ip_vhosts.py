"""IP-based VirtualHosts that take every connection to their address: httpd picks the
VirtualHosts of the most specific address first (an IP before ``*``, ``_default_``), and
only then compares names among them (``server/vhost.c``, vhosts/details.html). So
``<VirtualHost 127.0.0.1:80>`` answers every request to 127.0.0.1:80 whatever its Host, and
the ``*:80`` sites are never considered there; where httpd listens on the port only at such
addresses (``Listen 127.0.0.1:80``), the ``*:80`` sites are never reached at all.

Shared by lint's ``vhost_ip_based`` rule, ``vhost_fallback`` (which says nothing of an
address nothing reaches) and ``probe discover``."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from probe.apache.addresses import Address
from probe.apache.model import Listen, Server, Site
from probe.apache.unknown_hosts import address_groups

_EVERY_ADDRESS = {"0.0.0.0", "::", "*"}  # noqa: S104 - a Listen's, not a bind


@dataclass(frozen=True)
class IpTakeover:
    """The VirtualHosts of one IP address that take the connections ``hidden`` (a wildcard
    address of the same port) would otherwise get there."""

    address: Address
    servers: tuple[Server, ...]  # the VirtualHosts of ``address``, in configuration order
    hidden: Address
    hidden_servers: tuple[Server, ...]
    listens: tuple[Listen, ...]  # the Listen lines opening the port, all of them
    unreachable: bool  # every Listen of the port is at an IP with VirtualHosts of its own
    reaching: tuple[Listen, ...] = ()
    """The Listen lines of the port at which ``hidden`` answers: not at an IP with
    VirtualHosts of its own (``address`` among them)."""


def ip_takeovers(site: Site) -> list[IpTakeover]:
    """Each IP-based address that hides a wildcard address of the same port."""
    groups = address_groups(site.vhosts)
    wild = {a: s for a, s in groups.items() if a.host == "*"}
    found = []
    for address, servers in groups.items():
        if address.host == "*" or _ip(address.host) is None:
            continue  # a name httpd resolves at start: which address it is is not known here
        for hidden, hidden_servers in wild.items():
            if not _same_port(address, hidden):
                continue
            listens = _listens(site, hidden.port if hidden.port is not None else address.port)
            found.append(IpTakeover(address, tuple(servers), hidden, tuple(hidden_servers),
                                    listens, unreached(site, hidden),
                                    _reaching(site, listens, address.port or hidden.port)))
    return found


def unreached(site: Site, hidden: Address) -> bool:
    """Whether no connection reaches the wildcard address ``hidden``: every Listen of its
    port is at an IP whose own VirtualHosts take it. No Listen of the port: not known (a
    site file linted alone has none)."""
    if hidden.host != "*" or hidden.port is None:
        return False
    listens = _listens(site, hidden.port)
    if not listens:
        return False
    own = [a for a in address_groups(site.vhosts) if a.host != "*" and
           a.port in (None, hidden.port) and _ip(a.host) is not None]
    return all(lst.host is not None and lst.host not in _EVERY_ADDRESS and
               any(_ip(a.host) == _ip(lst.host) for a in own) for lst in listens)


def _own_ips(site: Site, port: int | None) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The IPs with VirtualHosts of their own on ``port`` (any port: None)."""
    return [ip for a in address_groups(site.vhosts) if a.host != "*" and
            (port is None or a.port in (None, port)) and (ip := _ip(a.host)) is not None]


def _reaching(site: Site, listens: tuple[Listen, ...], port: int | None) -> tuple[Listen, ...]:
    own = _own_ips(site, port)
    return tuple(lst for lst in listens if lst.host is None or _ip(lst.host) not in own)


def spare_address(site: Site, port: int) -> Listen | None:
    """A ``Listen`` of another port at an IP that has no VirtualHost of its own on ``port``
    and no Listen of it: where a ``Listen IP:port`` would let the ``*:port`` sites be
    reached (the first in configuration order); None where no such line is read."""
    own = _own_ips(site, port)
    taken = {_ip(lst.host) for lst in site.listens if lst.port == port and lst.host}
    return next((lst for lst in site.listens if lst.port != port and lst.host is not None
                 and lst.host not in _EVERY_ADDRESS and (ip := _ip(lst.host)) is not None
                 and ip not in own and ip not in taken), None)


def taker(site: Site, host: str | None, port: int) -> Server | None:
    """The first IP-based VirtualHost of ``host``'s IP on ``port``: at that address it takes
    every request whatever its Host, so no ``*:port`` site is reached there. None for a
    Listen on every address, or an IP without VirtualHosts of its own."""
    ip = _ip(host) if host is not None and host not in _EVERY_ADDRESS else None
    if ip is None:
        return None
    return next((servers[0] for a, servers in address_groups(site.vhosts).items()
                 if a.host != "*" and a.port in (None, port) and _ip(a.host) == ip), None)


def _listens(site: Site, port: int | None) -> tuple[Listen, ...]:
    return tuple(lst for lst in site.listens if port is None or lst.port == port)


def _same_port(address: Address, hidden: Address) -> bool:
    return address.port is None or hidden.port is None or address.port == hidden.port


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
