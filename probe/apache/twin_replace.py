"""The VirtualHost a request reaches claims the name by its own ServerName or ServerAlias and
mounts another application at the path, while its twin (the same name on another port: the
``:443`` copy certbot writes into ``-le-ssl.conf``) mounts the one meant.

The route then leaves the intended one at the mount, not the site: the site reached is the
name's own. Worded as a site elsewhere, a tester was told to list an https URL the manifest
listed already, and to "give it a plain VirtualHost of its own there": one existed, and the
second, added below it, was never reached (then ``vhost_shadowed``). The fix is the twin's
WSGI lines in place of the VirtualHost's own, each line with its ``file:line``
(:mod:`probe.apache.twin_mount`).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from probe.apache.config import Directive
from probe.apache.hostnames import name_matches
from probe.apache.mapping import source
from probe.apache.model import Server, Site
from probe.apache.sections import per_directory
from probe.apache.twin_mount import twin_mount
from probe.apache.vhost_select import name_directive
from probe.front import Divergence, PredictedRoute, RouteStep

TWIN = "twin"
"""``by`` of the meant mount step: the twin's alias line, on another address or port."""


def twin_instead(site: Site, server: Server, candidates: Sequence[Server],
                 route: PredictedRoute, hostname: str, script: str,
                 group: str | None) -> Divergence | None:
    """The divergence at ``route``'s mount where ``server`` (reached, one of ``candidates``)
    claims ``hostname`` itself and runs another script at the path, and a VirtualHost no
    request to this address reaches, claiming the name too, mounts ``script`` there (or
    runs it in the daemon ``group``); None otherwise."""
    matched = name_matches(server.server_name, server.aliases, hostname)
    mount = route.step("mount")
    if matched is None or mount is None or mount.source is None or not route.script_file:
        return None
    path = urlsplit(route.url).path or "/"
    twin = twin_mount(site, server, hostname, path, group, script)
    if twin is None or any(twin.twin is c for c in candidates):
        return None  # a twin on this address is a shadowed site: the site step says so
    own = _own_lines(server, route)
    name = name_directive(site, server, hostname, matched)
    claim = f"{name.name} {' '.join(name.args)}, {name.where}" if name is not None \
        else server.where
    app = twin.app
    meant = RouteStep("mount", f"{app.target} at {app.mount}",
                      f"{app.directive.name} {app.mount} {app.written_target} in its twin "
                      f"{twin.twin.describe()}, the same name on another port",
                      source(app.directive), by=TWIN)
    why = (f"The route leaves the intended one at the mount, not the site: "
           f"{server.describe()} runs {route.script_file} ({mount.rule}, {mount.source}), the "
           f"VirtualHost that claims {hostname} by its own name ({claim}). Its twin mounts "
           f"{script} for the same name: {meant.rule} ({meant.source}).")
    fix = (f"{server.describe()}, which claims {hostname}, mounts {route.script_file} at "
           f"{path}; {twin.words(site, server, own)}.")
    return Divergence("mount", mount, meant, None, said=(why, fix))


def _own_lines(server: Server, route: PredictedRoute) -> tuple[Directive, ...]:
    """The lines of ``server`` itself that put the route's script at the path and choose
    its groups (a line outside every VirtualHost serves other sites: not to be replaced)."""
    cited = {(s.source.file, s.source.line) for s in
             (route.step(n) for n in ("mount", "process_group", "application_group"))
             if s is not None and s.source is not None}
    inside = (*server.directives, *(d for d, _ in per_directory(server.directives)))
    return tuple(sorted((d for d in inside if (d.file, d.line) in cited),
                        key=lambda d: (d.file, d.line)))
