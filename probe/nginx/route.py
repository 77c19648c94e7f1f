"""The route nginx takes for one URL at one address (:class:`probe.front.FrontConfig`):
the server block, the location, the ``proxy_pass`` target, the path and the ``Host`` the
application then receives; each step with the ``file:line`` that decides it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.front import FrontKind, PredictedRoute, RouteStep, TlsSite
from probe.nginx.captures import after_rewrite, location_captures, request_vars
from probe.nginx.error_pages import ErrorPage, for_code
from probe.nginx.fallbacks import Followed, fallbacks
from probe.nginx.flow import Vars
from probe.nginx.flow import names as flow_names
from probe.nginx.host_step import host_step, prefix_step
from probe.nginx.include_order import choose_in_order
from probe.nginx.model import Location, NginxModel, ProxyPass, Server
from probe.nginx.passes import AT_REQUEST_TIME, Pass, mount_step, pass_of, shadowed, source
from probe.nginx.phase_steps import Trip, run_level
from probe.nginx.regex_names import also_named
from probe.nginx.rewrites import TryFiles
from probe.nginx.select import choose_location, normal_host
from probe.nginx.tls_site import tls_site
from probe.nginx.unread import for_location, for_site, said
from probe.nginx.variables import resolve

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
        choice = choose_in_order(self.model, host, int(at_port), parts.netloc)
        steps = [RouteStep("site", choice.server.describe() if choice.server else "none",
                           choice.rule, source(choice.where), choice.by)]
        base = PredictedRoute(FrontKind.NGINX, url, address, tuple(steps))
        unread = for_site(self.model, choice.server, "matched exactly" in choice.rule)
        if choice.server is None:
            route = PredictedRoute(FrontKind.NGINX, url, address, tuple(steps), refused=True)
        else:
            route = self._in_server(base, choice.server, parts.path or "/", request_vars(
                url, choice.server, parts.path or "/", normal_host(parts.netloc),
                parts.netloc, choice.where))
            unread = unread or self._location_unread(choice.server, route)
            route = dataclasses.replace(route, also_named=also_named(
                choice.also, lambda s, where: self._in_server(base, s, parts.path or "/", (
                    request_vars(url, s, parts.path or "/", normal_host(parts.netloc),
                                 parts.netloc, where)))))
        # the steps stay (what the lines read say); undecided: what they do not decide
        return route if unread is None else dataclasses.replace(
            route, undecided=said(self.model, unread))

    def tls_site(self, url: str, address: str | None) -> TlsSite | None:
        """The block the handshake for ``url`` at ``address`` reaches, :mod:`.tls_site`."""
        return tls_site(self.model, url, address)

    @staticmethod
    def _location_unread(server: Server, route: PredictedRoute) -> str | None:
        if server.returns is not None:
            return None  # a return at server level runs before any location is chosen
        if server.unread:
            return server.unread[0]
        # every location the route went through (try_files, rewrite: more than one)
        places = {str(s.source) for s in route.steps if s.stage == "mapping"}
        return next((found for loc in _walk(server.locations) if loc.where in places
                     and (found := for_location(server, loc)) is not None), None)

    def _in_server(self, base: PredictedRoute, server: Server, path: str,
                   vars_: Vars) -> PredictedRoute:
        trip = Trip(base, server, list(base.steps), vars_)
        # the server block's rewrite lines, before any location is chosen
        run = run_level(trip, server.phase.ops, path, None, self.model.maps)
        if run.ended:
            return trip.end(refused=True)
        path = run.uri
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
        trip.shadow = shadowed(self.model, choice.shadowed, vars_.known)
        location_captures(loc, path).into(vars_)
        return self._in_location(trip, loc, path)

    def _in_location(self, trip: Trip, loc: Location, path: str,
                     depth: int = 0) -> PredictedRoute:
        run = run_level(trip, loc.phase.ops, path, loc, self.model.maps)
        if run.ended:
            return trip.end(refused=True)
        if run.rewritten and run.flag != "break" and depth < _MAX_REDIRECTS:
            return self._search_again(trip, run.uri, f"the path rewritten to {run.uri}", depth)
        if run.rewritten and trip.rewrote is not None:
            after_rewrite(trip.vars, trip.rewrote)
        # an if that holds: the request has its configuration (its *_pass, no try_files)
        loc = run.inside or loc
        broke = loc.proxy_pass if run.rewritten else None
        if broke is not None:
            # after "rewrite ... break" nginx passes the whole new URI, whatever proxy_pass says
            loc = dataclasses.replace(loc, proxy_pass=dataclasses.replace(broke, uri=None))
        path = run.uri
        if loc.phase.try_files is not None and depth < _MAX_REDIRECTS:
            return self._try_files(trip, loc, loc.phase.try_files, path, depth)
        handed = self._pass(trip, loc)
        if handed is None:
            # nginx's static module: a file under the root, or 404 (files are not read here),
            # which an error_page may hand on (once: recursive_error_pages is off by default)
            page = for_code(loc.error_pages, 404)
            if page is None or (trip.via or "").startswith("error_page") \
                    or depth >= _MAX_REDIRECTS:
                return trip.end()
            return self._error_page(trip, loc, page, path, depth)
        trip.passing = loc
        # the hand-over step is the one a diagnosis quotes: it carries the assumption too
        trip.steps.append(handed.step if trip.via is None else dataclasses.replace(
            handed.step, rule=f"{handed.step.rule} (in {loc.describe()}, reached by "
                              f"{trip.via})"))
        proxy = handed.proxy
        failing = () if trip.following else fallbacks(
            self.model, trip.server, loc, trip.vars.known,
            lambda found, uri, page: self._follow(trip, found, uri, page))
        if proxy is None:
            # uwsgi_pass: its mount and host steps (probe.nginx.uwsgi_steps); fastcgi_pass
            # and the others, and a proxy_pass decided at request time, have none
            trip.steps.extend(handed.after)
            return trip.end(upstream=handed.upstream, host_sent=handed.host,
                            members=handed.members, fallbacks=failing, variables=handed.chosen)
        sent = sent_path(loc, proxy, path)
        trip.steps.append(mount_step(loc, proxy, path, sent, trip.rewrote, broke))
        step, sent_host = host_step(loc, proxy, self.model.maps, trip.vars)
        trip.steps.append(step)
        trip.steps.extend(s for s in (prefix_step(loc),) if s is not None)
        return trip.end(upstream=handed.upstream, host_sent=sent_host, members=handed.members,
                        fallbacks=failing, variables=handed.chosen)

    def _try_files(self, trip: Trip, loc: Location, tried: TryFiles, path: str,
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
        if uri is None:
            trip.undecided = trip.undecided or f"{assumed}, a URI the route does not follow"
            return trip.end()
        new = uri.partition("?")[0]
        if choose_location(trip.server, new).location is loc:
            # back to this location: nginx would loop (500), so the fallback is a file here
            trip.steps.append(RouteStep("mapping", f"file {new}", f"{assumed}, which this "
                                        f"location serves itself: a file under the root",
                                        source(tried.where)))
            return trip.end()
        trip.via = (f"try_files {files} {fallback} at {tried.where} when no file exists for "
                    f"{files} under the root (assumed: files on disk are not read), an "
                    f"internal redirect to {new}")
        return self._search_again(trip, new, f"{assumed}, an internal redirect to {new}",
                                  depth)

    def _error_page(self, trip: Trip, loc: Location, page: ErrorPage, path: str,
                    depth: int) -> PredictedRoute:
        """A location serving files, none read here: the route is the one taken when the
        file is missing and nginx's 404 goes where the error_page line says."""
        assumed = (f"{page.written()} at {page.where}: the route assumes no file exists for "
                   f"{path} under the root of {loc.describe()} (files on disk are not read "
                   f"here); nginx's 404 then goes to {page.target}")
        trip.via = (f"{page.written()} at {page.where} when no file exists for {path} under "
                    f"the root: assumed, files on disk are not read")
        if page.redirect:
            # a URL: nginx answers the redirect itself, no location takes the request
            trip.steps.append(RouteStep("mapping", page.status(404), assumed,
                                        source(page.where)))
            return trip.end()
        if not page.target.startswith("@"):
            uri = resolve(page.target, self.model.maps, trip.vars.known).value
            if uri is None:
                trip.undecided = trip.undecided or f"{assumed}, a URI the route does not follow"
                return trip.end()
            new = uri.partition("?")[0]
            return self._search_again(trip, new, f"{assumed}, an internal redirect to {new}",
                                      depth)
        named = trip.server.named(page.target)
        trip.steps.append(RouteStep("mapping", named.describe() if named else "no location",
                                    assumed if named else f"{assumed}, which no location of "
                                    f"the server block is named", source(
                                        named.where if named else page.where)))
        if named is None:
            return trip.end(refused=True)
        return self._in_location(trip, named, path, depth + 1)

    def _follow(self, trip: Trip, found: Location, uri: str, page: str) -> Followed:
        """An error_page's target location walked through its own rewrite and try_files
        lines, as nginx goes on there; its own error_page lines are not followed."""
        known = trip.vars.copy()
        known.known["$uri"] = uri
        again = Trip(trip.base, trip.server, [RouteStep("mapping", found.describe(), page,
                                                        source(found.where))], known,
                     via=page, following=True)
        return Followed(self._in_location(again, found, uri, 1), again.passing)

    def _search_again(self, trip: Trip, path: str, why: str, depth: int) -> PredictedRoute:
        """An internal redirect (a rewritten path, a try_files URI): the location searched
        again with the new path, which the application then receives."""
        choice = choose_location(trip.server, path)
        trip.vars.known["$uri"] = path
        if choice.location is None or choice.redirect is not None:
            trip.steps.append(RouteStep("mapping", "no location" if choice.location is None
                                        else f"301 to {choice.redirect}", f"{why}: "
                                        f"{choice.rule}", source(trip.server.where)))
            return trip.end(refused=choice.location is None)
        trip.steps.append(RouteStep("mapping", choice.location.describe(),
                                    f"{why}: {choice.rule}", source(choice.location.where)))
        location_captures(choice.location, path).into(trip.vars)
        return self._in_location(trip, choice.location, path, depth + 1)

    def _pass(self, trip: Trip, loc: Location) -> Pass | None:
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
