"""The Apache mod_cache rules (docs/lint.md, "Apache mod_cache"), read from
:mod:`probe.apache.mod_cache`:

* ``cache_store_no_store``: ``CacheStoreNoStore On`` where a ``CacheEnable`` covers a path
  that mounts a WSGI application or proxies (``ProxyPass``, ``RewriteRule [P]``): the answers
  an application marks ``no-store`` (a user's own pages, the probe endpoint's) are stored
  and given to later requests; a sweep there says ``not_live`` (``cached``) from the second
  sweep on (re-tester R32: MISS with live nonces, then HIT with the same ones). Not said
  where no path an application answers is cached (a cache of static files only).
* ``cache_canonical_name``: ``UseCanonicalName On`` in a VirtualHost with a ServerAlias
  where a ``CacheEnable`` is in force (server-wide or its own): mod_cache keys a page by the
  name httpd uses, the ServerName for every alias, so one alias's users get the page stored
  for another (tester T32's cache-apache; ``lint`` said "clean" there before).

Both name the CacheRoot a restart leaves full: mod_cache_disk's entries outlive it.
"""

from __future__ import annotations

from probe.apache import mod_cache
from probe.apache.model import Site
from probe.lint.findings import ConfigFinding, Severity


def _purge(cache: mod_cache.ModCache) -> str:
    if cache.root is None or not cache.on_disk:
        return ""
    root = cache.root.arg(0)
    return (f"; the pages stored already outlive the restart in CacheRoot {root} "
            f"({cache.root.where}): remove them with 'htcacheclean -p {root} -l 1'")


def cache_store_no_store(site: Site) -> list[ConfigFinding]:
    cache = mod_cache.read(site)
    if not cache.enable or not cache.stores_no_store:
        return []
    apps = mod_cache.app_paths(site)
    covered = [(e, path, where) for e in cache.enable for path, where in apps
               if mod_cache.overlaps(e.path, path)]
    if not covered:
        return []
    enable, path, where = covered[0]
    return [ConfigFinding(
        "cache_store_no_store", Severity.WARNING, d.file, d.line,
        f"CacheStoreNoStore On: mod_cache stores answers marked Cache-Control: no-store, and "
        f"'CacheEnable {' '.join(enable.line.args)}' ({enable.line.where}) covers {path}, "
        f"where an application answers ({where}): a user's own pages and the probe "
        f"endpoint's answers are stored and given to later requests, and a sweep there says "
        f"not_live (cached)",
        f"write 'CacheStoreNoStore Off' there (mod_cache's default), then restart Apache"
        f"{_purge(cache)}")
        for d in cache.stores_no_store]


def cache_canonical_name(site: Site) -> list[ConfigFinding]:
    cache = mod_cache.read(site)
    if not cache.canonical:
        return []
    enable = cache.enable[0].line
    return [ConfigFinding(
        "cache_canonical_name", Severity.WARNING, d.file, d.line,
        f"UseCanonicalName On in a VirtualHost with a ServerAlias, where "
        f"'CacheEnable {' '.join(enable.args)}' ({enable.where}) is in force: mod_cache keys "
        f"each page by the name httpd uses, the ServerName for every alias, so the users of "
        f"one name get the pages stored for another. The probe's answers (Cache-Control: "
        f"no-store) are not stored unless CacheStoreNoStore is On, so a sweep does not show "
        f"it",
        f"write 'UseCanonicalName Off' there (the default), then restart Apache"
        f"{_purge(cache)}")
        for d in cache.canonical]
