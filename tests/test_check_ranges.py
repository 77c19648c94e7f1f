"""probe/check/ranges.py reads a threshold range exactly as nagiosplugin's Range does: the
same bounds, the same alerts, the same text in perfdata, the same refusals."""

from __future__ import annotations

from typing import Any

import nagiosplugin
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from probe.check.ranges import Range

BOUND = st.one_of(st.just(""), st.just("~"), st.integers(-50, 50).map(str),
                  st.floats(-50, 50, allow_nan=False).map(lambda f: f"{f:.2f}"),
                  st.text("0123456789.-~:@x ", max_size=4))
SPECS = st.builds(lambda at, start, colon, end: f"{at}{start}{colon}{end}",
                  st.sampled_from(["", "@"]), BOUND, st.sampled_from(["", ":", "::"]), BOUND)


def reading(make: Any, spec: str) -> tuple[str, Any]:
    try:
        found = make(spec)
    except (ValueError, TypeError) as exc:
        return "refused", str(exc)
    values = [-100, -10.5, -1, 0, 0.5, 1, 5, 10, 10.5, 20, 100]
    return "read", (str(found), [found.match(v) for v in values],
                    (found.invert, found.start, found.end))


@settings(max_examples=500, deadline=None)
@given(SPECS)
@example("10")
@example("~:10")
@example("@10:20")
@example("20:10")
@example("1.5:2.5")
@example("@~:")
@example("a:b")
@example("1:2:3")
def test_the_same_reading_as_nagiosplugin(spec: str) -> None:
    assert reading(Range, spec) == reading(nagiosplugin.Range, spec)


@pytest.mark.parametrize(("spec", "inside", "outside"), [
    ("10", [0, 10], [-1, 11]), ("10:", [10, 99], [9]), ("~:10", [-99, 10], [11]),
    ("10:20", [10, 20], [9, 21]), ("@10:20", [9, 21], [10, 20])])
def test_what_alerts(spec: str, inside: list[int], outside: list[int]) -> None:
    found = Range(spec)
    assert all(found.match(v) for v in inside)
    assert not any(found.match(v) for v in outside)
    assert Range(spec) == Range(spec) and hash(Range(spec)) == hash(Range(spec))
    assert repr(found) == f"Range({str(found)!r})"
