"""The probe's own token, never repeated: where a server sends it back, ``<probe token>``.

A server that was sent the token can reflect it: a redirect to ``http://x/?t=TOKEN``, a
``Server: echo TOKEN``, an answer whose label or settings hold it; a URL builder sends it
percent-encoded (``?t=s3cr3t%2Bt%C3%B6k``), and those forms are the token too
(:func:`forms`). Every report, check line, metric and log line shows what servers said, so
the token is replaced where answers enter (:func:`probe.http_messages.sample_from_answer`),
in everything but the three fields the endpoint signs or echoes (``instance_id``,
``nonce``, ``signature``): those are checked against the token first (probe.liveness), then
replaced (:func:`signed_fields_redacted`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any
from urllib.parse import quote, quote_plus

from probe.model import Sample, TlsInfo

PLACEHOLDER = "<probe token>"
SIGNED = ("instance_id", "nonce", "signature")
"""The answer's fields the signature check reads: replaced only once it has."""
_HEX = re.compile(r"%[0-9A-F]{2}")


@lru_cache(maxsize=8)  # read for every answer of a sweep, with one token
def forms(token: str) -> tuple[str, ...]:
    """The token as decoded text (JSON, UTF-8), as a header is decoded (latin-1), and
    percent-encoded as URL builders do (``quote`` with ``safe=''`` and with its default
    ``'/'``, ``quote_plus``), with upper- and lower-case hex; longest first, so that no
    shorter form is replaced inside a longer one first."""
    encoded = (quote(token, safe=""), quote(token), quote_plus(token))
    lower = tuple(_HEX.sub(lambda m: m.group().lower(), e) for e in encoded)
    found = dict.fromkeys((token, token.encode("utf-8").decode("latin-1"), *encoded, *lower))
    return tuple(sorted(found, key=len, reverse=True))


@dataclass(frozen=True, slots=True)
class _Search:
    """What every answer is searched for, built once per token."""

    screen: str
    """The start every form shares (empty when the token starts with a character that is
    encoded): a text without it holds no form, so one ``in`` answers for all of them."""
    screen_bytes: bytes
    forms_bytes: tuple[bytes, ...]
    single: bool
    """One form (a token no URL builder encodes): the screen is the token itself."""


@lru_cache(maxsize=8)
def _search(token: str) -> _Search:
    found = forms(token)
    shortest = found[-1]
    screen = shortest[:next((at for at, char in enumerate(shortest)
                             if any(form[at] != char for form in found)), len(shortest))]
    return _Search(screen, screen.encode("utf-8"), tuple(f.encode("utf-8") for f in found),
                   len(found) == 1)


def holds(value: str, token: str) -> bool:
    """Whether ``value`` holds the token in one of its :func:`forms`."""
    search = _search(token)
    return search.screen in value and (search.single
                                       or any(form in value for form in forms(token)))


def may_hold(body: bytes, token: str) -> bool:
    """Whether decoded ``body`` may hold the token: a form's bytes, or any escape
    (``\\u0054``)."""
    if b"\\" in body:
        return True
    search = _search(token)
    return search.screen_bytes in body and (search.single
                                            or any(f in body for f in search.forms_bytes))


def text(value: str, token: str) -> str:
    if _search(token).screen not in value:  # every string of an answer that escapes any character
        return value
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
        fields += (tls.sni, tls.subject, tls.issuer, *tls.names)
    screen = _search(token).screen
    if not any(screen in value and holds(value, token) for value in fields if value):
        return sample  # every answer passes here: nothing built when nothing is there
    return replace(
        sample, location=optional(sample.location, token), error=optional(sample.error, token),
        server=optional(sample.server, token), via=optional(sample.via, token),
        cache=tuple(text(c, token) for c in sample.cache),
        tls=None if tls is None else TlsInfo(optional(tls.sni, token),
                                             optional(tls.subject, token),
                                             tuple(text(n, token) for n in tls.names),
                                             optional(tls.issuer, token)))


def signed_fields_redacted(sample: Sample, token: str | None) -> Sample:
    """``sample`` without the token in the fields the signature check has read by now, nor
    in what the answer's problems say of them."""
    answer = sample.endpoint
    if not token or answer is None:
        return sample
    values = (answer.instance_id, answer.nonce, answer.signature)
    if not any(holds(value, token) for value in values if value):
        return sample
    return replace(sample, endpoint=replace(
        answer, raw=json_value(answer.raw, token), instance_id=optional(answer.instance_id, token),
        nonce=optional(answer.nonce, token), signature=optional(answer.signature, token),
        problems=tuple(text(p, token) for p in answer.problems)))
