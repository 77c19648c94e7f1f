"""The nginx proxy_cache rules (docs/lint.md, "nginx"), read from :mod:`probe.nginx.caches`:

* ``nginx_cache_key_host``: one cache (a ``proxy_cache`` zone with one key) serves several
  names and its ``proxy_cache_key`` holds no ``$host``: the page stored for a path under one
  name is given for that path under the others. The probe's answers (``Cache-Control:
  no-store``) are not stored where nginx honours that header, so a sweep says ``ok`` while
  users get another site's pages (tester T32's :18112). A key holding ``$proxy_host`` (the
  default) is one cache per proxy_pass target: names passed to different targets are apart.
* ``nginx_cache_no_store_ignored``: ``proxy_ignore_headers Cache-Control`` in force where a
  location proxies with a cache: the answers an application marks ``no-store`` or
  ``private`` (a user's own pages, the probe endpoint's) are stored and given to later
  requests, and a sweep there says ``not_live`` (``cached``). Not said where a
  ``proxy_no_cache`` line in force names the probe's nonce header.
"""

from __future__ import annotations

from probe.lint.findings import ConfigFinding, Severity
from probe.nginx.caches import NONCE_LINES, CacheLines, cached_locations, group_of
from probe.nginx.model import Location, NginxModel, Server


def cache_key_host(model: NginxModel) -> list[ConfigFinding]:
    groups: dict[tuple[str, ...], list[tuple[Server, Location, CacheLines]]] = {}
    for server, location, lines in cached_locations(model):
        if not lines.key_has_host:
            groups.setdefault(group_of(location, lines), []).append(
                (server, location, lines))
    findings = []
    for (zone, key, _), members in groups.items():
        names = sorted({n for s, _, _ in members for n, _ in s.names if n})
        if len(names) < 2:
            continue
        first = members[0][2]
        at = first.key.where if first.key is not None else first.zone.where
        # every block of the group may write its own key line: each is to change
        keys = sorted({m[2].key.where for m in members if m[2].key is not None},
                      key=lambda w: (w.rpartition(":")[0], int(w.rpartition(":")[2] or 0)))
        written = (f"proxy_cache_key {key} ({at})" if first.key is not None
                   else f"nginx's default proxy_cache_key {key} (none written; proxy_cache {zone} "
                        f"at {at})")
        blocks = ", ".join(sorted({s.where for s, _, _ in members}))
        findings.append(ConfigFinding.at(
            "nginx_cache_key_host", Severity.WARNING, at,
            f"{written} holds no $host, and the cache zone {zone!r} it keys serves the names "
            f"{', '.join(names)} (server blocks at {blocks}): a page stored for a path under "
            f"one name is given for that path under the others. The probe's answers "
            f"(Cache-Control: no-store) are not stored where nginx honours that header, so a "
            f"sweep does not show it",
            "write 'proxy_cache_key $scheme$host$request_uri;' "
            + (f"in place of the line{'s' if len(keys) > 1 else ''} at {', '.join(keys)}"
               if first.key is not None
               else f"beside 'proxy_cache {zone};' at {at}")
            + ", then reload nginx; pages already stored under the old key are no longer "
              "looked up"))
    return findings


def cache_no_store_ignored(model: NginxModel) -> list[ConfigFinding]:
    by_line: dict[str, list[tuple[Location, CacheLines]]] = {}
    for _, location, lines in cached_locations(model):
        if lines.stores_no_store and lines.ignored is not None:
            by_line.setdefault(lines.ignored.where, []).append((location, lines))
    findings = []
    for where, seen in by_line.items():
        lines = seen[0][1]
        assert lines.ignored is not None
        written = " ".join(lines.ignored.args)
        places = ", ".join(f"{loc.describe()} ({loc.where})" for loc, _ in seen)
        findings.append(ConfigFinding.at(
            "nginx_cache_no_store_ignored", Severity.WARNING, where,
            f"'proxy_ignore_headers {written};' is in force where {places} proxies with "
            f"proxy_cache {lines.zone.args[0]} ({lines.zone.where}): answers the application "
            f"marks Cache-Control: no-store or private (a user's own pages, the probe "
            f"endpoint's answers) are stored and given to later requests, and a sweep there "
            f"says not_live (cached)",
            f"in the block of {where} add '{NONCE_LINES[0]} {NONCE_LINES[1]}' (the probe's "
            f"requests, which carry X-Probe-Nonce, pass the cache and none of their answers is "
            f"stored), or remove Cache-Control from that line so that no answer marked "
            f"no-store is stored; then reload nginx"))
    return findings
