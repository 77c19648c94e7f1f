"""``remoteip_header``: mod_remoteip takes the client's address from a request header, where
the probe endpoint without a token decides by that address.

A token-less endpoint answers only loopback requests without a proxy header. mod_remoteip
(``RemoteIPHeader X-Forwarded-For`` and the proxies it trusts, ``RemoteIPInternalProxy`` or
``RemoteIPTrustedProxy``) replaces ``REMOTE_ADDR`` by the header's address and removes the
header: a client the trusted ranges cover that sends ``X-Forwarded-For: 127.0.0.1`` reaches
the endpoint as loopback (a security test on real Apache with ``RemoteIPInternalProxy
192.0.2.0/24``). Whether those ranges hold clients, and whether an endpoint runs without a
token, the configuration does not say: a note, naming the lines, not a warning.
"""

from __future__ import annotations

from probe.apache.model import Site
from probe.lint.findings import ConfigFinding, Severity
from probe.lint.wsgi_options import walk

_TRUST = ("remoteipinternalproxy", "remoteiptrustedproxy", "remoteipinternalproxylist",
          "remoteiptrustedproxylist")


def remoteip_header(site: Site) -> list[ConfigFinding]:
    """A note at each ``RemoteIPHeader`` of a configuration that mounts a WSGI application."""
    if not site.apps:
        return []
    found = list(walk(site.config.directives))
    trusted = [d for d in found if d.key in _TRUST]
    named = ", ".join(f"{d.name} {' '.join(d.args)} ({d.where})" for d in trusted[:3]) \
        or "no RemoteIPInternalProxy or RemoteIPTrustedProxy line"
    return [ConfigFinding(
        "remoteip_header", Severity.NOTE, d.file, d.line,
        f"{d.name} {header}: mod_remoteip sets REMOTE_ADDR from the {header} header of the "
        f"requests it trusts ({named}), and the probe endpoint without a token trusts "
        f"REMOTE_ADDR: a request it trusts that sends '{header}: 127.0.0.1' is loopback to "
        f"the endpoint, with the header removed; which clients those lines cover is not "
        f"checked",
        "install the endpoint with a token (probe endpoint --install WSGI_PY, without "
        "--no-token), or keep the trusted lines to the proxies' own addresses")
        for d in found if d.key == "remoteipheader" and d.args for header in d.args[:1]]
