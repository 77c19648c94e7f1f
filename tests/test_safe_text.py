"""probe/safe_text.clean_json: the fast path gives exactly what the plain rules give."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from probe.safe_text import MAX_DEPTH, MAX_STRING, clean_json, encodable, one_line


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
