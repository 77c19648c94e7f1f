"""Proof of liveness: was this answer made for this request, by an endpoint that knows the token?

A cache or CDN that keys on the path alone (CloudFront or Varnish set up without
the Host header in the key) hands every host the answer it stored for the first,
so every probe looks healthy, or all of them wrong. Each probe request therefore
carries a fresh ``X-Probe-Nonce``; the endpoint echoes it as ``nonce`` and, with
a token, signs it (docs/endpoint-protocol.md). A stored answer carries an old nonce;
a forged one cannot carry the right signature.

Without a token, an endpoint older than the ``nonce`` field cannot prove anything and
is not accused of anything: its answers are ``unproven`` (still judged as before),
unless a cache header says outright that a cache answered.

With a token, the probe accepts nothing less than a signed echo: an answer without a
signature, without a nonce, or without both is ``forged`` (not made by an endpoint
holding the token), never ``unsigned`` or ``unproven``. Otherwise whoever can answer in
the endpoint's place would choose the weaker proof by leaving fields out. Nonces and
signatures are compared as bytes: a server may send any text in them.
"""

from __future__ import annotations

import binascii
import os
from collections.abc import Mapping
from dataclasses import fields
from operator import attrgetter

from probe.endpoint_answer import EndpointAnswer
from probe.model import Liveness, Sample
from probe.safe_text import one_line

NONCE_HEADER = "X-Probe-Nonce"

CACHE_HEADERS = ("Age", "X-Cache", "X-Cache-Status", "Via", "CF-Cache-Status", "X-Varnish")
"""Response headers by which caches and CDNs say they were there (Via: any proxy)."""


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def new_nonce() -> str:
    """32 characters of ``[A-Za-z0-9_-]``: 192 random bits, inside the endpoint's 16..128.

    ``secrets.token_urlsafe(24)`` written out: the same bytes from the same source, without
    importing secrets and random at every check's start; and base64's ``urlsafe_b64encode``
    written out (binascii, then ``+/`` as ``-_``), without base64 and struct."""
    return binascii.b2a_base64(os.urandom(24), newline=False).translate(_URL_SAFE).decode("ascii")


def signature(token: str, nonce: str, instance_id: str) -> str:
    """The endpoint's signature: hex HMAC-SHA256, keyed with the token's UTF-8 bytes."""
    message = f"{nonce}\n{instance_id}".encode("utf-8", "backslashreplace")
    # surrogateescape: a token from the environment may hold bytes that are not UTF-8; these
    # are the bytes the endpoint's process has too.
    key = token.encode("utf-8", "surrogateescape")
    import hashlib
    import hmac

    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _as_bytes(text: str) -> bytes:
    return text.encode("utf-8", "backslashreplace")


def _same_nonce(given: str, sent: str) -> bool:
    """Equality of two nonces as UTF-8: the nonce is no secret (it went out in the request's
    header), so no constant-time comparison and no hmac (nor hashlib) for a check without a
    token (tests/test_startup.py)."""
    return _as_bytes(given) == _as_bytes(sent)


def _same_signature(given: str, wanted: str) -> bool:
    """Constant-time equality of two signatures as UTF-8 (compare_digest refuses non-ASCII
    str): the expected one is made with the token."""
    import hmac

    return hmac.compare_digest(_as_bytes(given), _as_bytes(wanted))


def judge(answer: EndpointAnswer, nonce: str, token: str | None,
          cache: tuple[str, ...] = ()) -> Liveness:
    """How far ``answer`` (to a request that sent ``nonce``) is proven live."""
    if token is not None:
        return _judge_signed(answer, nonce, token)
    if not answer.sends_nonce:
        return Liveness.CACHED if cache_hit(cache) else Liveness.UNPROVEN
    if answer.nonce is None or not _same_nonce(answer.nonce, nonce):
        return Liveness.CACHED
    # Signed, but the probe has no token to check it with: the echo still proves it live.
    return Liveness.UNSIGNED if answer.signature is None else Liveness.LIVE


def _judge_signed(answer: EndpointAnswer, nonce: str, token: str) -> Liveness:
    """With the token, only this request's nonce signed with it proves an answer live."""
    if answer.nonce is not None and not _same_nonce(answer.nonce, nonce):
        return Liveness.CACHED  # another request's nonce: a stored answer, signed or not
    if answer.nonce is None or answer.signature is None:
        return Liveness.FORGED  # the missing part is what an endpoint with the token sends
    expected = signature(token, nonce, answer.instance_id or "")
    return Liveness.LIVE if _same_signature(answer.signature.lower(), expected) \
        else Liveness.FORGED


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


_SAMPLE_FIELDS = [f.name for f in fields(Sample)]
_SAMPLE_VALUES = attrgetter(*_SAMPLE_FIELDS)
_LIVENESS_AT = _SAMPLE_FIELDS.index("liveness")


def with_liveness(sample: Sample, liveness: Liveness) -> Sample:
    """``dataclasses.replace(sample, liveness=liveness)``, without replace's look at what
    kind each field is: every answer of a sweep is judged (Sample's fields are all set by
    its ``__init__``, in their order)."""
    values = list(_SAMPLE_VALUES(sample))
    values[_LIVENESS_AT] = liveness
    return Sample(*values)
