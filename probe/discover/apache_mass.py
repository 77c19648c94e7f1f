"""What ``probe discover`` says of the VirtualHosts no ``WSGIScriptAlias`` turns into
instances: mass virtual hosting (:mod:`probe.apache.mass_hosts`: one instance per host name
whose directory holds a script, or why its sites must be added by hand), and every other
VirtualHost with WSGI lines, named with why it gives no instance (T33 a-aliasmatch-env's
``*.example.test``, whose ``RewriteRule`` maps each host to a script run by ``<Files
wsgi.py> SetHandler wsgi-script``, had been left out without a word).
"""

from __future__ import annotations

from collections.abc import Iterator

from probe.apache.config import Directive
from probe.apache.mass_hosts import MassSite, mass_sites
from probe.apache.model import Server, Site
from probe.apache.names import GLOBAL, default_port
from probe.apache.scripts import read_script
from probe.discover.discovery import DiscoveredInstance, Url

_WSGI_KEYS = ("wsgiprocessgroup", "wsgiapplicationgroup", "wsgidaemonprocess")


def mass_instances(site: Site, taken: set[str], names: set[str]
                   ) -> tuple[list[DiscoveredInstance], list[str]]:
    """An instance for each script a mass-hosting VirtualHost serves (``taken``: the
    scripts already an instance's, ``names``: instance names in use), and the sentences
    for those whose sites cannot be listed."""
    instances: list[DiscoveredInstance] = []
    skipped: list[str] = []
    for mass in mass_sites(site):
        if mass.why_not or not mass.hosts:
            skipped.append(f"{mass.server.describe()} serves WSGI scripts by host name "
                           f"({mass.describe()}): "
                           + (mass.why_not or "no directory there holds a script") +
                           "; add its sites by hand")
            continue
        for host in mass.hosts:
            if host.script in taken:
                continue
            instances.append(_instance(mass, host.host, host.script, host.url_path, names))
    return instances, skipped


def mass_said(site: Site, server: Server) -> MassSite | None:
    return next((m for m in mass_sites(site) if m.server is server), None)


def _instance(mass: MassSite, host: str, script_path: str, path: str,
              names: set[str]) -> DiscoveredInstance:
    name, n = host, 2
    while name in names:
        name, n = f"{host}-{n}", n + 1
    names.add(name)
    instance = DiscoveredInstance(name=name, apps=[])
    instance.origins.append(f"{script_path}: {mass.describe()} in {mass.server.describe()}")
    script = read_script(script_path)
    instance.label = script.label
    if script.label is not None:
        instance.label_source = f"wsgi_endpoint.wrap(label=...) at {script.path}:" \
                                f"{script.label_line or '?'}"
    instance.settings = script.settings
    if script.settings is not None:
        instance.settings_source = f"{script.settings_how} in {script.path}:" \
                                   f"{script.settings_line}"
    group, app_group = mass.process_group, mass.application_group
    if mass.process_group_name and group is not None:
        instance.process_group = mass.process_group_name
    if app_group is not None and app_group.arg(0) == GLOBAL:
        instance.application_group = ""
    instance.group_sources = (
        f"{group.name} {group.arg(0)} at {group.where}" if group else "",
        f"{GLOBAL}: the main interpreter, fixed by {app_group.name} at {app_group.where}"
        if app_group else "")
    scheme = "https" if mass.server.ssl else "http"
    port = next((a.port for a in mass.server.addresses if a.port is not None), None)
    netloc = host if port in (None, default_port(scheme)) else f"{host}:{port}"
    instance.urls.append(Url(f"{scheme}://{netloc}{path}",
                             f"the directory {host} of VirtualDocumentRoot at "
                             f"{mass.root.where}; {mass.handler.name} at {mass.handler.where}"))
    return instance


def _walk(directives: tuple[Directive, ...]) -> Iterator[Directive]:
    for d in directives:
        yield d
        yield from _walk(d.body())


def unturned(site: Site, served: set[int]) -> list[str]:
    """Each VirtualHost with WSGI lines that gave no instance (``served``: the ids of the
    servers that did, or that were said already), with what it holds."""
    said = []
    for server in site.vhosts:
        if id(server) in served or mass_said(site, server) is not None:
            continue
        lines = [d for d in _walk(server.directives) if d.key in _WSGI_KEYS
                 or (d.key in ("sethandler", "addhandler") and d.arg(0) == "wsgi-script")]
        if not lines:
            continue
        rewrite = next((d for d in _walk(server.directives) if d.key == "rewriterule"), None)
        how = (f"; RewriteRule {' '.join(rewrite.args)} at {rewrite.where} picks the script "
               f"per request" if rewrite else "")
        said.append(f"{server.describe()} has WSGI lines ("
                    + ", ".join(f"{d.name} {' '.join(d.args)} at {d.where}" for d in lines[:3])
                    + f") but no WSGIScriptAlias nor a handler this reader maps to a URL{how}: "
                      f"its sites are not instances here; add them with their URLs by hand")
    return said
