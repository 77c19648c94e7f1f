"""The hand-over step of a route (:mod:`probe.nginx.route`): where a location passes the
request, as its directive writes it (``proxy_pass``, ``uwsgi_pass``, ``fastcgi_pass``,
``scgi_pass``, ``grpc_pass``), its variables resolved through the ``map`` blocks read
(:mod:`probe.nginx.variables`), the upstream group it names with each ``server`` line; for
``uwsgi_pass``, the mount and host steps of what uWSGI receives (:mod:`probe.nginx.uwsgi_steps`);
and the prefix location a regular expression location took the URL from (where the
``error_page`` lines send the request: :mod:`probe.nginx.fallbacks`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from probe.front import Member, RouteStep, Shadowed, Source, VariableChoice
from probe.nginx.model import (
    Location,
    NginxModel,
    ProxyPass,
    Upstream,
    parse_proxy_pass,
)
from probe.nginx.text import Directive
from probe.nginx.uwsgi_steps import uwsgi_steps
from probe.nginx.variables import Resolved, resolve, shares
from probe.unix_sockets import normal_unix

AT_REQUEST_TIME = "(decided at request time)"
_SCHEMES = ("uwsgi://", "suwsgi://", "grpc://", "grpcs://")


def source(where: str | None) -> Source | None:
    if not where:
        return None
    file, _, line = where.rpartition(":")
    return Source(file, int(line)) if line.isdigit() else None


@dataclass(frozen=True)
class Pass:
    step: RouteStep
    upstream: str | None  # the addresses passed to, comma-separated; None: not decided
    members: tuple[Member, ...]
    proxy: ProxyPass | None  # proxy_pass as nginx uses it for this request (variables set)
    # uwsgi_pass: the mount and host steps (what uWSGI receives), and the HTTP_HOST decided
    after: tuple[RouteStep, ...] = ()
    host: str | None = None
    chosen: tuple[VariableChoice, ...] = ()  # the map/split_clients values it was passed by


def choices(model: NginxModel, resolved: Resolved) -> tuple[VariableChoice, ...]:
    """The map entries (or split_clients shares) that gave a hand-over its variables."""
    found = []
    for m, entry, looked_up in resolved.chosen:
        share = dict((e.key, p) for e, p in shares(m)).get(entry.key) if m.split else None
        group = model.upstreams.get(entry.value)
        found.append(VariableChoice(
            m.result, entry.value, entry.key, source(entry.where), m.opening(),
            source(m.where), looked_up, share,
            tuple((e.key, source(e.where)) for e in m.entries),
            tuple(normal_unix(a) for a, _ in group.servers) if group else (),
            () if group else tuple((u.name, source(u.where)) for u in model.upstreams.values())))
    return tuple(found)


def pass_target(directive: str, written: str) -> str:
    """The address or upstream name a pass line names (its scheme, a proxy_pass URI off)."""
    if directive == "proxy_pass":
        return parse_proxy_pass(written, "").target
    for scheme in _SCHEMES:
        written = written.removeprefix(scheme)
    return normal_unix(written)


def _group(model: NginxModel, directive: str, written: str, target: str, where: str,
           said: str) -> Pass:
    upstream = model.upstreams.get(target)
    # a member's socket as nginx reaches it (unix:///x is unix:/x), its line as written
    members = ", ".join(normal_unix(a) for a, _ in upstream.servers) if upstream else target
    rule = f"{directive} {written}" + (f" ({said})" if said else "") + (
        f" (upstream {upstream.name} at {upstream.where})" if upstream else "")
    listed = tuple(_member(upstream, n) for n in range(len(upstream.servers))) \
        if upstream else ()
    return Pass(RouteStep("upstream", members, rule, source(where)), members, listed, None)


# The lines of an upstream block that choose a member otherwise than (weighted) round robin.
_BALANCING = ("least_conn", "ip_hash", "hash", "random", "least_time", "sticky", "ntlm")


def _member(upstream: Upstream, n: int) -> Member:
    """The group's ``n``th ``server`` line: its address, backup, weight and down."""
    address, where = upstream.servers[n]
    lines = [d for d in upstream.lines if d.name == "server" and d.args]
    params = lines[n].args[1:] if n < len(lines) else ()
    weights = [p.removeprefix("weight=") for p in params if p.startswith("weight=")]
    method = next((f"{' '.join((d.name, *d.args))} at {d.where}" for d in upstream.lines
                   if d.name in _BALANCING), None)
    return Member(normal_unix(address), source(where), "backup" in params, address,
                  weight=int(weights[0]) if weights and weights[0].isdigit() else 1,
                  down="down" in params, balancing=method,
                  retry=" ".join(p for p in params
                                 if p.startswith(("fail_timeout=", "max_fails="))))


def pass_of(model: NginxModel, loc: Location, known: dict[str, str]) -> Pass | None:
    """The location's hand-over for a request whose variables are ``known``; None when the
    location passes nowhere."""
    if loc.proxy_pass is not None:
        proxy = loc.proxy_pass
        if not proxy.has_variables:
            found = _group(model, "proxy_pass", proxy.url, proxy.target, proxy.where, "")
            return Pass(found.step, found.upstream, found.members, proxy)
        resolved = resolve(proxy.url, model.maps, known)
        if resolved.value is None:
            return Pass(RouteStep("upstream", AT_REQUEST_TIME,
                                  f"proxy_pass {proxy.url} (where it goes is decided at request "
                                  f"time: {resolved.said}; nginx's access log with "
                                  f"$upstream_addr shows it)", source(proxy.where)),
                        None, (), None, chosen=choices(model, resolved))
        real = parse_proxy_pass(resolved.value, proxy.where)
        found = _group(model, "proxy_pass", proxy.url, real.target, proxy.where, resolved.said)
        return Pass(found.step, found.upstream, found.members, real,
                    chosen=choices(model, resolved))
    other = loc.other_pass
    if other is None or not other.args:
        return None
    found = _other(model, other, known)
    handed = uwsgi_steps(model, loc, known)
    return Pass(found.step, found.upstream, found.members, None, handed.steps, handed.host,
                found.chosen)


def _other(model: NginxModel, other: Directive, known: dict[str, str]) -> Pass:
    written = other.args[0]
    if "$" in written:
        resolved = resolve(written, model.maps, known)
        if resolved.value is None:
            return Pass(RouteStep("upstream", AT_REQUEST_TIME,
                                  f"{other.name} {written} (where it goes is decided at "
                                  f"request time: {resolved.said})",
                                  source(other.where)), None, (), None,
                        chosen=choices(model, resolved))
        return dataclasses.replace(_group(model, other.name, written, pass_target(
            other.name, resolved.value), other.where, resolved.said),
            chosen=choices(model, resolved))
    return _group(model, other.name, written, pass_target(other.name, written), other.where, "")


def shadowed(model: NginxModel, prefix: Location | None,
             known: dict[str, str]) -> Shadowed | None:
    if prefix is None:
        return None
    found = pass_of(model, prefix, known)
    return Shadowed(prefix.describe(), prefix.pattern, source(prefix.where),
                    found.upstream if found is not None else None)



def mount_step(loc: Location, proxy: ProxyPass, path: str, sent: str,
               rewrote: tuple[str, str] | None, broke: ProxyPass | None) -> RouteStep:
    """The path the application receives, with the line that makes it: a ``rewrite`` that
    changed the URI (``rewrote``), else proxy_pass. ``broke``: proxy_pass as written where a
    ``rewrite ... break`` of this location changed the URI; nginx then passes the new URI
    whole, its URI part or none (ngx_http_proxy_module: "the URI specified in the directive
    is ignored and the full changed request URI is passed")."""
    if rewrote is not None and broke is not None:
        line, where = rewrote
        part = (f"proxy_pass {broke.url} has no URI part" if broke.uri is None else
                f"the URI part of proxy_pass {broke.url} ({broke.where}) is ignored")
        return RouteStep("mount", sent, f"{line} at {where} makes the path {sent}, and nginx "
                         f"passes a URI 'rewrite ... break' changed on whole ({part})",
                         source(where))
    if proxy.uri is not None and sent != path:
        made = f" in the path {rewrote[0]} at {rewrote[1]} made" if rewrote else ""
        return RouteStep("mount", sent, f"proxy_pass with a URI part replaces {loc.pattern} "
                         f"by {proxy.uri}{made}", source(proxy.where))
    if rewrote is not None:
        line, where = rewrote
        return RouteStep("mount", sent, f"{line} at {where} makes the path {sent}, which "
                         f"proxy_pass {proxy.url} passes on unchanged", source(where))
    return RouteStep("mount", sent, "the request's path, unchanged", source(proxy.where))
