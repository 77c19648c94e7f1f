"""What a parsed configuration means to Apache and mod_wsgi: servers, WSGI applications,
daemon process groups, listening sockets.

Shared by the lint rules and by ``probe discover``. The semantics followed here, from
httpd and mod_wsgi sources and documentation:

* the main server's ``WSGIScriptAlias`` list is appended *after* each VirtualHost's own
  (mod_wsgi's server-config merge), and the first alias that matches a URL wins;
* an application's process group comes from the ``process-group=`` option, else the last
  matching ``WSGIProcessGroup`` in a ``<Directory>``/``<Files>``/``<Location>`` section,
  else the VirtualHost's, else the main server's, else ``""`` (embedded mode, i.e. the
  ordinary Apache child processes); ``WSGIApplicationGroup`` likewise, default
  ``%{RESOURCE}`` (``host[:port]|SCRIPT_NAME``, one sub interpreter per mount), named by
  :func:`probe.apache.names.application_group`;
* ``%{GLOBAL}`` means ``""``; ``%{ENV:...}`` is decided per request and so unknown here.

The types live here; :mod:`probe.apache.site_build` builds them from the directive tree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from probe.apache.addresses import Address
from probe.apache.alias_target import find_path_info
from probe.apache.config import ApacheConfig, Directive
from probe.apache.names import application_group, is_per_request, mount_url_path
from probe.apache.scripts import ScriptInfo
from probe.apache.unread import Unread

ALIAS_KEYS = ("wsgiscriptalias", "wsgiscriptaliasmatch")
NOT_SET = "no process group set (embedded mode)"  # WsgiApp.process_group_from by default
__all__ = ["ALIAS_KEYS", "NOT_SET", "DaemonGroup", "GroupUse", "Listen", "NotRead", "Server",
           "Site", "WsgiApp"]


@dataclass(frozen=True)
class Server:
    """The main server (``section`` None) or one ``<VirtualHost>``."""

    section: Directive | None
    addresses: tuple[Address, ...]
    server_name: str | None  # host name only, lower case
    server_hostname: str | None  # host name only, as written (what mod_wsgi names groups by)
    server_port: int | None  # a port written in ServerName
    scheme: str | None  # a scheme written in ServerName
    aliases: tuple[str, ...]
    ssl: bool
    file: str
    line: int
    name_inherited: bool = False  # no ServerName of its own: httpd gives it the main server's
    name_where: str = ""  # the ServerName line in force (FILE:LINE), "" without one
    alias_where: tuple[str, ...] = ()  # each of aliases' ServerAlias line (FILE:LINE)

    @property
    def is_main(self) -> bool:
        return self.section is None

    @property
    def directives(self) -> tuple[Directive, ...]:
        return self.section.body() if self.section else ()

    @property
    def where(self) -> str:
        # a VirtualHost a mod_macro Use made also names the Use line
        return self.section.where if self.section else f"{self.file}:{self.line}"

    def describe(self) -> str:
        if self.section is None:
            return "the main server"
        addresses = " ".join(str(a) for a in self.addresses)
        name = f" ({self.server_name})" if self.server_name else ""
        if self.name_inherited:
            name = (f" (no ServerName: {self.server_name} from the main server)"
                    if self.server_name else " (no ServerName)")
        return f"<VirtualHost {addresses}>{name} at {self.where}"


@dataclass(frozen=True)
class WsgiApp:
    """One ``WSGIScriptAlias`` / ``WSGIScriptAliasMatch``."""

    directive: Directive
    server: Server
    mount: str  # URL path, or the regular expression of a Match alias
    is_match: bool
    target: str  # the script (or directory of scripts), ServerRoot-relative paths resolved
    options: Mapping[str, str]
    process_group: str | None  # "" embedded mode, None decided per request (%{ENV:...})
    process_group_from: str  # where the process group was decided, for messages
    application_group_spec: str
    handler: bool = False  # mounted by SetHandler/AddHandler/WSGIHandlerScript, not an alias
    # The path written after the script file in the target (scripts.script_in): httpd puts
    # it at the start of PATH_INFO.
    after: str = ""
    application_group_from: str = NOT_SET  # where the application group was decided

    @property
    def written_target(self) -> str:
        """The target as the line writes it (ServerRoot resolved): the script and the path
        after it."""
        return self.target + self.after

    @property
    def where(self) -> str:
        return self.directive.where

    @property
    def embedded_by_default(self) -> bool:
        """Embedded mode because nothing chose a group (not ``%{GLOBAL}`` on purpose)."""
        return self.process_group == "" and self.process_group_from == NOT_SET

    @property
    def script_name(self) -> str:
        """SCRIPT_NAME for requests to this mount (``/`` gives ``""``, as mod_wsgi does); a
        path after the script in the target starts PATH_INFO, and httpd's SCRIPT_NAME is
        the request path less what matches PATH_INFO from its end (Review Board's
        ``/reviews`` with ``.../reviewboard.wsgi/reviews`` answers SCRIPT_NAME '';
        :func:`probe.apache.alias_target.find_path_info`)."""
        mount = mount_url_path(self.mount).rstrip("/")
        return mount[:find_path_info(mount, self.after.rstrip("/"))]

    def application_group(self) -> str | None:
        """The sub interpreter's name, or None when decided per request.

        The port is the one clients put in the Host header for this VirtualHost: the
        ServerName's, else the VirtualHost address's (a request naming another port, or
        none on a non-default port, gets an interpreter of its own).
        """
        spec = self.application_group_spec
        if is_per_request(spec):
            return None
        port = self.server.server_port or next(
            (a.port for a in self.server.addresses if a.port is not None), None)
        return application_group(spec, self.server.server_hostname or "localhost", port,
                                 self.script_name)


@dataclass(frozen=True)
class DaemonGroup:
    """One ``WSGIDaemonProcess``."""

    name: str
    directive: Directive
    server: Server  # where it is defined; one in a VirtualHost serves only that host name
    options: Mapping[str, str]


@dataclass(frozen=True)
class Listen:
    host: str | None
    port: int
    directive: Directive


@dataclass(frozen=True)
class GroupUse:
    """A place that names a daemon process group."""

    name: str
    directive: Directive
    server: Server
    applies: bool = True  # False: in a section that holds none of the server's applications


@dataclass(frozen=True)
class NotRead:
    """Something in a server's own directives that may define applications, not read."""

    server: Server
    what: Unread


@dataclass(frozen=True)
class Site:
    config: ApacheConfig
    main: Server
    vhosts: tuple[Server, ...]
    apps: tuple[WsgiApp, ...]
    daemons: tuple[DaemonGroup, ...]
    listens: tuple[Listen, ...]
    group_uses: tuple[GroupUse, ...]
    scripts: Mapping[str, ScriptInfo] = field(default_factory=dict)
    unread: tuple[NotRead, ...] = ()

    @property
    def servers(self) -> tuple[Server, ...]:
        return (self.main, *self.vhosts)

    def aliases_for(self, server: Server) -> list[WsgiApp]:
        """The aliases tried for a request to ``server``, in mod_wsgi's order."""
        own = [a for a in self.apps if a.server is server]
        if server.is_main:
            return own
        return own + [a for a in self.apps if a.server.is_main]

    def script(self, app: WsgiApp) -> ScriptInfo | None:
        return self.scripts.get(app.target)

    def daemon(self, name: str) -> DaemonGroup | None:
        return next((d for d in self.daemons if d.name == name), None)
