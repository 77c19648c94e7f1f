"""Where the expected instance's VirtualHost is when none of the address a request reached
is its own: on another address or port, or not in the configuration read at all.

Tester T24 (real Apache, several addresses and ports) applied two fixes that mounted or
named a site in the wrong VirtualHost:

* ``ServerName a.example.test`` is one edit from ``b.example.test``, but that VirtualHost
  runs project-1 (its script, reported by project-1's answers; its daemon group, project-1's
  ``process_group``): renaming it broke a.example.test, a ``ServerAlias`` made project-1
  answer b.example.test. b.example.test's own file was not enabled. A near name is a typo
  only in the instance's own VirtualHost (:mod:`probe.apache.near_names`), never in one
  that runs another instance (:func:`runs_other`).
* project-1's ``WSGIScriptAlias`` written into ``<VirtualHost _default_:31782>``, the only
  VirtualHost of the port, claiming no name: httpd refused it (its daemon group not yet
  defined), or, with the group global, project-1 answered every unknown name of the port.
  The site's own VirtualHost gets the port (:func:`elsewhere`), never the catch-all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from probe.apache.addresses import Address
from probe.apache.config import Directive
from probe.apache.hostnames import name_matches
from probe.apache.model import Server, Site
from probe.apache.near_names import near_name
from probe.apache.own_command import vhost_dump
from probe.apache.port_vhost import vhost_of
from probe.apache.vhost_select import VhostChoice
from probe.front import Source


@dataclass(frozen=True)
class OtherRun:
    """A WSGI line of a VirtualHost that runs another instance, and what says it is theirs."""

    instance: str
    line: Directive
    why: str  # "the script project-1's answers report (script_file)"

    def said(self) -> str:
        args = " ".join(self.line.args)
        return f"{self.line.name} {args} ({self.line.where}): {self.why}"


@dataclass(frozen=True)
class Elsewhere:
    """The words of a fix at the VirtualHost meant, and the lines they cite."""

    words: str
    cites: tuple[tuple[str, Source], ...]


def runs_other(site: Site, server: Server, scripts: Mapping[str, str],
               groups: Mapping[str, str]) -> OtherRun | None:
    """The first mount of ``server`` itself that runs another instance: a script another
    instance's answers report (``scripts``: real path -> instance, observed), else a
    daemon group that is another instance's ``process_group`` (``groups``, the manifest)."""
    for app in site.apps:
        if app.server is not server:
            continue
        who = scripts.get(os.path.realpath(app.target))
        if who is not None:
            return OtherRun(who, app.directive,
                            f"the script {who}'s answers report (script_file)")
        who = groups.get(app.process_group or "")
        if who is not None:
            return OtherRun(who, app.directive, f"daemon group {app.process_group} "
                                                f"({app.process_group_from}), {who}'s "
                                                f"process_group in the manifest")
    return None


def near_taken(site: Site, choice: VhostChoice, hostname: str, expected: str,
               meant: Server | None, group: str | None, close: list[Server],
               known: tuple[str | None, Mapping[str, str], Mapping[str, str]],
               ppid: int | None = None) -> Elsewhere | None:
    """Each VirtualHost of ``close`` (a name near ``hostname``) that runs another instance
    said as that one's site, then the site meant (:func:`elsewhere`); None where none of
    them runs another (``known``: the instance's script, the other instances' scripts and
    groups; ``ppid``: the Apache parent the answers at the address name, whose own command
    line lists its VirtualHosts)."""
    script, scripts, groups = known
    taken = [(v, r, n) for v in close for r in (runs_other(site, v, scripts, groups),)
             for n in (near_name(v, hostname),) if r is not None and n is not None]
    if not taken:
        return None
    said = " ".join(
        f"{n.said(hostname)}, but {v.describe()} runs {r.instance} ({r.said()}): that is "
        f"{r.instance}'s site, not a typo of {hostname}, and a ServerAlias {hostname} there "
        f"would make {r.instance} answer it." for v, r, n in taken)
    away = elsewhere(site, choice, hostname, expected, meant, script, group, ppid)
    if away is None:
        # re-tester R31: a bare 'apachectl -S' reads the system's configuration, not the file
        # an Apache started with -f runs (mod_wsgi-express's own apachectl, 'apache2 -f FILE')
        return Elsewhere(f"{said} Nothing read tells which VirtualHost is {expected}'s: "
                         f"{vhost_dump(ppid)} lists the VirtualHosts httpd loaded; give "
                         f"{hostname} to the one meant to claim it.",
                         tuple((_opening(v.addresses), Source(v.file, v.line))
                               for v, _, _ in taken))
    return Elsewhere(f"{said} {away.words}", away.cites)


def elsewhere(site: Site, choice: VhostChoice, hostname: str, expected: str,
              meant: Server | None, script: str | None, group: str | None,
              ppid: int | None = None) -> Elsewhere | None:
    """The fix where no VirtualHost of ``choice``'s address is ``expected``'s: the one that
    runs it (``meant``, else its ``script`` or daemon ``group``, else the one that claims
    ``hostname``) given the address, or, where the configuration read has none, the
    ``Include`` lines and the running Apache's own ``-S`` (by ``ppid`` where the answers name
    it) to check; None where nothing read decides."""
    if choice.address is None:
        return None
    others = [v for v in site.vhosts if not any(v is c for c in choice.candidates)]
    found = meant if meant is not None and any(v is meant for v in others) else None
    if found is None:
        own = vhost_of(site, others, script, group)
        found = own.server if own is not None else next(
            (v for v in others if name_matches(v.server_name, v.aliases, hostname)), None)
    if found is not None:
        return None if found.ssl else _given_address(found, choice.address, hostname,
                                                     expected)
    if any(vhost_of(site, [v], script, group) is not None for v in site.vhosts) or any(
            a.server.is_main and ((group and a.process_group == group) or
                                  (script and _same(a.target, script))) for a in site.apps):
        return None  # several run it, or the main server does: no one site is missing
    return _not_read(site, choice, hostname, expected, (script, group), ppid)


def _given_address(found: Server, went: Address, hostname: str, expected: str) -> Elsewhere:
    """``found`` runs the instance on other addresses than ``went``: its line given it."""
    opening = _opening(found.addresses)
    port = went.port
    wild = f"*:{port}" if went.host == "*" else went.written
    same_port = [a for a in found.addresses if a.port == port]
    cites = ((opening, Source(found.file, found.line)),)
    if same_port and went.host == "*":
        # IP-based on another address of the port: '*' lets names be compared on every one.
        written = tuple(Address("*", port, wild) if a is same_port[0] else a
                        for a in found.addresses)
        words = (f"{expected}'s site is {found.describe()}, written for "
                 f"{same_port[0].written} only: a request sent to another address of port "
                 f"{port} never reaches it. At {found.where}, write {_opening(written)} "
                 f"instead of {opening} if it should answer {hostname} at every address of "
                 f"the port (names are then compared among the VirtualHosts of *:{port}), "
                 f"or send {hostname}'s requests to {same_port[0].written} "
                 f"([instances.{expected}] connect in the manifest).")
        return Elsewhere(words, cites)
    ports = ", ".join(str(a.port) for a in found.addresses if a.port is not None)
    given = _opening((*found.addresses, Address("*", port, wild)))
    name = f"ServerName {found.server_hostname or found.server_name}" \
        if found.server_name and not found.name_inherited else "its names"
    words = (f"{expected}'s site is {found.describe()}, written for port {ports or 'other'} "
             f"only. At {found.where}, write {given} instead of {opening} if it should "
             f"answer on port {port} too, or give it a "
             f"<VirtualHost {wild}> of its own with {name} and its WSGI lines; else send "
             f"the URL to port {ports or 'where it is written'}. Not a mount in the "
             f"VirtualHost that answered: it claims no name of the URL, so it would answer "
             f"every name sent to {went.written} that no other site claims.")
    return Elsewhere(words, cites)


def _not_read(site: Site, choice: VhostChoice, hostname: str, expected: str,
              runs: tuple[str | None, str | None], ppid: int | None) -> Elsewhere | None:
    """No VirtualHost read runs the instance (``runs``: its script and daemon group) or claims
    the name: its file is not read."""
    script, group = runs
    if script is None and group is None:
        return None  # nothing read tells which VirtualHost would be the instance's
    told = " or ".join(w for w in (f"mounts {script}" if script else "",
                                   f"uses its daemon group '{group}'" if group else "") if w)
    files = {c.file for c in choice.candidates}
    lines = sorted({(i.by_file, i.by_line) for i in site.config.includes if i.file in files})
    read = "; ".join(f"{file}:{line} (" + ", ".join(
        sorted(os.path.basename(i.file) for i in site.config.includes
               if (i.by_file, i.by_line) == (file, line) and i.file in files)) + ")"
                     for file, line in lines)
    where = f" The VirtualHosts of {choice.address} are read by the Include at {read}." \
        if lines else ""
    words = (f"No VirtualHost of the configuration read runs {expected} (none {told}) or "
             f"claims {hostname}: its site is not in the configuration read, a file not "
             f"included or not enabled.{where} Check which VirtualHosts httpd loaded with "
             f"{vhost_dump(ppid)}, then enable the file of {expected}'s site (a2ensite on "
             f"Debian, a link in the directory that Include reads) or Include it, and reload.")
    return Elsewhere(words, tuple((f"Include ({os.path.basename(f)}:{n})", Source(f, n))
                                  for f, n in lines))


def _same(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def _opening(addresses: tuple[Address, ...]) -> str:
    return f"<VirtualHost {' '.join(str(a) for a in addresses)}>"
