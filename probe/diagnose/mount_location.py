"""The nginx location a mount fix writes into, as the configuration given has it (--config):
which other instances' URLs of the sweep the same location passes, and which proxy_set_header
lines of the levels above it stops inheriting once it has one of its own.

T34's d-locations: ``location ~ ^/(?<app>shop|blog)`` passes both shop and blog. Told
'proxy_set_header X-Forwarded-Prefix /shop;' for one URL and '... /blog;' for the other, the
tester wrote both lines into that location and both applications received "/shop,/blog"
(nginx sends every line); and the location's first proxy_set_header stopped the server
level's 'proxy_set_header Host $host;' from reaching it (nginx inherits proxy_set_header only
into a level that has none of its own): both received Host localhost. So a location several
instances reach gets one line whose value each request makes (a named capture of the
location's expression that gives each URL its own mount), or the fix says to give the mount a
location of its own; and a location without lines of its own gets the ones in force from
above copied in, each named with its file:line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from probe.diagnose.identify import SweepContext
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import ANY_INSTANCE
from probe.model import Observation

if TYPE_CHECKING:
    from collections.abc import Callable

    from probe.front import PredictedRoute
    from probe.nginx.model import Header, Location, NginxModel


NginxRead = tuple["NginxModel | None", "Callable[[Observation], PredictedRoute | None] | None"]
"""nginx's model read and any URL's route in it, for :func:`mount_place`."""


@dataclass(frozen=True)
class Neighbour:
    """Another instance's URL of the sweep that the configuration passes through the same
    location, and the mount the location's capture gives it ('' where none does)."""

    url: str
    instance: str
    mount: str


@dataclass(frozen=True)
class MountPlace:
    """The location a mount's fix writes into (``where``: its file:line)."""

    location: str  # as written: location ~ ^/(?<app>shop|blog)
    where: str
    neighbours: tuple[Neighbour, ...]
    value: str | None  # '/$app': one value for every URL of the location; None: none found
    inherited: tuple[Header, ...]  # in force from above, lost at the location's first line
    unread: str | None  # an include not read where the lines in force come from

    def header(self, name: str, mount: str) -> str:
        """The line to write for header ``name`` (X-Forwarded-Prefix, SCRIPT_NAME)."""
        return f"proxy_set_header {name} {self.value or mount};"

    def one_line(self, mount: str) -> str:
        """Why the value is per request, said after the line; empty for a location of one
        instance."""
        if not self.neighbours:
            return ""
        them = ", ".join(f"{n.url} ({n.instance})" for n in self.neighbours)
        name = (self.value or "").rpartition("$")[2]
        return (f" (one line for every URL of that location, which passes {them} too: "
                f"${name} is the named capture of its expression, {mount} for this URL, "
                + ", ".join(f"{n.mount} for {n.url}" for n in self.neighbours)
                + "; a constant line per URL would send each of them every value)")

    def split(self, mount: str) -> str:
        """The fix's first words where no capture gives each URL its mount."""
        them = ", ".join(f"{n.url} ({n.instance})" for n in self.neighbours)
        return (f"The nginx '{self.location}' ({self.where}) also passes {them}: a line "
                f"written there reaches those too, and no named capture of its expression "
                f"gives each URL its own mount. Give {mount}/ a location of its own first, "
                f"'location ^~ {mount}/' (a ^~ prefix, longer than any other that matches, "
                f"takes it before every regular expression) with the lines of "
                f"'{self.location}' copied into it, and write the lines below there.")

    def carried(self) -> str:
        """The lines in force from above that a first proxy_set_header here drops."""
        if self.unread is not None:
            return (f" Which proxy_set_header lines reach '{self.location}' from above is "
                    f"not known: an include that was not read ({self.unread}) may hold some; "
                    f"'nginx -T' shows them. A location with a proxy_set_header of its own "
                    f"inherits none from above: copy them into it with the new line.")
        if not self.inherited:
            return ""
        lines = ", ".join(f"'proxy_set_header {h.name} {h.value};' ({h.where})"
                          for h in self.inherited)
        return (f" The new line is the first proxy_set_header of '{self.location}', and a "
                f"location with one of its own inherits none from above: copy {lines} into it "
                f"too.")


def _location(route: PredictedRoute | None, model: NginxModel) -> Location | None:
    if route is None or route.undecided is not None:
        return None
    step = next((s for s in route.steps if s.stage == "mapping"
                 and s.decision.startswith("location ")), None)
    if step is None:
        return None
    from probe.nginx.select import location_at  # nginx's model: with its config only

    return location_at(model, step.source)


def _captured(location: Location, path: str) -> dict[str, tuple[str, str]]:
    """Each named capture of a regular-expression location: (the path before it, the path
    up to its end) for ``path``."""
    from probe.nginx.text import pcre  # nginx's modules only where a fix is written

    regex = pcre(location.pattern, location.modifier == "~*") if location.is_regex else None
    found = regex.search(path) if regex is not None else None
    if regex is None or found is None:
        return {}
    return {name: (path[:found.start(name)], path[:found.end(name)])
            for name in regex.groupindex if found.start(name) >= 0}


def _path(obs: Observation, context: SweepContext) -> str:
    return urlsplit(obs.target.probe_url(context.manifest.probe.segment)).path


def own_answer(context: SweepContext, obs: Observation, answer: EndpointAnswer) -> bool:
    """Whether ``answer`` comes from the instance ``obs`` expects: a URL another instance
    answered shows where the front sends it wrongly, not where its own application is
    mounted (T34: /shop-admin/, taken by shop's location, was cited as shop's other mount)."""
    expected = obs.target.expected
    if expected is None:
        return False
    return expected == ANY_INSTANCE or context.identify(answer, expected) == expected


def _answered_right(context: SweepContext, obs: Observation) -> bool:
    answers = [a for s in obs.samples if (a := s.trusted_answer) is not None]
    return bool(answers) and all(own_answer(context, obs, a) for a in answers)


def _passed(context: SweepContext, model: NginxModel,
            routes: Callable[[Observation], PredictedRoute | None]) -> dict[int, list[Observation]]:
    """The URLs of the sweep their own instance answered, by the location the configuration
    passes them through (its id), routed once per sweep and only when a fix asks."""
    key = ("mount_location_passed", "")
    if key not in context.memo:
        by: dict[int, list[Observation]] = {}
        for obs in context.observations:
            location = _location(routes(obs), model) if _answered_right(context, obs) else None
            if location is not None:
                by.setdefault(id(location), []).append(obs)
        context.memo[key] = by
    return cast("dict[int, list[Observation]]", context.memo[key])


def mount_place(obs: Observation, mount: str, route: PredictedRoute | None,
                context: SweepContext, model: NginxModel | None,
                routes: Callable[[Observation], PredictedRoute | None] | None) -> MountPlace | None:
    """The location the configuration given passes ``obs`` through, with the other instances'
    URLs it passes too and the lines it inherits; None where no location is read."""
    location = _location(route, model) if model is not None else None
    if location is None or model is None:
        return None
    passed = _passed(context, model, routes).get(id(location), []) if routes is not None \
        else []
    others = [o for o in passed if o.target.url != obs.target.url
              and o.target.expected != obs.target.expected]
    own = _captured(location, _path(obs, context))
    value, neighbours = None, []
    for name, (before, upto) in own.items():
        if upto != mount:
            continue
        theirs = [(o, _captured(location, _path(o, context)).get(name)) for o in others]
        if all(t is not None and t[0] == before for _, t in theirs):
            value = f"{before}${name}"
            neighbours = [Neighbour(o.target.url, str(o.target.expected), t[1])
                          for o, t in theirs if t is not None]
            break
    if value is None:
        neighbours = [Neighbour(o.target.url, str(o.target.expected), "") for o in others]
    headers = location.header_set
    own_lines = headers.source == location.where
    inherited = () if own_lines else tuple(h for h in headers.headers if h.where)
    unread = None if own_lines or headers.unread is None else headers.unread.where
    return MountPlace(location.describe(), location.where, tuple(neighbours),
                      value if neighbours else None, inherited, unread)
