"""Where a request goes when its Host header names no ServerName/ServerAlias: the model of
unknown host names shared by the ``vhost_fallback`` rule and ``probe discover``."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from probe.apache.addresses import Address
from probe.apache.config import Directive
from probe.apache.hostnames import name_matches
from probe.apache.model import ALIAS_KEYS, Server, Site


@dataclass(frozen=True)
class UnknownHosts:
    """Where requests on one VirtualHost address go when their Host header matches no
    ServerName/ServerAlias: to the first VirtualHost listed for that address.

    Shared by the ``vhost_fallback`` rule and ``probe discover`` (which asks the sweep to
    check, under ``[refuse]``, exactly the unknown host names this rule cares about).
    """

    address: Address
    servers: tuple[Server, ...]  # the VirtualHosts of the address, in configuration order
    lands_on_site: bool  # the first one serves a site (not a refusing catch-all)
    bypassed: tuple[Server, ...]  # catch-alls on a wider address that never see these names
    default_page: bool = False  # the first one is a static default page (see _default_page)

    @property
    def first(self) -> Server:
        return self.servers[0]

    @property
    def misrouted(self) -> bool:
        """Unknown names get a site that is one of several: whichever happens to be listed
        first. One site alone answering every name (a single VirtualHost, or no
        VirtualHost at all, or others that an earlier one with the same names shadows:
        ``vhost_shadowed`` says so) is usually what its owner wants, and is not flagged."""
        reachable = [s for i, s in enumerate(self.servers)
                     if not all(any(answers_to(e, n) for e in self.servers[:i])
                                for n in host_names(s))]
        return self.lands_on_site and (len(reachable) > 1 or bool(self.bypassed))

    @property
    def refused(self) -> bool:
        """A catch-all listed first refuses them, as the blog post advises."""
        return not self.lands_on_site and _denies_all(self.first)


def unknown_hosts(site: Site) -> list[UnknownHosts]:
    """One :class:`UnknownHosts` per VirtualHost address (none for a main-server-only
    configuration, whose one server answers every host name)."""
    groups = address_groups(site.vhosts)
    found = []
    for key, servers in groups.items():
        bypassed = tuple(g[0] for k, g in groups.items()
                         if k != key and k.covers(key) and not _is_real_site(site, g[0])
                         and _denies_all(g[0]))
        default_page = _default_page(site, servers[0])
        found.append(UnknownHosts(key, tuple(servers),
                                  _is_real_site(site, servers[0]) and not default_page,
                                  bypassed, default_page))
    return found


def host_names(server: Server) -> list[str | None]:
    """The host names a VirtualHost answers to; None is this machine's name (no ServerName
    anywhere)."""
    return [server.server_name, *(a for a in server.aliases if a != server.server_name)]


def answers_to(server: Server, name: str | None) -> bool:
    """Whether a VirtualHost's ServerName or ServerAlias matches ``name``."""
    if name is None:
        return server.server_name is None
    return name_matches(server.server_name, server.aliases, name) is not None


def address_groups(vhosts: Sequence[Server]) -> dict[Address, list[Server]]:
    groups: dict[Address, list[Server]] = defaultdict(list)
    for vhost in vhosts:
        for address in vhost.addresses:
            key = Address(address.host, address.port,
                          f"{address.host}:{address.port if address.port else '*'}")
            if not any(v is vhost for v in groups[key]):  # identity: no deep tree compare
                groups[key].append(vhost)
    return groups


def _default_page(site: Site, server: Server) -> bool:
    """A VirtualHost with no ServerName of its own (or a placeholder one: one label, no
    dot, :func:`_placeholder_name`) that serves only static files: Debian's
    stock ``000-default.conf`` (``DocumentRoot /var/www/html``, its ServerName commented
    out, "used as a last resort host regardless"), kept first when a site is added.

    Deliberately not a ``vhost_fallback``: unknown host names get a static page, not
    another application, so nothing is misrouted to an instance; every stock Debian server
    with one site added would otherwise fail lint. A note says where they go.
    """
    own = {d.key for d in server.directives}
    serves_app = bool(own & {*ALIAS_KEYS, "proxypass", "wsgihandlerscript", "sethandler",
                             "addhandler", "proxypassmatch", "rewriterule"})
    return ((server.name_inherited or _placeholder_name(server)) and "documentroot" in own
            and not serves_app and not site.aliases_for(server) and not _denies_all(server))


def _placeholder_name(server: Server) -> bool:
    """A ServerName of one label, no dot (puppetlabs-apache's ``15-default.conf`` and
    ``15-default-ssl.conf`` write ``ServerName default`` and ``default-ssl``, the resource's
    title): no name a client sends for a site of its own, so the VirtualHost is a default
    page meant to answer what no other claims, like Debian's without a ServerName."""
    name = server.server_name or ""
    return bool(name) and "." not in name and not server.aliases and name != "localhost"


def _is_real_site(site: Site, server: Server) -> bool:
    """Whether a VirtualHost serves something: its own WSGIScriptAlias, DocumentRoot or
    ProxyPass, or a WSGIScriptAlias of the main server (every VirtualHost inherits those),
    and does not refuse every request."""
    serves = any(d.key in (*ALIAS_KEYS, "documentroot", "proxypass")
                 for d in server.directives) or bool(site.aliases_for(server))
    return serves and not _denies_all(server)


_ALL_PATHS = {"/", "^/", "^", ".*", "^.*", "^.*$", "^/.*", "^(.*)$", "(.*)", "."}


def _denies_all(server: Server) -> bool:
    """Whether a VirtualHost refuses every request (the catch-all the blog post advises).

    Recognised: ``Require all denied`` or ``Deny from all`` in a ``<Location>`` or
    ``<LocationMatch>`` for every path; ``Redirect 4xx /``; a RewriteRule on every path
    with the F, G or R=4xx flag. ``Require``/``Deny`` written directly in the VirtualHost
    do not count: httpd refuses them there (see :func:`access_context`). Nor does a
    ``<Directory />``: a longer ``<Directory>`` elsewhere (Debian's ``<Directory /var/www/>
    Require all granted`` in apache2.conf) is merged after it and grants what it denied;
    ``<Location>`` sections are merged last, so nothing overrides them.
    """
    for d in server.directives:
        if d.key in ("location", "locationmatch"):
            path = d.arg(1) if d.arg(0) == "~" else d.arg(0)
            if path in _ALL_PATHS and any(_denies(inner) for inner in d.body()):
                return True
        elif d.key in ("redirect", "rewriterule") and _denies(d):
            return True
    return False


def refuses_every_request(server: Server) -> bool:
    """:func:`_denies_all`, for discover: a VirtualHost refusing every path gets no URL."""
    return _denies_all(server)


def _denies(d: Directive) -> bool:
    args = [a.lower() for a in d.args]
    if d.key == "require":
        return args[:2] == ["all", "denied"]
    if d.key == "deny":
        return args[:2] == ["from", "all"]
    if d.key == "redirect" and len(args) >= 2:
        return (args[0] in ("gone", "forbidden") or re.fullmatch(r"4\d\d", args[0]) is not None
                ) and args[1] == "/"
    if d.key == "rewriterule" and len(args) >= 2 and d.args[0] in _ALL_PATHS:
        flags = args[2].strip("[]").split(",") if len(args) > 2 else []
        return any(f in ("f", "forbidden", "g", "gone") or re.fullmatch(r"r=4\d\d", f)
                   is not None for f in flags)
    return False

