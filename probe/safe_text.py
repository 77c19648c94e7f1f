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

import functools
import math
import re
from typing import Any

MAX_FIELD = 200
"""Characters kept of one typed field (a label, a settings module): enough for any real one."""

MAX_STRING = 4096
"""Characters kept of any string in an answer's JSON, as it is shown in reports."""

MAX_DEPTH = 16
"""Nesting kept of an answer's JSON: the endpoint's own is 2 levels deep."""

_SURROGATE = re.compile(r"[\ud800-\udfff]")
# C0/C1 controls, DEL, and the Unicode format characters that reorder or hide text
# on a terminal or in a browser (bidi overrides and isolates, zero-width joiners).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


@functools.cache
def _xml_invalid() -> re.Pattern[str]:
    # Compiled at first use: this class of nearly all Unicode takes several milliseconds to
    # compile, paid by every `probe check` if it were compiled at import (JUnit needs it).
    return re.compile(r"[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def encodable(text: str) -> str:
    """``text`` with lone surrogates written as ``\\udXXX``: always encodable as UTF-8."""
    return _SURROGATE.sub(_escape, text)


def one_line(text: str, limit: int | None = MAX_FIELD) -> str:
    """One printable line: surrogates and control characters escaped, at most ``limit`` chars."""
    text = _CONTROL.sub(_escape, encodable(text))
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def printable(text: str) -> str:
    """Multi-line text for a terminal: line breaks and tabs kept, other controls escaped."""
    return "\n".join(one_line(line.replace("\t", " "), limit=None) for line in text.split("\n"))


def xml_text(text: str) -> str:
    """Text XML 1.0 can carry (ElementTree escapes ``<&>`` but writes invalid characters)."""
    return _xml_invalid().sub(_escape, encodable(text))


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
            if (kind is str and item.isascii() and len(item) <= MAX_STRING) or kind is int \
                    or item is None or kind is bool:
                cleaned[_clean_str(str(key))] = item
            else:
                cleaned[_clean_str(str(key))] = clean_json(item, depth=inner)
        return cleaned
    if isinstance(value, list | tuple):
        return [clean_json(v, depth=depth + 1) for v in value]
    return one_line(repr(value))


def _clean_str(value: str) -> str:
    if not value.isascii():  # an ASCII string holds no surrogate
        value = encodable(value)
    return value if len(value) <= MAX_STRING else value[: MAX_STRING - 1] + "…"
