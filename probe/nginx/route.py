"""The route nginx takes for one URL at one address (:class:`probe.front.FrontConfig`):
the server block, the location, the ``proxy_pass`` target, the path and the ``Host`` the
application then receives; each step with the ``file:line`` that decides it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from probe.front import FrontKind, PredictedRoute, RouteStep
from probe.nginx.model import Header, Location, NginxModel, ProxyPass, Server
from probe.nginx.passes import pass_of, shadowed, source
from probe.nginx.select import choose_location, choose_server, normal_host
from probe.nginx.unread import for_location, said
from probe.nginx.unread import for_site as unread_for_site


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


def host_sent(headers: tuple[Header, ...], url_host: str, url_netloc: str,
              proxy: ProxyPass) -> str | None:
    """The Host header nginx sends upstream, from the proxy_set_header in force."""
    # proxy_set_header at any level leaves nginx's own default for Host in place
    value = next((h.value for h in headers if h.name.lower() == "host"), "$proxy_host")
    replace = {"$host": url_host, "$http_host": url_netloc,
               "$proxy_host": proxy.target.removesuffix(":80")}
    if value in replace:
        return None if "$" in replace[value] else replace[value]
    return None if "$" in value else value


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
        steps = list(base.steps)
        site = server.describe()
        if server.returns is not None:
            steps.append(RouteStep("mapping", f"return {server.returns.code}",
                                   "the server block returns before any location",
                                   source(server.returns.where)))
            return PredictedRoute(FrontKind.NGINX, base.url, base.address, tuple(steps),
                                  refused=True, site=site)
        choice = choose_location(server, path)
        if choice.location is None:
            steps.append(RouteStep("mapping", "no location", choice.rule, source(server.where)))
            return PredictedRoute(FrontKind.NGINX, base.url, base.address, tuple(steps),
                                  refused=True, site=site)
        loc = choice.location
        steps.append(RouteStep("mapping", loc.describe() if not choice.redirect
                               else f"301 to {choice.redirect}", choice.rule,
                               source(loc.where)))
        handed = pass_of(self.model, loc, self._known(base.url, server, path, url_host, netloc))
        if choice.redirect is not None or handed is None:
            refused = choice.redirect is None and loc.returns is not None
            if loc.returns is not None and choice.redirect is None:
                steps.append(RouteStep("mapping", f"return {loc.returns.code}",
                                       "the location returns", source(loc.returns.where)))
            return PredictedRoute(FrontKind.NGINX, base.url, base.address, tuple(steps),
                                  refused=refused, site=site)
        steps.append(handed.step)
        shadow = shadowed(self.model, choice.shadowed, self._known(
            base.url, server, path, url_host, netloc))
        proxy = handed.proxy
        if proxy is None:
            # uwsgi_pass: its mount and host steps (probe.nginx.uwsgi_steps); fastcgi_pass
            # and the others, and a proxy_pass decided at request time, have none
            return PredictedRoute(FrontKind.NGINX, base.url, base.address,
                                  (*steps, *handed.after), site=site, upstream=handed.upstream,
                                  host_sent=handed.host, members=handed.members,
                                  shadowed=shadow)
        sent = sent_path(loc, proxy, path)
        steps.append(RouteStep("mount", sent, "proxy_pass with a URI part replaces "
                               f"{loc.pattern} by {proxy.uri}" if proxy.uri is not None
                               and sent != path else "the request's path, unchanged",
                               source(proxy.where)))
        header = loc.header_set.named("host")
        unread = loc.header_set.unread
        sent_host = host_sent(loc.headers, url_host, netloc, proxy)
        decided, where = sent_host or "(decided at request time)", header.where if header else None
        if header and header.where:
            rule = f"proxy_set_header Host {header.value}"
        elif unread is not None:
            sent_host, decided, where = None, "(not known)", unread.where
            rule = (f"include {' '.join(unread.args)} at {unread.where} was not read: the "
                    f"proxy_set_header in force here are not known")
        elif loc.header_set.dropped_host is not None:
            # The outer line is what the operator believes in force: name it and the lines
            # in force here, which replaced it (the innermost level with lines of its own:
            # a Host added at an outer level would be dropped again).
            outer, _ = loc.header_set.dropped_host
            first = next((h.where for h in loc.headers if h.where), None)
            where = first or loc.header_set.source
            rule = (f"the proxy_set_header lines at {where} (of the block at "
                    f"{loc.header_set.source}) replace every inherited one, proxy_set_header "
                    f"Host {outer.value} at {outer.where} among them: nginx sends Host "
                    f"$proxy_host")
        else:
            # the location and its proxy_pass are where a Host line belongs: named with lines
            first = next((h.where for h in loc.headers if h.where), None)
            inherited = (f"; the proxy_set_header lines in force are at {first}, which a line "
                         f"of the location's own would replace"
                         if first and loc.header_set.source != loc.where else "")
            rule = (f"{loc.describe()} at {loc.where} passes with proxy_pass {proxy.url} at "
                    f"{proxy.where} and no proxy_set_header Host in force{inherited}: nginx "
                    f"sends Host $proxy_host")
            where = loc.where
        steps.append(RouteStep("host", decided, rule, source(where)))
        return PredictedRoute(FrontKind.NGINX, base.url, base.address, tuple(steps), site=site,
                              upstream=handed.upstream, host_sent=sent_host,
                              members=handed.members, shadowed=shadow)

    @staticmethod
    def _known(url: str, server: Server, path: str, url_host: str,
               netloc: str) -> dict[str, str]:
        """The variables a map may look up whose value the URL gives."""
        name = next((n for n, _ in server.names if n and not n.startswith("~")), "")
        return {"$host": url_host, "$http_host": netloc, "$server_name": name,
                "$scheme": urlsplit(url).scheme, "$request_uri": path, "$uri": path}
