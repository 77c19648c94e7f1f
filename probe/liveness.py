"""Proof of liveness: was this answer made for this request, by an endpoint that knows the token?

A cache or CDN that keys on the path alone (CloudFront or Varnish set up without
the Host header in the key) hands every host the answer it stored for the first,
so every probe looks healthy, or all of them wrong. Each probe request therefore
carries a fresh ``X-Probe-Nonce``; the endpoint echoes it as ``nonce`` and, with
a token, signs it (contract section 1). A stored answer carries an old nonce;
a forged one cannot carry the right signature.

An endpoint older than the ``nonce`` field cannot prove anything and is not
accused of anything: its answers are ``unproven`` (still judged as before),
unless a cache header says outright that a cache answered.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping

from probe.model import EndpointAnswer, Liveness
from probe.safe_text import one_line

NONCE_HEADER = "X-Probe-Nonce"

CACHE_HEADERS = ("Age", "X-Cache", "X-Cache-Status", "Via", "CF-Cache-Status", "X-Varnish")
"""Response headers by which caches and CDNs say they were there (Via: any proxy)."""


def new_nonce() -> str:
    """32 characters of ``[A-Za-z0-9_-]``: 192 random bits, inside the endpoint's 16..128.

    ``secrets.token_urlsafe(24)`` written out: the same bytes from the same source, without
    importing secrets and random at every check's start."""
    return base64.urlsafe_b64encode(os.urandom(24)).decode("ascii")


def signature(token: str, nonce: str, instance_id: str) -> str:
    """The endpoint's signature: hex HMAC-SHA256, keyed with the token's UTF-8 bytes."""
    import hashlib
    import hmac

    message = f"{nonce}\n{instance_id}".encode()
    return hmac.new(token.encode("utf-8"), message, hashlib.sha256).hexdigest()


def judge(answer: EndpointAnswer, nonce: str, token: str | None,
          cache: tuple[str, ...] = ()) -> Liveness:
    """How far ``answer`` (to a request that sent ``nonce``) is proven live."""
    if not answer.sends_nonce:
        return Liveness.CACHED if cache_hit(cache) else Liveness.UNPROVEN
    # A plain comparison: the nonce is no secret (it went out in the request); hmac (and
    # hashlib with it) is imported only where a signature is checked, with a token.
    if answer.nonce != nonce:
        return Liveness.CACHED
    if answer.signature is None:
        return Liveness.UNSIGNED
    if token is None:
        return Liveness.LIVE  # signed, but the probe has no token to check it with
    import hmac

    expected = signature(token, nonce, answer.instance_id or "")
    given = answer.signature.lower()
    # compare_digest raises TypeError on a non-ASCII string: a hostile answer's, a forgery.
    if not (given.isascii() and hmac.compare_digest(given, expected)):
        return Liveness.FORGED
    return Liveness.LIVE


def cache_evidence(headers: Mapping[str, str]) -> tuple[str, ...]:
    """The cache headers of an answer, as ``Name: value`` lines safe to show."""
    lower = {name.lower(): value for name, value in headers.items()}
    return tuple(one_line(f"{name}: {lower[name.lower()]}", limit=120)
                 for name in CACHE_HEADERS if name.lower() in lower)


def cache_hit(evidence: tuple[str, ...]) -> bool:
    """Whether a header says a cache answered (``Age`` above 0, or a HIT)."""
    for line in evidence:
        name, _, value = line.partition(": ")
        value = value.strip().lower()
        if name == "Age" and value.isascii() and value.isdigit() and int(value) > 0:
            return True
        if name in ("X-Cache", "X-Cache-Status", "CF-Cache-Status") and "hit" in value:
            return True
    return False
