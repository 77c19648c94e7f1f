"""The WSGI lines a VirtualHost lacks that its twin has: the same name on another port (the
``:443`` copy of a ``:80`` site, as puppetlabs-apache writes them, one file each) where the
twin mounts the expected application at the path and this one mounts nothing.

"Add the mount (WSGIScriptAlias / with its WSGI script)" alone was applied by a tester and
answered 500: without the twin's ``WSGIProcessGroup`` the script ran embedded, without its
daemon's ``python-path=``. The fix carries every line that decides where the twin runs the
script: the alias, the process group and the application group, each with its ``file:line``;
a line written outside every VirtualHost applies to both already and is not repeated.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from probe.apache.config import Directive
from probe.apache.group_placement import reaches
from probe.apache.hostnames import name_matches
from probe.apache.model import Server, Site, WsgiApp
from probe.apache.names import mount_matches
from probe.apache.sections import deciding_directive


@dataclass(frozen=True)
class TwinMount:
    """The twin VirtualHost, its mount of the application, and the lines to copy."""

    twin: Server
    app: WsgiApp
    lines: tuple[Directive, ...]  # the alias first, then the group lines it needs

    def words(self, site: Site, server: Server, replacing: tuple[Directive, ...] = ()) -> str:
        """The lines to write inside ``server`` (in place of ``replacing``, its own lines
        that run another application there), each with where the twin has it, and what of
        the twin's daemon this VirtualHost may use."""
        copied = ", ".join(f"'{written(d)}' ({d.where})" for d in self.lines)
        instead = ", " if not replacing else " in place of " + ", ".join(
            f"'{written(d)}' ({d.where})" for d in replacing) + ": "
        said = (f"its twin {self.twin.describe()}, the same name on another port, mounts "
                f"{self.app.target} there: write its WSGI lines inside it{instead}{copied}")
        daemon = site.daemon(self.app.process_group or "")
        if daemon is None or daemon.server is not self.twin:
            return said
        if reaches(daemon, server):
            # mod_wsgi lets a VirtualHost use a group defined in another of the same name.
            return (f"{said}; WSGIDaemonProcess {daemon.name} ({daemon.directive.where}) "
                    f"serves this VirtualHost too (mod_wsgi compares the ServerName, the same "
                    f"here), so it is not to be written twice")
        return (f"{said}; WSGIDaemonProcess {daemon.name} ({daemon.directive.where}) serves "
                f"only VirtualHosts whose ServerName is {daemon.server.server_hostname}, "
                f"so define one for this VirtualHost under another name and name that one")


def twin_mount(site: Site, server: Server, hostname: str, path: str, group: str | None,
               script: str | None) -> TwinMount | None:
    """The first other VirtualHost that claims ``hostname`` as ``server`` does, on no port of
    ``server``'s, and mounts, at ``path``, the application the daemon group ``group`` or the
    instance's own ``script`` says is the expected one; None where nothing read says so.
    Neither a catch-all that claims no name (tester T24: project-1's alias written into
    ``_default_:31782`` made it every unknown name's) nor a VirtualHost of the same port on
    another address is a twin."""
    if name_matches(server.server_name, server.aliases, hostname) is None:
        return None
    ports = _ports(server)
    for twin in site.vhosts:
        if twin is server or not name_matches(twin.server_name, twin.aliases, hostname):
            continue
        if ports is None or (found := _ports(twin)) is None or ports & found:
            continue  # the same port (or any port): not the same name on another port
        for app in site.aliases_for(twin):
            if app.handler or app.is_match or not mount_matches(app.mount, path):
                continue
            if not ((group and app.process_group == group) or
                    (script is not None and _same(app.target, script))):
                continue
            return TwinMount(twin, app, (app.directive, *_group_lines(twin, app)))
    return None


def wsgi_lines(site: Site, server: Server) -> tuple[Directive, ...]:
    """Every line of ``server`` itself that mounts an application and chooses its groups (a
    TLS twin to write for it carries them: without them its script runs embedded)."""
    found: dict[tuple[str, int], Directive] = {}
    for app in site.aliases_for(server):
        if app.handler or app.is_match:
            continue
        for line in (app.directive, *_group_lines(server, app)):
            found.setdefault((line.file, line.line), line)
    return tuple(sorted(found.values(), key=lambda d: (d.file, d.line)))


def _group_lines(twin: Server, app: WsgiApp) -> tuple[Directive, ...]:
    """The twin's own lines that choose the process and application group of ``app`` (not
    its alias's options, copied with the alias; not the main server's, shared already)."""
    found = []
    for option, key in (("process-group", "wsgiprocessgroup"),
                        ("application-group", "wsgiapplicationgroup")):
        if option in app.options:
            continue
        line = deciding_directive([twin.directives], app.target, app.mount, key)
        if line is not None:
            found.append(line)
    return tuple(sorted(found, key=lambda d: d.line))


def written(d: Directive) -> str:
    """A line as its file writes it (arguments with spaces quoted)."""
    args = " ".join(f'"{a}"' if " " in a else a for a in d.args)
    return f"{d.name} {args}"


def _ports(server: Server) -> frozenset[int] | None:
    """The ports ``server`` is written for; None where an address takes any port."""
    if any(a.port is None for a in server.addresses):
        return None
    return frozenset(a.port for a in server.addresses if a.port is not None)


def _same(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)
