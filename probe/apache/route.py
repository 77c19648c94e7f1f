"""The route httpd + mod_wsgi take for one URL at one address, predicted from a
:class:`~probe.apache.model.Site`: the :class:`probe.front.FrontConfig` of Apache.

Three decisions, each a :class:`~probe.front.RouteStep` with the ``file:line`` that made it:

1. the server (:mod:`probe.apache.vhost_select`): address set, then names, then the first;
2. the URL mapping (:mod:`probe.apache.mapping`): mod_rewrite, mod_proxy, mod_alias,
   mod_wsgi's aliases, handler mounts, in httpd's hook order;
3. the daemon process group and application group of the application that took the path,
   after httpd's section merge (:func:`probe.apache.sections.deciding_directive`): the
   alias's own ``process-group=``/``application-group=`` option, else the last
   ``WSGIProcessGroup``/``WSGIApplicationGroup`` of the server lines and the sections that
   apply to the script and the URL (``<Directory>`` short to long, regex directories,
   ``<Files>``, ``<Location>`` in configuration order); a ``%{ENV:VAR}`` one resolved by
   :mod:`probe.apache.env_vars`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from probe.apache.alias_target import script_run
from probe.apache.catch_all_address import catch_all_why
from probe.apache.config import Directive
from probe.apache.divergence import divergence, refuse_block
from probe.apache.env_vars import env_name, per_request
from probe.apache.error_log import ErrorLog, error_log
from probe.apache.group_placement import NearLocation, near_location
from probe.apache.group_placement import group_not_applied as not_applied
from probe.apache.include_order import read_first_by_name
from probe.apache.intended import intended_script
from probe.apache.mapping import UrlMapping, map_path, source
from probe.apache.model import Server, Site, WsgiApp
from probe.apache.names import (
    RESOURCE,
    application_group,
    is_per_request,
    process_group,
)
from probe.apache.near_names import NearName, own_near_name
from probe.apache.proxy import HostSetting, meant_rule, preserve_host, rule_step, taken_by
from probe.apache.proxy_host import backend_url
from probe.apache.proxy_rule import ProxyRule
from probe.apache.script_access import ScriptAccess, script_access
from probe.apache.sections import deciding_directive
from probe.apache.site_fix import Known, SiteFix, site_fix
from probe.apache.tls_site import tls_site
from probe.apache.vhost_select import request_where as _where
from probe.apache.vhost_select import select_vhost, without_line
from probe.front import Divergence, FrontKind, PredictedRoute, RouteStep, Source, TlsSite


class ApacheRoutes:
    """Apache httpd's configuration as a :class:`probe.front.FrontConfig`."""

    def __init__(self, site: Site) -> None:
        self.site = site

    @property
    def front(self) -> FrontKind:
        return FrontKind.APACHE

    @property
    def files(self) -> Sequence[str]:
        return self.site.config.files

    @property
    def include_dirs(self) -> Sequence[str]:
        return self.site.config.include_dirs

    def divergence(self, route: PredictedRoute, script: str,
                   group: str | None) -> Divergence | None:
        """Where ``route`` leaves the route to ``script`` (in daemon ``group``, if given)."""
        return divergence(self.site, route, *_where(route.url, route.address), script, group)

    def refuse_block(self, route: PredictedRoute) -> str | None:
        """The catch-all to list first on ``route``'s address (TLS lines on a TLS one)."""
        return refuse_block(self.site, select_vhost(self.site, *_where(route.url, route.address)))

    def tls_site(self, url: str, address: str | None) -> TlsSite | None:
        """The handshake's VirtualHost for ``url`` at ``address``, :mod:`.tls_site`."""
        return tls_site(self.site, *_where(url, address))

    def refuse_why(self, route: PredictedRoute) -> str:
        """Why :meth:`refuse_block` is written for its address (empty: nothing to say)."""
        _, ip, port = _where(route.url, route.address)
        choice = select_vhost(self.site, *_where(route.url, route.address))
        said = (catch_all_why(self.site, choice, ip, port), read_first_by_name(self.site, choice))
        return "; ".join(s for s in said if s)

    def intended(self, route: PredictedRoute, group: str | None,
                 package: str | None) -> tuple[str, str] | None:
        """The script meant for ``route``'s URL as the configuration mounts it, and why."""
        hostname, ip, port = _where(route.url, route.address)
        found = intended_script(self.site, route, hostname, ip, port, group, package)
        return None if found is None else (found.script, found.why)

    def site_fix(self, route: PredictedRoute, url: str, expected: str, group: str | None,
                 meant: Source | None, known: Known | None = None) -> SiteFix | None:
        """The fix where ``route``'s VirtualHost runs nothing at ``url``'s path (the
        manifest's URL; :mod:`probe.apache.site_fix`); None: another site of the address
        claims the name."""
        return site_fix(self.site, select_vhost(self.site, *_where(route.url, route.address)),
                        url, expected, group, meant, known)

    def without_line(self, url: str, address: str | None, line: Source) -> RouteStep | None:
        """The VirtualHost that would take ``url`` at ``address`` were the names written
        on ``line`` gone, as a site step (its opening line)."""
        hostname, ip, port = _where(url, address)
        server = without_line(self.site, hostname, ip, port, line)
        return None if server is None else RouteStep(
            "site", server.describe(), f"<VirtualHost "
            f"{' '.join(str(a) for a in server.addresses)}>", Source(server.file, server.line))

    def proxy_meant(self, route: PredictedRoute,
                    reaches: Callable[[str], bool]) -> RouteStep | None:
        """The narrower ``ProxyPass`` for ``route``'s path that the one that took it shadows
        (:func:`probe.apache.proxy.meant_rule`), as a step."""
        server = self._server(route)
        if server is None:
            return None
        path = urlsplit(route.url).path or "/"
        taken = taken_by(self.site, server, path)
        meant = None if taken is None else meant_rule(self.site, server, path, taken, reaches)
        return None if meant is None else rule_step(self.site, server, meant, path)

    def proxy_rule(self, route: PredictedRoute) -> ProxyRule | None:
        """The ``ProxyPass`` that takes ``route``'s path, and the directive ``key`` (the
        VirtualHost's own, else the main server's) in force where it is."""
        server = self._server(route)
        if server is None:
            return None
        return taken_by(self.site, server, urlsplit(route.url).path or "/")

    def preserve_host(self, route: PredictedRoute) -> HostSetting | None:
        """The ``ProxyPreserveHost`` line in force for ``route``'s path (a ``<Location>``'s
        included: :func:`probe.apache.proxy.preserve_host`)."""
        server = self._server(route)
        if server is None:
            return None
        path = urlsplit(route.url).path or "/"
        rule = taken_by(self.site, server, path)
        # The <Proxy> sections for the URL the request is passed to are merged too.
        backend = backend_url(rule, path) if rule is not None else None
        return preserve_host(self.site, server, path, backend)

    def server_setting(self, route: PredictedRoute, key: str) -> Directive | None:
        """The last ``key`` directive of ``route``'s VirtualHost, else of the main server."""
        server = self._server(route)
        if server is None:
            return None
        for scope in self._scopes(server)[::-1]:
            found = [d for d in scope if d.key == key]
            if found:
                return found[-1]
        return None

    def server_directives(self, route: PredictedRoute, key: str) -> list[Directive]:
        """The ``key`` directives of ``route``'s VirtualHost, else of the main server."""
        server = self._server(route)
        if server is None:
            return []
        for scope in self._scopes(server)[::-1]:
            found = [d for d in scope if d.key == key]
            if found:
                return found
        return []

    def vhost_at(self, route: PredictedRoute) -> str | None:
        """``file:line`` of the ``<VirtualHost>`` line of ``route``'s server (the site step's
        source is the line that chose it, a ServerName); None: main server or undecided."""
        server = self._server(route)
        return None if server is None or server.is_main else server.where

    def error_log(self, route: PredictedRoute) -> ErrorLog | None:
        """The error log httpd writes ``route``'s request lines to (its VirtualHost's
        ``ErrorLog``, else the server's); None where the configuration does not decide."""
        server = self._server(route)
        return None if server is None else error_log(self.site, server)

    def script_access(self, route: PredictedRoute, script: str) -> ScriptAccess | None:
        """Whether ``route``'s VirtualHost lets a request reach ``script``, and where another
        one grants it when this one does not (:mod:`probe.apache.script_access`)."""
        server = self._server(route)
        if server is None:
            return None
        return script_access(self.site, server, script, urlsplit(route.url).path or "/")

    def group_not_applied(self, route: PredictedRoute, group: str) -> RouteStep | None:
        """Where ``WSGIProcessGroup group`` is written for ``route``'s site but does not
        apply to its script (:mod:`probe.apache.group_placement`)."""
        server = self._server(route)
        if server is None or route.script_file is None:
            return None
        path = urlsplit(route.url).path or "/"
        return not_applied(self.site, server, group, route.script_file, path)

    def near_location(self, route: PredictedRoute, group: str) -> NearLocation | None:
        """The ``<Location>`` around ``WSGIProcessGroup group`` one edit from the mount of
        ``route``'s script: the likely typo that keeps the group from it."""
        server = self._server(route)
        if server is None or route.script_file is None or route.script_name is None:
            return None
        path = urlsplit(route.url).path or "/"
        return near_location(self.site, server, group, route.script_file, path,
                             route.script_name or "/")

    def near_name(self, route: PredictedRoute, script: str | None,
                  group: str | None) -> NearName | None:
        """The likely typo where no name of ``route``'s address matched (:mod:`.near_names`)."""
        hostname, ip, port = _where(route.url, route.address)
        return own_near_name(self.site, select_vhost(self.site, hostname, ip, port), hostname,
                             script, group)

    def route(self, url: str, address: str | None) -> PredictedRoute:
        parts = urlsplit(url)
        hostname, ip, port = _where(url, address)
        empty = PredictedRoute(FrontKind.APACHE, url, address, ())
        choice = select_vhost(self.site, hostname, ip, port)
        if choice.undecided is not None:
            return replace(empty, undecided=choice.undecided)
        server = choice.server
        site_step = RouteStep("site", server.describe(), choice.rule, choice.source,
                              by=choice.by)
        mapped = map_path(self.site, server, parts.path or "/", hostname,
                          parts.port or (443 if parts.scheme == "https" else 80))
        steps = (site_step, *mapped.steps)
        route = replace(empty, steps=steps, site=server.describe(), refused=mapped.refused,
                        upstream=mapped.upstream, undecided=mapped.undecided,
                        members=mapped.members)
        if mapped.app is None:
            return route
        return self._groups(route, server, mapped, parts.port)

    def _groups(self, route: PredictedRoute, server: Server, mapped: UrlMapping,
                url_port: int | None) -> PredictedRoute:
        app = mapped.app
        assert app is not None
        script = script_run(app.target, mapped.script_file, mapped.path, mapped.script_name)
        scopes = self._scopes(server)
        group, group_step = _setting(app, scopes, script, mapped.path, "process-group",
                                     "wsgiprocessgroup", "")
        spec, spec_step = _setting(app, scopes, script, mapped.path, "application-group",
                                   "wsgiapplicationgroup", RESOURCE)
        script_name = mapped.script_name if mapped.script_name is not None else ""
        # %{ENV:VAR}: the value the server's SetEnvIf/RewriteRule [E=] lines give this request
        main, own = ((), scopes[0]) if server.is_main else (scopes[0], server.directives)
        named_group, group_step = per_request(group, group_step, main, own, route.url)
        interpreter_spec, spec_step = per_request(spec, spec_step, main, own, route.url)
        # ap_get_server_port() with UseCanonicalName Off: the Host header's port, else
        # the ServerName's, else the scheme's default.
        port = url_port or server.server_port
        interpreter = None if interpreter_spec is None or is_per_request(interpreter_spec) \
            else application_group(interpreter_spec, server.server_hostname or "localhost",
                                   port, script_name)
        named = None if named_group is None else named_group if env_name(named_group) \
            else process_group(named_group)
        steps = (*route.steps, replace(group_step, decision=repr(named)),
                 replace(spec_step, decision=repr(interpreter)))
        return replace(route, steps=steps, script_name=script_name, script_file=script,
                       process_group=named, application_group=interpreter)

    def _server(self, route: PredictedRoute) -> Server | None:
        """The VirtualHost (or main server) that ``route``'s request reaches; None where the
        configuration leaves it undecided."""
        choice = select_vhost(self.site, *_where(route.url, route.address))
        return None if choice.undecided is not None else choice.server

    def _scopes(self, server: Server) -> list[tuple[Directive, ...]]:
        main = tuple(d for d in self.site.config.directives if d.key != "virtualhost")
        return [main] if server.is_main else [main, server.directives]


def _setting(app: WsgiApp, scopes: list[tuple[Directive, ...]], script: str, path: str,
             option: str, key: str, default: str) -> tuple[str, RouteStep]:
    stage = "process_group" if key == "wsgiprocessgroup" else "application_group"
    if option in app.options:
        return app.options[option], RouteStep(
            stage, "", f"{option}={app.options[option]} on {app.directive.name} {app.mount}",
            source(app.directive))
    found = deciding_directive(scopes, script, path, key)
    if found is not None:
        return found.args[0], RouteStep(stage, "", f"{found.name} {found.args[0]} is the "
                                        f"last to apply after httpd's section merge",
                                        Source(found.file, found.line))
    rule = ("no WSGIProcessGroup applies: embedded mode" if stage == "process_group"
            else "no WSGIApplicationGroup applies: %{RESOURCE}, mod_wsgi's default")
    return default, RouteStep(stage, "", rule, None)
