"""What nginx's proxy_cache does at a location: the zone, the key, the headers of the
backend's answer it ignores, and the lines that keep a request from the cache; each line with
its ``file:line``, after nginx's inheritance (a level that writes none of a directive takes
the outer level's).

Two things matter to the probe. The endpoint answers ``Cache-Control: no-store``, which
proxy_cache honours unless ``proxy_ignore_headers`` names ``Cache-Control``: then the probe's
answers are stored and replayed (``not_live``). And a key without the Host (the default is
``$scheme$proxy_host$request_uri``: the proxy_pass target, not the name asked for) gives
every name passed to one target the page stored for the first; the probe's own answers,
never stored, do not show it (docs/fronts.md, "Caches in front").
"""

from __future__ import annotations

from dataclasses import dataclass

from probe.nginx.model import Location, NginxModel, Server
from probe.nginx.text import Directive
from probe.nginx.uwsgi_params import levels_of
from probe.nginx_snippets import NONCE_LINES as NONCE_LINES

DEFAULT_KEY = "$scheme$proxy_host$request_uri"  # ngx_http_proxy_module's proxy_cache_key
HOST_VARIABLES = ("$host", "$http_host", "$server_name")
"""Variables that hold the name asked for ($server_name: the block's first name)."""


@dataclass(frozen=True)
class CacheLines:
    """The proxy_cache lines in force at one location that proxies."""

    zone: Directive  # proxy_cache ZONE (never "off": such a location caches nothing)
    key: Directive | None  # proxy_cache_key; None: nginx's DEFAULT_KEY
    ignored: Directive | None  # proxy_ignore_headers naming Cache-Control, if any
    bypass: tuple[Directive, ...]  # proxy_cache_bypass lines in force
    no_cache: tuple[Directive, ...]  # proxy_no_cache lines in force
    path: Directive | None = None  # the proxy_cache_path line that declares the zone
    valid: tuple[Directive, ...] = ()  # proxy_cache_valid lines in force

    @property
    def key_text(self) -> str:
        return " ".join(self.key.args) if self.key is not None else DEFAULT_KEY

    @property
    def key_has_host(self) -> bool:
        return any(v in self.key_text.lower() for v in HOST_VARIABLES)

    @property
    def probe_passes(self) -> bool:
        """Whether a proxy_no_cache line in force names the probe's nonce or token header
        (every probe request with a token carries both)."""
        return any(h in " ".join(d.args).lower() for d in self.no_cache
                   for h in ("$http_x_probe_nonce", "$http_x_probe_token"))

    @property
    def stores_no_store(self) -> bool:
        """Whether an answer with Cache-Control: no-store is stored here (the probe's)."""
        return self.ignored is not None and not self.probe_passes


def _in_force(levels: tuple[Directive, ...], name: str) -> list[Directive]:
    """The innermost level's lines of ``name``: nginx merges each of these by taking the
    outer level's only where a level writes none."""
    for level in reversed(levels):
        own = [d for d in level.children(name) if d.args]
        if own:
            return own
    return []


def cache_at(model: NginxModel, location: Location) -> CacheLines | None:
    """The cache lines in force at ``location``; None where it does not proxy or caches
    nothing (no proxy_cache, or ``proxy_cache off``)."""
    if location.proxy_pass is None:
        return None
    levels = levels_of(model, location)
    zone = next(iter(_in_force(levels, "proxy_cache")), None)
    if zone is None or zone.args[0] == "off":
        return None
    key = next(iter(_in_force(levels, "proxy_cache_key")), None)
    ignored = next((d for d in _in_force(levels, "proxy_ignore_headers")
                    if any(a.lower() == "cache-control" for a in d.args)), None)
    path = next((d for d in (levels[0].children("proxy_cache_path") if levels else ())
                 if f"keys_zone={zone.args[0]}:" in " ".join(d.args)), None)
    return CacheLines(zone, key, ignored, tuple(_in_force(levels, "proxy_cache_bypass")),
                      tuple(_in_force(levels, "proxy_no_cache")), path,
                      tuple(_in_force(levels, "proxy_cache_valid")))


def zone_names(model: NginxModel, zone: str) -> list[str]:
    """Every server_name of the blocks whose locations cache in ``zone``."""
    return sorted({n for s, _, lines in cached_locations(model) if lines.zone.args[0] == zone
                   for n, _ in s.names if n})


def group_of(location: Location, lines: CacheLines) -> tuple[str, str, str]:
    """What makes two locations' entries one set of keys: the zone, the key, and where the
    key holds $proxy_host, the target passed to."""
    target = location.proxy_pass.target if location.proxy_pass is not None else ""
    shared = target if "$proxy_host" in lines.key_text.lower() else ""
    return (lines.zone.args[0], lines.key_text, shared)


def _line_order(where: str) -> tuple[str, int]:
    file, _, line = where.rpartition(":")
    return file, int(line or 0)


def key_lines(model: NginxModel, zone: str) -> list[str]:
    """The proxy_cache_key lines without the Host written where ``zone`` caches, in file
    order: every one of them is to change, or a block left on the old key keeps getting the
    entries other names stored under it."""
    return sorted({lines.key.where for _, _, lines in cached_locations(model)
                   if lines.zone.args[0] == zone and lines.key is not None
                   and not lines.key_has_host}, key=_line_order)


def purge_words(lines: CacheLines) -> str:
    """How the entries stored already leave the cache (configured: the zone's path line and
    the proxy_cache_valid in force)."""
    valid = ", ".join(f"'proxy_cache_valid {' '.join(d.args)};' ({d.where})"
                      for d in lines.valid)
    wait = f"they expire ({valid}) or" if valid else "they expire or"
    if lines.path is None:
        return (f"The entries stored already stay in zone '{lines.zone.args[0]}' until {wait} "
                f"are removed (its proxy_cache_path line was not read: 'nginx -T' shows it).")
    return (f"The entries stored already stay in zone '{lines.zone.args[0]}' until {wait} are "
            f"removed: delete the files under {lines.path.args[0]} (proxy_cache_path, "
            f"{lines.path.where}; 'find {lines.path.args[0]} -type f -delete'), then reload "
            f"nginx.")


def cached_locations(model: NginxModel) -> list[tuple[Server, Location, CacheLines]]:
    """Every proxying location with a cache in force, with its server block."""
    found = []
    for server, location in model.proxied():
        lines = cache_at(model, location)
        if lines is not None:
            found.append((server, location, lines))
    return found
