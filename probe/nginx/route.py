"""The route nginx takes for one URL at one address (:class:`probe.front.FrontConfig`):
the server block, the location, the ``proxy_pass`` target, the path and the ``Host`` the
application then receives; each step with the ``file:line`` that decides it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.front import FrontKind, Member, PredictedRoute, RouteStep, Shadowed
from probe.nginx.flow import IfTaken, Vars, apply_sets, first_if
from probe.nginx.flow import names as flow_names
from probe.nginx.host_step import host_step
from probe.nginx.model import APP_PASSES, Location, NginxModel, ProxyPass, Server, parse_proxy_pass
from probe.nginx.passes import AT_REQUEST_TIME, Pass, pass_of, shadowed, source
from probe.nginx.rewrites import TryFiles
from probe.nginx.select import choose_location, choose_server, normal_host
from probe.nginx.unread import for_location, said
from probe.nginx.unread import for_site as unread_for_site
from probe.nginx.variables import resolve

PASSES = (*APP_PASSES, "grpc_pass")
_MAX_REDIRECTS = 4  # try_files fallbacks followed; nginx stops at 10 internal redirects


def _walk(locations: list[Location]) -> Iterator[Location]:
    for loc in locations:
        yield loc
        yield from _walk(loc.locations)


def sent_path(location: Location, proxy: ProxyPass, path: str) -> str:
    """The path the application receives: with a URI part in proxy_pass, the matched prefix
    is replaced by it; without one, the request's own path (also for a regular expression
    location, where nginx cannot tell what to replace)."""
    if proxy.uri is None or proxy.has_variables or location.modifier not in ("", "^~", "="):
        return path
    return proxy.uri + path[len(location.pattern):]


@dataclass
class _Trip:
    """One request on its way through a server block: the steps so far, the variables,
    what the route depends on that the lines read do not decide."""

    base: PredictedRoute
    server: Server
    steps: list[RouteStep]
    vars: Vars
    undecided: str | None = None
    shadow: Shadowed | None = None
    via: str | None = None  # the try_files that led to the location passing, and its assumption

    def end(self, *, refused: bool = False, upstream: str | None = None,
            host_sent: str | None = None, members: tuple[Member, ...] = ()) -> PredictedRoute:
        return PredictedRoute(FrontKind.NGINX, self.base.url, self.base.address,
                              tuple(self.steps), refused=refused,
                              site=self.server.describe(), upstream=upstream,
                              host_sent=host_sent, undecided=self.undecided, members=members,
                              shadowed=self.shadow)


@dataclass(frozen=True)
class NginxConfig:
    """An nginx configuration, read and modelled (:func:`probe.nginx.load_nginx`)."""

    model: NginxModel

    @property
    def front(self) -> FrontKind:
        return FrontKind.NGINX

    @property
    def files(self) -> Sequence[str]:
        return self.model.text.files

    @property
    def include_dirs(self) -> Sequence[str]:
        return self.model.text.include_dirs

    def route(self, url: str, address: str | None) -> PredictedRoute:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host, _, at_port = (address or "").rpartition(":")
        if not address or not at_port.isdigit():
            host, at_port = parts.hostname or "", str(port)
        choice = choose_server(self.model.servers, host, int(at_port), parts.netloc)
        steps = [RouteStep("site", choice.server.describe() if choice.server else "none",
                           choice.rule, source(choice.where), choice.by)]
        base = PredictedRoute(FrontKind.NGINX, url, address, tuple(steps))
        unread = unread_for_site(self.model, choice.server, "matched exactly" in choice.rule)
        if choice.server is None:
            route = PredictedRoute(FrontKind.NGINX, url, address, tuple(steps), refused=True)
        else:
            route = self._in_server(base, choice.server, parts.path or "/",
                                    normal_host(parts.netloc), parts.netloc)
            unread = unread or self._location_unread(choice.server, route)
        # the steps stay (what the lines read say); undecided: what they do not decide
        return route if unread is None else dataclasses.replace(
            route, undecided=said(self.model, unread))

    @staticmethod
    def _location_unread(server: Server, route: PredictedRoute) -> str | None:
        if server.returns is not None:
            return None  # a return at server level runs before any location is chosen
        step = route.step("mapping")
        chosen = next((loc for loc in _walk(server.locations)
                       if step is not None and loc.where == str(step.source)), None)
        if server.unread:
            return server.unread[0]
        return None if chosen is None else for_location(server, chosen)

    def _in_server(self, base: PredictedRoute, server: Server, path: str, url_host: str,
                   netloc: str) -> PredictedRoute:
        known = self._known(base.url, server, path, url_host, netloc)
        trip = _Trip(base, server, list(base.steps), apply_sets(
            server.phase.sets, server.phase.ifs, self.model.maps, Vars(known)))
        taken = first_if(server.phase.ifs, trip.vars)
        if taken is not None and self._take_if(trip, taken, None)[0]:
            return trip.end(refused=True)
        if server.returns is not None:
            trip.steps.append(RouteStep("mapping", f"return {server.returns.code}",
                                        "the server block returns before any location",
                                        source(server.returns.where)))
            return trip.end(refused=True)
        choice = choose_location(server, path)
        if choice.location is None:
            trip.steps.append(RouteStep("mapping", "no location", choice.rule,
                                        source(server.where)))
            return trip.end(refused=True)
        loc = choice.location
        trip.steps.append(RouteStep("mapping", loc.describe() if not choice.redirect
                                    else f"301 to {choice.redirect}", choice.rule,
                                    source(loc.where)))
        if choice.redirect is not None:
            return trip.end()
        trip.shadow = shadowed(self.model, choice.shadowed, known)
        return self._in_location(trip, loc, path)

    @staticmethod
    def _take_if(trip: _Trip, taken: IfTaken,
                 loc: Location | None) -> tuple[bool, Location | None]:
        """An ``if`` that holds, or may: (True, None) when its return ends the route (the
        step added); (False, a copy of ``loc`` with its *_pass) when that takes the request;
        else (False, None): the route goes on, saying what it depends on."""
        said = taken.said(trip.vars)
        if not taken.holds:
            trip.undecided = trip.undecided or said
            return False, None
        routing = taken.block.routing
        ret = next((d for d in routing if d.name == "return" and d.args), None)
        if ret is not None:
            trip.steps.append(RouteStep("mapping", f"return {' '.join(ret.args)}", said,
                                        source(ret.where)))
            return True, None
        rewrite = next((d for d in routing if d.name == "rewrite"), None)
        passing = next((d for d in routing if d.name in ("proxy_pass", *PASSES) and d.args),
                       None)
        if rewrite is not None:
            trip.undecided = trip.undecided or (
                f"{said}, and rewrite {' '.join(rewrite.args)} at {rewrite.where} in it "
                f"changes the URI, which the route does not follow")
        elif passing is not None and loc is not None:
            trip.steps.append(RouteStep("mapping", taken.block.written(),
                                        f"{said}: its {passing.name} takes the request",
                                        source(taken.block.where)))
            return False, dataclasses.replace(
                loc, proxy_pass=parse_proxy_pass(passing.args[0], passing.where)
                if passing.name == "proxy_pass" else None,
                other_pass=None if passing.name == "proxy_pass" else passing)
        return False, None

    def _in_location(self, trip: _Trip, loc: Location, path: str,
                     depth: int = 0) -> PredictedRoute:
        trip.vars = apply_sets(loc.phase.sets, loc.phase.ifs, self.model.maps, trip.vars)
        taken = first_if(loc.phase.ifs, trip.vars)
        ended, changed = self._take_if(trip, taken, loc) if taken is not None else (False, None)
        if ended:
            return trip.end(refused=True)
        loc = changed or loc
        if loc.returns is not None:
            trip.steps.append(RouteStep("mapping", f"return {loc.returns.code}",
                                        "the location returns", source(loc.returns.where)))
            return trip.end(refused=True)
        if loc.phase.try_files is not None and changed is None and depth < _MAX_REDIRECTS:
            return self._try_files(trip, loc, loc.phase.try_files, path, depth)
        handed = self._pass(trip, loc)
        if handed is None:
            return trip.end()
        # the hand-over step is the one a diagnosis quotes: it carries the assumption too
        trip.steps.append(handed.step if trip.via is None else dataclasses.replace(
            handed.step, rule=f"{handed.step.rule} (in {loc.describe()}, reached by "
                              f"{trip.via})"))
        proxy = handed.proxy
        if proxy is None:
            # uwsgi_pass: its mount and host steps (probe.nginx.uwsgi_steps); fastcgi_pass
            # and the others, and a proxy_pass decided at request time, have none
            trip.steps.extend(handed.after)
            return trip.end(upstream=handed.upstream, host_sent=handed.host,
                            members=handed.members)
        sent = sent_path(loc, proxy, path)
        trip.steps.append(RouteStep("mount", sent, "proxy_pass with a URI part replaces "
                                    f"{loc.pattern} by {proxy.uri}" if proxy.uri is not None
                                    and sent != path else "the request's path, unchanged",
                                    source(proxy.where)))
        step, sent_host = host_step(loc, proxy, self.model.maps, trip.vars)
        trip.steps.append(step)
        return trip.end(upstream=handed.upstream, host_sent=sent_host, members=handed.members)

    def _try_files(self, trip: _Trip, loc: Location, tried: TryFiles, path: str,
                   depth: int) -> PredictedRoute:
        """No file is read here: the route is the one taken when none of the files exists,
        said with the try_files line."""
        files = " ".join(tried.files)
        assumed = (f"try_files {files} {tried.fallback} at {tried.where}: the route assumes "
                   f"no file exists for {files} under the root (files on disk are not read "
                   f"here); nginx then goes to {tried.fallback}")
        fallback = tried.fallback
        if fallback.startswith("="):
            trip.steps.append(RouteStep("mapping", f"try_files {fallback}", assumed,
                                        source(tried.where)))
            return trip.end(refused=True)
        if fallback.startswith("@"):
            named = trip.server.named(fallback)
            if named is None:
                trip.steps.append(RouteStep("mapping", "no location", f"{assumed}, which no "
                                            f"location of the server block is named",
                                            source(tried.where)))
                return trip.end(refused=True)
            trip.steps.append(RouteStep("mapping", named.describe(), assumed,
                                        source(named.where)))
            trip.via = (f"try_files {files} {fallback} at {tried.where} when no file exists "
                        f"for {files} under the root: assumed, files on disk are not read")
            return self._in_location(trip, named, path, depth + 1)
        uri = resolve(fallback, self.model.maps, trip.vars.known).value
        choice = choose_location(trip.server, (uri or "").partition("?")[0])
        if uri is None or choice.location is None or choice.redirect is not None:
            trip.undecided = trip.undecided or f"{assumed}, a URI the route does not follow"
            return trip.end()
        new = uri.partition("?")[0]
        trip.steps.append(RouteStep("mapping", choice.location.describe(),
                                    f"{assumed}, an internal redirect to {new}: {choice.rule}",
                                    source(choice.location.where)))
        trip.vars.known["$uri"] = new
        trip.via = (f"try_files {files} {fallback} at {tried.where} when no file exists for "
                    f"{files} under the root (assumed: files on disk are not read), an "
                    f"internal redirect to {new}")
        return self._in_location(trip, choice.location, new, depth + 1)

    def _pass(self, trip: _Trip, loc: Location) -> Pass | None:
        """The hand-over, with the set lines that gave its variables named; a variable a
        set line leaves to the request says so with that line."""
        if loc.proxy_pass is not None:
            name, written, where = "proxy_pass", loc.proxy_pass.url, loc.proxy_pass.where
        elif loc.other_pass is not None and loc.other_pass.args:
            name, written, where = loc.other_pass.name, loc.other_pass.args[0], \
                loc.other_pass.where
        else:
            return None
        used = flow_names(written)
        why = [trip.vars.unknown[n] for n in used if n in trip.vars.unknown]
        if why:
            return Pass(RouteStep("upstream", AT_REQUEST_TIME,
                                  f"{name} {written} (where it goes is decided at request "
                                  f"time: {'; '.join(why)})", source(where)), None, (), None)
        handed = pass_of(self.model, loc, trip.vars.known)
        given = [trip.vars.by_set[n] for n in used if n in trip.vars.by_set]
        if handed is None or not given:
            return handed
        return dataclasses.replace(handed, step=dataclasses.replace(
            handed.step, rule=f"{handed.step.rule} ({'; '.join(given)})"))

    @staticmethod
    def _known(url: str, server: Server, path: str, url_host: str,
               netloc: str) -> dict[str, str]:
        """The variables a map may look up whose value the URL gives."""
        name = next((n for n, _ in server.names if n and not n.startswith("~")), "")
        query = urlsplit(url).query
        return {"$host": url_host, "$http_host": netloc, "$server_name": name,
                "$scheme": urlsplit(url).scheme, "$request_uri": path, "$uri": path,
                "$args": query, "$query_string": query, "$is_args": "?" if query else ""}
