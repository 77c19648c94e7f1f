"""Endpoint answers kept compactly: what a sweep of a million URLs holds per URL.

A sweep keeps every URL's last answer (the JSON report shows it, and diagnosis compares
answers across URLs), and thousands of URLs get a handful of distinct answers: the same
label, process group, settings, server, python and time zone, differing only in what each
request makes its own (``nonce``, ``signature``, ``request.path_info``, ``uptime_s``, ``hits``).
Decoded one by one, each answer is a fresh tree of dicts and strings, about 5 KiB per URL
(bench/RESULTS.md); shared, the same answer costs a few hundred bytes:

- a nested object without a per-request field is kept once per distinct content;
- a string is kept once per distinct value, except the per-request fields' values;
- the top-level object is a :class:`SharedAnswer`: a key order shared by every answer with
  the same keys, the values it has in common with other answers in one tuple kept once, and
  its own (the per-request fields, ``request``) in a small tuple: not a dict of its own;
- a nested object with a per-request field (``request``) is a :class:`SharedObject`, split
  the same way. Readers take any object of an answer as a Mapping, not as a dict.

The shared values are never changed: an answer is read (diagnosis, reports), never written.
The tables are bounded (:data:`LIMIT`); past it a value is still looked up but no longer
added, so a long-running exporter cannot grow them without end.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

PER_REQUEST = frozenset({"nonce", "signature", "path_info", "request_uri", "uptime_s", "hits"})
"""Fields whose values differ from request to request: never worth keeping once (kept, each
URL's ``request_uri`` would fill the tables, one entry per URL up to :data:`LIMIT`)."""

LIMIT = 100_000
"""Most distinct values and objects the tables keep (a few MiB at most)."""

_LEAVES = frozenset({str, int, bool, type(None)})


class _Shape:
    """A key order shared by every answer that has exactly these keys, in this order, and the
    same of them its own: ``index`` maps a key to its place among the values shared with
    other answers (0, 1, ...) or among the answer's own (-1, -2, ...)."""

    __slots__ = ("index", "keys")

    def __init__(self, keys: tuple[str, ...], own: tuple[bool, ...]) -> None:
        self.keys = keys
        self.index: dict[str, int] = {}
        shared = mine = 0
        for key, is_own in zip(keys, own, strict=True):
            if is_own:
                mine += 1
                self.index[key] = -mine
            else:
                self.index[key] = shared
                shared += 1


class SharedAnswer(Mapping[str, Any]):
    """A read-only JSON object: its keys in a shared :class:`_Shape`, its values in two
    tuples, the one every answer with the same content has in common (kept once) and its own
    (the per-request fields, an object of its own)."""

    __slots__ = ("_own", "_shape", "_shared")

    def __init__(self, shape: _Shape, shared: tuple[Any, ...], own: tuple[Any, ...]) -> None:
        self._shape = shape
        self._shared = shared
        self._own = own

    def __getitem__(self, key: str) -> Any:
        at = self._shape.index[key]
        return self._own[-at - 1] if at < 0 else self._shared[at]

    def __contains__(self, key: object) -> bool:
        return key in self._shape.index

    def __iter__(self) -> Iterator[str]:
        return iter(self._shape.keys)

    def __len__(self) -> int:
        return len(self._shape.keys)

    def __repr__(self) -> str:
        return f"SharedAnswer({self.to_dict()!r})"

    def to_dict(self) -> dict[str, Any]:
        """A plain dict of the same items, its objects plain dicts too (for an encoder that
        takes dicts only)."""
        shared, own = self._shared, self._own
        plain: dict[str, Any] = {}
        for key, at in self._shape.index.items():
            value = own[-at - 1] if at < 0 else shared[at]
            plain[key] = value.to_dict() if isinstance(value, SharedAnswer) else value
        return plain


class SharedObject(SharedAnswer):
    """An object inside an answer that is its own (holds a per-request field, a list, or an
    object of its own), split as the answer is. Shown as the dict it stands for: a verbose
    report prints an answer's objects as Python dicts."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(self.to_dict())


class Sharer:
    """The tables of one process: values, objects and key orders seen, each kept once."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._values: dict[Any, Any] = {}
        self._shapes: dict[tuple[tuple[str, ...], tuple[bool, ...]], _Shape] = {}
        self._kept: set[int] = set()
        """Ids of the objects in ``_values``: alive as long as the tables are."""

    def answer(self, data: dict[str, Any]) -> SharedAnswer:
        """``data`` (a decoded, cleaned endpoint answer) as a compact, shared object."""
        return self._split(tuple(data), [self._value(k, v) for k, v in data.items()],
                           SharedAnswer)

    def _split(self, keys: tuple[str, ...], values: list[Any],
               kind: type[SharedAnswer]) -> SharedAnswer:
        # An object's own: what each request makes its own, and objects not kept (``request``
        # holds path_info); the rest is the same in thousands of answers, kept once.
        parts = [None if key in PER_REQUEST else self._part(key, value)
                 for key, value in zip(keys, values, strict=True)]
        own = tuple(part is None for part in parts)
        shape = self._shapes.get((keys, own))
        if shape is None:
            shape = _Shape(tuple(self._keep(key) for key in keys), own)
            if len(self._shapes) < self.limit:
                self._shapes[keys, own] = shape
        shared = tuple(v for v, part in zip(values, parts, strict=True) if part is not None)
        mine = tuple(v for v, part in zip(values, parts, strict=True) if part is None)
        return kind(shape, self._keep(("()", *filter(None, parts)), shared), mine)

    def text(self, value: str) -> str:
        """The one string kept for ``value``."""
        kept: str = self._keep(value)
        return kept

    def _value(self, key: str, value: Any) -> Any:
        if key in PER_REQUEST:
            return value
        kind = type(value)
        if kind is str:
            return self._keep(value)
        if kind is dict:
            return self._object(value)
        return value

    def _object(self, data: dict[str, Any]) -> dict[str, Any] | SharedAnswer:
        keys = tuple(data)
        values = [self._value(key, value) for key, value in data.items()]
        if PER_REQUEST.isdisjoint(keys):
            parts = [self._part(key, value) for key, value in zip(keys, values, strict=True)]
            if all(parts):  # no list, no object of its own: kept once per distinct content
                items = {self._keep(key): value for key, value in zip(keys, values, strict=True)}
                content = ("{}", *parts)
                kept: dict[str, Any] = self._keep(content, items)
                if kept is items and self._values.get(content) is items:
                    self._kept.add(id(items))
                return kept
        # An object of its own (``request``: its path_info) is split as the answer is.
        return self._split(keys, _same_text_once(keys, values), SharedObject)

    def _part(self, key: object, value: Any) -> tuple[object, str, object] | None:
        """What tells ``value`` apart from any other (with its key), or None when it cannot
        be kept (a list, an object not kept)."""
        kind = type(value)
        if kind is dict and id(value) in self._kept:
            # A kept object lives as long as the tables: its identity is its content.
            return (key, "{}", id(value))
        if kind is float:
            return (key, "float", repr(value))  # -0.0 is not 0.0 in the report
        if kind in _LEAVES:
            return (key, kind.__name__, value)  # 1, 1.0 and true are not alike
        return None

    def _keep(self, key: Any, value: Any = None) -> Any:
        """The one value kept for ``key`` (``key`` itself unless ``value`` is given)."""
        kept = self._values.get(key)
        if kept is not None:
            return kept
        kept = key if value is None else value
        if len(self._values) < self.limit:
            self._values[key] = kept
        return kept


def _same_text_once(keys: tuple[str, ...], values: list[Any]) -> list[Any]:
    """``values`` with the per-request texts that are equal as one string (``path_info`` and
    ``request_uri`` are the same text for most URLs)."""
    first: dict[str, str] = {}
    for at, (key, value) in enumerate(zip(keys, values, strict=True)):
        if key in PER_REQUEST and type(value) is str:
            values[at] = first.setdefault(value, value)
    return values


_sharer = Sharer()


def share(data: dict[str, Any]) -> SharedAnswer:
    """``data`` made compact with this process's tables (see :class:`Sharer`)."""
    return _sharer.answer(data)


def keep(text: str) -> str:
    """The one string kept for ``text`` in this process's tables: for short texts every
    answer repeats (the address that answered, the Server header), held once per sweep."""
    return _sharer.text(text)
