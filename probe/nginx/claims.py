"""Who claims a request's name on an address, beyond the block nginx picks
(:mod:`probe.nginx.select`): what the diagnosis needs to fix a line without breaking another
site.

* :func:`claims`: the server blocks on the connection's address whose ``server_name`` names
  the host exactly (``.example.com`` names ``example.com`` too), in configuration order.
  nginx keeps the first and ignores the name in the others ("conflicting server name ...
  ignored", at ``nginx -t`` and at reload);
* :func:`on_address`: the blocks listening where a URL's connection goes;
* :func:`block_for`: the server block a URL sent to an address reaches, as the route
  (:mod:`probe.nginx.route`) finds it;
* :func:`name_line`: the ``server_name`` line of a block, where a name is added;
* :func:`pass_in`: where a block would pass a URL, had nginx given it the request;
* :func:`names_first`: what comes before a refusing default server beside a block that
  serves as the default now (lint's and the sweep's fix);
* :func:`main_pass`: the hand-over a block is known by (that of ``location /``), for lint;
* :func:`group_users`: the lines that pass to an upstream group (a member changed there
  moves each of them);
* :func:`empty_taken`: who has, or is to get, the empty name on a block's address, where a
  ``server_name "";`` written there would make nginx -t warn "conflicting server name".
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.nginx.model import APP_PASSES, Location, NginxModel, Server
from probe.nginx.passes import Pass, pass_of
from probe.nginx.select import choose_location, choose_server, listening, normal_host

# server_name values that name no host a client sends: "_" is the documentation's catch-all
# convention, "" nginx's default (a request without Host)
NO_NAMES = frozenset({"", "_"})


@dataclass(frozen=True)
class Claim:
    server: Server
    name: str  # as written in server_name
    where: str  # that server_name line


def _host_port(url: str, address: str | None) -> tuple[str, int, str]:
    """(host, port) the connection reaches and the Host sent, as the route reads them."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host, _, at_port = (address or "").rpartition(":")
    if not address or not at_port.isdigit():
        host, at_port = parts.hostname or "", str(port)
    return host, int(at_port), parts.netloc


def claims(model: NginxModel, url: str, address: str | None) -> list[Claim]:
    """Every block on the address that names the URL's host exactly, first the one nginx
    uses; fewer than two: no conflict."""
    host, port, netloc = _host_port(url, address)
    name = normal_host(netloc)
    found: list[Claim] = []
    for server in dict.fromkeys(s for s, _ in listening(model.servers, host, port)):
        claim = next(((w, at) for w, at in server.names if w in (name, "." + name)), None)
        if claim is not None:
            found.append(Claim(server, *claim))
    return found


def on_address(model: NginxModel, url: str, address: str | None) -> list[Server]:
    """The blocks listening where the URL's connection goes, in configuration order."""
    host, port, _ = _host_port(url, address)
    return list(dict.fromkeys(s for s, _ in listening(model.servers, host, port)))


def block_for(model: NginxModel, url: str, address: str | None) -> Server | None:
    host, port, netloc = _host_port(url, address)
    return choose_server(model.servers, host, port, netloc).server


def name_line(server: Server) -> str | None:
    """The block's first server_name line; None when it has none (nginx's empty name)."""
    return next((at for w, at in server.names if at != server.where or w), None)


def names_none(server: Server) -> bool:
    """The block's server_name names no host (``_``, ``""``, or no server_name at all)."""
    return all(w in NO_NAMES for w, _ in server.names)


def pass_in(model: NginxModel, server: Server, url: str) -> Pass | None:
    """Where ``server`` would pass the URL (its location's hand-over), if it took it."""
    parts = urlsplit(url)
    path = parts.path or "/"
    location = choose_location(server, path).location
    if location is None or server.returns is not None or location.returns is not None:
        return None
    known = {"$host": normal_host(parts.netloc), "$http_host": parts.netloc,
             "$scheme": parts.scheme, "$request_uri": path, "$uri": path}
    return pass_of(model, location, known)


def main_pass(model: NginxModel, server: Server) -> str | None:
    """The block's hand-over as said: that of the location serving ``/`` (Zulip's
    ``uwsgi_pass django``, not the Tornado long-polling ``proxy_pass`` written before it),
    else its first, with its location; None: it hands nothing over."""
    def of(loc: Location) -> str | None:
        if loc.proxy_pass is not None:
            return f"proxy_pass at {loc.proxy_pass.where}"
        if loc.other_pass is not None and loc.other_pass.name in APP_PASSES:
            return f"{loc.other_pass.name} at {loc.other_pass.where}"
        return None

    root = choose_location(server, "/").location
    said = of(root) if root is not None else None
    if root is not None and said is not None:
        return f"{said}, in {root.describe()}, which serves /"
    first = next(((s, loc) for s, loc in model.locations() if s is server and of(loc)), None)
    return f"{of(first[1])}, in {first[1].describe()}" if first is not None else None


def _pass_line(loc: Location, target: str) -> str | None:
    if loc.proxy_pass is not None and loc.proxy_pass.target == target:
        return loc.proxy_pass.where
    if loc.other_pass is not None and loc.other_pass.args \
            and loc.other_pass.args[0].split("://", 1)[-1] == target:
        return loc.other_pass.where
    return None


def group_users(model: NginxModel, name: str) -> list[tuple[Server, str]]:
    """The proxy_pass (or uwsgi_pass...) lines that name upstream ``name``, with their
    server block."""
    return [(server, line) for server, loc in model.locations()
            if (line := _pass_line(loc, name))]


def names_first(server: Server) -> str:
    """Said before a refusing default server is added beside ``server``, the default now:
    the names it serves without listing them would be refused from then on."""
    line = name_line(server)
    where = f"its server_name ({line})" if line else "a server_name line in it (it has none)"
    if names_none(server):
        written = " ".join(n for n, _ in server.names if n) or '""'
        return (f"first write in {where} every host name this block must keep serving: its "
                f"server_name {written} names none, so every request it serves reaches it as "
                f"the default server, and the refusing block would refuse them all; then ")
    return (f"first make sure {where} lists every host name this block must keep serving: a "
            f"name it does not list reaches it only as the default server, and the refusing "
            f"block would refuse it; then ")


def empty_taken(model: NginxModel, server: Server) -> str | None:
    """Why ``server_name "";`` in ``server`` would conflict: another block on one of its
    addresses has the empty name (no server_name line, or ``server_name ""``), or the
    address's default server passes requests on, so that the fix for unknown names adds a
    refusing block there, which has the empty name too (nginx 1.22: "conflicting server name
    "" on 127.0.0.1:18383, ignored", re-tester R34's c-include); None: no conflict."""
    for listen in server.listens:
        blocks = [s for s in model.servers if any(
            lst.address == listen.address for lst in s.listens)]
        holder = next((s for s in blocks if s is not server
                       and any(name == "" for name, _ in s.names)), None)
        if holder is not None:
            return f"so has the server block at {holder.where} on {listen.address}"
        default = next((s for s in blocks if any(
            lst.default_server and lst.address == listen.address for lst in s.listens)),
            blocks[0] if blocks else None)
        if default is not None and default.returns is None:
            return (f"so has the default server that refuses unknown names, which the fix for "
                    f"them adds on {listen.address} (a block with no server_name line)")
    return None
