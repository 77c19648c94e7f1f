"""Which ``WSGIScriptAlias`` mounts a request can reach: mod_wsgi tries a server's aliases
in order (the VirtualHost's own, then the main server's) and the first that matches wins,
so an alias after one that matches all its URLs is never reached. Shared by the
``alias_order`` rule and the rules about applications sharing processes (an application no
request reaches shares nothing)."""

from __future__ import annotations

import re

from probe.apache.model import Server, Site, WsgiApp
from probe.apache.names import mount_matches


def tried_by(site: Site, app: WsgiApp) -> list[Server]:
    """The servers whose requests try ``app``: its VirtualHost, or for a main-server alias
    the main server and every VirtualHost (each appends the main server's aliases)."""
    return list(site.servers) if app.server.is_main else [app.server]


def shadowing(site: Site, server: Server, app: WsgiApp) -> WsgiApp | None:
    """The earlier alias that takes every URL of ``app`` in requests to ``server``.

    Handler mounts are chosen by mod_alias, mod_rewrite and sections, not in alias order,
    and neither shadow nor are shadowed here."""
    if app.handler:
        return None
    aliases = [a for a in site.aliases_for(server) if not a.handler]
    if not any(a is app for a in aliases):
        return None
    earlier = aliases[:next(i for i, a in enumerate(aliases) if a is app)]
    return next((e for e in earlier if shadows(e, app)), None)


def unreachable(site: Site, app: WsgiApp) -> bool:
    """No request reaches ``app``: in every server that tries it an earlier alias wins."""
    return all(shadowing(site, s, app) is not None for s in tried_by(site, app))


def shadows(earlier: WsgiApp, later: WsgiApp) -> bool:
    """Whether every URL ``later`` would serve is matched by ``earlier`` first.

    Plain aliases match on whole path segments (``/app`` takes ``/app/x``, not ``/apps``):
    an earlier alias that matches the later one's own URL matches all of them. Regular
    expressions are judged on the literal prefix of an anchored pattern only.
    """
    if not earlier.is_match:
        if not later.is_match:
            return mount_matches(earlier.mount, later.mount)
        prefix = literal_prefix(later.mount)
        return mount_matches(earlier.mount, "/") or (
            prefix is not None and mount_matches(earlier.mount, prefix))
    if later.is_match:
        return False
    try:
        return re.search(earlier.mount, later.mount) is not None
    except re.error:
        return False


def literal_prefix(regex: str) -> str | None:
    """The whole path segments every match of an anchored regex starts with, else None."""
    if not regex.startswith("^"):
        return None
    literal = re.match(r"[^.^$*+?{}\[\]\\|()]*", regex[1:])
    text = literal.group(0) if literal else ""
    return text[: text.rfind("/") + 1] if "/" in text else None
