"""``token_answer_public`` (critical): the request sent without the token
(:mod:`.token_leak`) got the endpoint's JSON, so every client gets it.

A stored answer (another request's nonce) is the cache's doing: the fix is the cache's lines
(the ones read with ``--config``, at their ``file:line``), then removing what it stored. An
answer to that very request (its own nonce) was made by an endpoint that holds no token:
the cache is not the cause there. Which cache, its headers say as for ``not_live``
(:func:`probe.diagnose.cached.address_kind`). Only the probed answer is said: an answer
without the endpoint's JSON (the application's page) is no finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from probe.diagnose.cached import VARNISH_RELOAD, CacheKind, address_kind
from probe.diagnose.identify import SweepContext
from probe.diagnose.token_leak import (
    CACHE_SAYS,
    TOKEN_LINES,
    answered_at,
    configured_store,
    leak_key,
    nginx_lines,
    signed,
)
from probe.model import Finding, FrontKind, Liveness, Observation, Sample, Status
from probe.safe_text import quoted

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin

CODE = "token_answer_public"
_VARY = ("the current endpoint answers with 'Vary: X-Probe-Token', on which nginx keys what "
         "it stores unless proxy_ignore_headers names Vary (nginx 1.22.1 measured)")


def _nginx(obs: Observation, config: ConfigJoin | None) -> str:
    found = nginx_lines(obs, config) if config is not None else None
    lines = (f"add '{TOKEN_LINES[0]}' and '{TOKEN_LINES[1]}' (a request carrying the token "
             f"passes the cache and none of its answers is stored)")
    if found is None or found[1].ignored is None:
        return (f"nginx stores a no-store answer only where 'proxy_ignore_headers' names "
                f"Cache-Control for the location that proxies this URL: in that block "
                f"{lines}, or take Cache-Control out of that line; then reload nginx. Keep "
                f"Vary out of that line: {_VARY}. The answers stored already stay in the "
                f"zone until they expire (proxy_cache_valid) or the files under its "
                f"proxy_cache_path directory are deleted (then reload nginx). 'probe sweep "
                f"--config' with the nginx.conf names these lines.")
    from probe.nginx.caches import purge_words

    location, cache = found
    ignored = cache.ignored
    assert ignored is not None
    written = f"'proxy_ignore_headers {' '.join(ignored.args)};' ({ignored.where})"
    vary = (" That line names Vary too, so no Vary header of the answer keeps it apart: take "
            "Vary out of it." if any(a.lower() == "vary" for a in ignored.args) else
            f" That line does not name Vary, and {_VARY}: the endpoint there sends no such "
            f"header (an older one: 'probe endpoint --install' replaces it), or nginx does "
            f"not run this file ('nginx -T' shows the one it runs).")
    return (f"The configuration read: {written} is in force at {location.describe()} "
            f"({location.where}), which proxies this URL with 'proxy_cache "
            f"{cache.zone.args[0]};' ({cache.zone.where}). In the block of {ignored.where} "
            f"{lines}, or take Cache-Control out of that line; then reload nginx.{vary} "
            f"{purge_words(cache)}")


def _apache(config: ConfigJoin | None) -> str:
    site = getattr(config.front, "site", None) if config is not None else None
    if site is not None and config is not None and config.front.front is FrontKind.APACHE:
        from probe.apache import mod_cache

        cache = mod_cache.read(site)
        on = ", ".join(d.where for d in cache.stores_no_store)
        if on:
            return (f"The configuration read: 'CacheStoreNoStore On' ({on}) makes mod_cache "
                    f"store answers marked no-store: write 'CacheStoreNoStore Off' there, "
                    f"then restart Apache. {mod_cache.purge_words(cache)}")
    return ("mod_cache stores a no-store answer only with 'CacheStoreNoStore On', a private "
            "one only with 'CacheStorePrivate On': set both Off, restart Apache, and remove "
            "what it stored ('htcacheclean -p CACHEROOT -l 1', CACHEROOT its CacheRoot). "
            "'probe sweep --config' with the httpd.conf names these lines.")


def _fix(kind: CacheKind, obs: Observation, got: Sample, config: ConfigJoin | None) -> str:
    if kind is CacheKind.UNKNOWN and config is None and \
            (got.server or "").lower().startswith("nginx"):
        # no cache header: nginx answered, whether its own cache stored it is not said
        return (f"No header says which cache stored it; the answer came from {got.server} "
                f"(Server): where that is nginx's proxy_cache, {_nginx(obs, None)}")
    if kind is CacheKind.NGINX or (kind is CacheKind.UNKNOWN and config is not None
                                   and config.front.front is FrontKind.NGINX):
        return _nginx(obs, config)
    if kind is CacheKind.APACHE or (kind is CacheKind.UNKNOWN and config is not None
                                    and config.front.front is FrontKind.APACHE):
        return _apache(config)
    if kind is CacheKind.VARNISH:
        return (f"In the VCL's vcl_recv, 'if (req.http.X-Probe-Token) {{ return (pass); }}', "
                f"loaded with {VARNISH_RELOAD}; then remove what it stored: 'varnishadm "
                f"\"ban req.url ~ /__probe__\"'. The VCL is not read by 'probe sweep "
                f"--config': no line of it can be named here.")
    return ("The cache in front stores it: make it pass every request carrying X-Probe-Token "
            "(or store nothing under */__probe__) and honour 'Vary: X-Probe-Token', which the "
            "current endpoint sends, then remove what it stored. Which cache it is, its "
            "answer's headers did not say ('probe sweep --config' with the front's "
            "configuration names its lines where it is nginx or Apache).")


def _sent(obs: Observation, segment: str) -> str:
    address = answered_at(obs)
    return f"GET {obs.target.probe_url(segment)}{f' at {address}' if address else ''}"


def _why(obs: Observation, config: ConfigJoin | None) -> str:
    """The evidence that a cache stored the sweep's answers, as :func:`.token_leak.suspected`
    found it."""
    answers = signed(obs)
    if any(s.liveness is Liveness.CACHED for s in answers):
        return "the sweep got one stored (not_live, cached)"
    header = next((line for s in answers for line in s.cache if line.partition(": ")[0].lower()
                   in CACHE_SAYS), None)
    if header is not None:
        return f"carried a cache's header ({header})"
    where = configured_store(obs, config) if config is not None else None
    return f"the configuration read stores them ({where})"


def _leaked(obs: Observation, got: Sample, context: SweepContext,
            config: ConfigJoin | None) -> Finding:
    answer = got.endpoint
    assert answer is not None
    url, sent = obs.target.url, _sent(obs, context.manifest.probe.segment)
    fields = ", ".join(f"{name} {value}" for name, value in (
        ("label", quoted(answer.label) if answer.label else None), ("pid", answer.pid),
        ("settings", quoted(answer.settings) if answer.settings else None)) if value)
    headers = f" ({', '.join(got.cache)})" if got.cache else ""
    instances = (obs.target.expected,) if obs.target.expected else ()
    if got.liveness is not Liveness.CACHED:
        return Finding(CODE, Status.CRITICAL, instances, (
            f"{url}: the sweep's answers were signed with the token, and '{sent}' sent "
            f"without the token got the endpoint's JSON ({fields}) made for that very "
            f"request (its own nonce, signature {quoted(answer.signature)}): an endpoint "
            f"there answers without the token, one that holds none (another process or "
            f"backend behind this URL). Configure the token there ('probe endpoint --install "
            f"--token-file FILE' with the manifest's token file), then restart it."))
    why = _why(obs, config)
    kind, told = address_kind(obs, got, context)
    by = f"{kind.value} ({told})" if told else "a cache in front"
    return Finding(CODE, Status.CRITICAL, instances, (
        f"{url}: the endpoint's token-protected answer is served to clients without the "
        f"token. The sweep's answers were signed with the token and {why}; '{sent}' sent "
        f"without the token got the endpoint's JSON{headers}, with nonce "
        f"{quoted(answer.nonce)} of an earlier request ({fields}): {by} stored the answer to "
        f"a request carrying the token and gives it to anyone, with the process ids, paths, "
        f"settings module and versions in it. {_fix(kind, obs, got, config)}"))


def token_leak_findings(observations: Sequence[Observation], context: SweepContext,
                        config: ConfigJoin | None) -> tuple[Finding, ...]:
    findings = []
    for obs in observations:
        got = context.probed.get(leak_key(obs))
        if got is not None and got.endpoint is not None:
            findings.append(_leaked(obs, got, context, config))
    return tuple(findings)
