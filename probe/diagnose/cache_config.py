"""``not_live`` (``cached``) with the front's configuration read (``--config``): the lines
that made the cache store the probe's ``no-store`` answers, and the key line where one
cache serves several names without the Host in its key (configured, ``file:line``).

nginx: the location that proxies the URL, its ``proxy_cache`` and ``proxy_ignore_headers``
lines in force (:mod:`probe.nginx.caches`); the key line only where lint's
``nginx_cache_key_host`` is at it. Apache: ``CacheStoreNoStore On`` lines (mod_cache stores
a no-store answer only with it), and ``UseCanonicalName On`` in a VirtualHost with a
``ServerAlias`` (mod_cache keys by the name httpd uses, then the ServerName for every alias).
Varnish's VCL is not read: the observed words of :mod:`.cached` stand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from probe.diagnose.cached import CacheKind, address_kind, fix_words, other_stored
from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig
from probe.model import Cause, Evidence, EvidenceKind, FrontKind, Liveness, Observation, Verdict
from probe.nginx_snippets import NONCE_LINES

if TYPE_CHECKING:
    from probe.nginx.caches import CacheLines
    from probe.nginx.model import NginxModel

Lint = Mapping[tuple[str, int], tuple[str, str]]


Said = tuple[str | None, str | None, list[Evidence]]
"""Why a no-store answer was stored, what the key is, as the lines read say; their evidence."""


def _nginx(obs: Observation, front: FrontConfig, lint: Lint) -> Said:
    from probe.nginx.caches import cache_at, purge_words, zone_names
    from probe.nginx.select import location_at

    address = obs.target.address or next((s.address for s in obs.samples if s.address), None)
    route = front.route(obs.target.url, address)
    mapping = route.step("mapping")
    model = getattr(front, "model", None)
    if route.undecided is not None or mapping is None or mapping.source is None or \
            model is None:
        return None, None, []
    location = location_at(model, mapping.source)
    lines = cache_at(model, location) if location is not None else None
    if location is None or lines is None:
        return None, None, []
    evidence = [Evidence(EvidenceKind.CONFIGURED, f"proxy_cache {lines.zone.args[0]} in force "
                         f"at {location.describe()}", lines.zone.where)]
    why = key_words = None
    if lines.stores_no_store and lines.ignored is not None:
        ignored = lines.ignored
        evidence.append(Evidence(EvidenceKind.CONFIGURED, "the cache ignores Cache-Control",
                                 ignored.where))
        why = (
            f"the configuration read says why: '{ignored.name} {' '.join(ignored.args)};' "
            f"({ignored.where}) is in force at {location.describe()} ({location.where}), "
            f"which proxies this URL with 'proxy_cache {lines.zone.args[0]};' "
            f"({lines.zone.where}). In the block of {ignored.where} add "
            f"'{NONCE_LINES[0]}' and '{NONCE_LINES[1]}' (every probe request carries "
            f"X-Probe-Nonce: it passes the cache and none of its answers is stored), or take "
            f"Cache-Control out of that line, which leaves the answers stored already to be "
            f"given until they leave; then reload nginx."
            f"{'' if key_shared(model, lines, lint) else ' ' + purge_words(lines)}")
    elif lines.bypass and any("$http_x_probe_nonce" in " ".join(d.args).lower()
                              for d in lines.bypass):
        # a request carrying the nonce header never gets a stored answer here
        at = ", ".join(d.where for d in lines.bypass)
        evidence.append(Evidence(EvidenceKind.CONFIGURED, "the probe's requests pass the "
                                 "cache", at))
        why = (f"the configuration read gives the probe no stored answer: "
               f"'proxy_cache_bypass' for the nonce ({at}) is in force at "
               f"{location.describe()} ({location.where}). So nginx does not run this file "
               f"yet: reload nginx with it ('nginx -T' shows the file it runs).")
    else:
        told = (f"'proxy_ignore_headers {' '.join(lines.ignored.args)};' "
                f"({lines.ignored.where}) beside 'proxy_no_cache' for the nonce"
                if lines.ignored is not None
                else "no proxy_ignore_headers naming Cache-Control")
        why = (f"the configuration read stores none of them: it has {told} in force at "
               f"{location.describe()} ({location.where}). So this answer was stored before, "
               f"under a configuration nginx ran earlier, or nginx does not run this file yet "
               f"(reload it). {purge_words(lines)}")
    key = lines.key
    shared = key_shared(model, lines, lint)
    if shared:
        assert key is not None
        evidence.extend(Evidence(EvidenceKind.CONFIGURED, "the cache key lacks the Host", w)
                        for w in shared)
        key_words = (f"Its key, 'proxy_cache_key {' '.join(key.args)};' ({key.where}), holds "
                     f"no $host while zone '{lines.zone.args[0]}' serves "
                     f"{', '.join(zone_names(model, lines.zone.args[0]))} (lint's "
                     f"nginx_cache_key_host): write 'proxy_cache_key $scheme$host$request_uri;' "
                     f"in place of {_lines(shared)}, then reload nginx, or users of one name "
                     f"get the pages stored for another. {purge_words(lines)}")
    elif not lines.key_has_host:
        pass  # the key is the target's ($proxy_host): said only where lint finds it shared
    else:
        key_words = (f"Its key, '{lines.key_text}' "
                    f"({key.where if key is not None else 'nginx default'}), holds the Host: "
                    f"each name has its own stored answers.")
    return why, key_words, evidence


def _lines(where: list[str]) -> str:
    return f"the line at {where[0]}" if len(where) == 1 else f"the lines at {', '.join(where)}"


def key_shared(model: NginxModel, lines: CacheLines, lint: Lint) -> list[str]:
    """Every key line without the Host where the zone of ``lines`` caches, where this key
    lacks it and the zone serves several names (a key of nginx's default, $proxy_host, only
    where lint finds it shared): all of them are to change, a block left on the old key
    getting the entries other names stored under it."""
    from probe.nginx.caches import zone_names

    zone = lines.zone.args[0]
    if lines.key_has_host or len(zone_names(model, zone)) < 2:
        return []
    if lines.key is None and lint.get((lines.zone.file, lines.zone.line), ("",))[0] != \
            "nginx_cache_key_host":
        return []
    from probe.nginx.caches import key_lines

    return key_lines(model, zone) if lines.key is not None else []


def _apache(front: FrontConfig, other: str | None) -> Said:
    from probe.apache import mod_cache

    site = getattr(front, "site", None)
    if site is None:
        return None, None, []
    cache = mod_cache.read(site)
    if not cache.enable:
        return None, None, []
    why = key_words = None
    evidence = []
    for d in cache.stores_no_store:
        evidence.append(Evidence(EvidenceKind.CONFIGURED, "mod_cache stores no-store "
                                 "answers", d.where))
        why = (f"the configuration read says why: 'CacheStoreNoStore On' "
               f"({d.where}) makes mod_cache store answers marked no-store, the "
               f"probe's: write 'CacheStoreNoStore Off' there, then restart Apache.")
    if why is None:
        # the file read stores none of them: this one was stored before, or elsewhere
        off = ", ".join(d.where for d in cache.store_no_store)
        told = (f"'CacheStoreNoStore Off' ({off})" if off
                else "no CacheStoreNoStore line (mod_cache's default, Off)")
        evidence.extend(Evidence(EvidenceKind.CONFIGURED, "mod_cache stores no no-store "
                                 "answer", d.where) for d in cache.store_no_store)
        why = (f"the configuration read stores none of them: it has {told}. So this "
               f"answer was stored before: under a configuration Apache ran earlier, or "
               f"Apache does not run this file yet (restart it with this file). "
               f"{mod_cache.purge_words(cache)}")
    for d in cache.canonical:
        evidence.append(Evidence(EvidenceKind.CONFIGURED, "the cache key is the ServerName "
                                 "for every alias", d.where))
        key_words = (f"'UseCanonicalName On' ({d.where}) in a VirtualHost with a "
                     f"ServerAlias makes mod_cache key every alias's pages by the "
                     f"ServerName: write 'UseCanonicalName Off' there, or users of one name "
                     f"get the pages stored for another.")
    if key_words is None and other is not None:
        # the key read holds each name: never propose the line it already has
        key_words = ("the configuration read keys each name apart (no 'UseCanonicalName "
                     "On' in a VirtualHost with a ServerAlias): it was stored under the key "
                     "of an earlier configuration, and stays until removed as above.")
    return why, key_words, evidence


def configured(obs: Observation, diagnosis: Diagnosis, front: FrontConfig, lint: Lint,
               context: SweepContext) -> Diagnosis:
    """``diagnosis`` with the configured lines, where it is a stored answer and they say."""
    if diagnosis.verdict is not Verdict.NOT_LIVE or diagnosis.cause is not Cause.CACHED:
        return diagnosis
    stored = next((s for s in reversed(obs.samples) if s.liveness is Liveness.CACHED), None)
    other = other_stored(obs, stored, context) if stored is not None else None
    if front.front is FrontKind.NGINX:
        why, key, evidence = _nginx(obs, front, lint)
    elif front.front is FrontKind.APACHE and (
            stored is None
            or address_kind(obs, stored, context)[0] in (CacheKind.APACHE, CacheKind.UNKNOWN)):
        why, key, evidence = _apache(front, other)
    else:
        return diagnosis
    if (why is None and key is None) or stored is None:
        return diagnosis
    kind, _ = address_kind(obs, stored, context)
    fix = fix_words(kind, other, why, key)
    return Diagnosis(diagnosis.verdict, diagnosis.cause, diagnosis.explanation, fix,
                     diagnosis.answered_by, diagnosis.evidence + tuple(evidence),
                     diagnosis.candidates)
