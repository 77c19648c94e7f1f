"""The why and the fix of ``wrong_upstream`` with the configuration read
(:mod:`.nginx_causes`), at the line that decides, in that line's own terms:

* a ``rewrite`` (in an ``if`` or not) sent the URL to another location: that rewrite line,
  not the hand-over of the location it reached, which serves that location's own URLs;
* a regular expression location took the URL from the prefix location that passes it to
  the right application: ``location ^~ PREFIX`` at the prefix's line (a ``^~`` longest prefix
  stops nginx's search of the regular expressions), both lines named; where the prefix is
  not seen to pass there and the regular expression location hands over with proxy_pass,
  its own proxy_pass line first; never ``^~`` on ``location /`` (it would stop every
  regular expression location of the block): the regular expression location's target, or
  its expression narrowed;
* the upstream group already named holds the answering address among others: that
  member's ``server`` line, and which members are ``backup`` only;
* the hand-over is ``uwsgi_pass`` (or FastCGI, SCGI, gRPC): its own directive, or the
  directive the right application is reached with elsewhere, said as such;
* a ``proxy_pass`` whose variables are decided at request time: its line, and the access
  log that shows where it went;
* else: pass to the right application at the hand-over line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.diagnose.fronts import WILDCARD_HOSTS, same_listen
from probe.diagnose.nginx_listens import member_fix
from probe.diagnose.pass_target import Configured, OwnAnswer, split_listen
from probe.front import PredictedRoute, RouteStep

AT_REQUEST_TIME = "(decided at request time)"  # probe.nginx.passes: an undecided address
_GROUP = re.compile(r"\(upstream (\S+) at ")
_PROTOCOL = {"uwsgi_pass": "uWSGI", "fastcgi_pass": "FastCGI", "scgi_pass": "SCGI",
             "grpc_pass": "gRPC"}


@dataclass(frozen=True)
class Words:
    why: str  # appended to the explanation
    fix: str


def _leads(addresses: str | None, listen: str | None) -> bool:
    return bool(addresses and listen) and any(
        same_listen(listen or "", m.strip()) for m in (addresses or "").split(","))


def upstream_words(route: PredictedRoute, upstream: RouteStep, expected: str, who: str,
                   at: str | None, target: str, own: OwnAnswer | None,
                   configured: Configured | None) -> Words | None:
    """The why and fix a special case of the route calls for; None for the plain one."""
    return (_shadowed(route, upstream, expected, target, own)
            or _member(route, upstream, expected, who, at, own)
            or _mapped(upstream, expected, who, own)
            or _directive(upstream, expected, target, configured))


# probe.nginx.variables's words for a variable a map set
_MAPPED = re.compile(r"(\$\w+) = (\S*) \(map (\S+) \S+ at (\S+): \S+ = '([^']*)', (\S+) at "
                     r"([^\s)]+)\)")


def _mapped(upstream: RouteStep, expected: str, who: str, own: OwnAnswer | None) -> Words | None:
    """The address came from a map line: that line is what sends the URL elsewhere."""
    found = _MAPPED.search(upstream.rule)
    if found is None:
        return None
    var, value, source, map_at, looked_up, key, key_at = found.groups()
    address = (f" ({own.listen}, where {expected} answers its own URL {own.url})"
               if own is not None and (parsed := split_listen(own.listen)) is not None
               and parsed[0] not in WILDCARD_HOSTS else "")
    if key == "default":
        return Words("", f"At {map_at}, map {source} {var} gives {looked_up} its default "
                         f"{value} ({key_at}), {who}'s address: add a line '{looked_up} "
                         f"ADDRESS;' with {expected}'s address{address}.")
    return Words("", f"At {key_at}, '{key} {value};' in map {source} {var} ({map_at}) sends "
                     f"{looked_up} to {who}: give it {expected}'s address{address}.")


def _shadowed(route: PredictedRoute, upstream: RouteStep, expected: str, target: str,
              own: OwnAnswer | None) -> Words | None:
    shadow, mapping = route.shadowed, route.step("mapping")
    if shadow is None or mapping is None or not shadow.upstream:
        return None
    ours = own is not None and _leads(shadow.upstream, own.listen)
    why = (f" {mapping.decision} ({mapping.source}) takes it before the prefix "
           f"{shadow.location} ({shadow.source}), which passes to {shadow.upstream}"
           + (f", where {expected} answers its own URL {own.url} (server.listen "
              f"{own.listen!r})" if ours and own is not None else "") + ".")
    retarget = f"at {upstream.source}, pass to {target}"
    if shadow.pattern == "/":
        # 'location ^~ /' would stop the search of every regular expression location of the
        # block for every URL (/ is the longest prefix of any path no other prefix takes):
        # the regular expression location is the one to change, its target or its reach.
        path = urlsplit(route.url).path or "/"
        return Words(why, f"The {mapping.decision} ({mapping.source}) takes {path}: "
                          f"{retarget}. If that location is meant for another application, "
                          f"narrow its regular expression so that it no longer matches {path} "
                          f"({shadow.location} at {shadow.source} then takes it); a ^~ on "
                          f"{shadow.location} is no fix: it would stop every regular "
                          f"expression location of this server block.")
    caret = (f"write 'location ^~ {shadow.pattern}' in place of '{shadow.location}' at "
             f"{shadow.source}: a ^~ longest prefix stops nginx's search of the regular "
             f"expressions, so {mapping.decision} at {mapping.source} no longer takes it")
    if ours:
        return Words(why, caret[0].upper() + caret[1:] + ".")
    if _directive_of(upstream) == "proxy_pass":
        # the location that took it passes elsewhere only because of its own target: that
        # line first (the prefix location is not known to be meant for this application)
        return Words(why, f"The {mapping.decision} ({mapping.source}) takes it: "
                          f"{retarget}. If {shadow.location} ({shadow.source}) is the location "
                          f"meant for {expected} instead, {caret}.")
    return Words(why, f"If {shadow.location} ({shadow.source}) is the location meant for "
                      f"{expected}, {caret}; if not, {retarget}.")


def _directive_of(step: RouteStep) -> str:
    return step.rule.split()[0] if step.rule.split() else "hand-over"


def _member(route: PredictedRoute, upstream: RouteStep, expected: str, who: str,
            at: str | None, own: OwnAnswer | None) -> Words | None:
    """The group holds the answering address and others: the member, not the proxy_pass."""
    if not at or len(route.members) < 2:
        return None
    member = next((m for m in route.members if same_listen(at, m.address)), None)
    group = _GROUP.search(upstream.rule)
    if member is None or group is None:
        return None
    name = group.group(1)
    backups = [m for m in route.members if m.backup]
    said = "; ".join(f"{b.address} ({b.source}) is backup only: nginx uses it when the "
                     f"primary servers fail" + (f", and {expected} answers its own URL "
                                                f"{own.url} there (server.listen "
                                                f"{own.listen!r})" if own is not None
                                                and same_listen(own.listen, b.address)
                                                else "") for b in backups)
    why = (f" The answering server.listen {at} is a member of upstream {name}: "
           f"'server {member.line}' at {member.source}"
           + (" (a backup)" if member.backup else "") + (f"; {said}" if said else "") + ".")
    spare = next((b for b in backups if own is not None and same_listen(own.listen, b.address)),
                 None)
    if spare is not None:
        fix = (f"At {member.source}, remove 'server {member.line}' ({who}'s address) from "
               f"upstream {name}, and at {spare.source} drop 'backup' from 'server "
               f"{spare.line}' so that nginx sends {expected}'s requests there.")
    else:
        fix = member_fix(name, member, route.members, who, expected, own)
    return Words(why, fix)


def _directive(upstream: RouteStep, expected: str, target: str,
               configured: Configured | None) -> Words | None:
    directive = upstream.rule.split()[0]
    written = " ".join(upstream.rule.split()[:2])
    if upstream.decision == AT_REQUEST_TIME:
        return Words("", f"At {upstream.source}, '{written};' takes its address at request "
                         f"time: nginx's access log with $upstream_addr shows where this URL "
                         f"went; make it lead to {target}.")
    if directive == "proxy_pass" and (configured is None or configured.directive == directive):
        return None
    if configured is not None and configured.directive == directive:
        return Words("", f"At {upstream.source}, pass to {target}.")
    if configured is not None:
        params = ("" if configured.directive == "proxy_pass" else
                  f" (with its 'include {configured.directive.removesuffix('_pass')}_params;')")
        return Words("", f"At {upstream.source}, '{written};' passes with {directive}; "
                         f"{expected} answers its own URL {configured.own_url} through "
                         f"'{configured.directive} {configured.url};' at {configured.where}: "
                         f"write that {configured.directive}{params} in place of "
                         f"'{written};'" + (
                             f", or point {directive} at {expected}'s own "
                             f"{_PROTOCOL.get(directive)} socket if it has one"
                             if directive != "proxy_pass" else "") + ".")
    return Words("", f"At {upstream.source}, point '{written};' at {expected}'s "
                     f"{_PROTOCOL.get(directive, directive)} socket ({directive} speaks that "
                     f"protocol, not HTTP); if {expected} listens for HTTP only, write a "
                     f"proxy_pass in its place: {target}.")


def rewritten_words(route: PredictedRoute, upstream: RouteStep, expected: str, who: str,
                    target: str) -> Words | None:
    """A rewrite line changed the path and the location searched again took it: the rewrite
    (and the if it is in, named in its step) is what sends the URL to ``who``."""
    mapping = [s for s in route.steps if s.stage == "mapping"]
    rewrite = next((s for s in mapping if s.decision.startswith("rewrite to ")), None)
    if rewrite is None:
        return None
    after = mapping[mapping.index(rewrite) + 1:]
    reached = next((s for s in after if s.decision.startswith("location ")), None)
    before = next((s for s in mapping[:mapping.index(rewrite)]
                   if s.decision.startswith("location ")), None)
    if reached is None or (before is not None and reached.source == before.source):
        return None  # the rewrite stayed in its location (break): its hand-over decides
    new = rewrite.decision.removeprefix("rewrite to ")
    why = (f" Its path is rewritten first, by {rewrite.rule}: to {new}, "
           f"which {reached.decision} ({reached.source}) takes and passes to {who} "
           f"({upstream.source}).")
    stay = (f" so that it stays in {before.decision} ({before.source})" if before is not None
            else " so that the location of its own path takes it")
    return Words(why, f"At {rewrite.source}, keep this URL out of that rewrite (its regular "
                      f"expression, or the condition of the if it is in){stay}, or rewrite it "
                      f"to a path whose location passes to {target}. The hand-over at "
                      f"{upstream.source} serves {reached.decision}'s own URLs and stays as "
                      f"it is.")
