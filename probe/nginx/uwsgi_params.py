"""What a ``uwsgi_pass`` location hands uWSGI, from the lines read: the ``uwsgi_param`` lines
in force (``include uwsgi_params;`` expanded in place, each line with its own ``file:line``),
``uwsgi_modifier1`` and ``uwsgi_pass_request_headers``.

nginx's rules (ngx_http_uwsgi_module): ``uwsgi_param`` lines at a level replace every
inherited one (a level inherits them only when it has none of its own, as
``proxy_set_header``); the other two inherit as usual. A client header is passed as
``HTTP_*`` unless ``uwsgi_pass_request_headers off``; a ``uwsgi_param HTTP_HOST`` takes the
place of the client's ``Host``, and uWSGI keeps the last line of a name. Debian's
``uwsgi_params`` sets ``PATH_INFO $document_uri`` and ``SERVER_NAME $server_name`` (its
security update also ``HTTP_HOST $host``), never ``SCRIPT_NAME``.

An include left in the tree is one that could not be read (a site file read alone, or a
file not here): at a level the lines in force come from, what is sent is not known, said
with the path looked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from probe.nginx.model import Location, NginxModel
from probe.nginx.text import Directive, NginxText

# the variables whose value the URL gives (probe.nginx.route's _known), and the path ones
PATH_VARIABLES = ("$document_uri", "$uri")


@dataclass(frozen=True)
class Param:
    name: str
    value: str  # as written
    where: str

    @property
    def quoted(self) -> str:
        return f"'uwsgi_param {self.name} {self.value}' at {self.where}"


@dataclass(frozen=True)
class Unread:
    where: str  # the include's file:line
    written: str  # its argument as written: uwsgi_params
    path: str  # where it was looked for


@dataclass(frozen=True)
class UwsgiParams:
    params: tuple[Param, ...]  # in force at the location, in nginx's order
    at: str | None = None  # the block whose own lines (its includes') these are
    unread: Unread | None = None  # an include that may hold the lines in force
    modifier1: Param | None = None  # uwsgi_modifier1 in force (name "uwsgi_modifier1")
    no_headers: Param | None = None  # uwsgi_pass_request_headers off in force
    rewrite: str | None = None  # where a rewrite at the location's levels may change $uri

    def named(self, name: str) -> Param | None:
        """The line uWSGI keeps: the last of that name."""
        return next((p for p in reversed(self.params) if p.name.upper() == name), None)


_CACHE: dict[int, tuple[NginxText, dict[str, tuple[Directive, ...]]]] = {}


def _chains(text: NginxText) -> dict[str, tuple[Directive, ...]]:
    """Every location block's levels, outermost first (http, server, locations), by its
    file:line: the model keeps no parent, and the lines it does not model are here."""
    cached = _CACHE.get(id(text))
    if cached is not None and cached[0] is text:
        return cached[1]
    found: dict[str, tuple[Directive, ...]] = {}

    def walk(block: Directive, chain: tuple[Directive, ...]) -> None:
        for d in block.block or ():
            if d.name in ("server", "location") and d.block is not None:
                here = (*chain, d)
                if d.name == "location":
                    found.setdefault(d.where, here)
                walk(d, here)

    https = ([Directive("http", (), text.main, 0, text.directives)] if text.fragment
             else [d for d in text.directives if d.name == "http"])
    for http in https:
        walk(http, (http,))
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[id(text)] = (text, found)
    return found


def _unread(text: NginxText, block: Directive) -> Unread | None:
    include = next(iter(block.children("include")), None)
    if include is None:
        return None
    path = next((u.path for u in text.unread if u.directive.where == include.where),
                " ".join(include.args))
    return Unread(include.where, " ".join(include.args), path)


def levels_of(model: NginxModel, location: Location) -> tuple[Directive, ...]:
    """The blocks whose lines apply at ``location``, outermost first (http, server, the
    locations around it, itself); empty when its block is not found."""
    return _chains(model.text).get(location.where, ())


def params_of(model: NginxModel, location: Location) -> UwsgiParams | None:
    """The lines in force at ``location``; None when its block is not found."""
    chain = _chains(model.text).get(location.where)
    if chain is None:
        return None
    params: tuple[Param, ...] = ()
    at: str | None = None
    unread: Unread | None = None
    modifier1 = no_headers = None
    rewrite = None
    for level in chain:
        own = [Param(d.args[0], " ".join(d.args[1:]), d.where)
               for d in level.children("uwsgi_param") if d.args]
        here = _unread(model.text, level)
        if own:
            params, at, unread = tuple(own), level.where, here
        elif here is not None:
            unread = here
        for d in level.children("uwsgi_modifier1"):
            modifier1 = Param("uwsgi_modifier1", " ".join(d.args), d.where)
        for d in level.children("uwsgi_pass_request_headers"):
            no_headers = (Param("uwsgi_pass_request_headers", "off", d.where)
                          if d.args and d.args[0] == "off" else None)
        rewrite = next((d.where for d in level.children("rewrite")), rewrite)
    return UwsgiParams(params, at, unread, modifier1, no_headers, rewrite)


def sub_path_uwsgi(model: NginxModel) -> Iterator[tuple[Location, Directive, str, UwsgiParams]]:
    """Each prefix location of a sub-path (``location /app/``, or ``^~``) that hands its
    requests to ``uwsgi_pass``: that line, the prefix without its trailing slash and the
    ``uwsgi_param`` lines in force there (given also where an include was not read:
    ``unread``). The lint rules on uWSGI mounts each start from these."""
    for _server, loc in model.locations():
        handed = loc.other_pass
        prefix = loc.pattern.rstrip("/")
        if handed is None or handed.name != "uwsgi_pass" or not handed.args or not prefix \
                or loc.modifier not in ("", "^~"):
            continue
        params = params_of(model, loc)
        if params is not None:
            yield loc, handed, prefix, params
