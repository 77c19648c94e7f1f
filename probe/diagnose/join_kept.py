"""What a name line that shadows another site also does for the URLs that work: before the
configuration join says "stop claiming that name", it looks at the URLs of the sweep that
their own instance answered and reach the same VirtualHost (Apache). One that reaches it only
through that line (a ``ServerAlias *`` that also gives ``ckan.example.org`` to the CKAN site)
would go to another VirtualHost once the line is narrowed; one that reaches it at all means
the VirtualHost is no forgotten copy to remove.

A tester removed a wildcard as told and broke an ``ok`` URL; the nginx side says the same of
a default server in :mod:`probe.diagnose.nginx_names`.

A server-wide ``WSGIProcessGroup`` is such a line too: renaming it for the URL it sends to the
wrong daemon moves every other mount of its VirtualHost (:func:`group_kept`); the per-mount
``process-group=`` is then the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.apache.route import ApacheRoutes
from probe.diagnose.identify import SweepContext
from probe.front import FrontConfig, PredictedRoute, RouteStep


@dataclass(frozen=True)
class Kept:
    """The working URLs of the sweep the shadowing VirtualHost serves."""

    through: tuple[tuple[str, RouteStep | None], ...]
    """(url, the site that would take it were the line gone) for each URL that reaches the
    VirtualHost only through the line."""
    served: bool  # some working URL reaches the VirtualHost at all

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((urlsplit(u).hostname or "").lower()
                                   for u, _ in self.through))


def kept(context: SweepContext, front: FrontConfig, route: PredictedRoute,
         line: RouteStep) -> Kept | None:
    """What narrowing ``line`` (the name line that took ``route``) would do to the URLs its
    own instance answered; None where the front cannot say (not Apache's model)."""
    if not isinstance(front, ApacheRoutes) or line.source is None:
        return None
    through: list[tuple[str, RouteStep | None]] = []
    served = False
    for url, address, _ in context.own_answered:
        other = front.route(url, address)
        site = other.step("site")
        if other.undecided is not None or site is None or site.decision != route.site:
            continue
        served = True
        if site.source == line.source:
            through.append((url, front.without_line(url, address, line.source)))
    return Kept(tuple(through), served)


def words(found: Kept, site: str) -> str:
    """The sentence before the rest of the fix: which URLs the line keeps, and where they
    would go without it."""
    if not found.through:
        return ""
    urls = ", ".join(u for u, _ in found.through)
    nexts = {str(n.source): n for _, n in found.through if n is not None}
    elsewhere = "; ".join(n.decision if where in n.decision else f"{n.decision} ({where})"
                          for where, n in nexts.items())
    one = len(found.through) == 1
    went = (f" Without that line {elsewhere} would take {'it' if one else 'them'}."
            if elsewhere and site not in {n.decision for n in nexts.values()} else "")
    return (f"{urls} ({'answered' if one else 'each answered'} by its own instance in this "
            f"sweep) reach{'es' if one else ''} {site} only through that line.{went}")


@dataclass(frozen=True)
class GroupKept:
    """A URL of the sweep its own (other) instance answered whose route takes its daemon
    process group from the same server-wide ``WSGIProcessGroup`` line."""

    url: str
    instance: str
    mount: RouteStep | None  # its mount line, as its route names it


def group_kept(context: SweepContext, front: FrontConfig, route: PredictedRoute,
               line: RouteStep, expected: str) -> tuple[GroupKept, ...]:
    """The working URLs of other instances that renaming the group at ``line`` would move
    into another daemon: a tester renamed a VirtualHost's WSGIProcessGroup as told and
    both of its URLs answered 500."""
    if not isinstance(front, ApacheRoutes) or line.source is None:
        return ()
    found: list[GroupKept] = []
    for url, address, instance in context.own_answered:
        if instance == expected or url == route.url:
            continue
        other = front.route(url, address)
        chosen = other.step("process_group")
        if other.undecided is None and chosen is not None and chosen.source == line.source:
            found.append(GroupKept(url, instance, other.step("mount")))
    return tuple(found)


def group_words(found: Sequence[GroupKept]) -> str:
    """Which working URLs the line serves, each with its mount line."""
    return "; ".join(
        f"{k.url} (answered by {k.instance} in this sweep"
        + (f", through {k.mount.rule.split(' is the first')[0]} at {k.mount.source}"
           if k.mount is not None and k.mount.source is not None else "") + ")"
        for k in found)
