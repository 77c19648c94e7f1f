"""The one-member upstream group behind a misroute through nginx (:mod:`.nginx_causes`): the
``proxy_pass`` names the group rightly, its only ``server`` line is the other application's
address. The fix is that ``server`` line, unless another server block passes to the same
group (changing the member would move its site too): then the hand-over of this URL's
location.

Where the right application listens is said only from what shows it: its own URL's answer
(server.listen), or the line that passes its own URL (configured); else it is not known
here, and its server's own listening option is named as what gives it.
"""

from __future__ import annotations

import re

from probe.diagnose.fronts import WILDCARD_HOSTS as WILDCARDS
from probe.diagnose.fronts import same_listen
from probe.diagnose.nginx_fixes import Words
from probe.diagnose.nginx_names import nginx_model
from probe.diagnose.nginx_own_404 import SOCKET_DENIED
from probe.diagnose.pass_target import LISTEN_OPTIONS, OwnAnswer, split_listen
from probe.front import FrontConfig, PredictedRoute, RouteStep

_GROUP = re.compile(r"\(upstream (\S+) at ([^)\s]+)\)")


def member_address(expected: str, own: OwnAnswer | None) -> str:
    """The ``server`` line to write for ``expected``, with what shows its address."""
    if own is None:
        return (f"{expected}'s address, which this sweep did not see (no URL of {expected} "
                f"was answered by {expected}): {LISTEN_OPTIONS}")
    seen = own.said(expected)
    parsed = split_listen(own.listen)
    if own.listen.startswith("unix:") or (parsed is not None and parsed[0] not in WILDCARDS):
        return f"'server {own.listen};' ({seen})"
    if parsed is None:
        return f"{expected}'s address ({seen}, not an address nginx can use)"
    return (f"'server 127.0.0.1:{parsed[1]};' if {expected} runs on nginx's machine ({seen}, "
            f"every address of its machine: an inference, not probed)")


def only_member(front: FrontConfig | None, route: PredictedRoute, upstream: RouteStep,
                expected: str, who: str, at: str | None, target: str,
                own: OwnAnswer | None) -> Words | None:
    """The words when the group the route passes to has one member, the answering one."""
    group = _GROUP.search(upstream.rule)
    if not at or len(route.members) != 1 or group is None \
            or not same_listen(at, route.members[0].address):
        return None
    member, (name, declared) = route.members[0], group.groups()
    model = nginx_model(front)
    users: list[str] = []
    if model is not None:
        from probe.nginx.claims import block_for, group_users

        # the other blocks' hand-overs: this block's own locations serve the same site
        block = block_for(model, route.url, route.address)
        users = [line for server, line in group_users(model, name) if server is not block]
    why = (f" Upstream {name} ({declared}) has one member, 'server {member.line}' at "
           f"{member.source}: {who}'s address (the answering server.listen {at}).")
    if users:
        return Words(why + f" {len(users)} other hand-over{'s' if len(users) > 1 else ''} "
                     f"pass{'' if len(users) > 1 else 'es'} to upstream {name} too "
                     f"({', '.join(users)}).",
                     f"At {upstream.source}, pass to {target}, not to upstream {name}: its "
                     f"member serves the hand-overs at {', '.join(users)} too, which a "
                     f"changed member would move.")
    written = " ".join(upstream.rule.split()[:2])
    return Words(why, f"At {member.source}, replace 'server {member.line}' ({who}'s "
                      f"address) in upstream {name} by {member_address(expected, own)}. The "
                      f"'{written};' at {upstream.source} names that group and stays as it "
                      f"is.")


def backup_answered(route: PredictedRoute, upstream: RouteStep, expected: str, who: str,
                    at: str | None, own: OwnAnswer | None) -> Words | None:
    """The answering member is a ``backup``: nginx sent the request there because its
    primaries failed (nginx's error log: "upstream server temporarily disabled"). The fix is
    the primary, not the backup that answered in its place."""
    group = _GROUP.search(upstream.rule)
    member = next((m for m in route.members if at and same_listen(at, m.address)), None)
    primaries = [m for m in route.members if not m.backup]
    if member is None or not member.backup or not primaries or group is None:
        return None
    name = group.group(1)
    named = ", ".join(f"'server {p.address}' ({p.source})" for p in primaries)
    ours = next((p for p in primaries if own is not None and same_listen(own.listen, p.address)),
                None)
    why = (f" The answering server.listen {at} is 'server {member.line}' at {member.source}, "
           f"a backup of upstream {name}: nginx sends a request there only when the primary "
           f"servers fail, so {named} did not answer this request (nginx's error log for "
           f"upstream {name} says why: 'connect() failed', 'upstream server temporarily "
           f"disabled').")
    where = (f" ({expected} answers its own URL {own.url} on server.listen {own.listen!r})"
             if own is not None else "")
    if ours is not None:
        fix = (f"{expected} answers on 'server {ours.address}' ({ours.source}) for other "
               f"requests: read nginx's error log for upstream {name} (a timeout, max_fails) "
               f"for why this request did not get it. Leave the backup at {member.source} as "
               f"it is, or make it an address of {expected}, not {who}'s.")
    else:
        fix = (f"Make the primary of upstream {name} answer: start {expected}'s application "
               f"server on {named}, or correct that address to where {expected} "
               f"listens{where}; nginx's error log for upstream {name} ('connect() failed "
               f"(2: No such file or directory)', '(111: Connection refused)'"
               + (f", {SOCKET_DENIED}" if any(p.address.startswith("unix:") for p in primaries)
                  else "") + ") says which. "
               f"The backup 'server {member.line}' ({member.source}, {who}'s address) "
               f"answered only because the primary failed: replacing it does not bring "
               f"{expected} back.")
    return Words(why, fix)


def listen_unknown(route: PredictedRoute, upstream: RouteStep, expected: str,
                   at: str | None, own: OwnAnswer | None) -> Words | None:
    """The answer carries no server.listen (null: mod_wsgi, or a waitress trusting proxy
    headers, docs/endpoint-protocol.md): which member of the group answered is not known,
    and a hand-over that already leads to ``expected``'s address is not the line to change."""
    if at:
        return None
    leads = own is not None and any(same_listen(own.listen, a.strip())
                                    for a in (route.upstream or "").split(","))
    if len(route.members) < 2 and leads and own is not None:
        # the hand-over already leads where expected answers its own URL: not the line
        return Words(f" The answer carries no server.listen (null), so where it came from is "
                     f"not known; {upstream.rule} ({upstream.source}) leads to {own.listen}, "
                     f"where {expected} answers its own URL {own.url}.",
                     f"Find where this request went: nginx's access log line for it with "
                     f"$upstream_addr. The hand-over at {upstream.source} already leads to "
                     f"{expected}'s address and stays as it is; if the access log names that "
                     f"address, the application server listening there serves {expected}'s "
                     f"URL with another application (its WSGI module).")
    if len(route.members) < 2:
        return None
    group = _GROUP.search(upstream.rule)
    name = group.group(1) if group is not None else route.upstream
    listed = ", ".join(f"'server {m.line}' ({m.source}"
                       + (", backup" if m.backup else "") + ")" for m in route.members)
    ours = [m for m in route.members if own is not None and same_listen(own.listen, m.address)]
    why = (f" The answer carries no server.listen (null), so which member of upstream {name} "
           f"answered is not known: {listed}"
           + (f"; {expected} answers its own URL {own.url} on {ours[0].address}"
              if ours and own is not None else "") + ".")
    return Words(why, f"Find the member that answered: nginx's access log line for this "
                      f"request with $upstream_addr (or the error log for upstream {name}); "
                      f"then, at that member's server line, give it {expected}'s address, or "
                      f"remove it from upstream {name}. The hand-over at {upstream.source} "
                      f"names the group and stays as it is.")
