"""``tls_twin_missing``: a site served over plain HTTP with no VirtualHost of the TLS address
where the other sites have their twins (certbot run for some names and not this one).

https://NAME/ then reaches the first VirtualHost of that address, another site, with its
certificate: a client checking certificates fails (no name matches), one that does not is
served by another application. The rule speaks only where the TLS address is one the
configuration uses for twins (another plain site's name is claimed there), so a server
without HTTPS, or with an HTTPS site of its own, says nothing; nor does one whose first
VirtualHost there refuses every request (the fix's second option, applied).
"""

from __future__ import annotations

from collections.abc import Sequence

from probe.apache.hostnames import name_matches
from probe.apache.model import Server, Site
from probe.apache.unknown_hosts import refuses_every_request
from probe.lint.findings import ConfigFinding, Severity

_SERVES = ("rewriterule", "redirect", "redirectmatch", "redirectpermanent")


def tls_twin_missing(site: Site) -> list[ConfigFinding]:
    plain = [(v, v.server_name) for v in site.vhosts if not v.ssl and v.server_name
             and not v.name_inherited and _serves(site, v)]
    findings: list[ConfigFinding] = []
    for key in dict.fromkeys((a.host, a.port) for v in site.vhosts if v.ssl
                             for a in v.addresses):
        at = [v for v in site.vhosts if any((a.host, a.port) == key for a in v.addresses)]
        tls = [v for v in at if v.ssl]
        if not tls or not at[0].ssl:  # the first VirtualHost decides whether it speaks TLS
            continue
        if refuses_every_request(at[0]):
            # the catch-all this finding's fix advises: unknown names get its refusal (403
            # and the like), no other site's answer
            continue
        twinned = {name for _, name in plain if _claimed(tls, name)}
        for server, name in plain:
            others = sorted(twinned - {name})
            if not others or _claimed(at, name) or any(server is v for v in at):
                continue
            findings.append(_finding(server, name, at[0], others))
    return findings


def _finding(server: Server, name: str, first: Server, others: Sequence[str]) -> ConfigFinding:
    address = next(str(a) for a in first.addresses)
    cert = next((d for d in first.directives if d.key == "sslcertificatefile" and d.args),
                None)
    with_cert = f" and its certificate ({cert.args[0]}, {cert.where})" if cert else ""
    shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
    return ConfigFinding(
        "tls_twin_missing", Severity.WARNING, server.file, server.line,
        f"{name} is served over plain HTTP here and no VirtualHost of {address} (SSLEngine "
        f"on) claims it, while {shown} {'is' if len(others) == 1 else 'are'} served on both: "
        f"an https request for {name} (its SNI and Host) reaches the first VirtualHost of "
        f"{address}, "
        f"{first.describe()}, another site, with its answer{with_cert}",
        f"give {name} a VirtualHost of its own on {address} with SSLEngine on, a certificate "
        f"that names it and this VirtualHost's WSGI lines (certbot --apache -d {name} writes "
        f"one); or, if it must not answer https, list first on {address} a VirtualHost that "
        f"refuses unknown names")


def _serves(site: Site, server: Server) -> bool:
    """Whether ``server`` is a site: it mounts an application or redirects (to https)."""
    return bool(site.aliases_for(server)) or any(d.key in _SERVES for d in server.directives)


def _claimed(servers: Sequence[Server], name: str) -> bool:
    return any(name_matches(v.server_name, v.aliases, name) is not None for v in servers)
