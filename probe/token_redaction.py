"""The probe's own token, never repeated: where a server sends it back, ``<probe token>``.

A server that was sent the token can reflect it: a redirect to ``http://x/?t=TOKEN``, a
``Server: echo TOKEN``, an answer whose label or settings hold it; a URL builder sends it
percent-encoded (``?t=s3cr3t%2Bt%C3%B6k``), base64-encoded (a debug page showing the
request's ``X-Probe-Token: TOKEN`` line in base64, a ``user:TOKEN`` credential) or written
with HTML character references (``&#115;3cr&#x33;t&plus;``), or as the hexadecimal of its
bytes (``7333...``, a debug dump) or every byte percent-encoded (``%73%33...``), and those
forms are the token too (:func:`forms`, :func:`base64_forms`, :func:`_entities`,
:func:`byte_forms`). Every report, check line,
metric and log line shows what servers said, so the token is replaced where answers enter
(:func:`probe.http_messages.sample_from_answer`), in everything but the three fields the
endpoint signs or echoes (``instance_id``, ``nonce``, ``signature``): those are checked
against the token first (probe.liveness), then replaced (:func:`signed_fields_redacted`).
"""

from __future__ import annotations

import re
from binascii import b2a_base64
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
_SHORTEST_BASE64 = 8
"""Base64 of fewer characters is searched for in no answer: ``czNj`` turns up in any text."""


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


@lru_cache(maxsize=8)
def base64_forms(token: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(forms, screens): the token's UTF-8 in base64 as it is found in any base64 text that
    holds it (the token alone, ``X-Probe-Token: TOKEN``, ``user:TOKEN``): the token alone,
    padded and not, and, at each of the three places it can start in a 3-byte group, the
    characters made of the token's bits only (a character at either end mixing them with
    its neighbours' stays: at most 4 bits of the token each side); in the standard and the
    URL-safe alphabet, and percent-encoded as a URL builder writes ``+``, ``/`` and ``=``.
    ``screens``: one text per start, shared by its forms (its longest run without ``+``,
    ``/``), so that a text holding none of them is passed by three ``in`` tests."""
    raw = token.encode("utf-8")
    # binascii, not base64: a check's start-up imports no module it does not need
    alone = b2a_base64(raw, newline=False).decode("ascii")
    cores, screens = [alone, alone.rstrip("=")], []
    for lead in range(3):
        written = b2a_base64(b"\0" * lead + raw, newline=False).decode("ascii")
        core = written[(8 * lead + 5) // 6:(8 * (lead + len(raw))) // 6]
        if len(core) >= _SHORTEST_BASE64:
            cores.append(core)
            screens.append(max(re.split(r"[+/]", core), key=len))
    if not screens:
        return (), ()
    found = dict.fromkeys(f for core in cores for f in (
        core, core.replace("+", "-").replace("/", "_"), quote(core, safe=""),
        _HEX.sub(lambda m: m.group().lower(), quote(core, safe=""))))
    return tuple(sorted(found, key=len, reverse=True)), tuple(dict.fromkeys(screens))


@lru_cache(maxsize=8)
def byte_forms(token: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(hexadecimal, percent): the token's UTF-8 as hexadecimal digits and with every byte
    percent-encoded, each in lower- and upper-case hex; none for a token under 4 bytes (8
    hex digits turn up in any text). Lossless, as the token itself is: whoever reads either
    has the token."""
    raw = token.encode("utf-8")
    if len(raw) < _SHORTEST_BASE64 // 2:
        return (), ()
    digits = raw.hex()
    percent = "".join(f"%{digits[at:at + 2]}" for at in range(0, len(digits), 2))
    return (tuple(dict.fromkeys((digits, digits.upper()))),
            tuple(dict.fromkeys((percent, percent.upper()))))


def _references(char: str) -> list[str]:
    """``char`` as HTML writes it: itself, a decimal or hexadecimal character reference
    (leading zeros, the ``;`` left out as browsers allow), a named one (``&plus;``,
    ``&amp``)."""
    from html.entities import html5  # 2,000 names: read only for a text holding an '&'

    code = ord(char)
    named = sorted((f"&{name}" for name, value in html5.items() if value == char),
                   key=len, reverse=True)
    hexadecimal = "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{code:x}")
    return [re.escape(char), f"&#0*{code}(?![0-9]);?",
            f"&#[xX]0*{hexadecimal}(?![0-9a-fA-F]);?", *map(re.escape, named)]


@lru_cache(maxsize=8)
def _entities(token: str) -> tuple[re.Pattern[str], re.Pattern[bytes]]:
    """The token with any of its characters written as HTML character references (text and
    UTF-8 bytes): searched only in a text holding ``&``."""
    parts = [_references(char) for char in token]
    text_pattern = "".join(f"(?:{'|'.join(p)})" for p in parts)
    # in bytes, the character itself is its UTF-8, the references ASCII
    byte_pattern = b"".join(b"(?:" + b"|".join([re.escape(c.encode("utf-8")),
                                                  *(r.encode("ascii") for r in p[1:])]) + b")"
                            for c, p in zip(token, parts, strict=True))
    return re.compile(text_pattern), re.compile(byte_pattern)


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
    base64: tuple[str, ...]
    base64_screens: tuple[str, ...]
    base64_bytes: tuple[bytes, ...]
    hexadecimal: tuple[str, ...]
    """Searched in every text: two ``in`` tests (lower, upper case)."""
    percent: tuple[str, ...]
    """Searched only in a text holding ``%``."""
    hexadecimal_bytes: tuple[bytes, ...]
    percent_bytes: tuple[bytes, ...]


@lru_cache(maxsize=8)
def _search(token: str) -> _Search:
    found = forms(token)
    shortest = found[-1]
    screen = shortest[:next((at for at, char in enumerate(shortest)
                             if any(form[at] != char for form in found)), len(shortest))]
    encoded, screens = base64_forms(token)
    digits, percent = byte_forms(token)
    return _Search(screen, screen.encode("utf-8"), tuple(f.encode("utf-8") for f in found),
                   len(found) == 1, encoded, screens, tuple(s.encode("ascii") for s in screens),
                   digits, percent, tuple(d.encode("ascii") for d in digits),
                   tuple(p.encode("ascii") for p in percent))


def _plain(value: str, search: _Search, token: str) -> bool:
    return search.screen in value and (search.single
                                       or any(form in value for form in forms(token)))


def _in_base64(value: str, search: _Search) -> bool:
    for screen in search.base64_screens:  # a loop: any() and its generator cost 3x here
        if screen in value:
            return any(form in value for form in search.base64)
    return False


def _in_bytes_forms(value: str, search: _Search) -> bool:
    for form in search.hexadecimal:  # a loop: any() and its generator cost 3x here
        if form in value:
            return True
    if "%" in value:
        for form in search.percent:
            if form in value:
                return True
    return False


def holds(value: str, token: str) -> bool:
    """Whether ``value`` holds the token in one of its :func:`forms`, :func:`base64_forms`,
    :func:`byte_forms` or written with HTML character references."""
    search = _search(token)
    return _plain(value, search, token) or _in_base64(value, search) or \
        _in_bytes_forms(value, search) or (
            "&" in value and _entities(token)[0].search(value) is not None)


def may_hold(body: bytes, token: str) -> bool:
    """Whether decoded ``body`` may hold the token: a form's bytes, or any escape
    (``\\u0054``)."""
    if b"\\" in body:
        return True
    search = _search(token)
    if search.screen_bytes in body and (search.single
                                        or any(f in body for f in search.forms_bytes)):
        return True
    for screen in search.base64_bytes:  # a loop: any() and its generator cost 3x here
        if screen in body:
            return True
    for form in search.hexadecimal_bytes:
        if form in body:
            return True
    if b"%" in body:
        for form in search.percent_bytes:
            if form in body:
                return True
    return b"&" in body and _entities(token)[1].search(body) is not None


def text(value: str, token: str) -> str:
    search = _search(token)
    # The longest forms first (hex is twice the token, percent three times): no shorter form
    # is replaced inside one of them first.
    if _in_bytes_forms(value, search):
        for form in (*search.percent, *search.hexadecimal):
            value = value.replace(form, PLACEHOLDER)
    # Each test is one ``in`` for every string of an answer that escapes any character.
    if search.screen in value:
        for form in forms(token):
            value = value.replace(form, PLACEHOLDER)
    if _in_base64(value, search):
        for form in search.base64:
            value = value.replace(form, PLACEHOLDER)
    if "&" in value:
        value = _entities(token)[0].sub(PLACEHOLDER, value)
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
    """``sample``'s texts taken from the answer's status, headers and own error page, without
    the token."""
    page = sample.page
    fields = (sample.location, sample.error, sample.server, sample.via, *sample.cache,
              *((page.reason, page.message) if page is not None else ()))
    tls = sample.tls
    if tls is not None:
        fields += (tls.sni, tls.subject, tls.issuer, *tls.names)
    # Every answer passes here: one search of all its texts (no form holds a NUL), nothing
    # built when nothing is there.
    if not holds("\0".join(value for value in fields if value), token):
        return sample
    return replace(
        sample, location=optional(sample.location, token), error=optional(sample.error, token),
        server=optional(sample.server, token), via=optional(sample.via, token),
        cache=tuple(text(c, token) for c in sample.cache),
        page=None if page is None else replace(page, reason=text(page.reason, token),
                                               message=text(page.message, token)),
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
    if not holds("\0".join(value for value in values if value), token):
        return sample
    return replace(sample, endpoint=replace(
        answer, raw=json_value(answer.raw, token), instance_id=optional(answer.instance_id, token),
        nonce=optional(answer.nonce, token), signature=optional(answer.signature, token),
        problems=tuple(text(p, token) for p in answer.problems)))
