"""``probe discover`` for nginx: a manifest derived from an nginx configuration in front of
WSGI application servers.

* one ``[instances.NAME]`` per application, an application being one ``proxy_pass`` or
  ``uwsgi_pass`` target (an ``upstream`` block, ``host:port`` or ``unix:/path``); NAME is the
  upstream's name, else ``app-PORT`` or the socket's file name;
* its urls: ``http(s)://NAME[:PORT]/PREFIX/`` for each exact ``server_name`` of a block
  that passes a prefix location to it (wildcards, regular expressions, regular-expression
  locations and catch-all names such as ``_`` cannot be probed and are left as comments);
* ``[probe] connect`` from ``listen`` (the wildcard address becomes 127.0.0.1);
* ``[refuse]`` an unknown host name for each address where several server blocks listen,
  so the sweep checks what answers a name no server_name matches, unless the block
  answering it is a catch-all serving something on purpose (:mod:`.nginx_catch_all`);
* a location that passes with ``fastcgi_pass`` or ``scgi_pass`` becomes no instance: the
  manifest's comments name it, its prefix and where it passes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from probe.discover.discovery import DiscoveredInstance, Discovery
from probe.discover.nginx_catch_all import refuse, written_listens
from probe.discover.nginx_urls import location_urls, regex_said
from probe.nginx import load_nginx
from probe.nginx.default_marks import two_defaults
from probe.nginx.model import APP_PASSES, Location, NginxModel, Server
from probe.nginx.passes import pass_target

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def discover_nginx(path: str) -> Discovery:
    """What an nginx configuration intends; NginxUnreadable when it cannot be read."""
    found = discover_model(load_nginx(path).model)
    found.config = os.path.abspath(path)  # [probe] config: the sweep joins its routes
    return found


def _name(model: NginxModel, target: str) -> str:
    if target in model.upstreams:
        return _UNSAFE.sub("-", target)
    if target.startswith("unix:"):
        return _UNSAFE.sub("-", os.path.splitext(os.path.basename(target))[0]) or "app"
    return "app-" + _UNSAFE.sub("-", target.rpartition(":")[2] or target)


def _loopback(host: str) -> str:
    return "127.0.0.1" if host == "*" else "[::1]" if host == "[::]" else host


def _connect(model: NginxModel) -> tuple[str | None, str]:
    listens = [lst for s in model.servers for lst in s.listens if not lst.host.startswith("unix")]
    if not listens:
        return None, "no listen address found: give --connect to probe sweep"
    ports = sorted({lst.port for lst in listens})
    hosts = {_loopback(lst.host) for lst in listens}
    first = listens[0]
    if len(ports) > 1 and len(hosts) == 1:
        # every line, by port: the comment is what the operator checks the connect against
        by_port = "; ".join(f"port {port}: " + ", ".join(lst.where for lst in listens
                                                         if lst.port == port)
                            for port in ports)
        return hosts.pop(), f"listen at {by_port}: several ports, so each URL keeps its own"
    written = written_listens(model).get(first.where, f"listen {first.address}")
    return f"{_loopback(first.host)}:{first.port}", f"'{written}' at {first.where}"


def _passed(model: NginxModel) -> Iterator[tuple[Server, Location, str, str, str]]:
    """(server, location, target, the pass as written, its line) for each location handing
    over with proxy_pass or uwsgi_pass: the sweep follows both to their application."""
    for server, loc in model.locations():
        if loc.proxy_pass is not None:
            yield (server, loc, loc.proxy_pass.target, f"proxy_pass {loc.proxy_pass.url}",
                   loc.proxy_pass.where)
        elif loc.other_pass is not None and loc.other_pass.name == "uwsgi_pass" \
                and loc.other_pass.args:
            written = loc.other_pass.args[0]
            yield (server, loc, pass_target("uwsgi_pass", written), f"uwsgi_pass {written}",
                   loc.other_pass.where)


def discover_model(model: NginxModel) -> Discovery:
    connect, connect_source = _connect(model)
    instances: dict[str, DiscoveredInstance] = {}
    skipped: list[str] = []
    listed: set[str] = set()
    moved: set[str] = set()  # a variable's pass: its URLs went to the instances it names

    def instance_of(name: str) -> DiscoveredInstance:
        # nginx names no script, label or settings: the label is proposed (the instance's
        # name), for the endpoint to be installed with, or the manifest could not tell the
        # applications apart.
        return instances.setdefault(name, DiscoveredInstance(name=name, apps=[],
                                                             label_proposed=""))

    def add(instance: DiscoveredInstance, server: Server, loc: Location, prefix: str) -> None:
        for found in location_urls(model, server, loc, prefix):
            into = instance if found.target is None else instance_of(_name(model, found.target))
            if found.said is not None and found.said not in into.skipped:
                into.skipped.append(found.said)
            if found.url is not None and found.url.url not in listed:
                listed.add(found.url.url)
                into.urls.append(found.url)
                if into is not instance and instance.origins[-1] not in into.origins:
                    into.origins.append(instance.origins[-1])
                    moved.add(instance.name)

    for server, loc, target, written, where in _passed(model):
        instance = instance_of(_name(model, target))
        upstream = model.upstreams.get(target)
        instance.origins.append(f"{loc.describe()} {written} at {where}"
                                + (f" (upstream at {upstream.where})" if upstream else ""))
        if loc.modifier == "@":
            # location @django: its URLs are those of the locations whose try_files fall
            # back to it (when no file exists)
            reaching = [r for s, r in model.locations() if s is server and r.phase.try_files
                        is not None and r.phase.try_files.fallback == loc.pattern
                        and r.modifier in ("", "^~", "=")]
            for r in reaching:
                tried = r.phase.try_files.where if r.phase.try_files else r.where
                instance.origins.append(f"{r.describe()} try_files ... {loc.pattern} at "
                                        f"{tried}")
                add(instance, server, loc, r.pattern)
            if not reaching:
                instance.skipped.append(f"{loc.describe()} at {loc.where}: a named location "
                                        f"no prefix location's try_files reaches; add its "
                                        f"URLs by hand")
            continue
        if loc.modifier not in ("", "^~", "="):
            instance.skipped.append(regex_said(server, loc))
            continue
        add(instance, server, loc, loc.pattern)
    for instance in instances.values():
        if instance.name in moved and instance.skipped:
            skipped.append(f"{'; '.join(instance.origins)}: its URLs are listed under the "
                           f"instances it names" + "".join(f"; {s}" for s in instance.skipped))
        elif not instance.urls and instance.name not in moved:
            # its comments go with it: they say why it has none
            skipped.append(f"{instance.name} ({'; '.join(instance.origins)}): no URL written"
                           + "".join(f"; {s}" for s in instance.skipped))
    # fastcgi_pass and scgi_pass are named, not dropped in silence
    skipped += [f"{loc.describe()} {loc.other_pass.name} {' '.join(loc.other_pass.args)} at "
                f"{loc.other_pass.where} ({server.describe()}): an application not reached "
                f"through proxy_pass or uwsgi_pass, so discover writes no instance for it; add "
                f"its URLs by hand" for server, loc in model.locations()
                if loc.other_pass is not None and loc.other_pass.name in APP_PASSES
                and loc.other_pass.name != "uwsgi_pass"]
    unknown = refuse(model)
    found = Discovery(model.text.files, connect, connect_source,
                      [i for i in instances.values() if i.urls], skipped, refuse=unknown.urls,
                      front="nginx", refuse_advised=unknown.advised)
    found.refuse_skipped = unknown.said
    for twice in two_defaults(model):  # nginx -t refuses it: said, not written around
        said = twice.message(*twice.marks[1])
        found.warnings.append(f"{said}; {twice.fix()}")
        found.refuse_skipped.append(f"WARNING: {said}")
    return found

