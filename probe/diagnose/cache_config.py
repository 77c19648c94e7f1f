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

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from probe.diagnose.cached import cache_kind, fix_words, other_stored
from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig
from probe.model import Cause, Evidence, EvidenceKind, FrontKind, Liveness, Observation, Verdict
from probe.nginx_snippets import NONCE_LINES

if TYPE_CHECKING:
    from probe.apache.config import Directive

Lint = Mapping[tuple[str, int], tuple[str, str]]


Said = tuple[str | None, str | None, list[Evidence]]
"""Why a no-store answer was stored, what the key is, as the lines read say; their evidence."""


def _nginx(obs: Observation, front: FrontConfig, lint: Lint) -> Said:
    from probe.nginx.caches import cache_at

    address = obs.target.address or next((s.address for s in obs.samples if s.address), None)
    route = front.route(obs.target.url, address)
    mapping = route.step("mapping")
    model = getattr(front, "model", None)
    if route.undecided is not None or mapping is None or mapping.source is None or \
            model is None:
        return None, None, []
    location = next((loc for _, loc in model.locations() if loc.where == str(mapping.source)),
                    None)
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
            f"Cache-Control out of that line; then reload nginx.")
    key = lines.key
    if key is not None and lint.get((key.file, key.line), ("", ""))[0] == "nginx_cache_key_host":
        evidence.append(Evidence(EvidenceKind.CONFIGURED, "the cache key lacks the Host",
                                 key.where))
        key_words = (f"Its key, 'proxy_cache_key {' '.join(key.args)};' ({key.where}), holds "
                    f"no $host while the cache serves several names (lint's "
                    f"nginx_cache_key_host): write 'proxy_cache_key $scheme$host$request_uri;' "
                    f"in its place, or users of one name get the pages stored for another.")
    elif not lines.key_has_host:
        pass  # the key is the target's ($proxy_host): said only where lint finds it shared
    else:
        key_words = (f"Its key, '{lines.key_text}' "
                    f"({key.where if key is not None else 'nginx default'}), holds the Host: "
                    f"each name has its own stored answers.")
    return why, key_words, evidence


def walk(directives: tuple[Directive, ...], host: Directive | None = None,
          ) -> Iterator[tuple[Directive, Directive | None]]:
    """Every directive with the VirtualHost it is in (None: server-wide)."""
    for d in directives:
        yield d, host
        if d.children:
            yield from walk(d.children, d if d.key == "virtualhost" else host)


def _apache(front: FrontConfig) -> Said:
    site = getattr(front, "site", None)
    if site is None:
        return None, None, []
    why = key_words = None
    evidence = []
    seen = list(walk(site.config.directives))
    for d, _ in seen:
        if d.key == "cachestorenostore" and d.arg(0).lower() == "on":
            evidence.append(Evidence(EvidenceKind.CONFIGURED, "mod_cache stores no-store "
                                     "answers", d.where))
            why = (f"the configuration read says why: 'CacheStoreNoStore On' "
                        f"({d.where}) makes mod_cache store answers marked no-store, the "
                        f"probe's: write 'CacheStoreNoStore Off' there, then restart Apache.")
    for d, host in seen:
        aliased = host is not None and any(c.key == "serveralias" for c in host.body())
        if d.key == "usecanonicalname" and d.arg(0).lower() == "on" and aliased:
            evidence.append(Evidence(EvidenceKind.CONFIGURED, "the cache key is the ServerName "
                                     "for every alias", d.where))
            key_words = (f"'UseCanonicalName On' ({d.where}) in a VirtualHost with a "
                        f"ServerAlias makes mod_cache key every alias's pages by the "
                        f"ServerName: write 'UseCanonicalName Off' there, or users of one name "
                        f"get the pages stored for another.")
    return why, key_words, evidence


def configured(obs: Observation, diagnosis: Diagnosis, front: FrontConfig, lint: Lint,
               context: SweepContext) -> Diagnosis:
    """``diagnosis`` with the configured lines, where it is a stored answer and they say."""
    if diagnosis.verdict is not Verdict.NOT_LIVE or diagnosis.cause is not Cause.CACHED:
        return diagnosis
    if front.front is FrontKind.NGINX:
        why, key, evidence = _nginx(obs, front, lint)
    elif front.front is FrontKind.APACHE:
        why, key, evidence = _apache(front)
    else:
        return diagnosis
    stored = next((s for s in reversed(obs.samples) if s.liveness is Liveness.CACHED), None)
    if (why is None and key is None) or stored is None:
        return diagnosis
    kind, _ = cache_kind(stored)
    fix = fix_words(kind, other_stored(obs, stored, context), why, key)
    return Diagnosis(diagnosis.verdict, diagnosis.cause, diagnosis.explanation, fix,
                     diagnosis.answered_by, diagnosis.evidence + tuple(evidence),
                     diagnosis.candidates)
