"""The URLs ``probe discover`` writes for one nginx location, as the sweep's model routes them
(:mod:`probe.nginx.claims`), so that the manifest it writes is one its own sweep takes:

* a name two blocks on one address claim (``blog-old.conf`` and ``blog.conf`` both
  ``server_name blog.example.test``, tester T34's c-include) is listed once, under the block
  nginx picks (the first read; a glob include reads its files in the sorted order of their
  names), and the other block's line is named in a comment: listed twice, the sweep refused
  the manifest ("already listed in instances...");
* a ``proxy_pass`` whose address is a ``map`` variable (``proxy_pass http://$backend`` with
  ``map $host $backend``, T34's a-map): the map's host keys and the block's own exact names
  are the site names, each resolved as the route resolves it (the upstream it names makes the
  instance); where the map's source is not the Host, a comment says so and no URL is made up;
* a regular expression location (T34's d-locations): said to be the reason, with the
  block's exact names to write its URLs with.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.discover.discovery import Url
from probe.discover.nginx_catch_all import catch_all_said, no_host
from probe.nginx.claims import block_for, claims, pass_in
from probe.nginx.flow import names
from probe.nginx.model import Location, NginxModel, Server

_HOST_SOURCES = ("$host", "$http_host")  # a map keyed by these is keyed by site names


@dataclass(frozen=True)
class Found:
    """A URL for the location, the target it reaches (None: the location's own), or a
    comment saying why a name gave none."""

    url: Url | None = None
    target: str | None = None
    said: str | None = None


def _base(server: Server) -> tuple[str, str, str]:
    """(scheme, :port or "", the address a sweep connects to) of the block's first listen."""
    listen = server.listens[0]
    scheme = "https" if listen.ssl or listen.port == 443 else "http"
    port = "" if listen.port == (443 if scheme == "https" else 80) else f":{listen.port}"
    host = "127.0.0.1" if listen.host == "*" else "[::1]" if listen.host == "[::]" \
        else listen.host
    return scheme, port, f"{host}:{listen.port}"


def exact_names(server: Server) -> list[tuple[str, str]]:
    """The block's names a URL can carry: (host, where it is written)."""
    return [(n.lstrip("."), f"server_name {n} at {at}") for n, at in server.names
            if n and not no_host(n) and not n.startswith(("~", "*")) and not n.endswith("*")]


def _shadowed(model: NginxModel, server: Server, url: str, address: str) -> str | None:
    """Why ``url`` is not this block's: nginx gives its host to another block."""
    taker = block_for(model, url, address)
    if taker is None or taker is server:
        return None
    first = next((c for c in claims(model, url, address) if c.server is taker), None)
    line = f" (server_name at {first.where})" if first is not None else ""
    ours = next((c for c in claims(model, url, address) if c.server is server), None)
    own = f"its server_name at {ours.where}" if ours is not None else "this block's name"
    return (f"{url} is not listed for {server.describe()}: nginx gives "
            f"{urlsplit(url).hostname} on {address} to {taker.describe()}{line}, read before "
            f"it, and ignores {own} ('nginx -t' warns of a \"conflicting server name\"); the "
            f"URL is listed under the instance that block passes to")


def location_urls(model: NginxModel, server: Server, loc: Location,
                  prefix: str) -> list[Found]:
    """The URLs of ``prefix`` in ``server`` (``loc`` hands it over), with what each reaches
    where ``loc``'s proxy_pass has variables."""
    scheme, port, address = _base(server)
    path = prefix if prefix.endswith("/") else prefix + "/"
    found: list[Found] = []
    for name, where in server.names:
        if name and no_host(name):
            found.append(Found(said=catch_all_said(server, name, where)))
        elif name.startswith(("~", "*")) or name.endswith("*"):
            found.append(Found(said=f"server_name {name} at {where}: a pattern, not a name; "
                                    f"add a URL it matches by hand"))
    hosts = exact_names(server)
    proxy = loc.proxy_pass
    if proxy is not None and proxy.has_variables:
        keys, said = _map_hosts(model, server, loc, proxy.url)
        if said is not None:
            return [*found, Found(said=f"{loc.describe()} proxy_pass {proxy.url} at "
                                       f"{proxy.where}: {said}; add its URLs by hand")]
        hosts += [k for k in keys if k[0] not in {h for h, _ in hosts}]
    for host, where in hosts:
        url = f"{scheme}://{host}{port}{path}"
        shadowed = _shadowed(model, server, url, address)
        if shadowed is not None:
            found.append(Found(said=shadowed))
            continue
        source = f"{where}, location {prefix}"
        if proxy is None or not proxy.has_variables:
            found.append(Found(Url(url, source)))
            continue
        handed = pass_in(model, server, url)
        if handed is None or handed.proxy is None:
            rule = handed.step.rule if handed is not None else f"proxy_pass {proxy.url}"
            found.append(Found(said=f"{url}: {rule}; add it by hand"))
            continue
        found.append(Found(Url(url, f"{source}: {handed.step.rule}"), handed.proxy.target))
    return found


def _map_hosts(model: NginxModel, server: Server, loc: Location,
               url: str) -> tuple[list[tuple[str, str]], str | None]:
    """The host names the maps of ``url``'s variables are keyed by, with their lines; or why
    the Host does not decide where the URL goes (no URL is made up then)."""
    hosts: list[tuple[str, str]] = []
    for name in names(url):
        m = model.maps.get(name)
        if m is None:
            return [], _capture_said(server, loc, name)
        if m.split:
            return [], (f"{name} comes from split_clients {m.source} {name} at {m.where}: "
                        f"the hash of each request's {m.source} picks its share, no site "
                        f"name decides it")
        if m.source not in _HOST_SOURCES:
            return [], (f"{name} comes from {m.opening()} at {m.where}, keyed by "
                        f"{m.source}, not by the host name: no site name decides it")
        hosts += [(e.key.lstrip(".").lower(), f"map key {e.key} at {e.where}")
                  for e in m.entries
                  if not e.key.startswith(("~", "*")) and not e.key.endswith("*")
                  and ":" not in e.key]
    return hosts, None


def _capture_said(server: Server, loc: Location, name: str) -> str:
    """Where a variable no map sets comes from: a named capture of the block's server_name
    expression (the Host decides it) or of the location's (the path does), as
    :mod:`probe.nginx.captures` reads them for the sweep; else a request's own value."""
    for written, at in server.names:
        if written.startswith("~") and f"<{name[1:]}>" in written:
            return (f"{name} is the named capture of server_name {written} at {at}: the Host "
                    f"decides it, each name the expression matches its own value")
    if loc.is_regex and f"<{name[1:]}>" in loc.pattern:
        return (f"{name} is the named capture of location {loc.modifier} {loc.pattern} at "
                f"{loc.where}: the path decides it")
    return (f"{name} is set by no map, split_clients or set line read, nor by a regular "
            f"expression's capture: where it goes is decided at request time")


def regex_said(server: Server, loc: Location) -> str:
    """A regular expression location: what to write its URLs with."""
    scheme, port, _ = _base(server)
    written = [f"{scheme}://{h}{port}/..." for h, _ in exact_names(server)]
    with_names = (f" with {' or '.join(written)} and a path it matches" if written else
                  " (no exact server_name in its block: a host name it serves too)")
    return (f"{loc.describe()} at {loc.where}: a regular expression location, which no "
            f"prefix path stands for; add its URLs by hand{with_names}")
