"""probe/safe_text.clean_json: the fast path gives exactly what the plain rules give."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probe.safe_text import (
    MAX_DEPTH,
    MAX_STRING,
    clean_json,
    encodable,
    loads_clean,
    one_line,
)


def reference(value: Any, depth: int = 0) -> Any:
    """The rules of clean_json written plainly, without its fast paths (issue 15)."""
    if isinstance(value, str):
        value = encodable(value)
        return value if len(value) <= MAX_STRING else value[: MAX_STRING - 1] + "…"
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bool | int | float) or value is None:
        return value
    if depth >= MAX_DEPTH:
        return "…"
    if isinstance(value, dict):
        return {reference(str(k)): reference(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [reference(v, depth + 1) for v in value]
    return one_line(repr(value))


# Surrogates, controls, non-ASCII and strings either side of MAX_STRING.
TEXT = st.one_of(st.text(st.characters(codec=None), max_size=20),
                 st.text(alphabet="a\u00e9\ud800", min_size=MAX_STRING - 2,
                         max_size=MAX_STRING + 2))
LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT,
                   st.builds(object), st.binary(max_size=4))
JSONISH = st.recursive(LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.tuples(inner, inner),
    st.dictionaries(st.one_of(TEXT, st.integers()), inner, max_size=4)), max_leaves=40)


def deep(levels: int, leaf: Any) -> Any:
    for level in range(levels):
        if level % 2:
            leaf = {f"k{level}": leaf, "n": level, "s": "x\ud800",
                    "long": "x" * (MAX_STRING + level)}
        else:
            leaf = [leaf, None]
    return leaf


@settings(max_examples=200, deadline=None)
@given(JSONISH)
def test_clean_json_is_the_plain_rules(value: Any) -> None:
    # repr: NaN-safe, and it tells a bool from an int and a tuple from a list.
    assert repr(clean_json(value)) == repr(reference(value))


@given(st.integers(min_value=0, max_value=MAX_DEPTH + 3), LEAVES)
def test_deep_nesting_is_cut_as_before(levels: int, leaf: Any) -> None:
    value = deep(levels, leaf)
    assert repr(clean_json(value)) == repr(reference(value))


# What a server can send: JSON values (NaN and huge floats too), nested either side of
# MAX_DEPTH, written ASCII-only (\\u escapes) or as raw UTF-8, short or past MAX_STRING.
JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT)
JSON_VALUES = st.recursive(JSON_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)), max_leaves=30)


def bodies(value: Any) -> list[bytes]:
    texts = [json.dumps(value), json.dumps(value, ensure_ascii=False)]
    return [text.encode("utf-8", "surrogatepass") for text in texts]


@settings(max_examples=300, deadline=None)
@given(st.one_of(JSON_VALUES, st.builds(deep, st.integers(0, MAX_DEPTH + 3), JSON_LEAVES)))
def test_loads_clean_is_clean_json_of_json_loads(value: Any) -> None:
    for body in bodies(value):
        try:
            plain = clean_json(json.loads(body))
        except (ValueError, RecursionError):  # surrogates in raw UTF-8: not decodable
            continue
        assert repr(loads_clean(body)) == repr(plain), body[:200]


@pytest.mark.parametrize("body", [
    b'{"a": NaN, "b": Infinity, "c": -Infinity, "d": 1e999, "e": [-1e400]}',
    b'{"s": "\\ud800"}',                                       # a lone surrogate, escaped
    b'{"s": "' + b"x" * (MAX_STRING + 10) + b'"}',              # longer than MAX_STRING
    b"[" * (MAX_DEPTH + 1) + b"1" + b"]" * (MAX_DEPTH + 1),     # deeper than MAX_DEPTH
    b"[" * MAX_DEPTH + b"1" + b"]" * MAX_DEPTH,                 # exactly MAX_DEPTH: kept
])
def test_loads_clean_cleans_what_an_ascii_body_can_hide(body: bytes) -> None:
    assert repr(loads_clean(body)) == repr(clean_json(json.loads(body)))
    assert "nan" not in repr(loads_clean(body)) and "inf" not in repr(loads_clean(body))


def one_line_reference(text: str, limit: int | None) -> str:
    """one_line without its printable-ASCII fast path."""
    import re

    control = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
    text = control.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                       else f"\\u{ord(m.group()):04x}", encodable(text))
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, st.text(st.characters(max_codepoint=127), max_size=30)),
       st.one_of(st.none(), st.integers(1, 25)))
def test_one_line_fast_path_is_the_plain_rule(text: str, limit: int | None) -> None:
    assert one_line(text, limit) == one_line_reference(text, limit)
