"""``not_live`` (``cached``): a stored answer, worded for the cache its headers name.

Which cache stored it the answer says by its headers (observed): ``X-Cache-Status`` with a
``Server: nginx`` is nginx's proxy_cache as configurations expose ``$upstream_cache_status``;
``Via: ... varnish`` or ``X-Varnish`` is Varnish; ``X-Cache``/``Age`` with ``Server: Apache``
is Apache's mod_cache (``CacheHeader on``). Where nothing tells, the words stay generic.

The endpoint sends every answer with ``Cache-Control: no-store`` (contrib/wsgi_endpoint.py),
which nginx's proxy_cache, mod_cache and Varnish's builtin VCL honour: a cache that stored it
was told to ignore that header, and that is the fix. That the key lacks the Host is said only
where the evidence shows it: the stored answer is another instance's (its identity, under
this URL); with ``--config`` also the key line (:mod:`.cache_config`). A key holding the Host
gives each URL its own site's stored answer, and the sentence would be false there.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import Diagnosis
from probe.model import Cause, Evidence, EvidenceKind, Observation, Sample, Verdict
from probe.nginx_snippets import NONCE_LINES
from probe.safe_text import quoted

NO_STORE = ("the endpoint sends every answer with 'Cache-Control: no-store' "
            "(contrib/wsgi_endpoint.py)")
VARNISH_RELOAD = ("'varnishadm vcl.load NAME FILE && varnishadm vcl.use NAME' (a NAME not "
                  "loaded yet) or 'systemctl reload varnish'")


class CacheKind(StrEnum):
    NGINX = "nginx proxy_cache"
    VARNISH = "Varnish"
    APACHE = "Apache mod_cache"
    UNKNOWN = "a cache"


def cache_kind(sample: Sample) -> tuple[CacheKind, str]:
    """The cache an answer's headers name, and the headers that tell (as seen)."""
    names = {line.partition(": ")[0].lower(): line for line in sample.cache}
    server = (sample.server or "").lower()
    via = (sample.via or names.get("via", "")).lower()
    if "x-varnish" in names or "varnish" in via:
        told = names.get("x-varnish") or names.get("via") or f"Via: {sample.via}"
        return CacheKind.VARNISH, told
    if "x-cache-status" in names and server.startswith("nginx"):
        return CacheKind.NGINX, f"{names['x-cache-status']} with Server: {sample.server}"
    if ("x-cache" in names or "age" in names) and server.startswith("apache"):
        told = names.get("x-cache") or names["age"]
        return CacheKind.APACHE, f"{told} with Server: {sample.server}"
    return CacheKind.UNKNOWN, ""


def front_kinds(observations: Sequence[Observation]) -> dict[str, tuple[CacheKind, str]]:
    """One identification per front address: the first answer through it whose headers name
    the cache (a MISS passed on carries the backend's Server header, a HIT the front's)."""
    kinds: dict[str, tuple[CacheKind, str]] = {}
    for obs in observations:
        for sample in obs.samples:
            address = sample.address or obs.target.address or "?"
            if sample.cache and address not in kinds:
                kind, told = cache_kind(sample)
                if kind is not CacheKind.UNKNOWN:
                    kinds[address] = kind, told
    return kinds


def address_kind(obs: Observation, sample: Sample, context: SweepContext
                 ) -> tuple[CacheKind, str]:
    """The cache of this answer's front address, as any answer through it names it."""
    kind, told = cache_kind(sample)
    if kind is not CacheKind.UNKNOWN:
        return kind, told
    kinds = context.memo.get(("cache_kinds", ""))
    if not isinstance(kinds, dict):
        kinds = front_kinds(context.observations)
        context.memo[("cache_kinds", "")] = kinds
    return kinds.get(sample.address or obs.target.address or "?", (kind, told))


def other_stored(obs: Observation, sample: Sample, context: SweepContext) -> str | None:
    """The instance whose answer was stored under this URL, where it is not the URL's own."""
    answer = sample.endpoint
    expected = obs.target.expected
    if answer is None or expected is None or expected not in context.manifest.instances:
        return None
    other = context.identify(answer, None)
    return other if other is not None and other != expected else None


def _ignore_words(kind: CacheKind) -> str:
    """What told this cache to store a no-store answer, and the fix, in its own words."""
    if kind is CacheKind.NGINX:
        return (f"nginx stores such an answer only where 'proxy_ignore_headers' names "
                f"Cache-Control for the location that proxies this URL. In that block add "
                f"'{NONCE_LINES[0]}' and '{NONCE_LINES[1]}' (every probe request carries "
                f"X-Probe-Nonce: it passes the cache and none of its answers is stored), or "
                f"take Cache-Control out of proxy_ignore_headers; then reload nginx. 'probe "
                f"sweep --config' with the nginx.conf, or 'probe lint' "
                f"(nginx_cache_no_store_ignored), names that line")
    if kind is CacheKind.APACHE:
        return ("mod_cache stores such an answer only with 'CacheStoreNoStore On' in force: "
                "set it Off, then restart Apache. The answers mod_cache_disk stored already "
                "outlive the restart, under its CacheRoot, until they expire "
                "(CacheDefaultExpire, 1 hour unless set) or are removed ('htcacheclean -p "
                "CACHEROOT -l 1', CACHEROOT the CacheRoot line's directory). 'probe sweep "
                "--config' with the httpd.conf names these lines")
    if kind is CacheKind.VARNISH:
        return (f"Varnish's builtin VCL does not store it (beresp.uncacheable for no-store): "
                f"a vcl_backend_response of the VCL sets beresp.ttl or overrides that. Pass "
                f"the probe's requests: in vcl_recv, 'if (req.http.X-Probe-Nonce) {{ return "
                f"(pass); }}', then load it: {VARNISH_RELOAD}. The VCL is not read by 'probe "
                f"sweep --config' or 'probe lint': no line of it can be named here")
    return ("the cache in front was set to ignore it: let every request carrying the "
            "X-Probe-Nonce header pass the cache (or no caching for */__probe__)")


def _key_words(kind: CacheKind, other: str) -> str:
    key = {CacheKind.NGINX: "'proxy_cache_key $scheme$host$request_uri;'",
           CacheKind.VARNISH: f"'hash_data(req.http.host);' in vcl_hash, loaded with "
                              f"{VARNISH_RELOAD}",
           CacheKind.APACHE: "'UseCanonicalName Off' in the VirtualHost (mod_cache keys by "
                             "the server name httpd uses)",
           CacheKind.UNKNOWN: "the Host in the cache key"}[kind]
    return (f"the cache key lacks the Host, so every name of that cache gets the page stored "
            f"first for the path, the users' pages too; the key needs it: {key}.")


def fix_words(kind: CacheKind, other: str | None, ignored: str | None = None,
              key: str | None = None) -> str:
    """The fix: why a no-store answer was stored (``ignored``: the configured line's words,
    else the cache's usual one), then the key where the evidence shows it lacks the Host
    (``key``: the configured line's words; else ``other``, the instance stored here)."""
    why = (f"{NO_STORE[0].upper()}{NO_STORE[1:]}: {ignored}" if ignored is not None
           else f"{NO_STORE[0].upper()}{NO_STORE[1:]}, so {_ignore_words(kind)}.")
    stored = (f" The answer stored under this URL is {other}'s (identified by its fields): "
              if other is not None else "")
    if key is not None:
        said = f"{stored or ' '}{key}"
    else:
        said = f"{stored}{_key_words(kind, other)}" if other is not None else ""
    return f"{why}{said} Probe the origin directly with --connect to see who really answers."


def cached(obs: Observation, sample: Sample, context: SweepContext) -> Diagnosis:
    answer = sample.endpoint
    assert answer is not None
    url = obs.target.url
    seen = (f" Cache headers: {', '.join(sample.cache)}." if sample.cache
            else " No cache headers were seen.")
    kind, told = address_kind(obs, sample, context)
    nonce = f"the nonce {answer.nonce!r}" if answer.nonce else "no nonce"
    by = f"by {kind.value} ({told})" if told else "by a cache or CDN in front of the site"
    other = other_stored(obs, sample, context)
    evidence = [Evidence(EvidenceKind.OBSERVED, f"answered with {nonce}", "endpoint.nonce")]
    if told:
        evidence.append(Evidence(EvidenceKind.OBSERVED, f"stored by {kind.value}", told))
    if other is not None:
        evidence.append(Evidence(EvidenceKind.OBSERVED, f"the stored answer is {other}'s",
                                 f"endpoint.label = {quoted(answer.label)}"))
    return Diagnosis(
        Verdict.NOT_LIVE,
        Cause.CACHED,
        explanation=(
            f"{url} answered with {nonce} instead of the one this request sent: the answer "
            f"(labelled {quoted(answer.label)}) was stored earlier, {by}, so it says nothing "
            f"about which instance serves the URL now.{seen}"
        ),
        fix=fix_words(kind, other),
        evidence=tuple(evidence),
    )
