"""Endpoint answers kept compactly: what a sweep of a million URLs holds per URL.

A sweep keeps every URL's last answer (reports show it, diagnosis compares them), and
thousands of URLs get a handful of distinct answers, differing only in what each request
makes its own (``nonce``, ``signature``, ``request.path_info``, ``uptime_s``, ``hits``).
Decoded one by one, each answer is a fresh tree of dicts and strings, about 5 KiB per URL
(bench/RESULTS.md); shared, the same answer costs a few hundred bytes:

- a nested object without a per-request field is kept once per distinct content;
- a string is kept once per distinct value, except the per-request fields' values;
- the top-level object is a :class:`SharedAnswer`: a key order shared by every answer with
  the same keys, the values it has in common with other answers in one tuple kept once, and
  its own (the per-request fields, ``request``) in a small tuple: not a dict of its own;
- a nested object with a per-request field (``request``) is a :class:`SharedObject`, split
  the same way. Readers take any object of an answer as a Mapping, not as a dict.

The shared values are never changed: an answer is read, never written. The tables are
bounded (:data:`LIMIT`): past it a value is looked up but no longer added (an exporter).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any, cast

PER_REQUEST = frozenset({"nonce", "signature", "path_info", "request_uri", "uptime_s", "hits"})
"""Fields whose values differ from request to request: never worth keeping once (kept, each
URL's ``request_uri`` would fill the tables, one entry per URL up to :data:`LIMIT`)."""

LIMIT = 100_000
"""Most distinct values and objects the tables keep (a few MiB at most)."""

_LEAVES = frozenset({str, int, bool, type(None)})
_SHAREABLE = _LEAVES | {float, dict}
"""Types a value shared with other answers may have (a dict only when kept)."""


class Shape:
    """A key order shared by every answer that has exactly these keys, in this order, and the
    same of them its own: ``index`` maps a key to its place among the values shared with
    other answers (0, 1, ...) or among the answer's own (-1, -2, ...). The takers pick each
    part out of the values in key order, and ``order`` puts shared + own back in key order."""

    __slots__ = ("index", "keys", "order", "own_keys", "own_set", "take_own", "take_shared")

    def __init__(self, keys: tuple[str, ...], own: tuple[bool, ...]) -> None:
        self.keys = keys
        shared_at = [at for at, is_own in enumerate(own) if not is_own]
        own_at = [at for at, is_own in enumerate(own) if is_own]
        place = {at: n for n, at in enumerate(shared_at)} | {at: ~n for n, at in enumerate(own_at)}
        self.index = {key: place[at] for at, key in enumerate(keys)}
        self.take_shared = _taker(shared_at)
        self.take_own = _taker(own_at)
        self.order = _taker([at if at >= 0 else len(shared_at) - at - 1
                             for at in self.index.values()])
        self.own_keys = tuple(keys[at] for at in own_at)
        self.own_set = frozenset(self.own_keys)


def _taker(indices: list[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A function picking these items out of a sequence, as a tuple (itemgetter: in C)."""
    if not indices:
        return lambda values: ()
    if len(indices) == 1:
        at = indices[0]
        return lambda values: (values[at],)
    taker: Callable[[Sequence[Any]], tuple[Any, ...]] = itemgetter(*indices)
    return taker


class SharedAnswer(Mapping[str, Any]):
    """A read-only JSON object: its keys in a shared :class:`Shape`, its values in two
    tuples, the one every answer with the same content has in common (kept once) and its own
    (the per-request fields, an object of its own)."""

    __slots__ = ("_own", "_shape", "_shared")

    def __init__(self, shape: Shape, shared: tuple[Any, ...], own: tuple[Any, ...]) -> None:
        self._shape = shape
        self._shared = shared
        self._own = own

    def parts(self) -> tuple[Shape, tuple[Any, ...], tuple[Any, ...]]:
        """Its key order, the values it shares (the same tuple in every answer sharing
        them) and its own values in key order: for what is done once per shared part
        (:mod:`probe.shared_once`)."""
        return self._shape, self._shared, self._own

    def __getitem__(self, key: str) -> Any:
        at = self._shape.index[key]
        return self._own[~at] if at < 0 else self._shared[at]

    def get(self, key: str, default: Any = None) -> Any:
        # Mapping's get goes through __getitem__ and a KeyError: diagnosis reads every field
        # of every answer this way.
        at = self._shape.index.get(key)
        if at is None:
            return default
        return self._own[~at] if at < 0 else self._shared[at]

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
        shape = self._shape
        plain = dict(zip(shape.keys, shape.order(self._shared + self._own), strict=True))
        for key, value in zip(shape.own_keys, self._own, strict=True):
            if isinstance(value, SharedAnswer):  # the shared part holds no object of its own
                plain[key] = value.to_dict()
        return plain


class SharedObject(SharedAnswer):
    """An object inside an answer that is its own (holds a per-request field, a list, or an
    object of its own), split as the answer is. Shown as the dict it stands for: a verbose
    report prints an answer's objects as Python dicts."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(self.to_dict())


SHARED_TYPES = (SharedAnswer, SharedObject)
"""The types of an answer's objects kept compactly (told by type: asked per answer)."""


class Sharer:
    """The tables of one process: values, objects and key orders seen, each kept once."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._values: dict[Any, Any] = {}
        self._shapes: dict[tuple[tuple[str, ...], tuple[bool, ...]], Shape] = {}
        self._plans: dict[tuple[tuple[str, ...], tuple[type, ...]],
                          tuple[Shape, tuple[type, ...], list[int], list[int]]] = {}
        self._kept: set[int] = set()
        """Ids of the objects in ``_values``: alive as long as the tables are."""

    def answer(self, data: dict[str, Any]) -> SharedAnswer:
        """``data`` (a decoded, cleaned endpoint answer) as a compact, shared object."""
        return self._split(tuple(data), self._values_of(data), SharedAnswer)

    def _values_of(self, data: dict[str, Any]) -> list[Any]:
        """:meth:`_value` of each item, inlined: every answer's every field passes here."""
        values: list[Any] = []
        append, known = values.append, self._values.get
        for key, value in data.items():
            kind = type(value)
            if key in PER_REQUEST or (kind is not str and kind is not dict):
                append(value)
            elif kind is str:
                kept = known(value)
                append(kept if kept is not None else self._keep(value))
            else:
                append(self._object(value))
        return values

    def _split(self, keys: tuple[str, ...], values: list[Any],
               kind: type[SharedAnswer]) -> SharedAnswer:
        """An object's own (per-request fields, objects not kept) and the rest, kept once; planned
        once per key order and value types (every answer passes here)."""
        kinds = tuple(map(type, values))
        plan = self._plans.get((keys, kinds)) or self._plan(keys, kinds)
        shape, shared_kinds, dict_at, float_at = plan
        shared = shape.take_shared(values)
        content = list(shared)
        for at in dict_at:
            if id(content[at]) not in self._kept:  # past the tables' limit: one of its own
                return self._split_unkept(keys, values, kinds, kind)
            content[at] = id(content[at])  # a kept object: its identity is its content
        for at in float_at:
            content[at] = repr(content[at])  # -0.0 is not 0.0 in the report
        # The types tell 1, 1.0 and true apart (equal as values).
        key = ("()", shared_kinds, *content)
        return kind(shape, self._keep(key, shared), shape.take_own(values))

    def _plan(self, keys: tuple[str, ...], kinds: tuple[type, ...],
              ) -> tuple[Shape, tuple[type, ...], list[int], list[int]]:
        own = tuple(key in PER_REQUEST or kind not in _SHAREABLE
                    for key, kind in zip(keys, kinds, strict=True))
        shape = self._shape(keys, own)
        shared_kinds = tuple(k for k, is_own in zip(kinds, own, strict=True) if not is_own)
        plan = (shape, shared_kinds, [at for at, k in enumerate(shared_kinds) if k is dict],
                [at for at, k in enumerate(shared_kinds) if k is float])
        if len(self._plans) < self.limit:
            self._plans[keys, kinds] = plan
        return plan

    def _split_unkept(self, keys: tuple[str, ...], values: list[Any], kinds: tuple[type, ...],
                      kind: type[SharedAnswer]) -> SharedAnswer:
        own = tuple(key in PER_REQUEST or k not in _SHAREABLE
                    or (k is dict and id(value) not in self._kept)
                    for key, value, k in zip(keys, values, kinds, strict=True))
        shape = self._shape(keys, own)
        return kind(shape, shape.take_shared(values), shape.take_own(values))

    def _shape(self, keys: tuple[str, ...], own: tuple[bool, ...]) -> Shape:
        shape = self._shapes.get((keys, own))
        if shape is None:
            shape = Shape(tuple(self._keep(key) for key in keys), own)
            if len(self._shapes) < self.limit:
                self._shapes[keys, own] = shape
        return shape

    def text(self, value: str) -> str:
        """The one string kept for ``value``."""
        return cast(str, self._keep(value))

    def _object(self, data: dict[str, Any]) -> dict[str, Any] | SharedAnswer:
        kinds = tuple(map(type, data.values()))
        # The usual object (server, python, ...): texts, numbers and flags as seen before, in
        # one look-up (the types tell 1, 1.0 and true apart; -0.0 == 0.0, so no floats).
        seen = None
        if dict not in kinds and list not in kinds and float not in kinds \
                and PER_REQUEST.isdisjoint(data):
            seen = ("{=}", tuple(data.items()), kinds)
            known = self._values.get(seen)
            if known is not None:
                return known  # type: ignore[no-any-return]  # the table's values are Any
        keys = tuple(data)
        if seen is None and _LEAVES.issuperset(kinds):  # ``request``: split before, as below
            plan, leaves = self._plans.get((keys, kinds)), tuple(data.values())
            # Nothing here is an object or a float: _split's key is made of the values.
            if plan is not None and (shared := self._values.get(
                    ("()", plan[1], *plan[0].take_shared(leaves)))) is not None:
                own = _same_text_once(plan[0].own_keys, list(plan[0].take_own(leaves)))
                return SharedObject(plan[0], shared, tuple(own))
        values = self._values_of(data)
        if PER_REQUEST.isdisjoint(keys):
            parts = [self._part(key, value) for key, value in zip(keys, values, strict=True)]
            if all(parts):  # no list, no object of its own: kept once per distinct content
                items = {self._keep(key): value for key, value in zip(keys, values, strict=True)}
                content = ("{}", *parts)
                kept: dict[str, Any] = self._keep(content, items)
                if kept is items and self._values.get(content) is items:
                    self._kept.add(id(items))
                if seen is not None and id(kept) in self._kept:
                    self._keep(seen, kept)
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
    """``values`` with equal per-request texts as one string (path_info, request_uri)."""
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
