"""Rules about VirtualHosts: ``vhost_fallback`` (unknown host names land on a real site),
``vhost_shadowed`` (an earlier VirtualHost has the same name),
``vhost_default_page`` (they land on a static default page) and ``access_context`` (access
control where httpd refuses it)."""

from __future__ import annotations

from collections.abc import Sequence

from probe.apache.addresses import Address
from probe.apache.config import Directive
from probe.apache.divergence import written_address
from probe.apache.hostnames import MatchedBy, is_wildcard, name_matches
from probe.apache.ip_vhosts import unreached
from probe.apache.model import Server, Site
from probe.apache.names import catch_all_vhost
from probe.apache.reread import read_twice, reread_fix
from probe.apache.tls_setup import tls_of
from probe.apache.unknown_hosts import address_groups, answers_to, host_names, unknown_hosts
from probe.apache.vhost_select import name_directive
from probe.lint.findings import ConfigFinding, Severity


def vhost_fallback(site: Site) -> list[ConfigFinding]:
    """Unknown host names land on the first VirtualHost of the best-matching address.

    httpd first picks the VirtualHosts whose address matches the connection most
    specifically (an exact IP before ``*``/``_default_``, an exact port before ``*``), and
    only then compares the Host header with ServerName/ServerAlias; when none matches, the
    first of those VirtualHosts answers. So a real site listed first serves every unknown
    name, and a ``<VirtualHost _default_:*>`` catch-all is never consulted for a port that
    has its own ``*:PORT`` VirtualHosts. See :attr:`UnknownHosts.misrouted`.
    """
    findings: list[ConfigFinding] = []
    for group in unknown_hosts(site):
        if unreached(site, group.address):
            continue  # no request gets there at all: vhost_ip_based says why
        if group.default_page and len(group.servers) > 1:
            first = group.first
            root = next((d.arg(0) for d in first.directives if d.key == "documentroot"), "")
            findings.append(ConfigFinding(
                "vhost_default_page", Severity.NOTE, first.file, first.line,
                f"requests on {group.address} whose Host matches no ServerName/ServerAlias "
                f"get the static default page {root} of {first.describe()}, listed first: "
                f"no application answers them, so none is misrouted",
                f"to refuse them instead: {_catch_all_text(site, group.address, group.servers)}"))
        if not group.misrouted:
            continue
        key, first = group.address, group.first
        fix = f"put a catch-all first for {key}: " \
              f"{_catch_all_text(site, key, group.servers)}, before {first.describe()}"
        findings.append(ConfigFinding(
            code="vhost_fallback",
            severity=Severity.WARNING,
            file=first.file,
            line=first.line,
            message=(f"requests on {key} whose Host matches no ServerName/ServerAlias go to "
                     f"the first VirtualHost for that address, {first.describe()}, which "
                     f"{_serves(site, first)}"),
            fix=fix,
        ))
        for catch_all in group.bypassed:
            findings.append(ConfigFinding(
                code="vhost_fallback",
                severity=Severity.WARNING,
                file=catch_all.file,
                line=catch_all.line,
                message=(f"{catch_all.describe()} refuses requests but never sees unknown "
                         f"host names on {key}: httpd prefers the VirtualHosts with the more "
                         f"specific address {key} and falls back to their first, "
                         f"{first.server_name or first.describe()}"),
                fix=fix,
            ))
    return findings


def _catch_all_text(site: Site, address: Address, servers: Sequence[Server]) -> str:
    """The catch-all on one line; on a TLS address with the TLS lines of one of its
    VirtualHosts (without them it would make the port plain HTTP), and where they are."""
    tls = tls_of(site, servers)
    block = catch_all_vhost(written_address(address, servers), tls=tls.lines if tls else ())
    text = " ".join(line.strip() for line in block.splitlines())
    return f"{text} ({tls.comment})" if tls else text


def _serves(site: Site, server: Server) -> str:
    apps = [a for a in site.apps if a.server is server]
    if apps:
        return "runs " + ", ".join(f"{a.target} at {a.mount}" for a in apps)
    root = next((d.arg(0) for d in server.directives if d.key == "documentroot"), None)
    return f"serves {root}" if root else "serves a site"


_ACCESS_KEYS = {"require": "Require", "deny": "Deny", "allow": "Allow", "order": "Order",
                "satisfy": "Satisfy", "requireall": "<RequireAll>",
                "requireany": "<RequireAny>", "requirenone": "<RequireNone>"}


def access_context(site: Site) -> list[ConfigFinding]:
    """Access control written outside any ``<Directory>``/``<Location>``/``<Files>``:
    httpd refuses to start ("Require not allowed in <VirtualHost> context"). It is the
    usual way a hand-written catch-all VirtualHost goes wrong."""
    findings: list[ConfigFinding] = []
    for server in site.servers:
        scope = (site.config.directives if server.is_main else server.directives)
        for d in scope:
            if d.key not in _ACCESS_KEYS:
                continue
            context = "server config" if server.is_main else "<VirtualHost>"
            findings.append(ConfigFinding(
                "config", Severity.ERROR, d.file, d.line,
                f"{_ACCESS_KEYS[d.key]} not allowed in {context} context: httpd will not "
                f"start",
                "move it into a <Location> or <Directory> section" + (
                    "" if d.children is not None
                    else f", e.g. <Location /> {d.name} {' '.join(d.args)} </Location>")))
    return findings



def vhost_shadowed(site: Site) -> list[ConfigFinding]:
    """A VirtualHost whose names an earlier VirtualHost on the same address already has:
    httpd gives a request to the first whose ServerName or ServerAlias matches, so the
    later one never sees those names. Two VirtualHosts without ServerName both have the
    main server's (or, without one, this machine's host name): the second is unreachable.
    """
    findings: list[ConfigFinding] = []
    reported: set[tuple[int, str]] = set()
    for address, servers in address_groups(site.vhosts).items():
        for i, later in enumerate(servers):
            names = host_names(later)
            taken = {n: e for n in names for e in reversed(servers[:i])
                     if answers_to(e, n)}
            if not taken:
                continue
            lost = [n for n in names if n in taken]
            first = taken[lost[0]]
            shown = ", ".join(n or "this machine's host name" for n in lost)
            key = (id(later), shown)
            if key in reported:
                continue
            reported.add(key)
            whole = len(lost) == len(names)
            reach = "never reached" if whole else f"not reached for {shown}"
            severity = Severity.ERROR if whole else Severity.WARNING
            twice = read_twice(site.config, later.file, later.line,
                               f"{first.file}:{first.line}")
            if twice is not None:
                findings.append(ConfigFinding(
                    "vhost_shadowed", severity, later.file, later.line,
                    f"{later.describe()} is {reach} on {address}: {twice}, and httpd gives "
                    f"each request to the first copy", reread_fix(site.config, later.file)))
                continue
            wildcard = _wildcard_alias(site, first, lost[0])
            if wildcard is not None:
                # Both have their own names: the earlier one's wildcard takes the later's.
                written = f"ServerAlias {' '.join(wildcard.args)}"
                findings.append(ConfigFinding(
                    "vhost_shadowed", severity, later.file, later.line,
                    f"{later.describe()} is {reach} on {address}: {written} "
                    f"({wildcard.file}:{wildcard.line}), a name of {first.describe()}, "
                    f"listed earlier, matches {shown} and httpd gives each request to the "
                    f"first VirtualHost whose name matches",
                    f"narrow the wildcard {written} at {wildcard.file}:{wildcard.line} so "
                    f"that it does not match {shown}, or list {later.describe()} before "
                    f"{first.describe()}"))
                continue
            findings.append(ConfigFinding(
                "vhost_shadowed", severity,
                later.file, later.line,
                f"{later.describe()} is {reach} on {address}: {first.describe()}, listed "
                f"earlier, has the same name{'s' if len(lost) > 1 else ''} ({shown}) and "
                f"httpd gives each request to the first VirtualHost whose name matches",
                "give each VirtualHost its own ServerName (a VirtualHost without one has the "
                "main server's), or merge them"))
    return findings


def _wildcard_alias(site: Site, server: Server, name: str | None) -> Directive | None:
    """The ``ServerAlias`` line whose wildcard makes ``server`` claim ``name``, when only a
    wildcard does (not its ServerName or a plain alias)."""
    if name is None:
        return None
    matched = name_matches(server.server_name, server.aliases, name)
    if matched is not MatchedBy.SERVER_ALIAS:
        return None
    found = name_directive(site, server, name, matched)
    plain = found is not None and any(a.lower() == name.lower() and not is_wildcard(a)
                                      for a in found.args)
    return None if found is None or plain else found
