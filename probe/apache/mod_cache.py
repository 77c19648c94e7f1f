"""What mod_cache is told by a configuration read: where it caches (``CacheEnable``), whether
it stores answers marked ``no-store`` (``CacheStoreNoStore``), the name its key holds
(``UseCanonicalName On`` in a VirtualHost with a ServerAlias: the ServerName for every
alias), where mod_cache_disk keeps its entries (``CacheRoot``) and how long
(``CacheDefaultExpire``, ``CacheMaxExpire``); every line with its ``file:line``.

Read by the sweep's diagnosis (``probe/diagnose/cache_config.py``, ``cache_front.py``) and by
lint (``probe/lint/apache_cache_rules.py``). The entries mod_cache_disk wrote stay in
``CacheRoot`` across a restart: a line changed does not change what was stored under it
(T32's cache-apache, re-tested: ``Age: 16`` and the same nonces after the restart).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from probe.apache.config import Directive
from probe.apache.model import Site

_PATTERN_PREFIX = re.compile(r"^\^?(/[^\\^$.*+?()\[\]{}|]*)")


def walk(directives: tuple[Directive, ...], host: Directive | None = None,
         ) -> Iterator[tuple[Directive, Directive | None]]:
    """Every directive with the VirtualHost it is in (None: server-wide)."""
    for d in directives:
        yield d, host
        if d.children:
            yield from walk(d.children, d if d.key == "virtualhost" else host)


def _enables(directives: tuple[Directive, ...], host: Directive | None = None,
             section: Directive | None = None) -> Iterator[Enable]:
    for d in directives:
        if d.key == "cacheenable" and d.args:
            path = d.args[1] if len(d.args) > 1 else section.arg(0) if section else "/"
            yield Enable(d, host, path)
        if d.children:
            yield from _enables(d.children, d if d.key == "virtualhost" else host,
                                d if d.key in ("location", "locationmatch") else section)


@dataclass(frozen=True)
class Enable:
    line: Directive  # CacheEnable TYPE [PATH]
    host: Directive | None  # its VirtualHost (None: server-wide)
    path: str  # the URL path it covers: its own, else its <Location>'s


@dataclass(frozen=True)
class ModCache:
    enable: tuple[Enable, ...]
    store_no_store: tuple[Directive, ...]  # every CacheStoreNoStore line, as written
    canonical: tuple[Directive, ...]  # UseCanonicalName On in a VirtualHost with a ServerAlias
    root: Directive | None  # CacheRoot (mod_cache_disk)
    expire: tuple[Directive, ...]  # CacheDefaultExpire, CacheMaxExpire

    @property
    def stores_no_store(self) -> tuple[Directive, ...]:
        return tuple(d for d in self.store_no_store if d.arg(0).lower() == "on")

    @property
    def on_disk(self) -> bool:
        return any(e.line.arg(0).lower() == "disk" for e in self.enable)


def read(site: Site) -> ModCache:
    seen = list(walk(site.config.directives))
    enable = tuple(_enables(site.config.directives))
    canonical = tuple(
        d for d, host in seen
        if d.key == "usecanonicalname" and d.arg(0).lower() == "on" and host is not None
        and any(c.key == "serveralias" for c in host.body())
        and any(e.host is None or e.host is host for e in enable))
    return ModCache(
        enable,
        tuple(d for d, _ in seen if d.key == "cachestorenostore"),
        canonical,
        next((d for d, _ in reversed(seen) if d.key == "cacheroot" and d.args), None),
        tuple(d for d, _ in seen if d.key in ("cachedefaultexpire", "cachemaxexpire")))


def app_paths(site: Site) -> list[tuple[str, str]]:
    """(path, file:line) of every path that reaches an application: a WSGIScriptAlias's
    mount, a ProxyPass's path, a RewriteRule [P]'s literal start."""
    found = [(a.mount, a.directive.where) for a in site.apps if not a.is_match]
    for d, _ in walk(site.config.directives):
        if d.key == "proxypass" and d.args and d.args[0].startswith("/"):
            found.append((d.args[0], d.where))
        elif d.key == "rewriterule" and len(d.args) > 2 and \
                "p" in d.args[2].strip("[]").lower().split(","):
            start = _PATTERN_PREFIX.match(d.args[0])
            found.append((start.group(1) if start else "/", d.where))
    return found


def overlaps(cached: str, path: str) -> bool:
    """Whether requests under ``cached`` and those under ``path`` share some path."""
    return path.startswith(cached) or cached.startswith(path)


def purge_words(cache: ModCache) -> str:
    """How the entries stored already leave mod_cache_disk (configured)."""
    wait = ", ".join(f"{d.name} {' '.join(d.args)} ({d.where})" for d in cache.expire)
    expire = f"they expire ({wait})" if wait else "they expire (CacheDefaultExpire, 1 hour)"
    if cache.root is None:
        return (f"The entries stored already stay until {expire} or are removed; no CacheRoot "
                f"line was read to name where mod_cache_disk keeps them.")
    root = cache.root.arg(0)
    return (f"The entries stored already stay in mod_cache_disk's CacheRoot ({root}, "
            f"{cache.root.where}) across a restart, until {expire} or are removed: "
            f"'htcacheclean -p {root} -l 1' (or delete the files under {root}), then sweep "
            f"again.")
