"""How nginx picks the server block and the location for a request, as its documentation
("How nginx processes a request", "Server names", the core module's ``location``) and
``ngx_http_core_find_location`` do it.

Server: the blocks listening on the connection's address and port (blocks on that very
address, when there are any, else those on the wildcard address), then the ``Host`` name:
exact name, longest wildcard starting with ``*``, longest wildcard ending with ``*``, first
matching regular expression in configuration order; else the address's default server
(``listen ... default_server``, else the first block).

Location, at each level: ``=`` exact match stops; the longest prefix, then the locations
nested in it (the same search, one level down); unless that prefix is ``^~``, this level's
regular expressions (``~``, ``~*``) in configuration order take over; else the prefix (or
what was found nested in it). A prefix location ending in ``/`` that passes to a server
answers the same path without the slash with a 301 to the slash (nginx's automatic
redirect).
"""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass

from probe.nginx.model import Listen, Location, NginxModel, Server
from probe.nginx.text import pcre


@dataclass(frozen=True)
class ServerChoice:
    server: Server | None
    rule: str  # why, in nginx's terms
    where: str | None  # the server_name or listen line that decided, when one did
    by: str = "name"  # "name" (a server_name matched), "default" (none did), "only"
    # later blocks whose regular expression matches the name too: nginx never reaches them
    # for it (the first in configuration order wins), as (block, server_name, its line)
    also: tuple[tuple[Server, str, str], ...] = ()


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def listening(servers: list[Server], host: str, port: int) -> list[tuple[Server, Listen]]:
    """The blocks that receive a connection to host:port, with the listen that takes it."""
    host = host.lower()
    exact = [(s, lst) for s in servers for lst in s.listens
             if lst.port == port and lst.host.strip("[]") == host.strip("[]")]
    if exact:
        return exact
    wildcard = {"*", "[::]"}
    return [(s, lst) for s in servers for lst in s.listens
            if lst.port == port and (lst.host in wildcard or not _is_ip(host))]


def normal_host(host: str) -> str:
    """The Host header as nginx compares it: lower case, no port, no trailing dot."""
    host = host.strip().lower()
    if host.startswith("["):
        host = host[:host.find("]") + 1] if "]" in host else host
    else:
        host = host.partition(":")[0]
    return host.rstrip(".")


def choose_server(servers: list[Server], host: str, port: int, name: str) -> ServerChoice:
    """The server block nginx uses for a request to ``name`` arriving on host:port."""
    pairs = listening(servers, host, port)
    if not pairs:
        return ServerChoice(None, f"no server block listens on {host}:{port}", None)
    blocks = list(dict.fromkeys(s for s, _ in pairs))
    name = normal_host(name)
    for server in blocks:
        for written, where in server.names:
            if written == name or (written.startswith(".") and written[1:] == name):
                return ServerChoice(server, f"server_name {written} matched exactly", where)
    best: tuple[int, Server, str, str] | None = None
    for server in blocks:
        for written, where in server.names:
            suffix = written[1:] if written.startswith("*.") or written.startswith(".") else None
            if suffix and name.endswith(suffix if suffix.startswith(".") else "." + suffix) \
                    and (best is None or len(written) > best[0]):
                best = (len(written), server, written, where)
    if best is None:
        for server in blocks:
            for written, where in server.names:
                if written.endswith(".*") and name.startswith(written[:-1]) \
                        and (best is None or len(written) > best[0]):
                    best = (len(written), server, written, where)
    if best is not None:
        return ServerChoice(best[1], f"wildcard server_name {best[2]} matched", best[3])
    matched = [(server, written, where) for server in blocks for written, where in server.names
               # nginx compiles server names caselessly
               if written.startswith("~") and (regex := pcre(written[1:], True)) is not None
               and regex.search(name)]
    if matched:
        server, written, where = matched[0]
        return ServerChoice(server, f"server_name {written} (regular expression) matched first",
                            where, also=tuple(m for m in matched[1:] if m[0] is not server))
    default = next(((s, lst) for s, lst in pairs if lst.default_server), None)
    if default is not None:
        return ServerChoice(default[0], f"no server_name matches {name!r}: the default_server "
                                        f"of {default[1].address} answered", default[1].where,
                            "default")
    first, listen = pairs[0]
    return ServerChoice(first, f"no server_name matches {name!r} and no block is default_server"
                               f" for {listen.address}: the first block listening there "
                               f"answered", listen.where, "default")


@dataclass(frozen=True)
class LocationChoice:
    location: Location | None
    rule: str
    redirect: str | None = None  # nginx's automatic 301 to the path with a slash
    shadowed: Location | None = None  # the longest prefix a regular expression won over


def _prefix(locations: list[Location], path: str) -> Location | None:
    best = None
    for loc in locations:
        if loc.modifier in ("", "^~") and path.startswith(loc.pattern) \
                and (best is None or len(loc.pattern) > len(best.pattern)):
            best = loc
    return best


@dataclass(frozen=True)
class _Found:
    location: Location | None  # the last one nginx set (r->loc_conf), None: none yet
    rule: str
    done: bool  # NGX_OK or NGX_DONE: the search stops, no regular expression looked at
    redirect: str | None = None
    shadowed: Location | None = None  # the prefix at the level of the regex that won


def _find(locations: list[Location], path: str) -> _Found:
    """ngx_http_core_find_location for one level: an exact match, or the automatic
    redirect, stops; else the longest prefix and, recursively, the locations nested in it;
    then, unless that prefix is ``^~``, this level's regular expressions in order (a nested
    ``^~`` stops only its parent's regular expressions, not the levels above: nginx 1.22
    does so)."""
    for loc in locations:
        if loc.modifier == "=" and loc.pattern == path:
            return _Found(loc, "exact match (=)", True)
    for loc in locations:
        if loc.modifier in ("", "^~") and loc.pattern == path + "/" and _passes(loc):
            return _Found(loc, "nginx redirects a path without the slash of a proxied "
                               "prefix location", True, redirect=path + "/")
    prefix = _prefix(locations, path)
    found = _Found(None, "no location matches", False)
    if prefix is not None:
        caret = prefix.modifier == "^~"
        found = _Found(prefix, "longest prefix match, ^~ stops the regular expressions of "
                               "its level" if caret else "longest prefix match", False)
        nested = _find(prefix.locations, path)
        if nested.location is not None:
            found = dataclasses.replace(
                nested, rule=f"nested in {prefix.describe()}: {nested.rule}")
        if found.done or caret:
            return found
    for loc in locations:
        if loc.is_regex:
            regex = pcre(loc.pattern, loc.modifier == "~*")
            if regex is not None and regex.search(path):
                inner = _find(loc.locations, path)
                if inner.location is not None:
                    return dataclasses.replace(
                        inner, rule=f"nested in {loc.describe()}: {inner.rule}", done=True)
                shadow = f" before the prefix {prefix.describe()}" if prefix else ""
                return _Found(loc, f"first matching regular expression{shadow}", True,
                              shadowed=prefix)
    return found


def choose_location(server: Server, path: str) -> LocationChoice:
    found = _find(server.locations, path)
    if found.location is None:
        return LocationChoice(None, "no location matches")
    return LocationChoice(found.location, found.rule, found.redirect, found.shadowed)


def _passes(loc: Location) -> bool:
    return loc.proxy_pass is not None or loc.other_pass is not None


def location_at(model: NginxModel, source: object) -> Location | None:
    """The location a route's ``mapping`` step names by its line (``source``, file:line):
    the one the model chose for the URL, found again where only the route is at hand."""
    if source is None:
        return None
    where = str(source)
    return next((loc for _, loc in model.locations() if loc.where == where), None)
