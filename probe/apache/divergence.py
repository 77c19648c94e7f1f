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

import dataclasses
import os
from collections.abc import Sequence
from urllib.parse import urlsplit

from probe.apache.addresses import Address
from probe.apache.catch_all_address import catch_all_why
from probe.apache.group_placement import group_not_applied
from probe.apache.hostnames import name_matches
from probe.apache.macro_group import macro_group_fix
from probe.apache.mapping import map_path, source
from probe.apache.model import Server, Site
from probe.apache.names import catch_all_vhost, mount_matches
from probe.apache.sections import per_directory
from probe.apache.tls_setup import tls_of, tls_only
from probe.apache.twin_replace import twin_instead
from probe.apache.vhost_select import VhostChoice, name_directive, own_name, select_vhost
from probe.front import Divergence, PredictedRoute, RouteStep, Source

OWN_SECTION = "own_section"
"""``by`` of a group step whose line sits in a section that applies to the route's
application only: the line itself is the fix."""


MAIN_SCOPE = "main_scope"
"""``by`` of a group step whose line is written outside every VirtualHost (and applies to
other applications too): a section written beside it would apply to every VirtualHost."""


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
        twin = twin_instead(site, server, choice.candidates, route, hostname, script, group)
        if twin is not None and not any(v is not server and _runs(site, v, script, path)
                                        for v in choice.candidates):
            return twin
        tls = tls_of(site, choice.candidates)
        found, meant_at = _site(site, choice, site_step, hostname, script, path,
                                plain=tls is None)
        return dataclasses.replace(found, refuse_block=refuse_block(site, choice),
                                   refuse_why=catch_all_why(site, choice, ip, port),
                                   address_tls=() if tls is None else
                                   (f"# {tls.comment}", *tls.lines),
                                   meant_tls=None if tls is not None or meant_at is None
                                   else tls_only(meant_at, hostname))
    mapping = route.step("mapping") or route.step("proxy")
    if mapping is not None and mapping.source is not None and \
            not _same(route.script_file, script):
        # An Alias to the script meant (mounted by a handler) is the way there, not a detour:
        # what leaves the route comes after it.
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
                          f"{wanted.directive.name} {wanted.mount} {wanted.written_target}",
                          source(wanted.directive))
        reaches = not wanted.is_match and mount_matches(wanted.mount, map_path(
            site, server, path).path)
        if reaches and mount.source is not None:
            meant = brought_in(site, meant, mount.source)
        return Divergence("mount", mount, meant, "alias_order" if reaches else None)
    chosen = route.step("process_group")
    if group is not None and route.process_group != group and chosen is not None:
        if chosen.source is not None:
            return Divergence("process_group", chosen, _group_meant(site, server, group,
                                                                    chosen.source),
                              "process_group_scope",
                              use_fix=macro_group_fix(site, server, chosen.source,
                                                      route.process_group or "", group))
        # No directive gives this script a group: the one meant is not applied, written in a
        # section that does not cover the script (the likely mistake, lint's unused_daemon),
        # hidden in a section httpd never reads, or never written for it.
        hidden = group_not_applied(site, server, group, route.script_file or script, path)
        meant = RouteStep("process_group", group, f"{mount.rule.split(' is the first')[0]} "
                          f"gives no process-group=", mount.source)
        return Divergence("process_group", hidden or chosen, meant, "daemon_group_unused")
    return None


def _group_meant(site: Site, server: Server, group: str, chosen: Source) -> RouteStep | None:
    """The ``WSGIDaemonProcess`` of the group meant, as a step; ``by`` is ``server`` when the
    line that chose the wrong group is a server-level line of the route's VirtualHost
    (changing it there is the fix: no section inside is broader), else ``section``."""
    daemon = site.daemon(group)
    if daemon is None:
        return None
    top = any((d.file, d.line) == (chosen.file, chosen.line) for d in server.directives)
    by = "server" if top else OWN_SECTION if _own_section(site, server, chosen) else \
        MAIN_SCOPE if not server.is_main and _in_main(site, chosen) else "section"
    return RouteStep("process_group", group, f"WSGIDaemonProcess {group}",
                     source(daemon.directive), by=by)


def _in_main(site: Site, chosen: Source) -> bool:
    """Whether the line at ``chosen`` is written outside every VirtualHost."""
    main = [d for d in site.config.directives if d.key != "virtualhost"]
    return any((d.file, d.line) == (chosen.file, chosen.line)
               for d in (*main, *(d for d, _ in per_directory(main))))


def _own_section(site: Site, server: Server, chosen: Source) -> bool:
    """Whether the line at ``chosen`` sits in a per-directory section that applies to no
    application of the configuration but the route's (a ``<Location>`` written for its
    mount): changing the group there changes no other site."""
    main = tuple(d for d in site.config.directives if d.key != "virtualhost")
    found = next((s for scope in (main, server.directives) for d, s in per_directory(scope)
                  if (d.file, d.line) == (chosen.file, chosen.line)), None)
    if found is None:
        return False
    runs = {os.path.realpath(a.target) for a in site.apps if found.applies(a.target, a.mount)}
    return len(runs) <= 1


def brought_in(site: Site, meant: RouteStep, before: Source) -> RouteStep:
    """``meant`` (an alias line) as the ``Include`` in ``before``'s file that brings it in,
    when it comes from another file: that Include is the line to move."""
    if meant.source is None or meant.source.file == before.file:
        return meant
    file = meant.source.file
    for _ in range(16):  # nested includes, each read once
        lines = [i for i in site.config.includes if i.file == file]
        here = [i for i in lines if i.by_file == before.file and i.by_line > before.line]
        if here:
            line = min(here, key=lambda i: i.by_line)
            return RouteStep("mount", meant.decision,
                             f"the Include that brings in {meant.rule}, written at "
                             f"{meant.source}",
                             Source(line.by_file, line.by_line))
        if not lines:
            break
        file = lines[0].by_file
    return meant


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


def _site(site: Site, choice: VhostChoice, site_step: RouteStep, hostname: str, script: str,
          path: str, plain: bool) -> tuple[Divergence, Server | None]:
    """The route's VirtualHost does not run ``script``: where the one meant is, and why;
    with the VirtualHost meant when it is on another address (``plain``: the request's
    address speaks plain HTTP)."""
    server = choice.server
    owners = [v for v in choice.candidates
              if v is not server and _runs(site, v, script, path)]
    claiming = [v for v in owners if name_matches(v.server_name, v.aliases, hostname)]
    if claiming:
        return Divergence("site", site_step, _name_step(site, claiming[0], hostname),
                          "vhost_shadowed"), None
    elsewhere = None if owners else _elsewhere(site, choice.candidates, hostname,
                                                script, path, plain)
    if elsewhere is not None:
        # The request's address never reaches the site meant: no name on this address
        # decides it (the fallback or the only VirtualHost of an IP answers).
        cause = "vhost_fallback" if site_step.by in ("default", "only") else None
        return Divergence("site", site_step, elsewhere[1], cause), elsewhere[0]
    meant = RouteStep("site", owners[0].describe(), f"{_opening(owners[0])} runs "
                      f"{script}", Source(owners[0].file, owners[0].line)) if owners else None
    cause = "vhost_fallback" if site_step.by == "default" else None
    if site_step.by == "name" and owners and choice.candidates[0] is owners[0] and \
            not own_name(server, hostname):
        # The site meant claims no name: it answers as the first of the set, and the chosen
        # one's extra name (an alias or wildcard) takes the request from it. A VirtualHost
        # whose own ServerName is the host is the site written for it: the first, which
        # claims no name, is then the catch-all, not the site meant (a Bitnami app vhost
        # that Includes another app's snippet was told to give its name up to _default_).
        cause = "vhost_shadowed"
    return Divergence("site", site_step, meant, cause), None


def refuse_block(site: Site, choice: VhostChoice) -> str | None:
    """The catch-all to list first on the chosen address, written as that address set's
    VirtualHosts write it (``127.0.0.1:80`` for IP-based sites: a ``*:80`` one is never
    considered there), with its TLS lines on a TLS one."""
    if choice.address is None:
        return None
    address = written_address(choice.address, choice.candidates)
    tls = tls_of(site, choice.candidates)
    if tls is None:
        return catch_all_vhost(address)
    return catch_all_vhost(address, tls=tls.lines, tls_comment=tls.comment)


def written_address(address: Address, candidates: Sequence[Server]) -> str:
    """``address`` as the first VirtualHost of its set writes it: with its ``${VAR}``
    (``*:${PORT}``) where it has one, so a catch-all added beside it says the same."""
    first = candidates[0] if candidates else None
    section = first.section if first is not None else None
    if first is None or section is None or section.written is None or \
            len(section.written) != len(first.addresses):
        return str(address)
    return next((w for a, w in zip(first.addresses, section.written, strict=True)
                 if (a.host, a.port) == (address.host, address.port)), str(address))


def _elsewhere(site: Site, candidates: Sequence[Server], hostname: str, script: str,
               path: str, plain: bool) -> tuple[Server, RouteStep] | None:
    """A VirtualHost on another address or port than the request's (so never a candidate for
    it) that claims ``hostname`` by name, or runs ``script``: the site meant, which a request
    sent where this one went cannot reach (stage ``address``). For a plain-HTTP request a
    plain VirtualHost comes before one with ``SSLEngine on``: TLS is named only where no
    plain site would do."""
    others = [v for v in site.vhosts if not any(v is c for c in candidates)]
    if plain:
        others.sort(key=lambda v: v.ssl)  # stable: configuration order within each kind
    claiming = [v for v in others if name_matches(v.server_name, v.aliases, hostname)]
    running = [v for v in claiming if _runs(site, v, script, path)] or claiming or \
        [v for v in others if _runs(site, v, script, path)]
    if not running:
        return None
    found = running[0]
    step = _name_step(site, found, hostname) if any(v is found for v in claiming) else \
        RouteStep("site", found.describe(), f"{_opening(found)} runs {script}",
                  Source(found.file, found.line))
    return found, dataclasses.replace(step, stage="address")


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

