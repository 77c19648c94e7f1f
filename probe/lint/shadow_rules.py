"""``alias_shadows_mount``: an ``Alias`` that takes the URLs of a ``WSGIScriptAlias``.

``Alias`` and ``WSGIScriptAlias`` are both ``translate_name`` hooks, and mod_wsgi registers
its hook to run after mod_alias's: whatever their order in the file, a path an ``Alias``,
``AliasMatch``, ``ScriptAlias`` or ``ScriptAliasMatch`` matches is mapped by mod_alias and
mod_wsgi never sees it (checked with real Apache 2.4 and mod_wsgi,
``tests/integration/test_alias_shadow_apache.py``). A VirtualHost inherits the main
server's aliases after its own, and the one-argument ``Alias`` inside a ``<Location>`` is
tried first of all.

An ``Alias`` below a mount (``Alias /static`` under ``WSGIScriptAlias /``) takes only its
own part, which is what it is for: no finding. One that takes the mount's own URL does:

* a plain alias whose path is the mount or above it takes every URL of the mount (error);
  one that ends in ``/`` (``Alias /app/`` for ``WSGIScriptAlias /app``) leaves the
  application only the mount's URL without its slash (error);
* a regular expression that matches the mount's URL (warning: which of the mount's other
  URLs it takes depends on the expression).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from probe.apache.config import Directive
from probe.apache.mapping import map_path
from probe.apache.model import Server, Site, WsgiApp
from probe.apache.names import alias_match_length, mount_url_path
from probe.apache.reach import literal_prefix, shadowing
from probe.lint.findings import ConfigFinding, Severity

CODE = "alias_shadows_mount"
_ALIAS_KEYS = ("alias", "aliasmatch", "scriptalias", "scriptaliasmatch")
_LOCATION_KEYS = ("location", "locationmatch")


@dataclass(frozen=True)
class MappedPath:
    """One mod_alias mapping: the URL path (or regular expression) it takes and where to."""

    directive: Directive
    pattern: str
    is_match: bool
    target: str

    def matches(self, path: str) -> bool:
        if not self.is_match:
            return alias_match_length(path, self.pattern) > 0
        try:
            return re.search(self.pattern, path) is not None
        except re.error:
            return False


def alias_shadows_mount(site: Site) -> list[ConfigFinding]:
    """A WSGIScriptAlias whose own URL an Alias of the same server maps first."""
    main_scope = tuple(d for d in site.config.directives if d.key != "virtualhost")
    findings: list[ConfigFinding] = []
    for server in site.servers:
        scope = main_scope if server.is_main else server.directives
        aliases = mod_alias_order(scope, () if server.is_main else main_scope)
        for app in site.aliases_for(server):
            if app.handler:  # mounted through an Alias: mod_alias's own choice
                continue
            if shadowing(site, server, app) is not None:
                continue  # an earlier WSGIScriptAlias takes it anyway: alias_order's
            urls = tuple(u for u in _mount_urls(app) if _reaches_mod_alias(site, server, u))
            if not urls:
                continue
            taker = next((a for a in aliases if any(a.matches(u) for u in urls)), None)
            if taker is not None:
                findings.append(_finding(server, app, taker, urls))
    return findings


def _reaches_mod_alias(site: Site, server: Server, path: str) -> bool:
    """Whether ``path`` gets to mod_alias's aliases as it is: no RewriteRule, ProxyPass or
    Redirect (all tried before them) takes or changes it, nor does the model stop there."""
    mapped = map_path(site, server, path)
    return mapped.path == path and not (mapped.redirect or mapped.refused or mapped.upstream
                                        or mapped.undecided)


def mod_alias_order(scope: Sequence[Directive],
                    inherited: Sequence[Directive]) -> list[MappedPath]:
    """The aliases mod_alias tries for a server, in its order: a ``<Location>``'s own
    ``Alias`` first, then the server's, then those it inherits from the main server."""
    return [*_location_aliases(scope), *_location_aliases(inherited),
            *_server_aliases(scope), *_server_aliases(inherited)]


def _server_aliases(scope: Sequence[Directive]) -> Iterator[MappedPath]:
    for d in scope:
        if d.key in _ALIAS_KEYS and len(d.args) >= 2:
            yield MappedPath(d, d.args[0], d.key.endswith("match"), d.args[1])


def _location_aliases(scope: Sequence[Directive]) -> Iterator[MappedPath]:
    for section in scope:
        if section.key not in _LOCATION_KEYS or not section.args:
            continue
        is_match = section.key == "locationmatch" or section.arg(0) == "~"
        pattern = section.args[-1] if section.arg(0) == "~" else section.args[0]
        for d in section.body():
            if d.key == "alias" and len(d.args) == 1:
                yield MappedPath(d, pattern, is_match, d.args[0])


def _mount_urls(app: WsgiApp) -> tuple[str, ...]:
    """The mount's own URL as a client writes it, without and with its slash."""
    mount = app.mount
    if app.is_match:
        prefix = literal_prefix(mount)
        if prefix is None:
            return ()
        mount = prefix
    rooted = mount_url_path(mount)
    bare = rooted.rstrip("/") or "/"
    return tuple(dict.fromkeys((bare, rooted)))


def _finding(server: Server, app: WsgiApp, taker: MappedPath,
             urls: tuple[str, ...]) -> ConfigFinding:
    d = taker.directive
    written = f"{d.name} {' '.join(d.args)}"
    taken = [u for u in urls if taker.matches(u)]
    every = not taker.is_match and len(taken) == len(urls)
    if every:
        what = f"every URL of {app.mount}"
    elif not taker.is_match:
        what = f"every URL below {urls[-1]} (only {urls[0]} itself reaches the application)"
    else:
        what = f"{' and '.join(taken)}, the mount's own URL"
    inherited = " (the main server's, which every VirtualHost inherits)" \
        if not server.is_main and _in_main(server, d) else ""
    message = (f"{app.directive.name} {app.mount} at {app.where} is not reached for {what} "
               f"in {server.describe()}: {written} at {d.where}{inherited} maps them first "
               f"(mod_alias runs before mod_wsgi, whatever their order), so "
               f"{app.target} does not answer them")
    fix = (f"remove {d.name} {d.args[0] if len(d.args) > 1 else ''}".rstrip()
           + f" ({d.where}) or narrow it to the files it is for "
             f"(e.g. a path below {urls[-1]}, such as {urls[-1].rstrip('/')}/static/), "
             f"if {app.target} is meant to answer {urls[-1]}")
    return ConfigFinding(CODE, Severity.ERROR if not taker.is_match else Severity.WARNING,
                         app.directive.file, app.directive.line, message, fix)


def _in_main(server: Server, d: Directive) -> bool:
    return not any(x is d for x in _walk(server.directives))


def _walk(directives: Sequence[Directive]) -> Iterator[Directive]:
    for d in directives:
        yield d
        yield from _walk(d.body())
