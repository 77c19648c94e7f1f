"""Where ``nginx_host_not_forwarded``'s fix goes: in the location, or once at the level of its
server block when several locations of that block lack Host and none has ``proxy_set_header``
lines of its own (the tester's n12: five locations, five findings, one line fixes them all).
"""

from __future__ import annotations

from collections import defaultdict

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
