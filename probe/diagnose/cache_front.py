"""``cache_untested``: a cache in front serves several names, and the probe's answers, which it
does not store, cannot show what it gives users.

The endpoint answers ``Cache-Control: no-store``; a cache that honours it passes every probe
request to the application (``X-Cache-Status: MISS``, a live nonce), so the sweep says ``ok``
while users of one name may get the page stored for the same path under another, where the
cache key lacks the Host (tester T32: nginx ``proxy_cache_key $scheme$request_uri``, a Varnish
``vcl_hash`` without ``req.http.host``). Said once per front address whose live answers carry
a cache's header for two or more host names (observed); with ``--config`` the key line (the
lint finding ``nginx_cache_key_host`` at it), and nothing where the key read holds the Host
(nginx) or no ``UseCanonicalName On`` shares a VirtualHost with a ``ServerAlias`` (Apache).
Varnish's VCL is not read: there the check is named, never decided.

A warning only where the configuration read shows the risk (a key line without the Host, or
``UseCanonicalName On`` beside a ServerAlias); elsewhere a note (severity ok) that names the
check: a cache in front is no fault, and a warning nothing can clear would hold every
``probe check`` behind a shared cache at WARNING for good.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from probe.diagnose.cached import CacheKind, cache_kind
from probe.model import Finding, FrontKind, Liveness, Observation, Sample, Status

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


def _nginx_key(observations: Sequence[Observation], config: ConfigJoin
               ) -> tuple[bool, list[str]]:
    """(whether every URL's cache key read holds the Host, the key lines lint finds
    lacking it) for these URLs' locations."""
    from probe.nginx.caches import cache_at

    model = getattr(config.front, "model", None)
    if model is None:
        return False, []
    held, lacking = True, list[str]()
    for obs in observations:
        address = obs.target.address or next((s.address for s in obs.samples if s.address),
                                             None)
        route = config.front.route(obs.target.url, address)
        mapping = route.step("mapping")
        location = next((loc for _, loc in model.locations()
                         if mapping is not None and loc.where == str(mapping.source)), None)
        lines = cache_at(model, location) if location is not None else None
        if lines is None:
            return False, lacking  # no cache in force by what was read: not decided here
        held = held and lines.key_has_host
        key = lines.key
        if key is not None and config.findings.get((key.file, key.line), ("",))[0] == \
                "nginx_cache_key_host" and key.where not in lacking:
            lacking.append(key.where)
    return held, lacking


def _apache_shared(config: ConfigJoin) -> list[str] | None:
    """The UseCanonicalName On lines in VirtualHosts with a ServerAlias; None unread."""
    from probe.diagnose.cache_config import walk

    site = getattr(config.front, "site", None)
    if site is None:
        return None
    return [d.where for d, host in walk(site.config.directives)
            if d.key == "usecanonicalname" and d.arg(0).lower() == "on" and host is not None
            and any(c.key == "serveralias" for c in host.body())]


def cache_untested_findings(observations: Sequence[Observation],
                            config: ConfigJoin | None) -> tuple[Finding, ...]:
    fronts: dict[str, list[tuple[Observation, Sample]]] = {}
    for obs in observations:
        for sample in obs.samples:
            if sample.cache and sample.liveness in _LIVE and sample.endpoint is not None:
                address = sample.address or obs.target.address or "?"
                fronts.setdefault(address, []).append((obs, sample))
                break
    findings = []
    for address, seen in fronts.items():
        hosts = sorted({(urlsplit(o.target.url).hostname or "") for o, _ in seen})
        if len(hosts) < 2:
            continue
        kind, told = cache_kind(seen[0][1])
        configured = _configured(kind, [o for o, _ in seen], config)
        if configured is None:
            continue  # the key read holds the Host: nothing left undecided
        said, risk = configured
        instances = tuple(sorted({o.target.expected for o, _ in seen
                                  if o.target.expected is not None}))
        header = told or seen[0][1].cache[0]
        findings.append(Finding(CODE, Status.WARNING if risk else Status.OK, instances, (
            f"A cache is in front at {address} ({kind.value if told else 'a cache'}: {header}) "
            f"for {', '.join(hosts)}, and the probe's answers through it were not stored "
            f"(each carried its own request's nonce): the endpoint answers 'Cache-Control: "
            f"no-store', so this sweep does not test what the cache gives users for other "
            f"pages. Where one cache serves several names and its key lacks the Host, the "
            f"users of one name get the pages stored for another while every URL here is "
            f"ok. The check: {_CHECK[kind]}.{said}")))
    return tuple(findings)


def _configured(kind: CacheKind, observations: list[Observation],
                config: ConfigJoin | None) -> tuple[str, bool] | None:
    """The configured words, and whether the configuration read shows the risk; None where it
    decides there is none."""
    if config is None:
        return (" 'probe sweep --config' with the front's configuration names the key line "
                "(nginx, Apache; a Varnish VCL is not read).", False)
    if config.front.front is FrontKind.NGINX and kind is not CacheKind.VARNISH:
        held, lacking = _nginx_key(observations, config)
        if held:
            return None
        if lacking:
            return (f" The configuration read: the key at {', '.join(lacking)} holds no "
                    f"$host (lint's nginx_cache_key_host): write 'proxy_cache_key "
                    f"$scheme$host$request_uri;' there, then reload nginx.", True)
    if config.front.front is FrontKind.APACHE and kind is CacheKind.APACHE:
        shared = _apache_shared(config)
        if shared == []:
            return None
        if shared:
            return (f" The configuration read: 'UseCanonicalName On' at {', '.join(shared)} "
                    f"in a VirtualHost with a ServerAlias: write 'UseCanonicalName Off' "
                    f"there, then restart Apache.", True)
    return (" The configuration read does not decide it (its cache lines are not the ones in "
            "front).", False)

