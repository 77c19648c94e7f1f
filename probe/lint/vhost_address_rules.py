"""``vhost_address``: a ``<VirtualHost>`` address httpd drops or refuses, judged as httpd 2.4
with APR judges it (each form checked with ``apache2 -t`` and ``-S``):

* **dropped**: without brackets, one ``:`` followed by no port (``*:``, a template's empty
  ``*:{{ port }}``), by something not all digits (``*:abc``, ``*:80abc``), or by nothing
  before it and no digits (``:abc``): APR takes the whole word for a host name, which cannot
  resolve ("AH00547: Could not resolve host name *: -- ignoring!"), and httpd starts without
  that address (``-t`` says Syntax OK). A VirtualHost left with no address is not served at
  all: no request reaches its mounts;
* **refused**: ``:80`` (no host), a port of 0 or above 65535, ``[::1]:`` with no valid port
  after the brackets: "The address or port is invalid", httpd does not start.

``*:*``, ``*``, ``[::1]`` and a bare IPv6 address are left alone, as are names that do not
resolve on this machine (that depends on the DNS httpd starts with).
"""

from __future__ import annotations

from enum import Enum

from probe.apache.addresses import parse_address
from probe.apache.model import Server, Site
from probe.lint.findings import ConfigFinding, Severity

CODE = "vhost_address"
_INVALID = "The address or port is invalid"


class Fate(Enum):
    DROPPED = "dropped"
    REFUSED = "refused"


def fate(word: str) -> Fate | None:
    """What httpd makes of one ``<VirtualHost>`` address; None: it keeps it."""
    if word.startswith("["):
        _, bracket, rest = word.partition("]")
        if not bracket or not rest or rest == ":*":
            return None
        return None if rest.startswith(":") and _port_ok(rest[1:]) else Fate.REFUSED
    if word.count(":") != 1 or word.endswith(":*"):
        return None
    host, _, port = word.partition(":")
    if not port.isdigit():
        return Fate.DROPPED  # the whole word becomes a host name
    return Fate.REFUSED if not host or not _port_ok(port) else None


def _port_ok(port: str) -> bool:
    return port.isdigit() and 1 <= int(port) <= 65535


def vhost_address(site: Site) -> list[ConfigFinding]:
    findings = []
    for server in site.vhosts:
        assert server.section is not None
        words = server.section.args
        refused = [w for w in words if fate(w) is Fate.REFUSED]
        dropped = [w for w in words if fate(w) is Fate.DROPPED]
        if refused:
            findings.append(ConfigFinding.at(
                CODE, Severity.ERROR, server.where,
                f"httpd will not start: <VirtualHost {' '.join(words)}>: {refused[0]}: "
                f"{_INVALID} (apache2 -t: AH00526, at this line)",
                "write the address as HOST:PORT with a port from 1 to 65535 (*:80, "
                "192.0.2.1:443, [::1]:8080), or * for any address on every Listen port"))
        elif dropped:
            findings.append(_dropped(site, server, words, dropped))
    return findings


def _dropped(site: Site, server: Server, words: tuple[str, ...],
             dropped: list[str]) -> ConfigFinding:
    kept = [w for w in words if w not in dropped]
    said = ", ".join(dropped)
    why = (f"httpd takes {said} whole for a host name (what follows the ':' is no port), "
           f"cannot resolve it and drops it (AH00547: Could not resolve host name {dropped[0]} -- "
           f"ignoring!; apache2 -t still says Syntax OK)")
    ports = _listens_without_vhost(site, server)
    meant = (f"<VirtualHost *:{ports[0][0]}> ({ports[0][1]}, a port no other VirtualHost "
             f"takes)" if len(ports) == 1 else
             "<VirtualHost *:PORT> with the port meant" + (
                 f" (Listen lines no other VirtualHost takes: "
                 f"{', '.join(w for _, w in ports)})" if ports else ""))
    if kept:
        return ConfigFinding.at(
            CODE, Severity.WARNING, server.where,
            f"<VirtualHost {' '.join(words)}>: {why}; the VirtualHost answers only at "
            f"{' '.join(kept)}", f"write each address as HOST:PORT: {meant}")
    mounts = [a for a in site.apps if a.server is server]
    lost = ("; none of its mounts is served: " + ", ".join(
        f"{a.directive.name} {a.mount} at {a.directive.where}" for a in mounts)
        if mounts else "")
    return ConfigFinding.at(
        CODE, Severity.ERROR, server.where,
        f"<VirtualHost {' '.join(words)}>: {why}; with no other address the VirtualHost is "
        f"not served at all (apache2 -S does not list it){lost}",
        f"write the port: {meant}")


def _listens_without_vhost(site: Site, server: Server) -> list[tuple[int, str]]:
    """Listen ports no other VirtualHost's kept address takes (the port meant may be one),
    each with its line as written."""
    others = [parse_address(w) for s in site.vhosts if s is not server
              for w in (s.section.args if s.section else ()) if fate(w) is None]
    return [(lst.port, f"Listen {' '.join(lst.directive.args)} at {lst.directive.where}")
            for lst in site.listens
            if lst.port and not any(a.port in (None, lst.port) for a in others)]
