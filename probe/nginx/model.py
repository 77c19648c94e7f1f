"""What an nginx configuration means for routing: server blocks with their ``listen``
addresses and names, locations, ``proxy_pass`` targets, ``proxy_set_header`` after
inheritance, ``return``, and ``upstream`` groups; each with its ``file:line``.

Built from :mod:`probe.nginx.text`'s directive trees. Only the ``http`` context matters here
(``stream`` and ``mail`` servers route no HTTP requests to a WSGI application); a site file
read alone is the body of one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from probe.nginx.error_pages import ErrorPage, Errors, read_errors
from probe.nginx.rewrites import Phase, read_phase
from probe.nginx.text import Directive, NginxText
from probe.nginx.variables import Map, read_block
from probe.unix_sockets import normal_unix

DEFAULT_PORT = 80  # a server block without listen (nginx as root; 8000 otherwise)
# besides proxy_pass, the protocols WSGI application servers speak (uWSGI, flup, ...)
APP_PASSES = ("uwsgi_pass", "fastcgi_pass", "scgi_pass")


@dataclass(frozen=True)
class Listen:
    host: str  # "*" for every address, "unix:/path" for a socket, "[::1]" for IPv6
    port: int
    default_server: bool
    where: str
    ssl: bool = False

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Header:
    name: str
    value: str
    where: str


DEFAULT_HEADERS: tuple[Header, ...] = (Header("Host", "$proxy_host", ""),
                                       Header("Connection", "close", ""))
"""What nginx sends upstream when no level sets proxy_set_header (ngx_http_proxy_module)."""


@dataclass(frozen=True)
class HeaderSet:
    """The proxy_set_header in force at a level, after nginx's inheritance."""

    headers: tuple[Header, ...] = DEFAULT_HEADERS
    source: str | None = None  # the level whose own lines these are; None: nginx's defaults
    # An include that was not read, at this level or the one the headers come from: it may
    # hold proxy_set_header lines, so what is in force here is not known.
    unread: Directive | None = None
    # A proxy_set_header Host of an outer level, and the level whose own lines replaced it.
    dropped_host: tuple[Header, str] | None = None

    def named(self, name: str) -> Header | None:
        return next((h for h in self.headers if h.name.lower() == name.lower()), None)


@dataclass(frozen=True)
class ProxyPass:
    url: str  # as written: http://app_one, http://127.0.0.1:8001/, http://unix:/run/a.sock:/
    scheme: str
    target: str  # host:port, an upstream name, or unix:/path
    uri: str | None  # the URI part; None when proxy_pass has none
    where: str
    has_variables: bool


@dataclass(frozen=True)
class Return:
    code: int
    text: str
    where: str


@dataclass(eq=False)  # compared and hashed by identity: two blocks may read alike
class Location:
    modifier: str  # "", "=", "^~", "~", "~*", "@" (named)
    pattern: str
    where: str
    locations: list[Location] = field(default_factory=list)
    proxy_pass: ProxyPass | None = None
    other_pass: Directive | None = None  # uwsgi_pass, fastcgi_pass...: not modelled further
    returns: Return | None = None
    header_set: HeaderSet = field(default_factory=HeaderSet)
    unread: tuple[str, ...] = ()
    """Where the location names an include that could not be read: nested locations, a
    return or a proxy_pass may be in it."""
    phase: Phase = field(default_factory=Phase)  # set, if, rewrite, try_files
    error_pages: tuple[ErrorPage, ...] = ()  # in force here, after inheritance
    intercepts: tuple[Directive, ...] = ()  # the *_intercept_errors lines in force here

    @property
    def headers(self) -> tuple[Header, ...]:
        return self.header_set.headers

    @property
    def is_regex(self) -> bool:
        return self.modifier in ("~", "~*")

    def describe(self) -> str:
        # a named location's pattern carries its @
        shown = self.modifier if self.modifier not in ("", "@") else ""
        return f"location {shown + ' ' if shown else ''}{self.pattern}"


@dataclass(eq=False)
class Server:
    where: str
    listens: list[Listen]
    names: list[tuple[str, str]]  # (name as written, where)
    locations: list[Location] = field(default_factory=list)
    returns: Return | None = None
    header_set: HeaderSet = field(default_factory=HeaderSet)
    unread: tuple[str, ...] = ()
    """Where the block names an include that could not be read (a site file read alone, or a
    file not here): its listen, server_name and return lines may be in it."""
    phase: Phase = field(default_factory=Phase)  # run before the location is chosen
    error_pages: tuple[ErrorPage, ...] = ()
    intercepts: tuple[Directive, ...] = ()

    def named(self, name: str) -> Location | None:
        """``location @name`` (nginx allows them at the server level only)."""
        return next((loc for loc in self.locations
                     if loc.modifier == "@" and loc.pattern == name), None)

    def describe(self) -> str:
        names = " ".join(n for n, _ in self.names if n) or '""'
        return f"server block at {self.where} (server_name {names})"


@dataclass(frozen=True)
class Upstream:
    name: str
    servers: tuple[tuple[str, str], ...]  # (address, where)
    where: str
    lines: tuple[Directive, ...] = ()  # the block's lines: server parameters, balancing


@dataclass
class NginxModel:
    text: NginxText
    servers: list[Server]
    upstreams: dict[str, Upstream]
    unread: tuple[str, ...] = ()
    """Where the http level (a site file's top) names an include that could not be read:
    whole server blocks may be in it."""
    maps: dict[str, Map] = field(default_factory=dict)  # map, split_clients: by variable

    def locations(self) -> Iterator[tuple[Server, Location]]:
        """Every location, nested ones too, with its server block."""
        def walk(locations: list[Location]) -> Iterator[Location]:
            for loc in locations:
                yield loc
                yield from walk(loc.locations)
        for server in self.servers:
            for loc in walk(server.locations):
                yield server, loc

    def proxied(self) -> Iterator[tuple[Server, Location]]:
        """Every location that proxies, nested ones too, with its server block."""
        return ((s, loc) for s, loc in self.locations() if loc.proxy_pass is not None)

    def passing(self) -> Iterator[tuple[Server, str, str]]:
        """(server block, directive, where) for each hand-over to an application server:
        proxy_pass, or the uwsgi, FastCGI or SCGI protocol's."""
        for server, loc in self.locations():
            if loc.proxy_pass is not None:
                yield server, "proxy_pass", loc.proxy_pass.where
            if loc.other_pass is not None and loc.other_pass.name in APP_PASSES:
                yield server, loc.other_pass.name, loc.other_pass.where


def build(text: NginxText) -> NginxModel:
    servers: list[Server] = []
    upstreams: dict[str, Upstream] = {}
    maps: dict[str, Map] = {}
    unread: list[str] = []
    https = ([Directive("http", (), text.main, 0, text.directives)] if text.fragment
             else [d for d in text.directives if d.name == "http"])
    for http in https:
        headers = _headers(http, HeaderSet())
        errors = read_errors(http, ((), ()))
        unread += [d.where for d in http.children("include")]
        for d in http.block or ():
            if d.name == "upstream" and d.args:
                upstreams.setdefault(d.args[0], Upstream(d.args[0], tuple(
                    (s.args[0], s.where) for s in d.children("server") if s.args), d.where,
                    tuple(d.block or ())))
            elif (read := read_block(d)) is not None:
                maps.setdefault(read.result, read)
            elif d.name == "server":
                servers.append(_server(d, headers, errors))
    return NginxModel(text, servers, upstreams, tuple(unread), maps)


def _headers(block: Directive, inherited: HeaderSet) -> HeaderSet:
    """proxy_set_header at this level replace every inherited one (nginx inherits them
    only into a level that has none of its own)."""
    own = block.children("proxy_set_header")
    # after probe.nginx.text, an include still in the tree is one that could not be read
    unread = next(iter(block.children("include")), None)
    if not own:
        return inherited if unread is None else replace(inherited, unread=unread)
    headers = tuple(Header(d.args[0], d.args[1] if len(d.args) > 1 else "", d.where)
                    for d in own if d.args)
    outer = inherited.named("host")
    dropped = (inherited.dropped_host if outer is None or not outer.where
               else (outer, block.where))
    return HeaderSet(headers, block.where, unread,
                     None if any(h.name.lower() == "host" for h in headers) else dropped)


def _server(block: Directive, inherited: HeaderSet, errors: Errors) -> Server:
    listens = [_listen(d) for d in block.children("listen") if d.args]
    if not listens:
        listens = [Listen("*", DEFAULT_PORT, False, block.where)]
    # A regex as written (nginx matches it caseless): lower-cased, \D would become \d.
    names = [(n if n.startswith("~") else n.lower(), d.where)
             for d in block.children("server_name") for n in d.args]
    if not names:
        names = [("", block.where)]  # nginx's default since 0.8.48: the empty name
    headers, (pages, intercepts) = _headers(block, inherited), read_errors(block, errors)
    server = Server(block.where, listens, names, header_set=headers,
                    unread=tuple(d.where for d in block.children("include")),
                    phase=read_phase(block), error_pages=pages, intercepts=intercepts)
    server.returns = _return(block)
    server.locations = [_location(d, headers, (server.error_pages, server.intercepts))
                        for d in block.children("location")]
    return server


def _location(block: Directive, inherited: HeaderSet, errors: Errors) -> Location:
    args = block.args
    modifier, pattern = (args[0], args[1]) if len(args) > 1 else ("", args[0] if args else "")
    if not modifier and pattern.startswith("@"):
        modifier = "@"
    headers, (pages, intercepts) = _headers(block, inherited), read_errors(block, errors)
    location = Location(modifier, pattern, block.where, header_set=headers,
                        unread=tuple(d.where for d in block.children("include")),
                        phase=read_phase(block), error_pages=pages, intercepts=intercepts)
    location.returns = _return(block)
    for d in block.block or ():
        if d.name == "proxy_pass" and d.args:
            location.proxy_pass = parse_proxy_pass(d.args[0], d.where)
        elif d.name in ("uwsgi_pass", "fastcgi_pass", "scgi_pass", "grpc_pass"):
            location.other_pass = d
    location.locations = [_location(d, headers, (location.error_pages, location.intercepts))
                          for d in block.children("location")]
    return location


def _return(block: Directive) -> Return | None:
    for d in block.children("return"):
        if d.args and d.args[0].isdigit():
            return Return(int(d.args[0]), " ".join(d.args[1:]), d.where)
        if d.args:  # "return URL;" is a 302
            return Return(302, d.args[0], d.where)
    return None


def _listen(d: Directive) -> Listen:
    spec, flags = d.args[0], d.args[1:]
    default = "default_server" in flags or "default" in flags
    ssl = "ssl" in flags
    if spec.startswith("unix:"):
        return Listen(spec, 0, default, d.where, ssl)
    if spec.startswith("["):
        host, _, port = spec.rpartition("]:")
        return (Listen(host + "]", int(port), default, d.where, ssl) if port.isdigit()
                else Listen(spec, DEFAULT_PORT, default, d.where, ssl))
    if spec.isdigit():
        return Listen("*", int(spec), default, d.where, ssl)
    host, _, port = spec.rpartition(":")
    if host and port.isdigit():
        wildcard = host in ("*", "0.0.0.0")  # noqa: S104 - reads a listen address, binds none
        return Listen("*" if wildcard else host.lower(), int(port), default, d.where, ssl)
    return Listen(spec.lower(), DEFAULT_PORT, default, d.where, ssl)


def parse_proxy_pass(url: str, where: str) -> ProxyPass:
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    if rest.startswith("unix:"):
        path, colon, uri = rest[len("unix:"):].partition(":")
        # unix:///path (as the uWSGI tutorial writes sockets) is the socket unix:/path
        target, uri_part = normal_unix(f"unix:{path}"), uri if colon else None
    else:
        target, slash, uri = rest.partition("/")
        uri_part = "/" + uri if slash else None
    return ProxyPass(url, scheme, target, uri_part, where, "$" in url)
