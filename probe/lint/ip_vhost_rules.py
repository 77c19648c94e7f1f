"""``vhost_ip_based``: an IP-based VirtualHost takes every request to its address, so the
name-based ``*:PORT`` sites are never considered there (:mod:`probe.apache.ip_vhosts`).

An error where httpd listens on the port only at such addresses (the ``*:PORT`` sites are
never reached at all: every URL of them gets the IP-based one); a note where it listens on
other addresses too, as a ``<VirtualHost 127.0.0.1:80>`` for local status pages next to the
public sites is often meant, while a probe connecting to 127.0.0.1 gets it."""

from __future__ import annotations

import dataclasses

from probe.apache.addresses import Address
from probe.apache.ip_vhosts import IpTakeover, ip_takeovers, spare_address
from probe.apache.model import Listen, Server, Site
from probe.lint.findings import ConfigFinding, Severity


def vhost_ip_based(site: Site) -> list[ConfigFinding]:
    return [_finding(site, t) for t in ip_takeovers(site)]


def _finding(site: Site, takeover: IpTakeover) -> ConfigFinding:
    # A VirtualHost of a file read twice is in the lists twice: named once (vhost_shadowed
    # says the file is read twice).
    takeover = dataclasses.replace(takeover, servers=_once(takeover.servers),
                                   hidden_servers=_once(takeover.hidden_servers))
    first, address, hidden = takeover.servers[0], takeover.address, takeover.hidden
    if len(takeover.servers) == 1:
        takes = (f"{first.describe()} is the only VirtualHost for {address}: it takes every "
                 f"request to that address, whatever its Host (names are not compared)")
    else:
        takes = (f"the {len(takeover.servers)} VirtualHosts for {address}, first "
                 f"{first.describe()}, take every request to that address: names are "
                 f"compared only among them, and the first answers the others")
    sites = _listed(takeover.hidden_servers)
    why = (f"httpd picks the VirtualHosts of the most specific address first (an IP before "
           f"'*'), so the {len(takeover.hidden_servers)} VirtualHost(s) for {hidden} "
           f"({sites}) are never considered for connections to {address}")
    opened = _opened(takeover.listens)
    port = hidden.port if hidden.port is not None else "PORT"
    if takeover.unreachable or (takeover.listens and not takeover.reaching):
        return ConfigFinding(
            "vhost_ip_based", Severity.ERROR, first.file, first.line,
            f"{takes}; {why}, and httpd listens on port {port} only at addresses with "
            f"VirtualHosts of their own ({opened}): they are never reached",
            f"make it <VirtualHost *:{port}> so that httpd compares names among every "
            f"VirtualHost of the port, or remove it{_listen_fix(site, hidden)}")
    # The IP-based VirtualHosts' own addresses are not where the *:PORT sites answer.
    elsewhere = (f"; they answer only connections to other addresses "
                 f"({_opened(takeover.reaching)})" if takeover.reaching else "")
    return ConfigFinding(
        "vhost_ip_based", Severity.NOTE, first.file, first.line,
        f"{takes}; {why}{elsewhere}",
        f"if the sites for {hidden} should answer at {address} too, make it "
        f"<VirtualHost *:{port}>; else probe them through another address ([probe] "
        f"connect)")


def _opened(listens: tuple[Listen, ...]) -> str:
    return ", ".join(f"Listen {' '.join(lst.directive.args)} at {lst.directive.where}"
                     for lst in listens)


def _listen_fix(site: Site, hidden: Address) -> str:
    """The Listen that lets the sites for ``hidden`` be reached, at an address the
    configuration listens on for another port (a re-tester's missing Listen was not
    offered: only the VirtualHost's address or its removal)."""
    if hidden.port is None:
        return ""
    spare = spare_address(site, hidden.port)
    restart = "and restart httpd (a graceful restart, 'apachectl -k graceful', opens it)"
    if spare is None:
        return (f"; or, for the sites for {hidden} to be reached, add a Listen of port "
                f"{hidden.port} at an address without VirtualHosts of its own "
                f"(Listen ADDR:{hidden.port}) {restart}")
    host = f"[{spare.host}]" if spare.host and ":" in spare.host else spare.host
    return (f"; or, for the sites for {hidden} to be reached, add Listen {host}:"
            f"{hidden.port} ({spare.host} is listened on for port {spare.port} at "
            f"{spare.directive.where}) {restart}")


def _once(servers: tuple[Server, ...]) -> tuple[Server, ...]:
    """``servers`` with each ``<VirtualHost>`` line once, in configuration order."""
    first: dict[str, Server] = {}
    for server in servers:
        first.setdefault(server.where, server)
    return tuple(first.values())


def _listed(servers: tuple[Server, ...]) -> str:
    shown = ", ".join(s.describe() for s in servers[:3])
    return shown + (f" and {len(servers) - 3} more" if len(servers) > 3 else "")
