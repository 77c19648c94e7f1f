"""An IP-based VirtualHost that is the only one of its address (httpd compares no names there):
which ``*:PORT`` VirtualHosts it hides, where a name would go once its address is ``*``, and
which other address of the port a manifest's ``connect`` could send an instance to.

Tester T24's m2: ``<VirtualHost 127.0.0.1:31782>`` (meant for ``[::1]``) beside the
``*:31782`` sites. A ``[refuse]`` URL sent to 127.0.0.1 was answered by it; the route said so
and the cause stayed undetermined. The alternative "send a.example.test's requests to another
address of the port ([instances.project-1] connect)", applied as ``connect = "[::1]"``, made
project-1's ``:31781`` URLs unreachable: no ``Listen [::1]:31781``, and a ``connect`` covers
every URL of the instance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.apache.addresses import split_host_port
from probe.apache.error_log import unopened
from probe.apache.hostnames import name_matches
from probe.apache.model import Server, Site
from probe.apache.route import ApacheRoutes
from probe.apache.vhost_select import address_set, select_vhost
from probe.front import FrontConfig, PredictedRoute, RouteStep, Source

_EVERY = {"*", "::", "0.0.0.0", "[::]"}  # noqa: S104 (a Listen line's host, not bound)


@dataclass(frozen=True)
class Unhidden:
    """What making the only VirtualHost of an IP a ``*:PORT`` one does to a host name."""

    hidden: tuple[Server, ...]  # the *:PORT VirtualHosts never considered at that IP now
    taker: Server  # the VirtualHost that would take the name then
    by_name: bool  # the taker claims the name (else it is the first of the set)


def _split(address: str | None) -> tuple[str | None, int | None]:
    if address is None:
        return None, None
    host, port = split_host_port(address)
    return host.strip("[]"), int(port) if port and port.isdigit() else None


def unhidden(site: Site, hostname: str, address: str | None) -> Unhidden | None:
    """Where ``hostname`` at ``address`` would go were the only VirtualHost of that IP
    written for ``*:PORT``; None where it is not an IP's only VirtualHost hiding any."""
    ip, port = _split(address)
    if ip is None or port is None:
        return None
    chosen, servers, unknown = address_set(site.vhosts, ip, port)
    if unknown is not None or chosen is None or chosen.host == "*" or len(servers) != 1:
        return None
    only = servers[0]
    hidden = tuple(v for v in site.vhosts if v is not only and any(
        a.host == "*" and a.port in (None, port) for a in v.addresses))
    if not hidden:
        return None
    # httpd keeps the set in configuration order: the one moved in takes its place there
    after = [v for v in site.vhosts if v is only or any(v is h for h in hidden)]
    claiming = next((v for v in after if name_matches(v.server_name, v.aliases, hostname)),
                    None)
    return Unhidden(hidden, claiming or after[0], claiming is not None)


def connect_address(site: Site, hostname: str, went: str | None, meant: Source,
                    urls: Sequence[str]) -> str | None:
    """Another address of ``went``'s port (a ``Listen IP:PORT`` read) where ``hostname``
    reaches the site whose line is ``meant`` and a ``Listen`` opens every URL of ``urls``
    (the instance's, which a ``connect`` sends there all at once), as the manifest writes
    it (``[::1]``); None where no such address is read."""
    ip, port = _split(went)
    if port is None:
        return None
    for listen in site.listens:
        host = (listen.host or "").strip("[]")
        if listen.port != port or not host or host in _EVERY or host == ip:
            continue
        choice = select_vhost(site, hostname, host, port)
        reached = choice.source == meant or (choice.server.file, choice.server.line) == (
            meant.file, meant.line)
        if choice.undecided is not None or not reached:
            continue
        written = f"[{host}]" if ":" in host else host
        if all(not unopened(site, f"{written}:{_port(url)}") for url in urls):
            return written
    return None


def _port(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)


def connect_at(front: FrontConfig, route: PredictedRoute, meant: RouteStep | None,
               urls: Sequence[str]) -> str | None:
    """:func:`connect_address` for ``route``, the site meant being ``meant``'s line."""
    if not isinstance(front, ApacheRoutes) or meant is None or meant.source is None:
        return None
    host = (urlsplit(route.url).hostname or "").lower()
    return connect_address(front.site, host, route.address, meant.source, urls)
