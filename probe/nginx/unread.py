"""What an include that could not be read may change (a site file read alone, its snippets
elsewhere; or a whole nginx.conf naming a file not here: :mod:`probe.nginx.text` keeps such
an include in place and the model records where, at each level). The header rules and
``proxy_set_header`` already go by :attr:`~probe.nginx.model.HeaderSet.unread`; this is the
same for the rest:

* at the http level (a site file's top) it may hold whole server blocks: any block on any
  address, with any name, may be in it;
* in a server block: ``listen`` (``default_server`` too), ``server_name``, ``location``,
  ``return``; a block without a ``listen`` of its own may listen elsewhere than port 80;
* in a location: nested locations, ``return``.

Each function gives the ``file:line`` of the first include its question depends on, or
None when the lines read decide it; :func:`said` words it.
"""

from __future__ import annotations

import difflib
import os

from probe.nginx.model import Location, NginxModel, Server

MAY_HOLD = "listen, server_name, location or return lines"


def implicit_listen(server: Server) -> bool:
    """The block has no listen line of its own: nginx's default applies, unless its include
    holds one."""
    return all(lst.where == server.where for lst in server.listens)


def for_blocks(model: NginxModel) -> str | None:
    """An include that may put a block on any address, or change what a block listens on
    or is named: at the http level, or in any server block."""
    return next(iter(model.unread), None) or next(
        (s.unread[0] for s in model.servers if s.unread), None)


def anywhere(model: NginxModel) -> str | None:
    """An include at any level: one in a location may hold its proxy_pass."""
    return for_blocks(model) or next((loc.unread[0] for _, loc in model.locations()
                                      if loc.unread), None)


def for_site(model: NginxModel, chosen: Server | None, exact: bool) -> str | None:
    """An include the choice of ``chosen`` for a request depends on. An exact name is
    taken by the first block claiming it, so only the blocks before it matter (and its own
    listen, when it has none written); any other choice any block can change."""
    if model.unread:
        return model.unread[0]
    if chosen is not None and exact:
        before = model.servers[:model.servers.index(chosen)]
        return next((s.unread[0] for s in before if s.unread), None) or (
            chosen.unread[0] if chosen.unread and implicit_listen(chosen) else None)
    return next((s.unread[0] for s in model.servers if s.unread), None)


def for_location(server: Server, location: Location) -> str | None:
    """An include that may hold a location taking the request, or a return before it."""
    if server.unread:
        return server.unread[0]
    chain = _chain(server.locations, location) or [location]
    return next((loc.unread[0] for loc in chain if loc.unread), None)


def _chain(locations: list[Location], target: Location) -> list[Location] | None:
    for loc in locations:
        if loc is target:
            return [loc]
        inner = _chain(loc.locations, target)
        if inner is not None:
            return [loc, *inner]
    return None


def said(model: NginxModel, where: str) -> str:
    """The include at ``where``, as written, and what it may hold."""
    written = next((" ".join(u.directive.args) for u in model.text.unread
                    if u.directive.where == where), "")
    why = ("a site file read alone" if model.text.fragment
           else "no such file here: nginx would not start")
    return (f"include {written} at {where} was not read ({why}): it may "
            f"hold {MAY_HOLD} that change this")


# nginx's own files of directives, as its packages install them beside nginx.conf
NGINX_FILES = ("uwsgi_params", "fastcgi_params", "fastcgi.conf", "scgi_params",
               "proxy_params", "mime.types", "koi-utf", "koi-win", "win-utf")


def missing_file(path: str, written: str) -> tuple[str, str | None]:
    """For an include of an absolute path that is not on this machine: the words (where it
    is missing, nginx refuses to start: ``nginx -t`` says ``open() "..." failed``) and, for a
    name one typo away from one of nginx's own files, the include meant. ("", None) for a
    relative path (where it is looked for depends on the prefix nginx runs with) or one that
    exists (it is then unreadable, not missing)."""
    if not os.path.isabs(written) or os.path.exists(path):
        return "", None
    name = os.path.basename(path)
    near = [] if name in NGINX_FILES else difflib.get_close_matches(name, NGINX_FILES, 1, 0.8)
    meant = os.path.join(os.path.dirname(path), near[0]) if near else None
    said = (f"; {near[0]} is nginx's file of that kind, the name is probably mistyped"
            if near else "")
    return (f". {path} does not exist on this machine: where it is missing nginx refuses to "
            f"start (nginx -t: open() \"{path}\" failed (2: No such file or directory))"
            f"{said}"), meant
