"""A URL the default server of an address took (no ``server_name`` names its host) and passed
to another application: is the name the line to change, or the hand-over
(:mod:`.nginx_causes`)?

A tester's Zulip and Taiga set-ups: the block meant for the application has no name of its own
(or ``server_name _``), takes the URL as the default, and its ``uwsgi_pass``/``proxy_pass``
goes to the other application's address. "Add the host to the server_name of the block meant
for it" changed nothing there: the block already takes it. The configuration shows it:

* the address the default block passes to is the answering instance's: another block claims
  that instance's own URL by name and passes it to the same address;
* the default block is the one meant for the expected instance: its ``server_name`` takes
  another URL of that instance, or no other block listening there could be meant for it (each
  refuses, or takes another instance's URL by name).

Both hold: ``wrong_upstream`` at the hand-over line (:func:`default_pass`, ``decided``). The
first alone (another block could be the one meant): both causes, and the check that decides.

Where the name is the cause and no answer shows the block meant for the instance,
:func:`sole_block` finds it in the configuration (a tester's Zulip z1: the block meant for
zulip has no server_name and the wiki block, first, took chat.example.com).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.diagnose.fronts import same_listen
from probe.diagnose.identify import SweepContext
from probe.diagnose.nginx_names import MeantFor, nginx_model
from probe.diagnose.pass_target import upstreams
from probe.front import FrontConfig, PredictedRoute, RouteStep
from probe.model import Evidence, EvidenceKind

if TYPE_CHECKING:
    from probe.nginx.model import Server


@dataclass(frozen=True)
class DefaultPass:
    decided: bool  # the default block is the one meant for the expected instance
    why: str  # appended to the explanation
    after: str  # decided: appended to the hand-over's fix; not: the other blocks, to choose
    evidence: tuple[Evidence, ...]
    others: tuple[str, ...] = ()  # not decided: the other blocks that could be meant


@dataclass(frozen=True)
class _Taken:
    url: str
    instance: str
    site: RouteStep


def _by_name(front: FrontConfig, url: str, address: str | None) -> RouteStep | None:
    route = front.route(url, address)
    site = route.step("site")
    return site if route.undecided is None and site is not None and site.by == "name" \
        else None


def _taken(context: SweepContext, front: FrontConfig, address: str | None,
           block: str, but: str | None) -> _Taken | None:
    """The first manifest URL of an instance other than ``but`` that ``block`` takes by name
    at ``address``."""
    for instance in context.manifest.instances.values():
        if instance.name == but:
            continue
        for url in instance.urls:
            site = _by_name(front, url, address)
            if site is not None and site.decision == block:
                return _Taken(url, instance.name, site)
    return None


def _reason(server: Server, taken: _Taken | None) -> str:
    if taken is not None:
        return (f"the block at {server.where} takes {taken.instance}'s {taken.url} "
                f"({taken.site.rule}, {taken.site.source})")
    code = server.returns
    return f"the block at {server.where} refuses" + (
        f" (return {code.code} at {code.where})" if code is not None else "")


def default_pass(context: SweepContext, front: FrontConfig | None, route: PredictedRoute,
                 url: str, address: str | None, expected: str, answered: str | None,
                 at: str) -> DefaultPass | None:
    """None where the name stays the cause (the default block's address is no other
    block's hand-over for ``answered``, or the default block takes another instance's URL
    by name: it is that instance's block)."""
    model = nginx_model(front)
    site, upstream = route.step("site"), route.step("upstream")
    if model is None or front is None or answered is None or answered == expected \
            or site is None or site.by != "default" or upstream is None \
            or upstream.source is None or answered not in context.manifest.instances:
        return None
    server = next((s for s in model.servers if s.describe() == site.decision), None)
    if server is None or _taken(context, front, address, site.decision, expected) is not None:
        return None
    theirs = None
    for other_url in context.manifest.instances[answered].urls:
        other = front.route(other_url, address)
        step, handed = other.step("site"), other.step("upstream")
        if other.undecided is None and step is not None and step.by == "name" \
                and step.decision != site.decision and handed is not None \
                and any(same_listen(at, m) for m in upstreams(other)):
            theirs = (other_url, step, handed)
            break
    if theirs is None:
        return None
    other_url, step, handed = theirs
    host = (urlsplit(url).hostname or "").lower()
    why = (f" That address is {answered}'s: {step.decision} takes {answered}'s own URL "
           f"{other_url} ({step.rule}, {step.source}) and passes it there ({handed.rule}, "
           f"{handed.source}).")
    evidence = [Evidence(EvidenceKind.CONFIGURED, f"{step.rule} ({answered}'s {other_url})",
                         str(step.source)),
                Evidence(EvidenceKind.CONFIGURED, handed.rule, str(handed.source))]
    mine = next((s for u in context.manifest.instances[expected].urls if u != url
                 and (s := _by_name(front, u, address)) is not None
                 and s.decision == site.decision), None)
    from probe.nginx.claims import name_line, on_address

    others = [(s, _taken(context, front, address, s.describe(), expected))
              for s in on_address(model, url, address) if s is not server]
    open_ = [s for s, taken in others if s.returns is None and taken is None]
    line = name_line(server)
    named = (f"add it to the server_name at {line}" if line else
             f"add a server_name line with it to the block at {server.where} (it has none)")
    if mine is not None or not open_:
        meant = (f"its server_name takes {expected}'s own URL ({mine.rule}, {mine.source})"
                 if mine is not None else
                 "no other block listening there could be: " + "; ".join(
                     _reason(s, taken) for s, taken in others) if others else
                 "it is the only block listening there")
        evidence.append(Evidence(EvidenceKind.CONFIGURED, f"{site.rule} (the block meant "
                                 f"for {expected})", str(site.source)))
        return DefaultPass(
            True, why + f" The block that took {host} is the one meant for {expected}: "
                        f"{meant}. So a server_name line would not change where {host} goes: "
                        f"the hand-over is the line to change.",
            f" Then, as {host} reaches that block only as the default server, {named} "
            f"before the default server of this address is made to refuse unknown names.",
            tuple(evidence))
    names = tuple(s.describe() for s in open_)
    return DefaultPass(
        False, why + f" Which block is meant for {expected} the configuration does not say: "
                     f"{site.decision}, which took it, or " + " or ".join(names) + ".",
        f"If {site.decision} is the one meant for {expected}, {named} and change its "
        f"hand-over ({upstream.rule}, {upstream.source}) to {expected}'s address. If "
        + " or ".join(names) + f" is, add {host} to its server_name.",
        tuple(evidence), names)


def sole_block(context: SweepContext, front: FrontConfig | None, url: str,
               address: str | None, expected: str, took: str) -> MeantFor | None:
    """The block meant for ``expected`` where the answers do not show it (none of its URLs
    was answered by it, :func:`.nginx_names.meant_for`): the one block listening there, other
    than ``took`` (the default that took the URL), that neither refuses nor takes another
    instance's URL by name. Several or none: said, with the blocks, instead of a line."""
    model = nginx_model(front)
    if model is None or front is None:
        return None
    from probe.nginx.claims import name_line, on_address, pass_in

    host = (urlsplit(url).hostname or "").lower()
    others = [s for s in on_address(model, url, address) if s.describe() != took]
    open_ = [s for s in others if s.returns is None
             and _taken(context, front, address, s.describe(), expected) is None]
    if len(open_) != 1:
        which = ("; ".join(s.describe() for s in open_) if open_ else
                 f"none listening there does (each other block refuses or takes another "
                 f"instance's URL by name): a block for {host} is to be written")
        return MeantFor(f"Add {host} to the server_name of the block meant for {expected} "
                        f"(the configuration does not single it out: {len(open_)} blocks "
                        f"could be; {which})", ())
    server = open_[0]
    line = name_line(server)
    written = " ".join(n for n, _ in server.names if n)
    handed = pass_in(model, server, url)
    passes = (f"; it would pass {url} with {handed.step.rule} ({handed.step.source})"
              if handed is not None and handed.step.source is not None else "")
    where = (f"Add {host} to the server_name at {line} (now 'server_name {written}')" if line
             else f"Add a server_name line with {host} to the block at {server.where} (it "
                  f"has none)")
    evidence = [Evidence(EvidenceKind.CONFIGURED, f"{server.describe()} (the block meant for "
                                                  f"{expected})", line or server.where)]
    if handed is not None and handed.step.source is not None:
        evidence.append(Evidence(EvidenceKind.CONFIGURED, handed.step.rule,
                                 str(handed.step.source)))
    return MeantFor(f"{where}, the block meant for {expected}: the only block listening on "
                    f"{address or 'this address'}, other than the one that took it, that "
                    f"neither refuses nor takes another instance's URL by name{passes}",
                    tuple(evidence), line)
