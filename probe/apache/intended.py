"""The WSGI script meant to answer a URL, read from the configuration when no answer of the
expected instance reported its own (``script_file``): a mount just added, a site never
answered right.

The configuration offers the applications that could take the URL: the mounts of the chosen
VirtualHost whose URL matches the path as requested, and those of the other VirtualHosts of
the address set that also claim the host name; failing those, of a VirtualHost on another
address or port that claims it. The one the route did not take is meant, when
exactly one is left after narrowing by what the manifest declares (the daemon group, then
the settings package as a directory of the script's path). Anything else decides nothing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.apache.hostnames import name_matches
from probe.apache.model import Server, Site, WsgiApp
from probe.apache.names import mount_matches
from probe.apache.port_vhost import vhost_of
from probe.apache.vhost_select import select_vhost
from probe.front import PredictedRoute


@dataclass(frozen=True)
class IntendedScript:
    script: str
    why: str  # how it was chosen, citing file:line


def intended_script(site: Site, route: PredictedRoute, hostname: str, ip: str | None,
                    port: int, group: str | None, package: str | None) -> IntendedScript | None:
    """The one script other than the route's that the configuration mounts for the URL."""
    choice = select_vhost(site, hostname, ip, port)
    if choice.undecided is not None:
        return None
    path = urlsplit(route.url).path or "/"
    servers = [choice.server, *(v for v in choice.candidates if v is not choice.server
                                and name_matches(v.server_name, v.aliases, hostname))]
    apps = _apps(site, servers, path, route)
    narrowed = "the only application other than the route's that the configuration mounts "\
               "for this URL"
    if not apps:
        # None on the request's address: a VirtualHost of another address or port that
        # claims the name (one the request never reaches) says what was meant.
        away = [v for v in site.vhosts if not any(v is c for c in choice.candidates)
                and name_matches(v.server_name, v.aliases, hostname)]
        apps = _apps(site, away, path, route)
        narrowed = "the application the configuration mounts for this URL in a VirtualHost "\
                   "that claims the name on another address"
    if not apps and group is not None:
        # A site that claims no name (it answers as the first of the set) is still told by
        # the daemon group its WSGI lines use.
        own = vhost_of(site, [v for v in choice.candidates if v is not choice.server],
                       None, group)
        apps = _apps(site, [own.server], path, route) if own is not None else []
        narrowed = (f"the application mounted for this URL in the VirtualHost of the "
                    f"address that uses daemon group {group!r} (the manifest's "
                    f"process_group; {own.why} at {own.where})") if own is not None else ""
    if group is not None and any(a.process_group == group for a in apps):
        apps = [a for a in apps if a.process_group == group]
        narrowed = f"the application the configuration mounts for this URL in daemon " \
                   f"group {group!r} (the manifest's process_group)"
    if len(_scripts(apps)) > 1 and package:
        packaged = [a for a in apps if package in a.target.split(os.sep)]
        if len(_scripts(packaged)) == 1:
            apps = packaged
            narrowed = f"the application the configuration mounts for this URL from a " \
                       f"directory {package!r} (the manifest's settings package)"
    if len(_scripts(apps)) != 1:
        return None
    app = apps[0]
    return IntendedScript(app.target, f"no answer of the expected instance reported its "
                          f"script_file; {app.target} is {narrowed}: "
                          f"{app.directive.name} {app.mount} ({app.where})")


def _apps(site: Site, servers: list[Server], path: str, route: PredictedRoute) -> list[WsgiApp]:
    return [a for server in servers for a in site.aliases_for(server)
            if not a.handler and _matches(a, path)
            and not (route.script_file and _same(a.target, route.script_file))]


def _matches(app: WsgiApp, path: str) -> bool:
    if not app.is_match:
        return mount_matches(app.mount, path)
    try:
        return re.match(app.mount, path) is not None
    except re.error:
        return False


def _scripts(apps: list[WsgiApp]) -> set[str]:
    return {os.path.realpath(a.target) for a in apps}


def _same(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)
