"""A ``server_name`` one or two edits from the URL's host, where no name matched and the
default server took the URL: the likely typo, led with in the ``default_server`` fix.

``server_name shop-projct.com`` never matches ``shop-project.com``; "add shop-project.com to
that server_name" works but leaves the typo. As Apache's fixes do with a ServerName
(:mod:`probe.apache.near_names`), the line itself is the fix and the added name the
alternative. The block meant for the instance (:func:`.nginx_names.meant_for`,
:func:`.nginx_default_pass.sole_block`) is looked at first; else one block listening there
with such a name, not the one that took the URL and not one that takes another instance's
URL by name. A name another URL of the manifest uses is never a typo of this one
(``site-1`` and ``site-2`` are one edit apart and two sites).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.diagnose.identify import SweepContext
from probe.diagnose.nginx_names import MeantFor, nginx_model
from probe.front import FrontConfig
from probe.model import Evidence, EvidenceKind
from probe.name_edits import Closeness, closeness

if TYPE_CHECKING:
    from probe.nginx.model import Server


@dataclass(frozen=True)
class _Near:
    server: Server
    name: str
    where: str  # its server_name line
    close: Closeness


def _near(server: Server, host: str, used: set[str]) -> _Near | None:
    for name, where in server.names:
        # a regular expression, a wildcard or another URL's name is no typo of this host
        if not name or name.startswith(("~", ".")) or "*" in name or name in used:
            continue
        close = closeness(name.lower().rstrip("."), host)
        if close is not None:
            return _Near(server, name, where, close)
    return None


def manifest_hosts(context: SweepContext) -> set[str]:
    """The host of every URL of the manifest: names no typo of another URL's host."""
    return {(urlsplit(u).hostname or "").lower() for i in context.manifest.instances.values()
            for u in i.urls}


def typo_first(context: SweepContext, front: FrontConfig | None, url: str,
               address: str | None, expected: str, took: str,
               block: MeantFor | None) -> MeantFor | None:
    """``block``'s lead after the likely typo's correction, where a server_name of the block
    meant (``block.line``), else of the one block on the address with one, is near the host;
    None where none is (``block`` stays the lead)."""
    model = nginx_model(front)
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if model is None or front is None or not host:
        return None
    from probe.nginx.claims import name_line, on_address, pass_in

    used = manifest_hosts(context)
    claimed = set()
    for instance in context.manifest.instances.values():
        for other in instance.urls if instance.name != expected else ():
            route = front.route(other, address)
            site = route.step("site")
            if route.undecided is None and site is not None and site.by == "name":
                claimed.add(site.decision)
    servers = [s for s in on_address(model, url, address)
               if s.describe() != took and s.describe() not in claimed]
    meant = [s for s in servers if block is not None and block.line is not None
             and name_line(s) == block.line]
    found = _near(meant[0], host, used) if meant else None
    if found is None:
        near = [n for s in servers if (n := _near(s, host, used)) is not None]
        found = near[0] if len(near) == 1 else None
    if found is None:
        return None
    line = " ".join(host if n == found.name else n
                    for n, at in found.server.names if at == found.where and n)
    said = (f"server_name {found.name} ({found.where}) is "
            f"{found.close.words(host)}: the likely typo. Write 'server_name {line}' at "
            f"{found.where}")
    evidence = Evidence(EvidenceKind.CONFIGURED, f"server_name {found.name} "
                        f"({found.close.words(host)})", found.where)
    if meant and found.server is meant[0] and block is not None:
        alternative = block.lead[:1].lower() + block.lead[1:]
        return MeantFor(f"{said}; or, if {found.name} is a name in use too, {alternative}",
                        (evidence, *block.evidence), block.line)
    handed = pass_in(model, found.server, url)
    passes = (f" (that block would pass {url} with {handed.step.rule}, "
              f"{handed.step.source})" if handed is not None and handed.step.source else "")
    rest = (f". If {found.server.describe()} is not the block meant for {expected}: "
            f"{block.lead[:1].lower() + block.lead[1:]}" if block is not None else
            f"; or add {host} to that server_name")
    more = () if handed is None or not handed.step.source else (Evidence(
        EvidenceKind.CONFIGURED, handed.step.rule, str(handed.step.source)),)
    return MeantFor(f"{said}{passes}{rest}",
                    (evidence, *more, *(block.evidence if block is not None else ())),
                    found.where)
