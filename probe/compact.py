"""Endpoint answers kept compactly: what a sweep of a million URLs holds per URL.

A sweep keeps every URL's last answer (the JSON report shows it, and diagnosis compares
answers across URLs), and thousands of URLs get a handful of distinct answers: the same
label, process group, settings, server, python and time zone, differing only in what each
request makes its own (``nonce``, ``signature``, ``request.path_info``, ``uptime_s``). Decoded
one by one, each answer is a fresh tree of dicts and strings, about 5 KiB per URL
(bench/RESULTS.md); shared, the same answer costs a few hundred bytes:

- a nested object without a per-request field is kept once per distinct content;
- a string is kept once per distinct value, except the per-request fields' values;
- the top-level object is a :class:`SharedAnswer`: one tuple of values and a key order
  shared by every answer with the same keys, not a dict of its own.

The shared values are never changed: an answer is read (diagnosis, reports), never written.
The tables are bounded (:data:`LIMIT`); past it a value is still looked up but no longer
added, so a long-running exporter cannot grow them without end.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

PER_REQUEST = frozenset({"nonce", "signature", "path_info", "uptime_s"})
"""Fields whose values differ from request to request: never worth keeping once."""

LIMIT = 100_000
"""Most distinct values and objects the tables keep (a few MiB at most)."""

_LEAVES = frozenset({str, int, bool, type(None)})


class _Shape:
    """A key order shared by every answer that has exactly these keys, in this order."""

    __slots__ = ("index", "keys")

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.keys = keys
        self.index = {key: i for i, key in enumerate(keys)}


class SharedAnswer(Mapping[str, Any]):
    """A read-only JSON object: its values in a tuple, its keys in a shared :class:`_Shape`."""

    __slots__ = ("_shape", "_values")

    def __init__(self, shape: _Shape, values: tuple[Any, ...]) -> None:
        self._shape = shape
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[self._shape.index[key]]

    def __contains__(self, key: object) -> bool:
        return key in self._shape.index

    def __iter__(self) -> Iterator[str]:
        return iter(self._shape.keys)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"SharedAnswer({self.to_dict()!r})"

    def to_dict(self) -> dict[str, Any]:
        """A plain dict of the same items (for an encoder that takes dicts only)."""
        return dict(zip(self._shape.keys, self._values, strict=True))


class Sharer:
    """The tables of one process: values, objects and key orders seen, each kept once."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._values: dict[Any, Any] = {}
        self._shapes: dict[tuple[str, ...], _Shape] = {}
        self._kept: set[int] = set()
        """Ids of the objects in ``_values``: alive as long as the tables are."""

    def answer(self, data: dict[str, Any]) -> SharedAnswer:
        """``data`` (a decoded, cleaned endpoint answer) as a compact, shared object."""
        keys = tuple(data)
        shape = self._shapes.get(keys)
        if shape is None:
            shape = _Shape(tuple(self._keep(key) for key in keys))
            if len(self._shapes) < self.limit:
                self._shapes[keys] = shape
        return SharedAnswer(shape, tuple(self._value(key, value) for key, value in data.items()))

    def _value(self, key: str, value: Any) -> Any:
        if key in PER_REQUEST:
            return value
        kind = type(value)
        if kind is str:
            return self._keep(value)
        if kind is dict:
            return self._object(value)
        return value

    def _object(self, data: dict[str, Any]) -> dict[str, Any]:
        items = {self._keep(key) if type(key) is str else key: self._value(key, value)
                 for key, value in data.items()}
        if not PER_REQUEST.isdisjoint(items):
            return items
        content: list[object] = ["{}"]
        for key, value in items.items():
            kind = type(value)
            if kind is dict and id(value) in self._kept:
                # A kept object lives as long as the tables: its identity is its content.
                content.append((key, "{}", id(value)))
            elif kind is float:
                content.append((key, "float", repr(value)))  # -0.0 is not 0.0 in the report
            elif kind in _LEAVES:
                content.append((key, kind.__name__, value))  # 1, 1.0 and true are not alike
            else:  # a list, or an object not kept: this one is not kept either
                return items
        key = tuple(content)
        kept: dict[str, Any] = self._keep(key, items)
        if kept is items and self._values.get(key) is items:
            self._kept.add(id(items))
        return kept

    def _keep(self, key: Any, value: Any = None) -> Any:
        """The one value kept for ``key`` (``key`` itself unless ``value`` is given)."""
        kept = self._values.get(key)
        if kept is not None:
            return kept
        kept = key if value is None else value
        if len(self._values) < self.limit:
            self._values[key] = kept
        return kept


_sharer = Sharer()


def share(data: dict[str, Any]) -> SharedAnswer:
    """``data`` made compact with this process's tables (see :class:`Sharer`)."""
    return _sharer.answer(data)
