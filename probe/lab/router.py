"""How Apache httpd and mod_wsgi pick the application that answers a request.

Pure functions over a small configuration of dataclasses, so that each rule can
be read, tested and cited on its own. Three decisions are made, in this order,
exactly as a real server makes them:

1. **Which <VirtualHost>** (Apache core, ``server/vhost.c``). Among the name-based
   virtual hosts of the address and port the request arrived on, the first one in
   configuration order whose ``ServerName`` or one of whose ``ServerAlias`` names
   matches the Host header's name wins; names compare case-insensitively and a
   ``ServerAlias`` may use the wildcards ``*`` and ``?``. The port in the Host
   header plays no part. When no name matches, the **first** virtual host listed
   for that address and port answers: there is no error, which is the
   ``vhost_fallback`` misroute.
   https://httpd.apache.org/docs/2.4/vhosts/name-based.html ("If no matching
   ServerName or ServerAlias is found in the set of virtual hosts containing the
   most specific matching IP address and port combination, then the first listed
   virtual host that matches that will be used"),
   https://httpd.apache.org/docs/2.4/vhosts/details.html and
   https://httpd.apache.org/docs/2.4/mod/core.html#serveralias

2. **Which WSGIScriptAlias** (mod_wsgi's ``wsgi_hook_intercept``). The aliases of
   that virtual host are tried in the order written and the first that matches
   wins, like mod_alias's Alias: "the first match takes effect", so a more
   specific mount must be listed before a shorter one, or the shorter one
   swallows it, which is the ``alias_order`` misroute. A URL-path matches on
   whole path segments (``/suburl`` matches ``/suburl`` and ``/suburl/x``, not
   ``/suburlx``), case-sensitively, a run of slashes counting as one.
   https://modwsgi.readthedocs.io/en/master/configuration-directives/WSGIScriptAlias.html
   https://httpd.apache.org/docs/2.4/mod/mod_alias.html#order

3. **Which process and which sub interpreter** (mod_wsgi). The process group is
   ``""`` (embedded mode: the Apache child process itself) unless the mount says
   ``process-group=NAME`` for a ``WSGIDaemonProcess NAME``. The application group,
   i.e. the name of the Python sub interpreter, defaults to ``%{RESOURCE}``:
   ``ServerName|SCRIPT_NAME``, with ``:PORT`` after the name when the port is not
   80 or 443, e.g. ``site-1.example.com|/suburl``, and ``site-1.example.com|`` for
   a mount at ``/`` (SCRIPT_NAME is empty there). The name is the virtual host's
   ServerName, not the Host header, so every ServerAlias and every fallback
   request of a vhost shares one interpreter per mount.
   https://modwsgi.readthedocs.io/en/master/configuration-directives/WSGIApplicationGroup.html
   (mod_wsgi source: ``wsgi_application_group()``, format ``"%s:%u|%s"`` /
   ``"%s|%s"`` of server_hostname, ap_get_server_port() and SCRIPT_NAME).

The alias matching and the group names are :mod:`probe.apache.names`, the code
``probe lint`` and the diagnosis use too, so the lab and the static checks cannot
disagree about them.

Not modelled: IP-based virtual hosts (every vhost here shares one ``*:80``), the
main server outside any <VirtualHost>, WSGIScriptAliasMatch, trailing-slash
mounts, ``UseCanonicalName On`` and mod_rewrite.

Slightly over 300 lines because each of the three decisions is written out with its source
references next to it, so each rule can be checked against httpd and mod_wsgi.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from probe.apache import hostnames
from probe.apache.hostnames import MatchedBy
from probe.apache.names import (
    EMBEDDED,
    RESOURCE,
    alias_match_length,
    application_group,
    default_port,
    refuse_everything,
)


@dataclass(frozen=True)
class ScriptAlias:
    """``WSGIScriptAlias URL_PATH SCRIPT [process-group=..] [application-group=..]``."""

    url_path: str
    script: str
    process_group: str = EMBEDDED
    application_group: str = RESOURCE
    note: str = ""
    """A comment to show above the directive in :func:`render_config`."""

    def __post_init__(self) -> None:
        if not self.url_path.startswith("/"):
            raise ValueError(f"WSGIScriptAlias URL-path must start with '/': {self.url_path!r}")
        if self.url_path != "/" and self.url_path.endswith("/"):
            # Apache then requires the trailing slash in the URL, and mod_wsgi glues the rest
            # of the URL to the script path without one: a classic 404, not modelled here.
            raise ValueError(f"trailing-slash mounts are not modelled: {self.url_path!r}")


@dataclass(frozen=True)
class VirtualHost:
    """One ``<VirtualHost *:80>`` block."""

    server_name: str
    server_aliases: tuple[str, ...] = ()
    script_aliases: tuple[ScriptAlias, ...] = ()
    deny_all: bool = False
    """``<Location /> Require all denied``: the catch-all the blog post recommends first."""
    server_port: int | None = None
    """The port of ``ServerName name:port``, if one is given."""
    note: str = ""
    """A comment to show inside the block in :func:`render_config`."""


@dataclass(frozen=True)
class RoutingConfig:
    """The part of httpd.conf that decides routing. ``vhosts`` are in configuration order."""

    vhosts: tuple[VirtualHost, ...]
    daemon_process_groups: tuple[str, ...] = ()
    """Names of ``WSGIDaemonProcess`` directives."""

    def __post_init__(self) -> None:
        if not self.vhosts:
            raise ValueError("at least one VirtualHost is needed")
        for vhost in self.vhosts:
            for alias in vhost.script_aliases:
                group = alias.process_group
                if group != EMBEDDED and group not in self.daemon_process_groups:
                    raise ValueError(f"no WSGIDaemonProcess {group!r} for {alias.url_path!r}")


@dataclass(frozen=True)
class HostHeader:
    """The Host header as Apache reads it: ``r->hostname`` and the port, if one was given."""

    hostname: str | None
    port: int | None = None


@dataclass(frozen=True)
class Mount:
    """Where a WSGIScriptAlias splits the URL: SCRIPT_NAME and PATH_INFO as mod_wsgi sets them."""

    alias: ScriptAlias
    script_name: str
    path_info: str
    application_group: str
    """The sub interpreter's name: the alias's setting applied to the VirtualHost's
    ServerName, the request's port and SCRIPT_NAME."""

    @property
    def process_group(self) -> str:
        return self.alias.process_group


@dataclass(frozen=True)
class Route:
    """Everything Apache and mod_wsgi decided for one request."""

    vhost: VirtualHost
    matched_by: MatchedBy
    mount: Mount | None
    """None: no WSGIScriptAlias matched (Apache would serve a file or a 404)."""
    server_name: str
    """SERVER_NAME: the Host name (``UseCanonicalName Off``, the default), else the ServerName."""
    server_port: int
    """SERVER_PORT, ``ap_get_server_port()``: the Host header's port, else the ServerName's,
    else the scheme's default. With ``UseCanonicalName Off`` the socket's port plays no part."""


class BadHost(ValueError):
    """A Host header Apache answers with 400 Bad Request."""


def parse_host(value: str | None) -> HostHeader:
    """The Host header as Apache's ``fix_hostname()`` normalises it.

    The name is lower-cased and loses a trailing dot, the port is split off, and a
    missing header (HTTP/1.0) gives no name at all.
    """
    if value is None or not value.strip():
        return HostHeader(None)
    text = value.strip()
    port_text = ""
    if text.startswith("["):  # IPv6 literal, kept in brackets like Apache does
        end = text.find("]")
        if end < 0:
            raise BadHost(value)
        name, rest = text[: end + 1], text[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise BadHost(value)
            port_text = rest[1:]
    else:
        name, _, port_text = text.partition(":")
    if port_text and (not port_text.isdigit() or not 0 < int(port_text) < 65536):
        raise BadHost(value)
    name = name.lower()
    if name.endswith("."):
        name = name[:-1]
    if not name or ".." in name or "/" in name or "\\" in name:
        raise BadHost(value)
    return HostHeader(name, int(port_text) if port_text else None)


def name_matches(vhost: VirtualHost, hostname: str) -> MatchedBy | None:
    """Apache's ``matches_aliases()``: ServerName, then ServerAlias names, then wildcards."""
    return hostnames.name_matches(vhost.server_name, vhost.server_aliases, hostname)


def select_vhost(
    vhosts: tuple[VirtualHost, ...], hostname: str | None
) -> tuple[VirtualHost, MatchedBy]:
    """The virtual host for a request to the address:port these vhosts share.

    The first vhost, in configuration order, whose names match; else the first vhost
    of all (also for a request without a Host header).
    """
    if hostname is not None:
        for vhost in vhosts:
            how = name_matches(vhost, hostname)
            if how is not None:
                return vhost, how
    return vhosts[0], MatchedBy.DEFAULT


def _collapse_slashes(path: str) -> str:
    # mod_wsgi's wsgi_build_environment() collapses repeated slashes in both variables.
    return re.sub("/{2,}", "/", path)


def select_mount(vhost: VirtualHost, uri: str, port: int) -> Mount | None:
    """The first WSGIScriptAlias of ``vhost``, in configuration order, that matches ``uri``.

    For a mount at ``/`` mod_wsgi passes the whole URI as PATH_INFO and SCRIPT_NAME is
    empty; otherwise SCRIPT_NAME is the matched part and PATH_INFO the rest. ``port`` is
    SERVER_PORT, which is part of the application group's name.
    """
    for alias in vhost.script_aliases:
        length = alias_match_length(uri, alias.url_path)
        if length == 0:
            continue
        if alias.url_path == "/":
            script_name, path_info = "", _collapse_slashes(uri)
        else:
            script_name = _collapse_slashes(uri[:length])
            path_info = _collapse_slashes(uri[length:])
        group = application_group(alias.application_group, vhost.server_name, port,
                                  script_name)
        return Mount(alias, script_name, path_info, group)
    return None


def server_port(host: HostHeader, vhost: VirtualHost, scheme: str) -> int:
    """``ap_get_server_port()`` with ``UseCanonicalName Off`` (the default)."""
    if host.port is not None:
        return host.port
    if vhost.server_port is not None:
        return vhost.server_port
    return default_port(scheme)


def route(config: RoutingConfig, host_header: str | None, uri: str, scheme: str = "http") -> Route:
    """Every routing decision for a request; raises BadHost for a malformed Host header.

    ``uri`` is the %-decoded path without the query string (Apache's ``r->uri``).
    """
    host = parse_host(host_header)
    vhost, matched_by = select_vhost(config.vhosts, host.hostname)
    port = server_port(host, vhost, scheme)
    name = host.hostname or vhost.server_name
    mount = None if vhost.deny_all else select_mount(vhost, uri, port)
    return Route(vhost, matched_by, mount, name, port)


def render_config(config: RoutingConfig) -> str:
    """The configuration as the httpd.conf lines it stands for."""
    lines = [f"WSGIDaemonProcess {name} processes=1 threads=15" for name in
             config.daemon_process_groups]
    for vhost in config.vhosts:
        if lines:
            lines.append("")
        lines.append("<VirtualHost *:80>")
        name = vhost.server_name
        if vhost.server_port is not None:
            name += f":{vhost.server_port}"
        lines.append(f"    ServerName {name}")
        if vhost.server_aliases:
            lines.append(f"    ServerAlias {' '.join(vhost.server_aliases)}")
        if vhost.note:
            lines.append(f"    # {vhost.note}")
        if vhost.deny_all:
            lines += [f"    {line}" for line in refuse_everything()]
        for alias in vhost.script_aliases:
            options = ""
            if alias.process_group != EMBEDDED:
                options += f" process-group={alias.process_group}"
            if alias.application_group != RESOURCE:
                options += f" application-group={alias.application_group}"
            if alias.note:
                lines.append(f"    # {alias.note}")
            lines.append(f"    WSGIScriptAlias {alias.url_path} {alias.script}{options}")
        lines.append("</VirtualHost>")
    return "\n".join(lines) + "\n"
