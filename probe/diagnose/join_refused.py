"""The configuration join of a URL whose connections were refused (``unreachable``, Apache's
``--config``): whether a ``Listen`` of the configuration read opens the address probed.

A re-tester's Apache had lost ``Listen 127.0.0.2:31781`` while a ``<VirtualHost *:31781>``
was written for the site; the words with ``--config`` were those without ("check that the
server is running and listening"). A refused connection (not a timeout: nothing accepted
it) means no socket at that address and port:

* no ``Listen`` read opens it: httpd started with this file refuses there as it did; the
  VirtualHosts written for that address are named, and the fix is the ``Listen`` line and a
  restart (a graceful restart opens a new ``Listen``: checked with Debian's httpd 2.4),
  the check being that Apache was restarted with this file; where no VirtualHost is written
  for the port either, the file may be another server's (a fleet swept with one file), and
  no line is proposed;
* a ``Listen`` opens it: httpd started with this file would listen there, so the server at
  that address is not running, or was not started with it (``ss -ltnp``, ``apachectl -S``).

``Listen PORT`` opens every address, ``Listen [::]:PORT`` every address too (Linux maps
IPv4 onto it), ``Listen 0.0.0.0:PORT`` every IPv4 address; a ``Listen`` naming a host (not
an IP) is resolved at start, so it decides nothing here.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

from probe.apache.addresses import split_host_port
from probe.apache.model import Listen, Server, Site
from probe.apache.route import ApacheRoutes
from probe.apache.unread import unread_includes
from probe.apache.vhost_select import address_set, select_vhost
from probe.diagnose.apache_graceful import read_path
from probe.diagnose.wording import Diagnosis
from probe.errors import ErrorKind
from probe.front import FrontConfig
from probe.model import Evidence, EvidenceKind, Observation, Verdict

_IP = ipaddress.IPv4Address | ipaddress.IPv6Address
REFUSED = "connection refused by "
"""What a refused request's error says (probe.transport_outcomes): nothing accepted it."""


def graceful_with(site: Site) -> str:
    """How to restart gracefully the Apache that reads ``site``'s file: the system's apachectl
    starts the one of its own configuration only (tester T23: an Apache started with -f)."""
    main = read_path(site.config.files[0]) if site.config.files else "FILE"
    return (f"('apachectl -k graceful' where apachectl starts Apache with {main}, else "
            f"'apache2 -f {main} -k graceful', httpd on other systems: a graceful restart opens "
            f"a new Listen)")


def listening_check(site: Site) -> str:
    """What shows what listens at an address and which configuration the running Apache read:
    a bare 'apachectl -S' reads the system's configuration, not a file given with -f
    (re-tester R30), so the Apache started with the file is found with ps."""
    main = read_path(site.config.files[0]) if site.config.files else "FILE"
    return (f"'ss -ltnp' shows what listens at each address and port, 'ps -ww -o pid=,args= "
            f"-C apache2,httpd' whether an Apache runs with {main} (its -f), and that "
            f"Apache's own command line with '-S' in place of its '-k start' the configuration "
            f"it read ('apachectl -S' where its command line shows no -f)")


def refused(obs: Observation, diagnosis: Diagnosis, front: FrontConfig) -> Diagnosis:
    """``diagnosis`` of a URL every request of which was refused, with what the Listen lines
    of ``front`` say of the address probed; unchanged where they cannot say."""
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    if diagnosis.verdict is not Verdict.UNREACHABLE or not obs.samples or address is None \
            or not isinstance(front, ApacheRoutes) or \
            not all(s.error_kind is ErrorKind.CONNECT and REFUSED in (s.error or "")
                    for s in obs.samples):
        return diagnosis
    host, written_port = split_host_port(address)
    ip = _ip(host)
    if ip is None or written_port is None or not written_port.isdigit():
        return diagnosis
    port, site = int(written_port), front.site
    if not site.listens:
        return _add(diagnosis, f" The configuration given holds no Listen line (a site file "
                    f"read alone?): whether Apache started with it listens at {address} is "
                    f"not decided here; --config with the whole configuration (apache2.conf) "
                    f"decides it.", diagnosis.fix, ())
    of_port = [lst for lst in site.listens if lst.port == port]
    if any(lst.host is not None and _ip(lst.host) is None for lst in of_port):
        return diagnosis  # a host name resolved at start: which address it opens is not known
    opening = [lst for lst in of_port if _opens(lst, ip)]
    if opening:
        return _opened(diagnosis, address, opening, graceful_with(site), listening_check(site))
    unread = unread_includes([d for d in site.config.directives if d.key != "virtualhost"])
    if unread:
        return _add(diagnosis, f" No Listen read from the configuration given opens "
                    f"{address}, but {unread[0].describe()} may hold one: whether Apache "
                    f"started with it listens there is not decided here.", diagnosis.fix,
                    _listen_evidence(of_port or site.listens))
    return _unopened(obs, diagnosis, site, address, ip, port, of_port)


def _opened(diagnosis: Diagnosis, address: str, opening: Sequence[Listen],
            graceful: str, check: str) -> Diagnosis:
    lines = _lines(opening)
    said = (f" The configuration given opens {address} ({lines}): Apache started with it "
            f"listens there, so the server at {address} is not running, or was not started "
            f"with this file (or not since that line was written).")
    fix = (f"Check what listens at {address}: {check}. Start Apache with this file "
           f"where it is not running, else restart it with this file {graceful}; then probe "
           f"again.")
    return _add(diagnosis, said, fix, _listen_evidence(opening))


def _unopened(obs: Observation, diagnosis: Diagnosis, site: Site, address: str, ip: _IP,
              port: int, of_port: Sequence[Listen]) -> Diagnosis:
    listens = _lines(of_port) if of_port else f"none of port {port}"
    chosen, found, _ = address_set(site.vhosts, str(ip), port)
    if chosen is None:  # no VirtualHost for the port: maybe another server's file
        return _add(diagnosis, f" The configuration given opens no Listen for {address} "
                    f"({listens}) and writes no VirtualHost for port {port}: it may be "
                    f"another server's configuration; sweep {address} with the file the "
                    f"server there reads.", diagnosis.fix, _listen_evidence(of_port))
    servers = _once(found)
    taker = select_vhost(site, (urlsplit(obs.target.url).hostname or "").lower(), str(ip),
                         port).server
    others = [s.where for s in servers if s is not taker]
    also = (f", and {len(others)} other(s) ({', '.join(others)})" if others else "")
    said = (f" The configuration given opens no Listen for {address} ({listens}), so Apache "
            f"started with it refuses connections there, as this one was refused; the "
            f"VirtualHost(s) it writes for {chosen} answer there only once httpd listens at "
            f"{address}: {taker.describe()} for this URL{also}.")
    # An address-bound Listen of the port and "Listen PORT" would both bind it: httpd stops;
    # and where every Listen names an address, "Listen PORT" would open the others too.
    bound = any(lst.host is not None for lst in of_port) or \
        all(lst.host is not None for lst in site.listens)
    line = f"Listen {address}" if bound else f"Listen {port}"
    beside = (of_port or site.listens)[-1].directive
    fix = (f"Add '{line}' to the configuration (after Listen {' '.join(beside.args)} at "
           f"{beside.where}) and restart Apache with this file {graceful_with(site)}; then probe "
           f"again. If {address} still refuses it, the Apache running there was not "
           f"restarted with this file: "
           f"{listening_check(site)}.")
    evidence = (*_listen_evidence(of_port),
                *(Evidence(EvidenceKind.CONFIGURED,
                         f"<VirtualHost {' '.join(str(a) for a in s.addresses)}>", s.where)
                  for s in servers))
    return _add(diagnosis, said, fix, evidence)


def _opens(listen: Listen, ip: _IP) -> bool:
    if listen.host is None or listen.host in ("*", "::"):
        return True
    if listen.host == "0.0.0.0":  # noqa: S104 - a Listen's address, compared, not bound
        return ip.version == 4
    return _ip(listen.host) == ip


def _ip(host: str) -> _IP | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _once(servers: Sequence[Server]) -> list[Server]:
    """Each ``<VirtualHost>`` once (a file read twice lists it twice)."""
    first: dict[str, Server] = {}
    for server in servers:
        first.setdefault(server.where, server)
    return list(first.values())


def _lines(listens: Sequence[Listen]) -> str:
    return ", ".join(f"Listen {' '.join(lst.directive.args)} at {lst.directive.where}"
                     for lst in listens)


def _listen_evidence(listens: Sequence[Listen]) -> tuple[Evidence, ...]:
    return tuple(Evidence(EvidenceKind.CONFIGURED, f"Listen {' '.join(lst.directive.args)}",
                          lst.directive.where) for lst in listens)


def _add(diagnosis: Diagnosis, said: str, fix: str,
         evidence: tuple[Evidence, ...]) -> Diagnosis:
    stop = "" if diagnosis.explanation.endswith(".") else "."
    return dataclasses.replace(diagnosis, explanation=diagnosis.explanation + stop + said,
                               fix=fix,
                               evidence=(*diagnosis.evidence, *evidence))
