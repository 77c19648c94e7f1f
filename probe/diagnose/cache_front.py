"""``cache_untested``: a cache in front serves several names, and the probe's answers through
it were live in this sweep, so they cannot show what it gives users.

The endpoint answers ``Cache-Control: no-store``; a cache that honours it passes every probe
request to the application (``X-Cache-Status: MISS``, a live nonce), so the sweep says ``ok``
while users of one name may get the page stored for the same path under another, where the
cache key lacks the Host (tester T32: nginx ``proxy_cache_key $scheme$request_uri``, a Varnish
``vcl_hash`` without ``req.http.host``). Said once per front address whose live answers carry
a cache's header for two or more host names (observed). That they were live says nothing of
whether they were stored: a cache told to ignore ``no-store`` (nginx ``proxy_ignore_headers
Cache-Control``, Apache ``CacheStoreNoStore On``) stores a first sweep's answers on an empty
cache and gives them to the next (re-tester R32: MISS, then HIT with the same nonces). What
the cache is, is told once per address by whichever of its answers names it
(:func:`probe.diagnose.cached.front_kinds`), the same words as the ``not_live`` lines use.

With ``--config``, :mod:`.cache_front_config` says what the lines read decide: the lines
that store the probe's answers, the key lines without the Host where one zone serves several
names (every one of them, and how the entries stored under the old key leave), and nothing
where neither holds. A warning only where the configuration read shows one of them; elsewhere
a note (severity ok) that names the check: a cache in front is no fault, and a warning
nothing can clear would hold every ``probe check`` behind a shared cache at WARNING for good.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.diagnose.cache_front_config import configured
from probe.diagnose.cached import VARNISH_RELOAD, CacheKind, cache_kind, front_kinds
from probe.model import Finding, Liveness, Observation, Sample, Status

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin

CODE = "cache_untested"
_LIVE = (Liveness.LIVE, Liveness.UNSIGNED, Liveness.UNPROVEN)
_CHECK = {
    CacheKind.NGINX: "nginx's proxy_cache_key must hold $host ('proxy_cache_key "
                     "$scheme$host$request_uri;') where one zone serves several names",
    CacheKind.VARNISH: "the VCL's vcl_hash must hash the Host ('hash_data(req.http.host);', "
                       "as Varnish's builtin vcl_hash does unless a custom one returns first)",
    CacheKind.APACHE: "mod_cache keys by the name httpd uses: 'UseCanonicalName Off' (the "
                      "default) in each VirtualHost with a ServerAlias, and no CacheKeyBaseURL "
                      "that drops the name",
    CacheKind.UNKNOWN: "the cache's key must include the Host where it serves several names",
}
_VARNISH = (f" Neither 'probe sweep --config' nor 'probe lint' reads a VCL, and the manifest "
            f"has no key that acknowledges a finding: this note (severity ok, it changes no "
            f"status) stays. The check is by hand: 'varnishadm vcl.list' names the active "
            f"VCL, 'varnishadm vcl.show -v NAME' shows its vcl_hash; a VCL edited is loaded "
            f"with {VARNISH_RELOAD}.")


def _stored_here(observations: Sequence[Observation], address: str) -> list[str]:
    """The URLs whose answers at ``address`` were stored ones in this sweep (observed)."""
    return [obs.target.url for obs in observations
            if any(s.liveness is Liveness.CACHED and (s.address or obs.target.address) ==
                   address for s in obs.samples)]


def _observed(address: str, urls: list[str]) -> str:
    if urls:
        shown = ", ".join(urls[:3]) + (f" and {len(urls) - 3} more" if len(urls) > 3 else "")
        return (f" The same sweep got stored answers at {address} for {shown} (not_live, "
                f"cached): this cache stores some of the probe's no-store answers.")
    return (" Whether it stored them a second sweep shows (a stored answer carries an "
            "earlier request's nonce), or 'probe sweep --config' with the front's "
            "configuration (nginx, Apache; a Varnish VCL is not read).")


def cache_untested_findings(observations: Sequence[Observation],
                            config: ConfigJoin | None) -> tuple[Finding, ...]:
    fronts: dict[str, list[tuple[Observation, Sample]]] = {}
    for obs in observations:
        for sample in obs.samples:
            if sample.cache and sample.liveness in _LIVE and sample.endpoint is not None:
                address = sample.address or obs.target.address or "?"
                fronts.setdefault(address, []).append((obs, sample))
                break
    kinds = front_kinds(observations)
    findings = []
    for address, seen in fronts.items():
        hosts = sorted({(urlsplit(o.target.url).hostname or "") for o, _ in seen})
        if len(hosts) < 2:
            continue
        kind, told = kinds.get(address) or cache_kind(seen[0][1])
        header = told or seen[0][1].cache[0]
        said = configured(kind, header, [o for o, _ in seen], config)
        if said is None:
            continue  # the lines read neither store the probe's answers nor share a key
        words, risk, kind = said
        if config is None or not words:
            words = _observed(address, _stored_here(observations, address)) + words
        if kind is CacheKind.VARNISH:
            words += _VARNISH
        instances = tuple(sorted({o.target.expected for o, _ in seen
                                  if o.target.expected is not None}))
        name = kind.value if kind is not CacheKind.UNKNOWN else "a cache"
        findings.append(Finding(CODE, Status.WARNING if risk else Status.OK, instances, (
            f"A cache is in front at {address} ({name}: {header}) for {', '.join(hosts)}, "
            f"and the probe's answers through it were live in this sweep (each carried its "
            f"own request's nonce). The endpoint answers 'Cache-Control: no-store', which a "
            f"cache honouring it never stores, so these answers do not show what the cache "
            f"gives users for other pages: where one cache serves several names and its key "
            f"lacks the Host, the users of one name get the pages stored for another while "
            f"every URL here is ok. The check: {_CHECK[kind]}.{words}")))
    return tuple(findings)
