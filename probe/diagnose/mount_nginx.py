"""A mount fix's nginx words: the location to change as the configuration read writes it
(its line), the ``rewrite ... break`` that strips the prefix where one does, and the lines to
add there, per request where one location passes several instances (:mod:`.mount_location`),
with the proxy_set_header lines a location's first one stops inheriting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from probe.diagnose.mount_location import MountPlace
from probe.diagnose.mount_servers import server_way
from probe.endpoint_answer import EndpointAnswer

if TYPE_CHECKING:
    from probe.front import PredictedRoute, RouteStep, Source


def route_step(route: PredictedRoute | None, stage: str) -> RouteStep | None:
    """A step of the route, when the configuration read decides the route: where an
    include that was not read may change it, no step of it is stated."""
    return route.step(stage) if route is not None and route.undecided is None else None


def location_words(route: PredictedRoute | None) -> list[str] | None:
    """The location the configuration read sends the URL to, as written, split."""
    step = route_step(route, "mapping")
    if step is None or step.source is None or not step.decision.startswith("location "):
        return None
    return step.decision.split()


def rewrite_strip(route: PredictedRoute | None) -> tuple[str, Source] | None:
    """The ``rewrite`` line (as written, and its line) that makes the path the application
    receives (:func:`probe.nginx.passes.mount_step`), where one does; where the route has no
    mount step (a proxy_pass whose target a request decides), its last step when that is a
    ``rewrite ... break`` (the path it makes is the one passed on)."""
    mount = route_step(route, "mount")
    if route is None or route.undecided is not None:
        return None
    if mount is None:
        last = [s for s in route.steps if s.stage == "mapping"][-1:]
        found = last[0] if last and last[0].decision.startswith("rewrite to ") \
            and last[0].source is not None and " break at " in last[0].rule else None
        source = found.source if found is not None else None
    else:
        source = mount.source
        found = next((s for s in route.steps if s.stage == "mapping" and s.source == source
                      and s.decision.startswith("rewrite to ")), None)
    if found is None or source is None:
        return None
    return found.rule.split(f" at {source}", 1)[0], source


def where_nginx(mount: str, route: PredictedRoute | None, *, slash: bool = True) -> str:
    """The location to change: as written in the configuration read, with its line (nginx's
    ``/wiki`` and ``/wiki/`` are two locations that pass different paths); else the prefix
    it proxies, said to be unread. ``slash``: say what a URI part '/' does to a location
    written without its slash (not where a rewrite, not proxy_pass, strips the prefix)."""
    if route is not None and route.undecided is not None:
        return (f"in the nginx location that proxies {mount}/ (the configuration given does "
                f"not decide which: see above)")
    words, step = location_words(route), route_step(route, "mapping")
    if words is not None and step is not None:
        pattern = words[-1]
        note = (f"; written without the trailing slash, a URI part '/' makes nginx pass "
                f"{pattern}/x on as //x: write it 'location {pattern}/'"
                if slash and len(words) == 2 and not pattern.endswith("/") else "")
        return f"in the nginx '{step.decision}' ({step.source}{note})"
    return (f"in the nginx location that proxies {mount}/ (not read here: 'nginx -T' shows "
            f"it, probe sweep --config names its line)")


def header_line(place: MountPlace | None, name: str, mount: str) -> str:
    return place.header(name, mount) if place is not None else \
        f"proxy_set_header {name} {mount};"


def split_first(mount: str, place: MountPlace | None, where: str) -> tuple[str, str]:
    """The fix's opening and the location it names: where no capture gives each URL of a
    shared location its mount, a location of the mount's own first, then 'in it'."""
    if place is not None and place.neighbours and place.value is None:
        return f"{place.split(mount)} Tell the application its mount: ", "in that location"
    return "Tell the application its mount: ", where


def nginx_way(answer: EndpointAnswer | None, mount: str, shared: str, place: MountPlace | None,
         rewrite: Source | None = None) -> str:
    """The server's own way, then the lines a location's first proxy_set_header drops."""
    value = (place.value or "") if place is not None else ""
    return (server_way(answer, mount, True, shared, rewrite, value)
            + (place.carried() if place is not None else ""))


def rewrite_fix(mount: str, route: PredictedRoute | None, rewrite: tuple[str, Source],
                 answer: EndpointAnswer | None, django: str, shared: str,
                 place: MountPlace | None) -> str:
    """A ``rewrite ... break`` strips the prefix: kept with the header, or removed with the
    server's own way (the whole path then reaches every URL of that location)."""
    line, at = rewrite
    first, where = split_first(mount, place, where_nginx(mount, route, slash=False))
    others = place.neighbours if place is not None and place.value is not None else ()
    whole = (f"{mount}/..." if not others else
             f"{mount}/... here and " + ", ".join(f"{n.mount}/... to {n.instance}"
                                                  for n in others)
             + ", whose servers then need their own way too")
    return (f"{first}{where} keep '{line};' ({at}) stripping the prefix, add "
            f"'{header_line(place, 'X-Forwarded-Prefix', mount)}'"
            f"{place.one_line(mount) if place is not None else ''}, and {django}; or remove "
            f"that rewrite (nginx then passes the whole path, {whole}) and have the "
            f"application server set SCRIPT_NAME {mount}."
            f"{nginx_way(answer, mount, shared, place, at)}{shared}")
