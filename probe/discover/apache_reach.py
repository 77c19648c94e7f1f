"""How a client reaches an Apache VirtualHost, for ``probe discover``: the host names its
URLs carry, and where each goes. Every address of
``<VirtualHost *:80 *:8081>`` that a ``Listen`` opens gives its names a URL on that port,
and an IP-based VirtualHost (``<VirtualHost 127.0.0.2:80>``) is reached only at its own
address (httpd picks the VirtualHosts of the address a connection arrives on before any
name), so its URLs carry that address as the instance's own ``connect``
(docs/manifest.md).

A name-based VirtualHost (``*:8080``) answers wherever httpd listens on its port, except at
an IP with an IP-based VirtualHost of its own on it (that one takes every name there; where
every Listen of the port is such an IP, the site gets a comment, no URL): where
``[probe] connect`` is an address no ``Listen`` opens that port on (``Listen 80`` and
``Listen 127.0.0.2:8080``), its URLs carry the address of the ``Listen`` that does, and
``[probe] connect`` itself is the first listening address that opens every port the sites
are on (:func:`probe_host`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from probe.addresses import split_connect, url_port
from probe.apache.ip_vhosts import taker
from probe.apache.unknown_hosts import unknown_hosts
from probe.discover.manifest_text import refused_url
from probe.errors import ManifestError

if TYPE_CHECKING:
    from probe.apache.model import Server, Site
    from probe.discover.discovery import DiscoveredInstance, Url


@dataclass(frozen=True)
class Reach:
    """One way a client reaches a VirtualHost: the port its URLs carry (None: the
    scheme's) and, for an IP-based address, where the requests must go."""

    port: int | None
    connect: str | None  # None: wherever [probe] connect sends every URL
    why: str = ""  # why the requests go to ``connect``, for the manifest's comment


def loopback(host: str | None) -> str:
    """The address a request to a listening address is sent to: loopback for any address."""
    if host is None or host in ("0.0.0.0", "*"):  # noqa: S104 - not a bind
        return "127.0.0.1"  # every address: loopback is one of them
    if host in ("::", "[::]"):
        return "[::1]"
    if ":" in host and not host.startswith("["):
        return f"[{host}]"
    return host


def _opening(site: Site, port: int) -> list[str]:
    """Where requests to ``port`` can be sent: the addresses of the Listens on it."""
    return list(dict.fromkeys(loopback(x.host) for x in site.listens if x.port == port))


def _any_address(site: Site, port: int) -> bool:
    return any(x.port == port and x.host in (None, "0.0.0.0", "*", "::", "[::]")  # noqa: S104
               for x in site.listens)


def probe_host(site: Site) -> str | None:
    """``[probe] connect``'s address: the first listening address that opens every port a
    name-based VirtualHost is on (to it: no IP-based one of its own there), and the main
    server's where it has applications (a Listen on any address opens its port everywhere),
    else the first Listen's. None without a Listen."""
    hosts = list(dict.fromkeys(loopback(x.host) for x in site.listens))
    if not hosts:
        return None
    ports = {a.port for v in site.vhosts for a in v.addresses if a.host == "*"
             and a.port is not None and any(x.port == a.port for x in site.listens)}
    if any(app.server.is_main for app in site.apps):  # its URLs carry the first Listen's port
        ports.add(site.main.server_port or site.listens[0].port)
    # an IP whose own VirtualHost takes the port opens it to no name-based site
    return next((h for h in hosts if all(
        _any_address(site, p) or (h in _opening(site, p) and taker(site, h, p) is None)
        for p in ports)), hosts[0])


def reaches(site: Site, server: Server, context: str) -> tuple[list[Reach], list[str]]:
    """The VirtualHost's reaches in the order its addresses are written, and why the
    others give no URL (``context`` names the VirtualHost in those sentences)."""
    opened = {listen.port for listen in site.listens}
    probed = probe_host(site)
    found: list[Reach] = []
    closed: list[int] = []
    said: list[str] = []
    for address in server.addresses:
        if address.port is not None and site.listens and address.port not in opened:
            closed.append(address.port)
            continue
        connect = None if address.host == "*" else _connect(address.host, address.port)
        why = f"{server.describe()} is IP-based: httpd answers it only at {connect}"
        if address.host == "*" and address.port is not None and site.listens and \
                not _any_address(site, address.port) and \
                probed not in _opening(site, address.port):
            # [probe] connect's address does not open this port: send where a Listen does,
            # never to an IP whose own VirtualHost takes every name there (tester T24 m6)
            free = [x for x in site.listens if x.port == address.port
                    and taker(site, x.host, address.port) is None]
            if not free:
                said.append(_taken_everywhere(site, server, address.port))
                continue
            listen = free[0]
            connect = _connect(loopback(listen.host), address.port)
            why = (f"{server.describe()} is on port {address.port}, which only "
                   f"Listen {listen.directive.args[0]} at {listen.directive.where} opens "
                   f"({probed}, [probe] connect, does not): httpd answers it at {connect}")
        if connect is not None:
            try:
                split_connect(connect, "connect")
            except ManifestError:
                said.append(f"{context} is on {address}, which is no address a request "
                            f"can be sent to: no URL written for it")
                continue
        # A port in ServerName is the one clients put in URLs (a proxy in front, say).
        reach = Reach(server.server_port or address.port, connect, why if connect else "")
        if reach not in found:
            found.append(reach)
    if closed:
        ports = ", ".join(map(str, sorted(set(closed))))
        said.insert(0, f"{context} is {'also ' if found else ''}on port {ports}, where no "
                       f"Listen accepts connections: nothing reaches it there, no URL "
                       f"written for it")
    return found, said


def _taken_everywhere(site: Site, server: Server, port: int) -> str:
    """Why a name-based VirtualHost gets no URL on ``port``: every Listen of the port is at
    an IP whose own IP-based VirtualHost takes each request there, whatever its Host."""
    taken = [f"Listen {x.directive.args[0]} at {x.directive.where}, where {own.describe()} "
             f"is IP-based and takes every host name"
             for x in site.listens if x.port == port and (own := taker(site, x.host, port))]
    return (f"{server.describe()} is on port {port}, opened only by {'; '.join(taken)}: "
            f"no request reaches it on port {port}, whatever its Host, so no URL is written "
            f"for it there (probe lint: vhost_ip_based); a Listen of port {port} at an "
            f"address with no VirtualHost of its own would reach it")


def _connect(host: str, port: int | None) -> str:
    bracketed = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return bracketed if port is None else f"{bracketed}:{port}"


def settle_connect(instance: DiscoveredInstance) -> None:
    """Give the instance the address its IP-based URLs need as its ``connect``. The manifest
    has one address per instance: URLs that need another (an application served by a
    name-based and an IP-based VirtualHost, or by two IP-based ones) become comments naming
    the address to probe them at, never URLs sent elsewhere."""
    if all(u.connect is None for u in instance.urls):
        return
    chosen = _shared_host(instance.urls)
    if chosen is None:
        chosen = instance.urls[0].connect
        for url in instance.urls:
            if url.connect != chosen:
                where = url.connect or "[probe] connect"
                instance.skipped.append(
                    f"{url.url} ({url.source}) is answered at {where}, this instance's "
                    f"other URLs at {chosen or '[probe] connect'}; one instance has one "
                    f"address: no URL written for it (probe sweep --connect {where} "
                    f"-m MANIFEST checks it)")
        instance.urls = [u for u in instance.urls if u.connect == chosen]
    if chosen is not None:
        instance.connect = chosen
        instance.connect_source = next(u.connect_source for u in instance.urls if u.connect)


def _shared_host(urls: Sequence[Url]) -> str | None:
    """The one address every URL goes to: their common ``connect``, or the IP alone when
    they differ only in a port each URL carries itself; None when there is none."""
    connects = {u.connect for u in urls}
    if None in connects:
        return None
    if len(connects) == 1:
        return connects.pop()
    hosts = {split_connect(str(c), "connect")[0] for c in connects}
    same_ports = all(split_connect(str(u.connect), "connect")[1] == url_port(u.url)
                     for u in urls)
    if len(hosts) != 1 or not same_ports:
        return None
    host = hosts.pop()
    return f"[{host}]" if ":" in host else host


def host_names(site: Site, instance: DiscoveredInstance, server: Server,
                context: str) -> list[tuple[str, str]]:
    """The host names a URL of ``server`` can carry, each with where it came from."""
    named = bool(server.server_name)
    usable = named and refused_url(f"http://{server.server_hostname or ''}/") is None
    if named and not usable:
        # httpd takes any one argument as the name ("IP do sistema", a placeholder left in
        # quotes); no request can carry it, so only being first on its address reaches it
        instance.skipped.append(f"ServerName {server.server_hostname!r} of {context} cannot "
                                f"be the host of a URL: no URL written for it")
    if usable:
        # each name cites its own line, not the VirtualHost's (tester R21: ':6' was the
        # <VirtualHost> line, the ServerName at :7)
        names = [(server.server_name or "", f"ServerName at {server.name_where} of {context}"
                  if not server.name_inherited
                  else f"main server's ServerName at {server.name_where}, inherited by "
                       f"{context}")]
    elif _first_on_its_address(site, server):
        why = "its ServerName is no host name" if named else "no ServerName anywhere"
        names = [("localhost", f"{why}: {context} is the first for its address, so any "
                               f"host name reaches it")]
    else:
        if not named:
            instance.skipped.append(f"{context} has no ServerName (httpd uses this machine's "
                                    f"host name): add the name clients use by hand")
        names = []
    lines = (*server.alias_where, *[""] * len(server.aliases))  # a Server built by hand has none
    names += [(alias, f"ServerAlias at {where} of {context}" if where else
               f"ServerAlias of {context} (the block's line; the alias's own is not known)")
              for alias, where in zip(server.aliases, lines, strict=False)]
    usable_names = []
    for host, source in names:
        if "*" in host or "?" in host:
            instance.skipped.append(f"{source}: {host} is a wildcard, it cannot be probed; "
                                    f"add concrete host names by hand")
        else:
            usable_names.append((host, source))
    return usable_names


def _first_on_its_address(site: Site, server: Server) -> bool:
    if server.is_main:
        return True
    return any(group.first is server for group in unknown_hosts(site))
