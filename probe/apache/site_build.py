"""Building a :class:`~probe.apache.model.Site` from a parsed configuration: one walk of the
directive tree per server, with the scope rules :mod:`probe.apache.model` states (the main
server's aliases after a VirtualHost's own; a group from the alias option, else the last
matching per-directory section, else the server's).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace

from probe.apache.addresses import Address, parse_address, split_host_port
from probe.apache.config import ApacheConfig, Directive
from probe.apache.handlers import HandlerMount, handler_mounts, handler_scripts, options_of
from probe.apache.model import (
    ALIAS_KEYS,
    NOT_SET,
    DaemonGroup,
    GroupUse,
    Listen,
    NotRead,
    Server,
    Site,
    WsgiApp,
)
from probe.apache.names import RESOURCE, is_per_request, process_group
from probe.apache.scripts import ScriptInfo, read_script, script_in
from probe.apache.sections import deciding_directive, per_directory
from probe.apache.unread import unread_includes

__all__ = ["build_site", "handler_app"]


def build_site(config: ApacheConfig, *, read_scripts: bool = True) -> Site:
    main_scope = tuple(d for d in config.directives if d.key != "virtualhost")
    main = _main_server(config, main_scope)
    vhosts = tuple(_vhost(d, main) for d in config.directives if d.key == "virtualhost")
    apps: list[WsgiApp] = []
    daemons: list[DaemonGroup] = []
    uses: list[GroupUse] = []
    unread: list[NotRead] = []
    for server in (main, *vhosts):
        scope = main_scope if server.is_main else server.directives
        unread += [NotRead(server, u) for u in unread_includes(scope)]
        for d in scope:
            if d.key in ALIAS_KEYS and len(d.args) >= 2:
                apps.append(_app(config, d, server, main_scope))
                group = apps[-1].options.get("process-group")
                if group:
                    uses.append(GroupUse(group, d, server))
            elif d.key == "wsgidaemonprocess" and d.args:
                daemons.append(DaemonGroup(d.args[0], d, server, options_of(d.args[1:])))
            elif d.key == "wsgiimportscript":
                group = options_of(d.args[1:]).get("process-group")
                if group:
                    uses.append(GroupUse(group, d, server))
        inherited = () if server.is_main else main_scope
        defined = handler_scripts([inherited, scope])
        handled = handler_mounts(scope, inherited, defined, config.server_root)
        apps += [_app(config, m.directive, server, main_scope, m) for m in handled.mounts]
        unread += [NotRead(server, u) for u in handled.unread]
        for d in scope:
            for inner in (d, *d.body()):
                group = options_of(inner.args[2:]).get("process-group")
                if inner.key == "wsgihandlerscript" and group:
                    uses.append(GroupUse(group, inner, server))
        uses += [GroupUse(d.args[0], d, server) for d in scope
                 if d.key == "wsgiprocessgroup" and d.args]
    for server in (main, *vhosts):
        uses += _section_uses(main_scope if server.is_main else server.directives, server,
                              [a for a in apps if server.is_main or a.server in (server, main)])
    listens = tuple(_listen(d) for d in config.directives if d.key == "listen" and d.args)
    scripts: dict[str, ScriptInfo] = {}
    if read_scripts:
        for app in apps:
            if app.target not in scripts and not os.path.isdir(app.target) \
                    and "$" not in app.target:
                scripts[app.target] = read_script(app.target)
    # In the order httpd reads the lines, not main server first: mod_wsgi numbers daemon
    # groups so, and `probe ps` names each socket and process by that number.
    order = {id(d): n for n, d in enumerate(_walk(config.directives))}
    daemons.sort(key=lambda group: order.get(id(group.directive), 0))
    return Site(config, main, vhosts, tuple(apps), tuple(daemons), listens, tuple(uses),
                scripts, tuple(unread))


def _walk(directives: Sequence[Directive]) -> list[Directive]:
    found: list[Directive] = []
    for d in directives:
        found.append(d)
        found += _walk(d.children or ())
    return found


def _section_uses(scope: Sequence[Directive], server: Server,
                  apps: Sequence[WsgiApp]) -> list[GroupUse]:
    """``WSGIProcessGroup`` inside per-directory sections; one whose section holds none of
    the applications its server runs (a ``<Directory>`` without the script) never applies."""
    return [GroupUse(d.args[0], d, server,
                     applies=any(section.applies(a.target, a.mount) for a in apps))
            for d, section in per_directory(scope) if d.key == "wsgiprocessgroup" and d.args]


def _last(directives: Sequence[Directive], key: str) -> Directive | None:
    return next((d for d in reversed(directives) if d.key == key and d.args), None)


def _main_server(config: ApacheConfig, scope: Sequence[Directive]) -> Server:
    """The server outside any VirtualHost; ``scope`` is its directives."""
    name = _last(scope, "servername")
    first = config.directives[0] if config.directives else None
    return _server(None, (), scope, name, first.file if first else "<config>",
                   first.line if first else 0)


def _vhost(section: Directive, main: Server) -> Server:
    """A VirtualHost; one without a ServerName gets the main server's (httpd's
    ``ap_fixup_virtual_hosts``), which mod_wsgi then compares and names groups by."""
    addresses = tuple(parse_address(a) for a in section.args) or (parse_address("*"),)
    server = _server(section, addresses, section.body(), _last(section.body(),
                     "servername"), section.file, section.line)
    if server.server_hostname is not None:
        return server
    return replace(server, server_name=main.server_name, server_hostname=main.server_hostname,
                   server_port=main.server_port, scheme=main.scheme, name_inherited=True,
                   name_where=main.name_where)


def _server(section: Directive | None, addresses: tuple[Address, ...],
            scope: Sequence[Directive], name: Directive | None, file: str, line: int) -> Server:
    scheme, host, port = _parse_server_name(name.args[0]) if name else (None, None, None)
    written = [(a.lower(), d.where) for d in scope if d.key == "serveralias" for a in d.args]
    ssl = any(d.key == "sslengine" and d.arg(0).lower() == "on" for d in scope)
    return Server(section, addresses, host.lower() if host else None, host, port,
                  scheme, tuple(a for a, _ in written), ssl, file, line,
                  name_where=name.where if name else "",
                  alias_where=tuple(where for _, where in written))


def _parse_server_name(value: str) -> tuple[str | None, str | None, int | None]:
    scheme, sep, rest = value.partition("://")
    if not sep:
        scheme, rest = "", value
    host, port = split_host_port(rest)
    return (scheme.lower() or None, host or None,
            int(port) if port and port.isdigit() else None)


def _listen(d: Directive) -> Listen:
    host, port = split_host_port(d.args[0])
    if port is None:  # "Listen 80": a port only, every address
        return Listen(None, int(host) if host.isdigit() else 0, d)
    return Listen(host or None, int(port) if port.isdigit() else 0, d)


def handler_app(config: ApacheConfig, server: Server, handler: HandlerMount) -> WsgiApp:
    """The application a handler runs for one request's file (mass hosting's
    VirtualDocumentRoot: :mod:`probe.apache.vhost_alias`), its groups decided as any other's."""
    main_scope = tuple(d for d in config.directives if d.key != "virtualhost")
    return _app(config, handler.directive, server, main_scope, handler)


def _app(config: ApacheConfig, d: Directive, server: Server,
         main_scope: Sequence[Directive], handler: HandlerMount | None = None) -> WsgiApp:
    is_match = d.key == "wsgiscriptaliasmatch"
    mount, target = (handler.mount, handler.target) if handler else (d.args[0], d.args[1])
    if not os.path.isabs(target):
        target = os.path.join(config.server_root, target)
    after = ""
    if not handler and not is_match:  # a Match target's $1 is filled per request
        target, after = script_in(target)
    options = handler.options if handler else options_of(d.args[2:])
    scopes = [main_scope] + ([] if server.is_main else [server.directives])
    group, group_from = _setting(d, mount, options, "process-group", "wsgiprocessgroup",
                                 scopes, target, default="")
    app_group, app_group_from = _setting(d, mount, options, "application-group",
                                         "wsgiapplicationgroup", scopes, target,
                                         default=RESOURCE)
    return WsgiApp(d, server, mount, is_match, target, options,
                   None if is_per_request(group) else process_group(group), group_from,
                   app_group or RESOURCE, handler=handler is not None, after=after,
                   application_group_from=app_group_from)


def _setting(alias: Directive, mount: str, options: Mapping[str, str], option: str, key: str,
             scopes: Sequence[Sequence[Directive]], script: str,
             default: str) -> tuple[str, str]:
    """A process or application group: the alias option, else per-directory, else server."""
    if option in options:
        return options[option], f"{option}= for {alias.name} at {alias.where}"
    found = deciding_directive(scopes, script, mount, key)
    if found is not None:
        return found.args[0], f"{found.name} at {found.where}"
    return default, NOT_SET
