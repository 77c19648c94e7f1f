"""Does a cache in front give the endpoint's token-protected answer to clients without the
token? Which URLs one extra request asks it of, and what its answer says.

Tester T37: nginx's micro-cache recipe (``proxy_ignore_headers Cache-Control``,
``proxy_cache_valid 200 60s``) in front of gunicorn stored the answer to the sweep's own
request, and for 60 s every client without the token got it (pids, paths, the settings
module, versions); that sweep said ``ok``, the next ``not_live`` (``cached``), and neither
said who else had got it. The endpoint now answers with ``Vary: X-Probe-Token`` and
``Cache-Control: no-store, private``, which such a cache honours unless told to ignore Vary
too; an older endpoint there, or a cache ignoring both, still gives it away.

Asked (one GET of the URL's probe path without the token, at the same address; none with
``--no-extra-probes``) only for a URL whose answer was token-protected (signed:
``endpoint.signature`` set, which only an endpoint holding the token sends, only to a request
carrying it) where a cache stored it or may have: an answer stored (``not_live``,
``cached``), a header of a cache (``X-Cache-Status``, ``X-Cache``, ``Age``,
``CF-Cache-Status``, ``X-Varnish``; ``Via`` names any proxy), or with ``--config`` the lines
in force that store it (nginx ``proxy_ignore_headers`` naming Cache-Control with no
``proxy_no_cache`` for the token or nonce header; Apache ``CacheStoreNoStore On``). Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from probe.diagnose.discriminate import ExtraProbe
from probe.model import FrontKind, Liveness, Observation, Sample

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin
    from probe.manifest import Manifest
    from probe.nginx.caches import CacheLines
    from probe.nginx.model import Location

CACHE_SAYS = ("age", "x-cache", "x-cache-status", "cf-cache-status", "x-varnish")
TOKEN_LINES = ("proxy_cache_bypass $http_x_probe_token;", "proxy_no_cache $http_x_probe_token;")
"""Every request carrying the token passes nginx's cache and none of its answers is stored
(nginx 1.22 measured: tests/integration/test_token_cache_leak.py)."""


def leak_key(obs: Observation) -> str:
    return f"tokenless:{obs.target.url}@{obs.target.address}"


def answered_at(obs: Observation) -> str | None:
    """The address the URL's requests went to (a fleet's target's, else the one that
    answered): the request without the token goes there too."""
    return obs.target.address or next((s.address for s in obs.samples if s.address), None)


def signed(obs: Observation) -> list[Sample]:
    """The URL's token-protected answers: signed, as only an endpoint holding the token signs."""
    return [s for s in obs.samples if s.endpoint is not None and s.endpoint.signature]


def nginx_lines(obs: Observation, config: ConfigJoin) -> tuple[Location, CacheLines] | None:
    """The location of the nginx configuration read that proxies the URL, and its cache
    lines in force; None where it does not decide or caches nothing."""
    from probe.nginx.caches import cache_at
    from probe.nginx.select import location_at

    model = getattr(config.front, "model", None)
    if model is None or config.front.front is not FrontKind.NGINX:
        return None
    route = config.front.route(obs.target.url, answered_at(obs))
    mapping = route.step("mapping")
    if route.undecided is not None or mapping is None or mapping.source is None:
        return None
    location = location_at(model, mapping.source)
    lines = cache_at(model, location) if location is not None else None
    return (location, lines) if location is not None and lines is not None else None


def configured_store(obs: Observation, config: ConfigJoin) -> str | None:
    """The line read that makes the cache store this URL's answers (``file:line``)."""
    if config.front.front is FrontKind.NGINX:
        found = nginx_lines(obs, config)
        if found is None or not found[1].stores_no_store:
            return None
        ignored = found[1].ignored
        return ignored.where if ignored is not None else None
    site = getattr(config.front, "site", None)
    if config.front.front is FrontKind.APACHE and site is not None:
        from probe.apache import mod_cache

        cache = mod_cache.read(site)
        stores = cache.stores_no_store if cache.enable else ()
        return stores[0].where if stores else None
    return None


def suspected(obs: Observation, config: ConfigJoin | None) -> bool:
    answers = signed(obs)
    if not answers:
        return False
    if any(s.liveness is Liveness.CACHED for s in answers):
        return True
    if any(line.partition(": ")[0].lower() in CACHE_SAYS for s in answers for line in s.cache):
        return True
    return config is not None and configured_store(obs, config) is not None


def keeps_other_answers(obs: Observation, config: ConfigJoin | None) -> bool:
    """Whether the cache may store the answer a request without the token gets (the
    application's 404 for the probe path), which would then be served to the probe's own
    requests until it expires: every later sweep would say no_endpoint, a verdict this tool
    caused (CI: nginx with ``proxy_cache_valid 200 404 10m``; nginx keeps one answer per key,
    so the 404 replaced the stored endpoint answer). Only a configuration read can say it
    does not: nginx's proxy_cache_valid lines naming no status but 200 (none: 200, 301 and
    302), or Apache's mod_cache (it stores no 404)."""
    if config is None:
        return True
    if config.front.front is FrontKind.APACHE:
        return False
    found = nginx_lines(obs, config)
    if found is None:
        return True
    codes = {a.lower() for d in found[1].valid for a in d.args[:-1]}
    return not codes <= {"200", "301", "302"}


def leak_probes(manifest: Manifest, observations: Sequence[Observation],
                config: ConfigJoin | None) -> tuple[ExtraProbe, ...]:
    """One request without the token per URL (and address) where a cache may hold its
    token-protected answer, and the configuration read shows the cache will not keep the
    answer that request gets (:func:`keeps_other_answers`)."""
    found: dict[str, ExtraProbe] = {}
    for obs in observations:
        key = leak_key(obs)
        if key not in found and suspected(obs, config) and \
                not keeps_other_answers(obs, config):
            found[key] = ExtraProbe(key, obs.target.probe_url(manifest.probe.segment),
                                    answered_at(obs), tokenless=True)
    return tuple(found.values())
