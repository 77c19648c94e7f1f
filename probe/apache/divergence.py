"""Where a URL's predicted route leaves the route to the application meant to answer it (its
WSGI script, as that application's own answers report it), step by step in httpd's order:

1. the site: the chosen VirtualHost does not run the script; another VirtualHost of the
   address set that does claims the name further down the list (``vhost_shadowed``: the
   chosen one's name line took it first), or none claims it and the first answered
   (``vhost_fallback``);
2. the URL mapping: a rewrite, proxy or alias took the path before mod_wsgi (``url_mapping``);
3. the mount: the script's alias in the chosen VirtualHost matches the path but an earlier
   one took it (``alias_order``);
4. the daemon process group: the script ran where meant, in another group
   (``process_group_scope``).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from probe.apache.hostnames import name_matches
from probe.apache.mapping import map_path, source
from probe.apache.model import Server, Site
from probe.apache.names import mount_matches
from probe.apache.vhost_select import name_directive, select_vhost
from probe.front import Divergence, PredictedRoute, RouteStep, Source


def divergence(site: Site, route: PredictedRoute, hostname: str, ip: str | None, port: int,
               script: str, group: str | None) -> Divergence | None:
    """The first step of ``route`` (predicted for ``hostname`` at ``ip:port``) that leaves
    the route to ``script`` (run in daemon group ``group``, when the manifest says)."""
    choice = select_vhost(site, hostname, ip, port)
    site_step = route.step("site")
    if choice.undecided is not None or site_step is None:
        return None
    path = urlsplit(route.url).path or "/"
    server = choice.server
    if not _runs(site, server, script, path):
        owners = [v for v in choice.candidates
                  if v is not server and _runs(site, v, script, path)]
        claiming = [v for v in owners if name_matches(v.server_name, v.aliases, hostname)]
        if claiming:
            return Divergence("site", site_step, _name_step(site, claiming[0], hostname),
                              "vhost_shadowed")
        meant = RouteStep("site", owners[0].describe(), f"{_opening(owners[0])} runs "
                          f"{script}", Source(owners[0].file, owners[0].line)) if owners else None
        cause = "vhost_fallback" if site_step.by == "default" else None
        return Divergence("site", site_step, meant, cause)
    mapping = route.step("mapping")
    if mapping is not None and mapping.source is not None:
        return Divergence("mapping", mapping, None, "url_mapping")
    mount = route.step("mount")
    if mount is None:
        return None
    if not _same(route.script_file, script):
        wanted = next((a for a in site.aliases_for(server) if _same(a.target, script)
                       and not a.handler), None)
        if wanted is None:
            return Divergence("mount", mount, None, None)
        meant = RouteStep("mount", f"{wanted.target} at {wanted.mount}",
                          f"{wanted.directive.name} {wanted.mount} {wanted.target}",
                          source(wanted.directive))
        reaches = not wanted.is_match and mount_matches(wanted.mount, map_path(
            site, server, path).path)
        return Divergence("mount", mount, meant, "alias_order" if reaches else None)
    chosen = route.step("process_group")
    if group is not None and route.process_group != group and chosen is not None:
        return Divergence("process_group", chosen, None, "process_group_scope")
    return None


def _runs(site: Site, server: Server, script: str, path: str) -> bool:
    """Whether ``server`` mounts ``script`` where it could serve ``path``."""
    return any((_same(a.target, script) or _under(script, a.target))
               and (a.is_match or a.handler or mount_matches(a.mount, path))
               for a in site.aliases_for(server))


def _same(a: str | None, b: str) -> bool:
    return a is not None and os.path.realpath(a) == os.path.realpath(b)


def _under(script: str, target: str) -> bool:
    return os.path.isdir(target) and os.path.realpath(script).startswith(
        os.path.realpath(target) + os.sep)


def _name_step(site: Site, server: Server, hostname: str) -> RouteStep:
    matched = name_matches(server.server_name, server.aliases, hostname)
    assert matched is not None
    d = name_directive(site, server, hostname, matched)
    if d is None:
        return RouteStep("site", server.describe(), f"{_opening(server)} claims {hostname}",
                         Source(server.file, server.line), by="name")
    named = f" ({server.server_name})" if server.server_name else ""
    return RouteStep("site", server.describe(), f"{d.name} {' '.join(d.args)}, a name of "
                     f"{_opening(server)}{named}", source(d), by="name")


def _opening(server: Server) -> str:
    return f"<VirtualHost {' '.join(str(a) for a in server.addresses)}>"

