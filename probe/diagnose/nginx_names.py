"""The name lines behind a misroute through nginx, with the configuration read
(:mod:`.nginx_causes`), where a fix at the hand-over would break another site:

* :func:`duplicate`: two server blocks on one address name the URL's host. nginx gives it to
  the first and ignores the name in the others ("conflicting server name"), so the fix is
  the name in the block that should not have it, not that block's ``proxy_pass``, which
  still serves its own names (``vhost_shadowed``, both ``server_name`` lines named);
* :func:`default_only`: the URLs of the manifest that reach the default server of an address
  only as the default (no ``server_name`` names them) and are answered by their own
  application. Making the default refuse unknown names refuses them too, so their names go
  into that block's ``server_name`` first; :func:`default_only_findings` says it of an ``ok``
  URL too (the ``nginx_default_only`` note);
* :func:`meant_for`: the block a name is added to when no ``server_name`` names a URL's host:
  the one whose ``server_name`` takes the expected instance's other URLs on the same address
  and passes them to where that instance answered them (``default_server``'s fix names its
  ``server_name`` line).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.diagnose.fronts import listen, same_listen
from probe.diagnose.identify import SweepContext
from probe.diagnose.pass_target import Configured, OwnAnswer, upstreams
from probe.front import FrontConfig, FrontKind, RouteStep
from probe.manifest import ANY_INSTANCE
from probe.model import Cause, Evidence, EvidenceKind, Finding, Status, TargetResult
from probe.nginx_snippets import name_removed

if TYPE_CHECKING:
    from probe.nginx.claims import Claim
    from probe.nginx.model import NginxModel, Server


@dataclass(frozen=True)
class Named:
    cause: Cause
    why: str  # appended to the explanation
    fix: str
    evidence: tuple[Evidence, ...]


def nginx_model(front: FrontConfig | None) -> NginxModel | None:
    if front is None or front.front is not FrontKind.NGINX:
        return None
    from probe.nginx.route import NginxConfig  # crossplane: loaded only with an nginx --config

    return front.model if isinstance(front, NginxConfig) else None


def _configured(claim: Claim, what: str) -> Evidence:
    return Evidence(EvidenceKind.CONFIGURED, f"server_name {claim.name} ({what})", claim.where)


def _removed(claim: Claim, model: NginxModel | None = None) -> str:
    """The name out of its server_name line (:func:`probe.nginx_snippets.name_removed`)."""
    from probe.nginx.claims import empty_taken

    return name_removed(claim.name, claim.where,
                        [n for n, at in claim.server.names if at == claim.where],
                        empty_taken(model, claim.server) if model is not None else None)


def duplicate(front: FrontConfig | None, url: str, address: str | None,
              expected: str | None, own: OwnAnswer | None,
              configured: Configured | None) -> Named | None:
    """Two blocks name the host: the one nginx uses, the ones it ignores, and which of them
    leads to ``expected`` (its own URL's answer, or its own URL's hand-over line)."""
    model = nginx_model(front)
    if model is None:
        return None
    from probe.nginx.claims import claims, pass_in

    found = claims(model, url, address)
    if len(found) < 2:
        return None
    kept, ignored = found[0], found[1:]
    host = (urlsplit(url).hostname or "").lower()
    why = (f" {len(found)} server blocks on {address or 'this address'} name {host}: nginx "
           f"uses the first, the block at {kept.server.where} (server_name {kept.name} at "
           f"{kept.where}), and ignores the name in "
           + "; ".join(f"the block at {c.server.where} (server_name {c.name} at {c.where})"
                       for c in ignored)
           + " ('nginx -t' warns of a \"conflicting server name\").")
    evidence = [_configured(kept, "nginx uses this block"),
                *(_configured(c, "ignored for this name") for c in ignored)]
    if expected is None:
        lines = "; and ".join(_removed(c, model) for c in found)
        return Named(Cause.VHOST_SHADOWED, why,
                     f"{lines[:1].upper()}{lines[1:]}: with it gone from the first only, "
                     f"nginx gives it to the next block that names it.", tuple(evidence))
    right = None
    for claim in ignored:
        handed = pass_in(model, claim.server, url)
        if handed is None or handed.step.source is None:
            continue
        seen = (f", where {expected} answers its own URL {own.url} (server.listen "
                f"{own.listen!r})" if own is not None and any(
                    same_listen(own.listen, m.strip())
                    for m in (handed.upstream or "").split(",")) else
                f", the line that passes {expected}'s own URL {configured.own_url}"
                if configured is not None and configured.where == str(handed.step.source)
                else None)
        if seen is not None:
            right = claim
            why += (f" The block at {claim.server.where} would pass it to {handed.upstream} "
                    f"({handed.step.rule} at {handed.step.source}){seen}.")
            evidence.append(Evidence(EvidenceKind.CONFIGURED, handed.step.rule,
                                     str(handed.step.source)))
            break
    if right is not None:
        first = _removed(kept, model)
        fix = (f"{first[:1].upper()}{first[1:]}: that block (at "
               f"{kept.server.where}) should not have it, and with the name gone nginx gives "
               f"{host} to the block at {right.server.where} (server_name at {right.where}). "
               f"Leave that block's hand-over as it is: its own names still pass there.")
    else:
        other = ignored[0]
        fix = (f"Take {host} out of the block that should not have it: if the block at "
               f"{other.server.where} is the one meant for {expected}, {_removed(kept, model)} "
               f"(nginx then gives it that block); if the block at {kept.server.where} is, "
               f"{_removed(other, model)}, and point that block's hand-over at {expected}'s "
               f"application.")
    return Named(Cause.VHOST_SHADOWED, why, fix, tuple(evidence))


@dataclass(frozen=True)
class DefaultOnly:
    """Manifest URLs the default block serves, answered by their own application, with no
    server_name naming them."""

    server: Server
    urls: tuple[str, ...]
    hosts: tuple[str, ...]
    instances: tuple[str, ...]


def default_only(context: SweepContext, front: FrontConfig | None,
                 address: str | None, block: str) -> DefaultOnly | None:
    """The URLs at ``address`` whose route reaches ``block`` (a site step's decision) only as the
    address's default server and whose answers came from their own instance; once per
    address and block (asked for every URL to refuse that the block served)."""
    key = ("default_only", f"{address} {block}")
    if key not in context.memo:
        context.memo[key] = _default_only(context, front, address, block)
    found = context.memo[key]
    return found if isinstance(found, DefaultOnly) else None


def _default_only(context: SweepContext, front: FrontConfig | None,
                  address: str | None, block: str) -> DefaultOnly | None:
    model = nginx_model(front)
    if model is None or front is None:
        return None
    server = next((s for s in model.servers if s.describe() == block), None)
    if server is None:
        return None
    urls, hosts, instances = [], [], []
    for url, where, instance in context.own_answered:
        if where != address:
            continue
        route = front.route(url, where)
        site = route.step("site")
        if route.undecided is None and site is not None and site.by == "default" \
                and site.decision == server.describe():
            host = (urlsplit(url).hostname or "").lower()
            urls.append(url)
            hosts += [host] if host not in hosts else []
            instances += [instance] if instance not in instances else []
    return DefaultOnly(server, tuple(urls), tuple(hosts), tuple(instances)) if urls else None


def name_first(found: DefaultOnly) -> str:
    """The sentence that comes before a refusing default server's fix."""
    from probe.nginx.claims import name_line, names_none

    line = name_line(found.server)
    where = (f"the server_name at {line}" if line else
             f"a server_name line in the block at {found.server.where} (it has none)")
    written = " ".join(n for n, _ in found.server.names if n)
    now = f" (now 'server_name {written}'" + (", which names no host)" if names_none(
        found.server) else ")") if line else ""
    return (f"First add {' '.join(found.hosts)} to {where}{now}: "
            f"{', '.join(found.urls)} reach that block only as the default server (no "
            f"server_name names them) and are answered by {', '.join(found.instances)}; a "
            f"default server that refuses unknown names would refuse them too. Then ")


def default_only_findings(results: Sequence[TargetResult],
                          front: FrontConfig | None) -> tuple[Finding, ...]:
    """An ``ok`` URL that reaches its application only as an address's default server: it
    works, but a block refusing unknown names (what lint's nginx_no_refusing_default and the
    fixes of a served unknown name propose) would refuse it. Said, with the line to add its
    name to; a note (severity ok), not a problem."""
    model = nginx_model(front)
    if model is None or front is None:
        return ()
    from probe.nginx.claims import name_line

    by_block: dict[tuple[str | None, str], list[tuple[str, str, RouteStep]]] = {}
    for result in results:
        if not result.ok or result.expected in (None, ANY_INSTANCE):
            continue
        route = front.route(result.url, result.address)
        site = route.step("site")
        if route.undecided is None and site is not None and site.by == "default":
            by_block.setdefault((result.address, site.decision), []).append(
                (result.url, str(result.expected), site))
    findings = []
    for (address, block), urls in by_block.items():
        server = next((s for s in model.servers if s.describe() == block), None)
        line = name_line(server) if server is not None else None
        site = urls[0][2]
        hosts = list(dict.fromkeys((urlsplit(u).hostname or "").lower() for u, _, _ in urls))
        where = (f"the server_name at {line}" if line else
                 "a server_name line in that block (it has none)")
        findings.append(Finding(
            "nginx_default_only", Status.OK, tuple(sorted({i for _, i, _ in urls})),
            f"{', '.join(u for u, _, _ in urls)} reach{'es' if len(urls) == 1 else ''} "
            f"{block} only as the default server of {address or 'its address'} ({site.rule}, "
            f"{site.source}): no server_name names {' '.join(hosts)}. Answered as expected "
            f"now, but a default server that refuses unknown names would refuse "
            f"{'it' if len(urls) == 1 else 'them'} too: add {' '.join(hosts)} to {where}."))
    return tuple(findings)


@dataclass(frozen=True)
class MeantFor:
    """The lead of a ``default_server`` fix: the host added at the server_name line of the
    block that serves the instance's other URLs, and the lines that show it does."""

    lead: str
    evidence: tuple[Evidence, ...]
    line: str | None = None  # the server_name line of the block meant (a near name is its typo)


def meant_for(context: SweepContext, front: FrontConfig | None, host: str, expected: str,
              address: str | None) -> MeantFor | None:
    """The block whose server_name takes ``expected``'s own URLs at ``address`` and whose
    hand-over reaches the server.listen those URLs were answered from; None when no such
    URL was answered, or when they reach more than one block (which one is meant for the
    host, the configuration does not say). Once per instance and address."""
    key = ("meant_for", f"{expected} {address}")
    if key not in context.memo:
        context.memo[key] = _meant_for(context, front, expected, address)
    found = context.memo[key]
    if not isinstance(found, _Block):
        return None
    lead = (f"Add {host} to the server_name at {found.line} (now 'server_name "
            f"{found.written}'), in the block meant for {expected}: it takes {expected}'s own "
            f"URL {found.url} and passes it with {found.upstream.rule} "
            f"({found.upstream.source}), where {expected} answered it (server.listen "
            f"{found.listen!r})")
    return MeantFor(lead, (
        Evidence(EvidenceKind.CONFIGURED, f"server_name {found.written} (the block meant for "
                                          f"{expected}: it takes {found.url})", found.line),
        Evidence(EvidenceKind.CONFIGURED, found.upstream.rule, str(found.upstream.source))),
        found.line)


@dataclass(frozen=True)
class _Block:
    line: str  # its server_name line
    written: str  # its names
    url: str  # the instance's own URL it takes
    upstream: RouteStep
    listen: str  # where that URL was answered from


def _meant_for(context: SweepContext, front: FrontConfig | None, expected: str,
               address: str | None) -> _Block | None:
    model = nginx_model(front)
    if model is None or front is None:
        return None
    from probe.nginx.claims import name_line

    found: dict[str, _Block] = {}
    for obs, answer in context.answers_of(expected):
        where = obs.target.address or next((s.address for s in obs.samples if s.address), None)
        at = listen(answer)
        # Another address takes other blocks: a name added there would not reach this one.
        if obs.target.expected != expected or where != address or at is None:
            continue
        route = front.route(obs.target.url, where)
        site, upstream = route.step("site"), route.step("upstream")
        if route.undecided is not None or site is None or site.by != "name" \
                or upstream is None or upstream.source is None \
                or not any(same_listen(at, m) for m in upstreams(route)):
            continue
        server = next((s for s in model.servers if s.describe() == site.decision), None)
        line = name_line(server) if server is not None else None
        if server is not None and line is not None and server.where not in found:
            found[server.where] = _Block(line, " ".join(n for n, _ in server.names if n),
                                         obs.target.url, upstream, at)
    return next(iter(found.values())) if len(found) == 1 else None
