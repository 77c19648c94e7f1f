"""What is computed from endpoint answers once per shared part, not once per URL.

:mod:`probe.compact` keeps the part thousands of answers have in common once (a
:class:`~probe.compact.SharedAnswer` holds it as one tuple, the same object in all of them).
Whatever is read out of that part alone is then the same for all of them too, so it is
computed the first time the part is met and looked up afterwards: the typed fields of
:class:`probe.endpoint_answer.EndpointAnswer` (:class:`Derived`), and the answer's JSON text in the
report (:class:`JsonTexts`). Both tables hold the part they key (so its id cannot be taken by
another object while the entry lives) and start afresh when full.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar, cast

from probe.compact import SHARED_TYPES, Shape, SharedAnswer

T = TypeVar("T")


class _ByPart(Generic[T]):
    """A value per shared part, keyed by the part's identity. An entry holds the part's key
    order and values, so while it lives no other object can take their ids; the table starts
    afresh when full: a long-lived exporter meets new processes (restarts, deploys) without
    end, and keeping the old ones would leave every new one computed each time."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._values: dict[tuple[int, int], tuple[Shape, tuple[Any, ...], T]] = {}

    def get(self, shape: Shape, shared: tuple[Any, ...], make: Callable[[], T]) -> T:
        hit = self._values.get((id(shape), id(shared)))
        if hit is not None and hit[0] is shape and hit[1] is shared:
            return hit[2]
        value = make()
        if len(self._values) >= self.limit:
            self._values.clear()
        self._values[id(shape), id(shared)] = (shape, shared, value)
        return value

    def __len__(self) -> int:
        return len(self._values)


class Derived(Generic[T]):
    """What ``derive`` makes of an answer's shared part, computed once per shared part.

    Thousands of answers share one part (:class:`Sharer`), so what is read out of it (the
    typed fields of :class:`probe.endpoint_answer.EndpointAnswer`, the answer's problems) is
    the same for all of them. ``derive`` must read none of the ``own`` fields: it is handed a view
    that refuses them (:class:`_SharedView`), so one that does fails at once instead of
    giving every later answer the first one's values. Answers whose own part holds other
    fields (an object not kept, a list) and plain dicts are derived each time."""

    def __init__(self, derive: Callable[[Mapping[str, Any]], T], own: frozenset[str],
                 limit: int = 10_000) -> None:
        self.derive = derive
        self.own = own
        self._seen: _ByPart[T] = _ByPart(limit)

    def __call__(self, data: Mapping[str, Any]) -> T:
        # By type, not isinstance: this runs for every answer of a sweep.
        if type(data) not in SHARED_TYPES:
            return self.derive(data)
        answer = cast(SharedAnswer, data)
        shape, shared, _ = answer.parts()
        if not shape.own_set <= self.own:
            return self.derive(data)
        return self._seen.get(shape, shared, lambda: self.derive(_SharedView(answer, self.own)))


class _SharedView(Mapping[str, Any]):
    """An answer without its own fields: reading one is a bug in a :class:`Derived`."""

    __slots__ = ("_data", "_own")

    def __init__(self, data: SharedAnswer, own: frozenset[str]) -> None:
        self._data = data
        self._own = own

    def __getitem__(self, key: str) -> Any:
        if key in self._own:
            raise AssertionError(f"{key!r} differs from answer to answer: not derivable once")
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return (key for key in self._data if key not in self._own)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class JsonTexts:
    """An answer's JSON text, the part it shares with other answers encoded once per shared
    part: a large sweep's JSON report writes every URL's answer, and thousands of answers
    share all but a few fields. ``encode`` is the report's encoder; the text is the one it
    gives for :meth:`SharedAnswer.to_dict` (its default separators, ``", "`` and ``": "``)."""

    def __init__(self, encode: Callable[[Any], str], limit: int = 10_000) -> None:
        self.encode = encode
        self._texts: _ByPart[list[str]] = _ByPart(limit)

    def __call__(self, answer: SharedAnswer) -> str:
        shape, shared, own = answer.parts()
        chunks = self._texts.get(shape, shared, lambda: self._chunks(shape, shared))
        parts = [chunks[0]]
        for value, chunk in zip(own, chunks[1:], strict=True):
            kind = type(value)
            if kind in SHARED_TYPES:
                parts.append(self(value))
            elif value is None:
                parts.append("null")
            elif kind is int or (kind is float and math.isfinite(value)):
                parts.append(repr(value))  # the json module's own int and float texts
            else:
                parts.append(self.encode(value))
            parts.append(chunk)
        return "".join(parts)

    def _chunks(self, shape: Shape, shared: tuple[Any, ...]) -> list[str]:
        """The text around the answer's own values (in key order, as ``parts()`` gives)."""
        encode = self.encode
        chunks: list[str] = []
        text = "{"
        for key in shape.keys:
            at = shape.index[key]
            text += ("" if text == "{" else ", ") + encode(key) + ": "
            if at >= 0:
                text += encode(shared[at])
            else:
                chunks.append(text)
                text = ""
        chunks.append(text + "}")
        return chunks
