"""Making text from outside safe to print, log, write as XML or expose as a label.

A probed server may answer any JSON: lone surrogates (``"\\ud800"`` is valid
JSON, but no encoder can write it), terminal escape sequences, line breaks in
a label, megabytes in one field. Everything a server says passes
:func:`clean_json` once, where its answer is read (``EndpointAnswer``); the
typed fields then pass :func:`one_line`. Each output format still escapes
what its own syntax needs (XML, Prometheus labels, rich markup), with the
helpers here, because text also comes from manifests and error messages.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

MAX_FIELD = 200
"""Characters kept of one typed field (a label, a settings module): enough for any real one."""

MAX_STRING = 4096
"""Characters kept of any string in an answer's JSON, as it is shown in reports."""

MAX_DEPTH = 16
"""Nesting kept of an answer's JSON: the endpoint's own is 2 levels deep."""

# The patterns are compiled at first use (re caches them): printable ASCII, nearly all text,
# needs none of them, and compiling their Unicode ranges was ~1.5 ms of every start-up.
_SURROGATE = r"[\ud800-\udfff]"
_ESCAPED_BYTE = r"[\udc80-\udcff]"
"""What surrogateescape makes of the bytes 0x80-0xff that are not UTF-8."""
# C0/C1 controls, DEL, and the Unicode format characters that reorder or hide text
# on a terminal or in a browser (bidi overrides and isolates, zero-width joiners).
_CONTROL = r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
_XML_INVALID = r"[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
"""Used by a JUnit report only: compiling it is 7 ms."""


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _escaped_byte(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()) - 0xDC00:02x}"


def encodable(text: str) -> str:
    """``text`` with lone surrogates written as ``\\udXXX``: always encodable as UTF-8."""
    return re.sub(_SURROGATE, _escape, text)


def os_text(text: str) -> str:
    """Text the system gave (a file name, an argument) as strict UTF-8 text.

    Python decodes file names with surrogateescape: a byte that is not UTF-8 becomes
    U+DC80..U+DCFF, which no UTF-8 encoder writes. Each is written back as the byte it
    stands for, ``\\xNN`` (as ``ls -b`` shows it); any other lone surrogate as ``\\udXXX``.
    """
    if text.isascii():
        return text
    return encodable(re.sub(_ESCAPED_BYTE, _escaped_byte, text))


def one_line(text: str, limit: int | None = MAX_FIELD) -> str:
    """One printable line: surrogates and control characters escaped, at most ``limit`` chars."""
    # Fast path, taken by nearly every field of every answer: printable ASCII has nothing
    # to escape (ASCII's non-printables are exactly _CONTROL's ASCII part).
    if text.isascii() and text.isprintable():
        return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"
    text = re.sub(_CONTROL, _escape, encodable(text))
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def prose(text: str) -> str:
    """An explanation, fix or evidence as it may leave the probe: :func:`printable` (a fix
    may carry a configuration block's lines), at the cost of one C call for nearly all.

    The last guard on words built from answers: each field is made one line where it is
    read, and this catches any read that was not."""
    return text if text.isprintable() else printable(text)  # no _CONTROL is printable


def quoted(text: str | None) -> str:
    """``text`` in quotes, as ``repr`` writes it (None as ``None``), for a field
    :func:`one_line` already escaped: its ``\\x1b`` stays one backslash (``repr`` would
    double it)."""
    if text is None:
        return "None"
    text = one_line(text, limit=None)
    quote = '"' if "'" in text and '"' not in text else "'"
    return quote + text.replace(quote, "\\" + quote) + quote


def printable(text: str) -> str:
    """Multi-line text for a terminal: line breaks and tabs kept, other controls escaped."""
    return "\n".join(one_line(line.replace("\t", " "), limit=None) for line in text.split("\n"))


def xml_text(text: str) -> str:
    """Text XML 1.0 can carry (ElementTree escapes ``<&>`` but writes invalid characters)."""
    return re.sub(_XML_INVALID, _escape, encodable(text))


def clean_json(value: Any, *, depth: int = 0) -> Any:
    """A copy of decoded JSON that any encoder can write and any report can show.

    Strings (keys too) become encodable and at most MAX_STRING characters;
    nesting beyond MAX_DEPTH becomes the string ``"…"``. Control characters
    stay: JSON escapes them, and :func:`one_line` does where text is shown.
    """
    kind = type(value)
    # Fast path first: every answer passes here (10-14 % of a large sweep's CPU).
    if kind is str:
        return _clean_str(value)
    if kind is int or value is None or kind is bool:
        return value
    if isinstance(value, str):
        return _clean_str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None  # json.loads reads NaN and Infinity, but they are not JSON
    if isinstance(value, bool | int | float):
        return value
    if depth >= MAX_DEPTH:
        return "…"
    if isinstance(value, dict):
        inner = depth + 1
        cleaned = {}
        for key, item in value.items():
            kind = type(item)
            # A plain leaf needs no call: the same result as clean_json(item, depth=inner).
            if type(key) is not str or not key.isascii() or len(key) > MAX_STRING:
                key = _clean_str(str(key))  # json.loads gives short ASCII keys: rarely here
            if (kind is str and item.isascii() and len(item) <= MAX_STRING) or kind is int \
                    or item is None or kind is bool:
                cleaned[key] = item
            else:
                cleaned[key] = clean_json(item, depth=inner)
        return cleaned
    if isinstance(value, list | tuple):
        return [clean_json(v, depth=depth + 1) for v in value]
    return one_line(repr(value))


def loads_clean(body: bytes) -> Any:
    """``clean_json(json.loads(body))``, without walking an answer that is clean as sent.

    Every probe answer passes here. The endpoint's JSON is short, ASCII and escapes
    nothing, and then its decoded value needs no cleaning: no ``\\u`` escape means no
    surrogate, no string is longer than the body, the bracket count bounds the nesting,
    and the hooks turn non-finite numbers (``NaN``, ``1e999``) into None as clean_json
    does. Any other body is walked. Raises ValueError/RecursionError as json.loads does.
    """
    # json.loads(body, ...) with hooks would build a decoder per call; this is its body.
    value = _DECODER.decode(body.decode(json.detect_encoding(body), "surrogatepass"))
    if (len(body) <= MAX_STRING and body.isascii() and b"\\u" not in body
            and body.count(b"{") + body.count(b"[") <= MAX_DEPTH):
        return value
    return clean_json(value)


def loads_long_numbers(body: bytes) -> tuple[Any, tuple[int, ...]]:
    """:func:`loads_clean` of JSON that failed it, with each integer longer than Python
    reads (``sys.get_int_max_str_digits()``, 4300 digits) read as None; and those
    integers' lengths in digits, () when there was none (then the JSON is broken: the
    ValueError of json.loads is raised again)."""
    limit = sys.get_int_max_str_digits()
    lengths: list[int] = []

    def integer(text: str) -> int | None:
        digits = len(text.lstrip("-"))
        if limit and digits > limit:
            lengths.append(digits)
            return None
        return int(text)

    # A decoder of its own: only a JSON answer that failed the usual one comes here.
    decoder = json.JSONDecoder(parse_constant=_not_a_number, parse_float=_finite_or_none,
                               parse_int=integer)
    value = decoder.decode(body.decode(json.detect_encoding(body), "surrogatepass"))
    if not lengths:
        raise ValueError("not JSON")
    return clean_json(value), tuple(lengths)


def _not_a_number(_token: str) -> None:
    return None  # NaN, Infinity, -Infinity: json.loads reads them, but they are not JSON


def _finite_or_none(text: str) -> float | None:
    number = float(text)
    return number if math.isfinite(number) else None  # "1e999" overflows to inf


_DECODER = json.JSONDecoder(parse_constant=_not_a_number, parse_float=_finite_or_none)


def _clean_str(value: str) -> str:
    if not value.isascii():  # an ASCII string holds no surrogate
        value = encodable(value)
    return value if len(value) <= MAX_STRING else value[: MAX_STRING - 1] + "…"
