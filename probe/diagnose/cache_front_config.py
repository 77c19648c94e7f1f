"""``cache_untested`` with the front's configuration read (``--config``): what its lines
decide for the URLs whose live answers came through the cache (configured, ``file:line``).

* Lines that store the probe's ``no-store`` answers (nginx ``proxy_ignore_headers
  Cache-Control`` without ``proxy_no_cache`` for the nonce: lint's
  ``nginx_cache_no_store_ignored``; Apache ``CacheStoreNoStore On``): this sweep's live
  answers were stored, and the next sweep before they expire gets them (re-tester R32's
  :18113, whose key holds ``$host``: every answer stored, no finding before).
* Key lines without the Host where the zone serves several names (nginx): every one of
  them, not only the line lint reports, since a block left on the old key gets the entries
  the other names stored under it (R32, after line 24 alone was changed: site2 still got
  site1's page from line 38's key); and how those entries leave (the ``proxy_cache_path``
  directory, ``proxy_cache_valid``). Apache: ``UseCanonicalName On`` in a VirtualHost with
  a ServerAlias where ``CacheEnable`` is in force.
* "Not the ones in front" only on evidence: the location the file routes these URLs to
  caches nothing (or no ``CacheEnable`` is read) while their answers carry a cache's header.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from probe.diagnose.cached import CacheKind
from probe.model import FrontKind, Observation
from probe.nginx_snippets import NONCE_LINES

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin

Said = tuple[str, bool, CacheKind]
"""The configured words, whether they show a risk (a warning), the cache as identified."""


def _joined(where: list[str]) -> str:
    return ", ".join(where)


def _nginx(kind: CacheKind, header: str, observations: list[Observation],
           config: ConfigJoin) -> Said | None:
    from probe.nginx.caches import CacheLines, cache_at, key_lines, purge_words, zone_names
    from probe.nginx.select import location_at

    model = getattr(config.front, "model", None)
    if model is None:
        return " The configuration read does not decide it (no nginx model).", False, kind
    stores: list[str] = []
    lacking: list[str] = []
    cached: list[CacheLines] = []
    for obs in observations:
        address = obs.target.address or next((s.address for s in obs.samples if s.address),
                                             None)
        route = config.front.route(obs.target.url, address)
        mapping = route.step("mapping")
        location = location_at(model, mapping.source) if mapping is not None else None
        if route.undecided is not None or location is None:
            return (f" The configuration read does not decide which location proxies "
                    f"{obs.target.url}, so not its cache lines either.", False, kind)
        lines = cache_at(model, location)
        if lines is None:
            return (f" The configuration read has no proxy_cache in force at "
                    f"{location.describe()} ({location.where}), where it routes "
                    f"{obs.target.url}, while the answer carries {header}: the cache in "
                    f"front does not run this file ('nginx -T' there shows the one it "
                    f"runs).", False, kind)
        cached.append(lines)
        if lines.stores_no_store and lines.ignored is not None and \
                lines.ignored.where not in stores:
            stores.append(lines.ignored.where)
        zone = lines.zone.args[0]
        if lines.key is not None and not lines.key_has_host and len(zone_names(model, zone)) > 1:
            lacking += [w for w in key_lines(model, zone) if w not in lacking]
    words = ""
    if stores:
        valid = sorted({d.where for li in cached for d in li.valid})
        life = (f"with proxy_cache_valid ({_joined(valid)}) giving them a lifetime, this "
                f"sweep's answers were stored, and a sweep before they expire gets them "
                f"(not_live, cached)" if valid else
                "no proxy_cache_valid line is read, so they are stored where an answer's "
                "X-Accel-Expires gives them a lifetime")
        words += (f" The configuration read stores them: 'proxy_ignore_headers' naming "
                  f"Cache-Control ({_joined(stores)}) is in force where these URLs are "
                  f"proxied with a cache, with no proxy_no_cache for the probe's nonce "
                  f"(lint's nginx_cache_no_store_ignored): {life}. In the "
                  f"block of each line add '{NONCE_LINES[0]}' and '{NONCE_LINES[1]}', then "
                  f"reload nginx.")
    if lacking:
        first = next(li for li in cached if li.key is not None and not li.key_has_host)
        zones = sorted({li.zone.args[0] for li in cached if not li.key_has_host})
        names = sorted({n for z in zones for n in zone_names(model, z)})
        words += (f" The configuration read: the key at {_joined(lacking)} holds no $host "
                  f"while zone {', '.join(repr(z) for z in zones)} serves {', '.join(names)}: "
                  f"a block keyed so gets the page any name stored under that key for the "
                  f"path, those stored before a key line changed too. Write 'proxy_cache_key "
                  f"$scheme$host$request_uri;' in place of each, then reload nginx. "
                  f"{purge_words(first)}")
    if not words:
        return None
    return words, True, kind


def _apache(kind: CacheKind, header: str, config: ConfigJoin) -> Said | None:
    from probe.apache import mod_cache

    site = getattr(config.front, "site", None)
    if site is None:
        return " The configuration read does not decide it (no Apache model).", False, kind
    cache = mod_cache.read(site)
    if not cache.enable:
        return (f" The configuration read has no CacheEnable while the answers carry "
                f"{header}: the cache in front does not run this file.", False, kind)
    kind = CacheKind.APACHE if kind is CacheKind.UNKNOWN and header.lower().startswith(
        ("x-cache:", "age:")) else kind
    words = ""
    stores = [d.where for d in cache.stores_no_store]
    if stores:
        words += (f" The configuration read stores them: 'CacheStoreNoStore On' "
                  f"({_joined(stores)}) makes mod_cache store answers marked no-store: this "
                  f"sweep's answers were stored, and a sweep before they expire gets them "
                  f"(not_live, cached). Write 'CacheStoreNoStore Off' there, then restart "
                  f"Apache.")
    if cache.canonical:
        shared = _joined([d.where for d in cache.canonical])
        words += (f" The configuration read: 'UseCanonicalName On' ({shared}) in a "
                  f"VirtualHost with a ServerAlias makes mod_cache key every alias's pages by "
                  f"the ServerName: write 'UseCanonicalName Off' there, then restart "
                  f"Apache.")
    if not words:
        return None
    return f"{words} {mod_cache.purge_words(cache)}", True, kind


def configured(kind: CacheKind, header: str, observations: list[Observation],
               config: ConfigJoin | None) -> Said | None:
    """What the configuration read says of these URLs' cache; None where it decides there is
    nothing to say (its lines neither store the probe's answers nor share a key)."""
    if config is None:
        return "", False, kind
    front = config.front.front
    if front is FrontKind.NGINX and kind in (CacheKind.NGINX, CacheKind.UNKNOWN):
        return _nginx(kind, header, observations, config)
    if front is FrontKind.APACHE and kind in (CacheKind.APACHE, CacheKind.UNKNOWN):
        return _apache(kind, header, config)
    return (f" The configuration read is {front.value}'s, and the answers name {kind.value} "
            f"({header}): its lines do not decide this cache's key.", False, kind)
