"""The variables of a ``proxy_pass`` (``proxy_pass http://$backend;``), resolved as nginx
resolves them for one request, from the ``map`` blocks read and the request's own values.

nginx's ``map $source $result { ... }`` (ngx_http_map_module): the source value is looked up
as an exact string (caselessly: nginx lower-cases keys and value for its hash), then, with
``hostnames``, the longest matching leading wildcard (``.example.com``, ``*.example.com``),
then the longest trailing one (``www.example.*``), then the regular expressions (``~``,
``~*`` caseless) in configuration order; else ``default`` (the empty string without one),
as nginx 1.22 does. Only sources the probe knows for a URL are resolved ($host, $http_host,
$server_name, $scheme, $request_uri, $uri, another map's result, a ``set`` line's value:
:mod:`probe.nginx.flow`); any other (a cookie, $remote_addr) leaves the address to request
time, said with the line that makes it so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from probe.nginx.text import Directive, pcre

_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
_DEPTH = 4  # a map whose value names another map's result: nginx allows chains, loops fail


@dataclass(frozen=True)
class MapEntry:
    key: str  # as written: other.test, ~^api, default
    value: str
    where: str


@dataclass(frozen=True)
class Map:
    source: str  # the variable looked up, as written: $host
    result: str  # the variable it sets: $backend
    entries: tuple[MapEntry, ...]
    default: MapEntry | None
    hostnames: bool
    where: str
    split: bool = False  # split_clients: each entry's key is its percentage of requests

    def opening(self) -> str:
        return f"{'split_clients' if self.split else 'map'} {self.source} {self.result}"


def read_map(d: Directive) -> Map | None:
    if len(d.args) < 2:
        return None
    entries, default, hostnames = [], None, False
    for e in d.block or ():
        if e.name == "hostnames":
            hostnames = True
        elif e.name == "default" and e.args:
            default = MapEntry("default", e.args[0], e.where)
        elif e.name not in ("volatile", "include") and e.args:
            entries.append(MapEntry(e.name, e.args[0], e.where))
    return Map(d.args[0], d.args[1], tuple(entries), default, hostnames, d.where)


def read_split(d: Directive) -> Map | None:
    """``split_clients "$source" $result { 20% a; * b; }``: its entries in order."""
    if len(d.args) < 2:
        return None
    entries = tuple(MapEntry(e.name, e.args[0], e.where) for e in d.block or () if e.args)
    return Map(d.args[0], d.args[1], entries, None, False, d.where, split=True)


def read_block(d: Directive) -> Map | None:
    """A ``map`` or ``split_clients`` block, the variable sources read; None for others."""
    return read_map(d) if d.name == "map" else read_split(d) if d.name == "split_clients" \
        else None


def shares(m: Map) -> list[tuple[MapEntry, float]]:
    """Each split_clients entry with its percentage (``*`` the rest)."""
    given = [(e, float(e.key.rstrip("%"))) for e in m.entries
             if e.key != "*" and e.key.rstrip("%").replace(".", "", 1).isdigit()]
    rest = [(e, max(0.0, 100.0 - sum(p for _, p in given))) for e in m.entries if e.key == "*"]
    return given + rest


@dataclass(frozen=True)
class Resolved:
    """What a value with variables is for one request: ``value`` None when the lines read do
    not decide it, ``said`` how (each variable with the map line that set it), or why not;
    ``chosen`` the map entries that gave the values (map, entry, value looked up), or, for a
    split_clients, each of its entries (the value looked up None)."""

    value: str | None
    said: str
    chosen: tuple[tuple[Map, MapEntry, str | None], ...] = ()


def _leading(key: str, value: str) -> bool:
    """``*.example.com`` or ``.example.com`` (which also takes example.com itself)."""
    if key.startswith("."):
        return value == key[1:] or value.endswith(key)
    return key.startswith("*.") and value.endswith(key[1:])


def _longest(entries: list[MapEntry]) -> MapEntry | None:
    # the longest wildcard wins, as in nginx's wildcard hash; config order breaks no tie
    # (nginx refuses a duplicate key)
    return max(entries, key=lambda e: len(e.key.lstrip("*.").rstrip("*.")), default=None)


def _lookup(m: Map, value: str) -> MapEntry | None:
    """ngx_http_map_module with ngx_hash_find_combined: the exact key, then (hostnames) the
    longest leading wildcard, then the longest trailing one, then the regular expressions
    in configuration order; else default."""
    if m.hostnames:
        value = value.removesuffix(".")
    low = value.lower()
    exact = next((e for e in m.entries if not e.key.startswith("~")
                  and e.key.lower().removeprefix("\\") == low), None)
    if exact is not None:
        return exact
    if m.hostnames:
        keys = [(e, e.key.lower()) for e in m.entries]
        found = _longest([e for e, k in keys if _leading(k, low)]) or _longest(
            [e for e, k in keys if k.endswith(".*") and low.startswith(k[:-1])])
        if found is not None:
            return found
    for e in m.entries:
        if e.key.startswith("~"):
            caseless = e.key.startswith("~*")
            regex = pcre(e.key[2 if caseless else 1:], caseless)
            if regex is not None and regex.search(value):
                return e
    return m.default


def resolve(text: str, maps: dict[str, Map], known: dict[str, str],
            depth: int = 0) -> Resolved:
    """``text`` (a proxy_pass URL) with its variables replaced, or why they cannot be."""
    said: list[str] = []
    chosen: list[tuple[Map, MapEntry, str | None]] = []

    def value_of(name: str) -> str | None:
        var = "$" + name
        if var in known:
            return known[var]
        m = maps.get(var)
        if m is None:
            said.append(f"{var} is set by no map, split_clients or set line read, nor by a "
                        f"regular expression's capture (a value only a request has)")
            return None
        if m.split:
            parts = ", ".join(f"{p:g}% {e.value} ({e.key} at {e.where})" for e, p in shares(m))
            said.append(f"{var} comes from split_clients {m.source} {var} at {m.where}: "
                        f"{parts}; the hash of each request's {m.source} picks one")
            chosen.extend((m, e, None) for e in m.entries)
            return None
        source = resolve(m.source, maps, known, depth + 1) if depth < _DEPTH else None
        if source is None or source.value is None:
            said.append(f"{var} comes from map {m.source} {var} at {m.where}, whose source "
                        f"{m.source} is known only to a request")
            return None
        entry = _lookup(m, source.value)
        if entry is None:
            said.append(f"{var} = '' (map {m.source} {var} at {m.where}: {source.value!r} "
                        f"matches no key and there is no default)")
            return ""
        inner = resolve(entry.value, maps, known, depth + 1) if depth < _DEPTH else None
        if inner is None or inner.value is None:
            said.append(f"{var} = {entry.value} (map at {m.where}, {entry.key} at "
                        f"{entry.where}), which names a value only a request has")
            return None
        said.append(f"{var} = {inner.value} (map {m.source} {var} at {m.where}: "
                    f"{m.source} = {source.value!r}, {entry.key} at {entry.where})")
        chosen.append((m, entry, source.value))
        return inner.value

    parts: list[str] = []
    last, undecided = 0, False
    for match in _VARIABLE.finditer(text):
        parts.append(text[last:match.start()])
        value = value_of(match.group(1) or match.group(2))
        undecided = undecided or value is None
        parts.append(value or "")
        last = match.end()
    parts.append(text[last:])
    return Resolved(None if undecided else "".join(parts), "; ".join(said), tuple(chosen))
