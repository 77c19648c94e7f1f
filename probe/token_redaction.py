"""The probe's own token, never repeated: where a server sends it back, ``<probe token>``.

A server that was sent the token can reflect it: a redirect to ``http://x/?t=TOKEN``, a
``Server: echo TOKEN``, an answer whose label or settings hold it. Every report, check
line, metric and log line shows what servers said, so the token is replaced where answers
enter (:func:`probe.http_messages.sample_from_answer`), in everything but the three fields
the endpoint signs or echoes (``instance_id``, ``nonce``, ``signature``): those are checked
against the token first (probe.liveness), then replaced (:func:`signed_fields_redacted`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from probe.model import Sample, TlsInfo

PLACEHOLDER = "<probe token>"
SIGNED = ("instance_id", "nonce", "signature")
"""The answer's fields the signature check reads: replaced only once it has."""


@lru_cache(maxsize=8)  # read for every answer of a sweep, with one token
def forms(token: str) -> tuple[str, ...]:
    """The token as decoded text (JSON, UTF-8) and as a header is decoded (latin-1)."""
    as_header = token.encode("utf-8").decode("latin-1")
    return (token,) if as_header == token else (token, as_header)


def may_hold(body: bytes, token: str) -> bool:
    """Whether decoded ``body`` may hold the token: its bytes, or any escape (``\\u0054``)."""
    return b"\\" in body or token.encode("utf-8") in body


def text(value: str, token: str) -> str:
    for form in forms(token):
        value = value.replace(form, PLACEHOLDER)
    return value


def optional(value: str | None, token: str) -> str | None:
    return None if value is None else text(value, token)


def json_value(value: Any, token: str, *, keep: tuple[str, ...] = ()) -> Any:
    """Decoded JSON with the token replaced in every string (keys too); ``keep``: top-level
    keys left as they are."""
    if isinstance(value, str):
        return text(value, token)
    if isinstance(value, Mapping):
        return {text(k, token): v if k in keep else json_value(v, token)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(item, token) for item in value]
    return value


def headers_redacted(sample: Sample, token: str) -> Sample:
    """``sample``'s texts taken from the answer's status and headers, without the token."""
    fields = (sample.location, sample.error, sample.server, sample.via, *sample.cache)
    tls = sample.tls
    if tls is not None:
        fields += (tls.sni, tls.subject, *tls.names)
    if not any(form in value for value in fields if value for form in forms(token)):
        return sample  # every answer passes here: nothing built when nothing is there
    return replace(
        sample, location=optional(sample.location, token), error=optional(sample.error, token),
        server=optional(sample.server, token), via=optional(sample.via, token),
        cache=tuple(text(c, token) for c in sample.cache),
        tls=None if tls is None else TlsInfo(optional(tls.sni, token),
                                             optional(tls.subject, token),
                                             tuple(text(n, token) for n in tls.names)))


def signed_fields_redacted(sample: Sample, token: str | None) -> Sample:
    """``sample`` without the token in the fields the signature check has read by now, nor
    in what the answer's problems say of them."""
    answer = sample.endpoint
    if not token or answer is None:
        return sample
    values = (answer.instance_id, answer.nonce, answer.signature)
    if not any(form in value for value in values if value for form in forms(token)):
        return sample
    return replace(sample, endpoint=replace(
        answer, raw=json_value(answer.raw, token), instance_id=optional(answer.instance_id, token),
        nonce=optional(answer.nonce, token), signature=optional(answer.signature, token),
        problems=tuple(text(p, token) for p in answer.problems)))
