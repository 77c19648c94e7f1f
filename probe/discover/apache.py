"""``probe discover`` for Apache: a manifest (docs/manifest.md) derived from httpd + mod_wsgi
configuration.

The manifest states what the configuration *intends*: every WSGIScriptAlias becomes the
URLs of an instance, even one the configuration gets wrong (an alias listed after a shorter
one, say), so that a sweep of the result shows the misroute instead of hiding it.

* one ``[instances.NAME]`` per application, an application being one WSGI script in one
  process group; NAME is the process group, else the script's directory name, made unique;
* its urls: ``http(s)://NAME[:PORT]/MOUNT/`` for the VirtualHost's ServerName and each
  ServerAlias (wildcard aliases cannot be probed and are left as comments);
* ``label`` and ``settings`` from the WSGI script (``wsgi_endpoint.wrap(label=...)``,
  ``DJANGO_SETTINGS_MODULE``), ``process_group`` in daemon mode, ``application_group`` when
  the configuration fixes one;
* ``[probe] connect`` from the first ``Listen`` that opens every port the sites are on
  (without a port where several ports are open, so each URL keeps its own); a VirtualHost on
  a port no ``Listen`` opens gets no URL, one on a port only another address opens gets
  that address as its instance's ``connect``, and none where every such address has an
  IP-based VirtualHost of its own on the port (it takes every name there: a comment says so);
* ``[refuse]`` an unknown host name for each address where ``probe lint`` cares what
  happens to one (:func:`probe.apache.unknown_hosts.unknown_hosts`): where it lands on the first of
  several sites (lint's ``vhost_fallback``, so the sweep shows the misroute) or on a
  catch-all (so the sweep checks that it refuses). A server where one site answers every
  host name (a single VirtualHost, or none) gets a comment instead: that is usually
  intended, and a ``[refuse]`` entry would make every sweep of it critical.

Over 300 lines: grouping applications into instances and naming their URLs share
one pass over the servers; the TOML writer and redirect detection already live apart.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath

from probe.addresses import url_port
from probe.apache import Httpd, load_site
from probe.apache.ip_vhosts import unreached
from probe.apache.mass_hosts import MassSite
from probe.apache.model import Server, Site, WsgiApp
from probe.apache.names import (
    RESOURCE,
    SERVER,
    default_port,
    is_per_request,
    mount_matches,
    mount_url_path,
)
from probe.apache.proxy import rules as proxy_rules
from probe.apache.redirects import redirects_everything
from probe.apache.reread import read_twice
from probe.apache.unknown_hosts import UnknownHosts, refuses_every_request, unknown_hosts
from probe.discover.apache_mass import mass_instances, mass_said, unturned
from probe.discover.apache_reach import (
    Reach,
    host_names,
    loopback,
    probe_host,
    reaches,
    settle_connect,
)
from probe.discover.apache_unread import (
    how_to_give,
    undefined_variable,
    unread_includes,
    unread_lines,
)
from probe.discover.discovery import DiscoveredInstance, Discovery, Url
from probe.discover.manifest_text import UNKNOWN_HOST, refused_url, render
from probe.discover.unexpanded import unexpanded_macros
from probe.identities import anonymous, look_alikes

_GENERIC_DIRS = {"", "wsgi", "apache", "conf", "scripts", "bin", "deploy", "src", "app"}


def discover_paths(paths: Sequence[str | os.PathLike[str]], *, server_root: str | None = None,
                   environ: Mapping[str, str] | None = None,
                   httpd: Httpd | None = None) -> str:
    """The manifest text for configuration files; ConfigUnreadable when one cannot be read."""
    return render(discover_site(paths, server_root=server_root, environ=environ, httpd=httpd))


def discover_site(paths: Sequence[str | os.PathLike[str]], *, server_root: str | None = None,
                  environ: Mapping[str, str] | None = None,
                  httpd: Httpd | None = None) -> Discovery:
    from probe.apache.express_start import started_as
    from probe.discover.apache_fleet import separate_servers
    from probe.discover.discovery import Member
    from probe.discover.express_defines import express_said
    from probe.discover.fleet_merge import fleet

    servers = separate_servers(paths, server_root=server_root, environ=environ, httpd=httpd)
    if servers is not None:  # a fleet: each file its own server (tester T38)
        return fleet([Member(s.path, s.why, discover_site([s.path], server_root=server_root,
                                                         environ=environ, httpd=httpd))
                      for s in servers])
    environ, httpd, start = started_as(paths, server_root, environ, httpd)
    site = load_site(paths, server_root=server_root, environ=environ, httpd=httpd)
    found = discover(site)
    express_said(found, site, start, httpd)
    if len(paths) == 1:  # [probe] config names one file or directory
        found.config = os.path.abspath(os.fspath(paths[0]))
    return found


def discover(site: Site) -> Discovery:
    instances: dict[tuple[str | None, str], DiscoveredInstance] = {}
    skipped: list[str] = []
    for app in site.apps:
        if app.is_match and match_url(app.mount) is None:
            skipped.append(f"{app.directive.name} {app.mount} ({app.where}): a regular "
                           f"expression mount without a literal URL it matches; add its "
                           f"URLs by hand")
            continue
        key = (app.process_group, app.target)
        if key not in instances:
            instances[key] = DiscoveredInstance(name="", apps=[])
        instances[key].apps.append(app)
    named = _names(list(instances.values()))
    claimed: dict[str, str] = {}
    for instance in named:
        _describe(site, instance)
        _drop_claimed(instance, claimed)
        settle_connect(instance)
    kept = [i for i in named if i.urls]
    mass, said = mass_instances(site, {a.target for a in site.apps}, {i.name for i in kept})
    kept += mass
    skipped += said
    _label_the_indistinct(kept)
    for instance in (i for i in named if not i.urls):
        skipped.append(f"{instance.apps[0].target} ({instance.apps[0].where}) has no URL "
                       f"that can be probed: " + ("; ".join(instance.skipped) or "none"))
    skipped += proxied_sites(site)
    served = {id(a.server) for a in site.apps}
    skipped += unturned(site, {id(v) for v in site.vhosts} if id(site.main) in served
                        else served)
    discovery = Discovery(site.config.files, None, "", kept, skipped)
    discovery.warnings = [w for i in kept for w in i.warnings]
    unread = unread_includes(site.config.directives)
    discovery.skipped += unread
    discovery.warnings += unread  # the applications it holds are missing: not only a comment
    discovery.unread = unread_lines(site.config.directives)
    macros = unexpanded_macros(site.config.directives)
    discovery.skipped += macros
    if macros:
        discovery.warnings.append(
            f"{len(macros)} mod_macro Use line(s) not expanded (httpd will not start with "
            f"them): the sites they would make are not in the manifest (its comments name "
            f"each line and why)")
    pinned: list[tuple[UnknownHosts, str]] = []  # IP-bound: refused where connect goes
    for group in unknown_hosts(site):
        _refuse(discovery, group, unreached(site, group.address), _hidden_names(site, group),
                pinned, mass_said(site, group.first))
    # after the URLs: the comment names only the ports a URL written is on (tester R21)
    written = {url_port(u.url) for i in kept for u in i.urls} | {
        url_port(u.url) for u in discovery.refuse}
    discovery.connect, discovery.connect_source = _connect(site, written)
    if _pinned(discovery, pinned):  # a [refuse] URL on a port no URL was on before
        written |= {url_port(u.url) for u in discovery.refuse}
        discovery.connect, discovery.connect_source = _connect(site, written)
    return discovery


def _pinned(discovery: Discovery, pinned: list[tuple[UnknownHosts, str]]) -> bool:
    """Each IP-bound address's refusing first VirtualHost: a [refuse] URL where [probe]
    connect sends the sweep's requests to that very address (re-tester R31's front on
    127.0.0.1:18190 was told to "check it with --connect 127.0.0.1:18190", the connect written
    already), else the check with that connect; True where a URL was added."""
    added = False
    for group, why in pinned:
        address = group.address
        if discovery.connect in (str(address), address.host):
            url = _refuse_url(group)
            if all(u.url != url for u in discovery.refuse):
                discovery.refuse.append(Url(url, f"{why}; [probe] connect sends the request "
                                                 f"there"))
                added = True
            continue
        # [refuse] URLs go where [probe] connect sends them, not to this address.
        discovery.refuse_skipped.append(
            f"{why}. Not under [refuse]: unknown host names reach this address only at "
            f"{address}, and [probe] connect sends the sweep elsewhere; check it with probe "
            f"sweep --connect {address} -m MANIFEST")
    return added


def proxied_sites(site: Site) -> list[str]:
    """Each ``ProxyPass`` to an application server, named rather than dropped in silence:
    which application answers behind it no Apache line shows (its URLs go in by hand)."""
    said: list[str] = []
    for server in site.vhosts:
        sections, direct = proxy_rules(site, server)
        mine = [r for r in (*sections, *direct) if r.target != "!" and any(
            d is r.directive or d is r.section for d in server.directives)]
        names = server.server_name or "(no ServerName)"
        said += [f"{r.written()} at {r.where} ({names}, {r.pattern}): an application "
                 f"behind mod_proxy at {r.target}, not an instance here (Apache shows no "
                 f"script, label or settings of it); add it with its URLs by hand"
                 for r in mine]
    return said


def _hidden_names(site: Site, group: UnknownHosts) -> tuple[str, ...]:
    """The names the ``*:PORT`` VirtualHosts claim that the only VirtualHost of an IP takes
    at that IP (httpd compares no names there): T24's m2, a.example.test's URLs written with
    the connect address of ``<VirtualHost 127.0.0.1:31782>``, called "usually intended"."""
    address = group.address
    if address.host == "*" or len(group.servers) != 1:
        return ()
    wild = [v for v in site.vhosts if v is not group.first and any(
        a.host == "*" and a.port in (None, address.port) for a in v.addresses)]
    names = [n for v in wild for n in ((() if v.name_inherited or not v.server_name
                                        else (v.server_name,)) + tuple(v.aliases))]
    return tuple(dict.fromkeys(names))


def _refuse(discovery: Discovery, group: UnknownHosts, unreachable: bool,
            hidden: tuple[str, ...], pinned: list[tuple[UnknownHosts, str]],
            mass: MassSite | None = None) -> None:
    first = group.first
    if unreachable:
        why = (f"{group.address}: its {len(group.servers)} VirtualHost(s), first "
               f"{first.describe()}, are never reached: httpd listens on the port only at "
               f"addresses with VirtualHosts of their own (probe lint: vhost_ip_based)")
        discovery.refuse_skipped.append(f"{why}; unknown host names are not checked there")
        discovery.warnings.append(why)
        return
    if group.misrouted:
        why = (f"{group.address}: unknown host names go to the first of several sites, "
               f"{first.describe()} (probe lint: vhost_fallback); put a refusing catch-all "
               f"first")
    elif mass is not None:
        why = (f"{group.address}: unknown host names go to {first.describe()}, which serves "
               f"each host name from a directory of its name ({mass.describe()}): one with no "
               f"directory there must be refused (Apache answers 404)")
    elif group.refused:
        why = (f"{group.address}: {first.describe()} is listed first and must refuse "
               f"unknown host names")
    else:
        # Each address says why it gets no [refuse] URL: the manifest's closing words
        # point at these lines rather than guess one reason for all.
        if group.default_page:
            discovery.refuse_skipped.append(
                f"{group.address}: {first.describe()} is a static default page listed "
                f"first of {len(group.servers)} VirtualHost(s); unknown host names get it "
                f"(no application), so they are not checked")
        elif group.lands_on_site and hidden:
            shown = ", ".join(hidden[:4]) + (", ..." if len(hidden) > 4 else "")
            discovery.refuse_skipped.append(
                f"{group.address}: {first.describe()} is the only site there and takes every "
                f"host name sent to that address, those the *:{group.address.port} "
                f"VirtualHosts claim too ({shown}): httpd compares no names there (probe "
                f"lint: vhost_ip_based)")
        elif group.lands_on_site:
            discovery.refuse_skipped.append(
                f"{group.address}: {first.describe()} is the only site and answers every "
                f"host name, which is usually intended")
        else:
            discovery.refuse_skipped.append(
                f"{group.address}: {first.describe()} is listed first of "
                f"{len(group.servers)} VirtualHost(s) and has no WSGIScriptAlias, "
                f"DocumentRoot or ProxyPass, nor a refusal of every path: unknown host "
                f"names get it, and are not checked")
        # the URL that would check it anyway: this address's scheme and port (SSLEngine
        # on, or 443, is https), never a plain http:// that nothing there serves (R36)
        discovery.refuse_advised = list(dict.fromkeys([*discovery.refuse_advised,
                                                       _refuse_url(group)]))
        return
    if group.address.host != "*":
        pinned.append((group, why))  # decided once [probe] connect is known
        return
    url = _refuse_url(group)
    if all(u.url != url for u in discovery.refuse):
        discovery.refuse.append(Url(url, why))


def _refuse_url(group: UnknownHosts) -> str:
    scheme = _scheme(group.first)
    port = group.address.port
    netloc_port = "" if port is None or port == default_port(scheme) else f":{port}"
    return f"{scheme}://{UNKNOWN_HOST}{netloc_port}/"


def _label_the_indistinct(instances: list[DiscoveredInstance]) -> None:
    """An instance a sweep could not tell apart (it declares nothing, or what another
    declares) gets its own name as label, to install with ``--label``: a manifest of them
    would be refused (:mod:`probe.identities`)."""
    alike = {i.name for one, others in look_alikes(instances) for i in (one, *others)}
    for instance in instances:
        if instance.name in alike or instance.name in anonymous([instance]):
            instance.label_proposed = instance.label or ""
            instance.label = instance.name
            # A --label on a script another mount serves relabels that mount too (T36).
            script = instance.apps[0].target if instance.apps else None
            instance.script_shared_with = [
                i.name for i in instances if i is not instance and script is not None
                and any(a.target == script for a in i.apps)]


def _drop_claimed(instance: DiscoveredInstance, claimed: dict[str, str]) -> None:
    """A manifest lists each URL once: a URL two aliases map stays with the first one,
    which is also the one Apache picks."""
    kept = []
    for url in instance.urls:
        if url.url in claimed:
            instance.skipped.append(f"{url.url} is also mapped to instance "
                                    f"{claimed[url.url]}, listed first")
        else:
            claimed[url.url] = instance.name
            kept.append(url)
    instance.urls = kept


def _connect(site: Site, written: set[int]) -> tuple[str | None, str]:
    """One address for every URL. Several ports (http and https, say) get an address
    without port, so each URL keeps its own (docs/manifest.md)."""
    if not site.listens:
        return None, "no Listen directive found: give --connect to probe sweep"
    unknown = [(x, var) for x in site.listens if (var := undefined_variable(x.directive))]
    if unknown:
        # no address here to write; a guessed one (port 0) the manifest parser refuses
        return None, "; ".join(
            f"Listen {' '.join(x.directive.args)} at {x.directive.where}: ${{{var}}} is not "
            f"defined here (httpd takes it from its environment at start), so no connect is "
            f"written; {how_to_give(var)}, or give --connect to probe sweep"
            for x, var in unknown)
    host = probe_host(site) or "127.0.0.1"
    hosts = list(dict.fromkeys(loopback(listen.host) for listen in site.listens))
    ports = sorted({listen.port for listen in site.listens})
    listen = next(x for x in site.listens if loopback(x.host) == host)
    # Several addresses: the manifest's one connect address is the first that opens every
    # port the sites are on; one bound only elsewhere is reached only there (said, not
    # guessed around).
    rest = [h for h in hosts if h != host]
    others = (f"; httpd also listens on {', '.join(rest)}: a VirtualHost bound to one "
              f"of those answers only there" if rest else "")
    if len(ports) > 1:  # each URL keeps its own port, whatever the addresses
        said = ", ".join(f"Listen {x.directive.args[0]} at {x.directive.where}"
                         for x in site.listens)
        used = [str(p) for p in ports if p in written]
        unused = [str(p) for p in ports if p not in written]
        # a port opened with no URL on it (fedora-confd's SSL Listen) is said as such, not
        # as one the URLs keep
        return host, (f"{said}: no port"
                      + (f", so each URL keeps its own ({', '.join(used)})" if used else "")
                      + (f"; no URL in this manifest is on {', '.join(unused)}" if unused
                         else "")
                      + others)
    return (f"{host}:{listen.port}",
            f"Listen {listen.directive.args[0]} at {listen.directive.where}{others}")


def _names(instances: list[DiscoveredInstance]) -> list[DiscoveredInstance]:
    """Name each instance after its process group, else its script's directory."""
    taken: set[str] = set()
    for instance in instances:
        app = instance.apps[0]
        base = app.process_group or _script_dir_name(app.target) or "app"
        name, n = base, 2
        while name in taken or name == "*":
            name, n = f"{base}-{n}", n + 1
        taken.add(name)
        instance.name = name
    return instances


def _script_dir_name(target: str) -> str:
    """``/srv/project-1/wsgi.py`` -> ``project-1``; skips generic names like ``wsgi``."""
    path = PurePosixPath(target)
    for part in reversed(path.parent.parts):
        if part.lower() not in _GENERIC_DIRS and part != "/":
            return part
    return path.stem


def _describe(site: Site, instance: DiscoveredInstance) -> None:
    first = instance.apps[0]
    script = site.script(first)
    if script is not None and script.error:
        instance.warnings.append(
            f"cannot read WSGI script {script.path} ({script.error}): label and settings "
            f"of instance {instance.name} not filled in; add them by hand")
    if script is not None:
        instance.label = script.label
        instance.label_source = f"wsgi_endpoint.wrap(label=...) at {script.path}:" \
                                f"{script.label_line}" if script.label_line else \
                                f"wsgi_endpoint.wrap(label=...) in {script.path}"
        instance.settings = script.settings
        if script.settings is not None:
            instance.settings_source = f"{script.settings_how} in {script.path}:" \
                                       f"{script.settings_line}"
    # "" is embedded mode (docs/manifest.md): written where a WSGIProcessGroup %{GLOBAL}
    # chose it, which tells this mount apart from a daemon mount of the same script (T36).
    if first.process_group or (first.process_group == "" and not first.embedded_by_default):
        instance.process_group = first.process_group
    wheres = [a.where for a in instance.apps]
    for where in dict.fromkeys(w for w in wheres if wheres.count(w) > 1):
        app = next(a for a in instance.apps if a.where == where)
        twice = read_twice(site.config, app.directive.file, app.directive.line, where)
        if twice is not None:
            instance.origins.append(f"{twice}: each copy gives this instance its URLs")
    groups = {_fixed_application_group(a) for a in instance.apps}
    if len(groups) == 1:
        instance.application_group = groups.pop()
    for app in instance.apps:
        # A main-server alias serves every VirtualHost (after the host's own aliases).
        servers = _inheriting(site, app) if app.server.is_main and site.vhosts else [app.server]
        for server in servers:
            _add_urls(site, instance, app, server)


def _fixed_application_group(app: WsgiApp) -> str | None:
    """The application group when the configuration names one; None for the per-URL
    defaults (%{RESOURCE}, %{SERVER}) and for %{ENV:...}."""
    spec = app.application_group_spec
    if spec in (RESOURCE, SERVER) or is_per_request(spec):
        return None
    return app.application_group()


def _inheriting(site: Site, app: WsgiApp) -> list[Server]:
    """The VirtualHosts that reach a main-server alias: those whose own aliases (tried
    first) do not already match its mount."""
    if app.handler:  # an Alias is translated before any WSGIScriptAlias is tried
        return list(site.vhosts)
    return [v for v in site.vhosts
            if not any(mount_matches(a.mount, app.mount)
                       for a in site.apps if a.server is v and not a.is_match)]


def _add_urls(site: Site, instance: DiscoveredInstance, app: WsgiApp, server: Server) -> None:
    context = ("the main server" if server.is_main
               else f"the VirtualHost at {server.where}")
    if server.is_main:
        if not server.server_port and site.listens and \
                (var := undefined_variable(site.listens[0].directive)):
            listen = site.listens[0].directive
            instance.skipped.append(
                f"the main server answers on the port of Listen {' '.join(listen.args)} at "
                f"{listen.where}, whose ${{{var}}} is not defined here: no URL written; "
                f"{how_to_give(var)}")
            return
        found: list[Reach] = [Reach(_port(site, server), None)]
    else:
        if refuses_every_request(server):  # mod_wsgi-express's _wsgi_ catch-all (T31)
            instance.skipped.append(f"{context} refuses every request (a Require all denied "
                                    f"for every path): no URL written for it")
            return
        found, said = reaches(site, server, context)
        instance.skipped += said
        if not found:
            return
    redirect = redirects_everything(server)
    if redirect is not None:
        instance.skipped.append(f"{context} redirects every request ({redirect}): its URLs "
                                f"are not this instance's")
        return
    names = host_names(site, instance, server, context)
    scheme = _scheme(server)
    scheme_note = _scheme_said(server, scheme, context)
    if scheme_note is not None and scheme_note not in instance.skipped:
        instance.skipped.append(scheme_note)
    path = url_path(app)
    for reach in found:
        port = reach.port
        netloc_port = "" if port is None or port == default_port(scheme) else f":{port}"
        for host, source in names:
            url = f"{scheme}://{host}{netloc_port}{path}"
            if (refused := refused_url(url)) is not None:
                refusal = f"{source}: {refused}: no URL written for it"
                if refusal not in instance.skipped:
                    instance.skipped.append(refusal)
                continue
            if all(u.url != url for u in instance.urls):
                instance.urls.append(Url(
                    url, f"{source}; {app.directive.name} at {app.where}", reach.connect,
                    reach.why))


def url_path(app: WsgiApp) -> str:
    """The path a person types for a mount: a WSGIScriptAlias root with its slash
    (``/suburl/``), a handler-mounted script or directory as its URL names it (``/app.wsgi``,
    ``/identity``), the literal URL a regular expression mount matches."""
    if app.is_match:
        return match_url(app.mount) or "/"
    if app.handler:
        return "/" + app.mount.strip("/") if app.mount.strip("/") else "/"
    return mount_url_path(app.mount)


def match_url(regex: str) -> str | None:
    """A URL path a ``WSGIScriptAliasMatch`` pattern matches, from its literal start
    (``^/manager(/.*)?$`` gives ``/manager``, ``^/auth(/.*)$`` gives ``/auth/``); None when
    the pattern needs more than its literal part (``^/trac/([^/]+)``)."""
    if not regex.startswith("^"):
        return None
    literal = re.match(r"[^.^$*+?{}\[\]\\|()]*", regex[1:])
    text = literal.group(0) if literal else ""
    for candidate in (text, text + "/"):
        try:
            if candidate.startswith("/") and re.search(regex, candidate):
                return candidate
        except re.error:
            return None
    return None


def _scheme(server: Server) -> str:
    """What the VirtualHost speaks: TLS where ``SSLEngine on`` or port 443 says so. A scheme
    in ServerName is not it: httpd puts that only in the URLs it writes about itself."""
    ports = {a.port for a in server.addresses} | {server.server_port}
    return "https" if server.ssl or 443 in ports else "http"


def _scheme_said(server: Server, scheme: str, context: str) -> str | None:
    """Why a ServerName's scheme is not the URLs' (cfgov: ``ServerName https://...`` on
    ``Listen 8000`` without SSL), for a comment; None where they agree."""
    if server.scheme is None or server.scheme == scheme:
        return None
    tls = "SSLEngine on" if server.ssl else "no SSLEngine on"
    return (f"ServerName at {server.name_where} writes {server.scheme}://: that scheme only "
            f"sets the URLs httpd writes about itself (redirects, self-referential URLs); "
            f"{context} speaks {scheme} ({tls}, not port 443), so its URLs are {scheme}")


def _port(site: Site, main: Server) -> int | None:
    """The main server's URL port: its ServerName's, else the first Listen's."""
    return main.server_port or (site.listens[0].port if site.listens else None)
