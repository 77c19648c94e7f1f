"""Where ``nginx_host_not_forwarded``'s fix goes: in the location, or once at the level of its
server block when several locations of that block lack Host and none has ``proxy_set_header``
lines of its own (the tester's n12: five locations, five findings, one line fixes them all);
and what the backend must then accept, the client's names arriving as Host.
"""

from __future__ import annotations

from collections import defaultdict

from probe.lint.client_unseen import XFF_LINE, tells_client
from probe.nginx.model import Location, NginxModel, Server


def server_level(model: NginxModel) -> dict[int, list[Location]]:
    """By server block (id), its locations that lack Host and take every proxy_set_header
    from the block's own lines or nginx's defaults: one line at the block's level reaches them
    all. Where the block's lines come from the http level, a line of its own would replace
    them (nginx inherits none into a level with lines of its own): not proposed."""
    found: dict[int, list[Location]] = defaultdict(list)
    for server, loc in model.proxied():
        known = loc.header_set
        host = known.named("host")
        if known.unread is None and (host is None or not host.where) \
                and known.source == server.header_set.source \
                and known.source in (None, server.where):
            found[id(server)].append(loc)
    return found


def host_fix(server: Server, loc: Location, shared: list[Location]) -> str:
    if len(shared) < 2 or loc not in shared:
        return (f"add proxy_set_header Host $host; in {loc.describe()} (with the other "
                f"proxy_set_header of that level)")
    return (f"add proxy_set_header Host $host; once at the level of the {server.describe()}: "
            f"none of its {len(shared)} locations without it "
            f"({', '.join(f'{x.describe()} at {x.where}' for x in shared)}) has "
            f"proxy_set_header lines of its own, so that one line fixes them all")


NAME_CHECKER = ("A server that checks host names in front of the application (mod_wsgi-express "
                "started with --server-name, a name-based virtual host)")
"""Neither Django nor lint decides a Host first where such a server listens: mod_wsgi-express
--server-name answers 403 for another Host (AH01630 in its error_log) before Django runs
(tester T31's wiki2.example.test)."""


def without_port(host: str) -> str:
    """The Host as Django compares it with ALLOWED_HOSTS: its port off (``[::1]`` kept)."""
    if host.startswith("["):
        return host[:host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def accepted(server: Server, sent: str, loc: Location) -> str:
    """What the fix changes at the backend: the client's names arrive in place of ``sent``,
    and where a name-checking server listens there they must be names it claims; and the
    X-Forwarded-For line where no proxy header is in force (:func:`client_too`)."""
    names = " ".join(n for n, _ in server.names if n and n != "_" and not n.startswith("~"))
    theirs = f" ({names})" if names else ""
    return (f"; then the Host that reaches {sent} is the name the client asked for{theirs}, "
            f"not {sent}: each must be one the application accepts (Django's "
            f"ALLOWED_HOSTS) and, where a server that checks host names listens at {sent}, "
            f"one it claims (mod_wsgi-express's --server-name or --server-alias, a name-based "
            f"virtual host's names){client_too(loc)}")


def client_too(loc: Location) -> str:
    """Host alone still shows every client to the application as nginx's own connection
    with no proxy header: a token-less endpoint there answers them all (security tester
    T37: 14 of 21 outside requests through such a front got the full answer)."""
    if tells_client(loc.header_set):
        return ""
    # Beside the Host line, wherever it goes: with the level's other proxy_set_header lines.
    return (f"; and {XFF_LINE} beside it: with Host alone the application sees every client "
            f"as nginx's connection with no proxy header, which the probe endpoint installed "
            f"with --no-token answers (nginx_client_not_forwarded)")
