"""Which URL-mapping step takes a request's path inside one server, in httpd's order of
``translate_name`` hooks: mod_rewrite (``APR_HOOK_FIRST``), mod_proxy's ``ProxyPass``
(after mod_rewrite), mod_alias (``Redirect`` before ``Alias``), then mod_wsgi's
``WSGIScriptAlias`` (mod_wsgi registers after ``mod_alias.c``), and last the handler mounts
(``SetHandler``/``AddHandler wsgi-script`` under an Alias, a ``<Location>`` or the
DocumentRoot). The first hook that takes the path ends the search, except a RewriteRule with
``[PT]``, which hands its new path on.

Where the model cannot follow a directive (a RewriteRule with conditions, a substitution
with server variables, a rewrite to a file without ``[PT]``) the mapping says so in
``undecided`` rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from probe.apache.alias_slash import beyond_step, file_beyond
from probe.apache.alias_target import AliasRequest, alias_request
from probe.apache.config import Directive
from probe.apache.handlers import WSGI_SCRIPT
from probe.apache.mass_route import mass_route
from probe.apache.model import Server, Site, WsgiApp
from probe.apache.names import alias_match_length, mount_matches
from probe.apache.proxy import members, proxy_steps, taken_by
from probe.front import Member, RouteStep, Source

_REDIRECT_KEYS = ("redirect", "redirectmatch", "redirectpermanent", "redirecttemp")
_ALIAS_KEYS = ("alias", "aliasmatch", "scriptalias", "scriptaliasmatch")
_STATUS_WORDS = ("permanent", "temp", "seeother", "gone")
_UNFOLLOWED_FLAGS = ("c", "chain", "s", "skip", "n", "next", "e", "env")


@dataclass(frozen=True)
class UrlMapping:
    """What took the path: an application (``app``), or an outcome without one."""

    path: str  # the path the later steps saw (a [PT] rewrite changes it)
    steps: tuple[RouteStep, ...] = ()
    app: WsgiApp | None = None
    script_name: str | None = None
    script_file: str | None = None  # the file a WSGIScriptAlias runs for this path
    refused: bool = False  # forbidden, gone
    redirect: str | None = None
    upstream: str | None = None  # proxied to
    members: tuple[Member, ...] = ()  # the backends it goes to (a balancer's members)
    undecided: str | None = None


def source(d: Directive) -> Source:
    return Source(d.file, d.line)


def written(d: Directive) -> str:
    return " ".join([d.name, *d.args])


def map_path(site: Site, server: Server, path: str, host: str | None = None,
             port: int | None = None) -> UrlMapping:
    """The mapping of ``path`` in ``server`` (a VirtualHost inherits the main server's
    Alias, Redirect, ProxyPass and WSGIScriptAlias lines, listed after its own); ``host`` and
    ``port``: the request's, which a ``VirtualDocumentRoot`` maps by."""
    main_scope = tuple(d for d in site.config.directives if d.key != "virtualhost")
    scope = server.directives if not server.is_main else main_scope
    rewritten = _rewrite(scope, path)
    if rewritten.undecided or rewritten.refused or rewritten.redirect or rewritten.upstream:
        return rewritten
    path, steps = rewritten.path, rewritten.steps
    inherited = () if server.is_main else main_scope
    for mapped in (_proxy(site, server, path), _alias(scope, inherited, path)):
        if mapped is not None:
            return _handled(site, server, replace(mapped, steps=steps + mapped.steps),
                            host, port)
    for app in site.aliases_for(server):
        if app.handler:
            continue
        matched = _wsgi_match(app, path)
        beyond = file_beyond(app, path) if matched is not None else None
        if beyond is not None:  # a URL-path ending in '/' before a file: no script
            return UrlMapping(path, (*steps, beyond_step(app, path, beyond)), refused=True)
        if matched is not None:
            step = RouteStep("mount", f"{matched.script_file} at {app.mount}",
                             f"{app.directive.name} {app.mount} is the first "
                             f"{'WSGIScriptAlias' if not app.is_match else app.directive.name} "
                             f"of this server to match {path}", source(app.directive))
            return UrlMapping(path, (*steps, step), app, matched.script_name,
                              matched.script_file)
    return _handled(site, server, UrlMapping(path, steps), host, port)


def _handled(site: Site, server: Server, mapped: UrlMapping, host: str | None = None,
             port: int | None = None) -> UrlMapping:
    """A path no WSGIScriptAlias took (or an Alias mapped): a handler mount, else none."""
    if mapped.redirect or mapped.refused or mapped.upstream or mapped.undecided:
        return mapped
    handlers = [a for a in site.aliases_for(server)
                if a.handler and mount_matches(a.mount, mapped.path)]
    if not handlers:
        mass = mass_route(site, server, mapped.path, host, port)
        if mass is not None:  # VirtualDocumentRoot: the Host's directory decides
            return replace(mapped, steps=(*mapped.steps, mass.step), app=mass.app,
                           script_name=mass.script_name, script_file=mass.script_file,
                           refused=mass.refused, undecided=mass.undecided)
        return replace(mapped, steps=(*mapped.steps, RouteStep(
            "mount", "no application", f"no WSGI mount of this server matches {mapped.path}",
            None)))
    app = max(handlers, key=lambda a: len(a.mount))
    step = RouteStep("mount", f"{app.target} at {app.mount}",
                     f"{app.directive.name} {' '.join(app.directive.args)} makes mod_wsgi "
                     f"run it", source(app.directive),
                     # a WSGIHandlerScript's name: the script is the handler's, and
                     # SCRIPT_FILENAME the request's file (mod_wsgi-express's handler.wsgi)
                     by="" if WSGI_SCRIPT in " ".join(app.directive.args).lower() else "handler")
    return replace(mapped, steps=(*mapped.steps, step), app=app,
                   script_name=app.script_name)


def _wsgi_match(app: WsgiApp, path: str) -> AliasRequest | None:
    """The script and SCRIPT_NAME when ``app``'s alias matches ``path`` (mod_wsgi's
    ``wsgi_alias_matches``; a Match alias must match from the path's start)."""
    if not app.is_match:
        length = alias_match_length(path, app.mount)
        if not length:
            return None
        return alias_request(app.target, app.after, path, path[:length])
    try:
        found = re.match(app.mount, path)
    except re.error:
        return None
    if found is None:
        return None
    return alias_request(app.target, app.after, path, found.group(0), found)


def _rewrite(scope: Sequence[Directive], path: str) -> UrlMapping:
    """mod_rewrite in server context: the rules of ``scope`` when its RewriteEngine is on."""
    engine = next((d for d in reversed(scope) if d.key == "rewriteengine" and d.args), None)
    if engine is None or engine.args[0].lower() != "on":
        return UrlMapping(path)
    steps: list[RouteStep] = []
    conditions: list[Directive] = []
    passthrough: Directive | None = None
    changed: Directive | None = None
    for d in scope:
        if d.key == "rewritecond":
            conditions.append(d)
            continue
        if d.key != "rewriterule" or len(d.args) < 2:
            continue
        held, conditions = conditions, []
        flags = [f.strip().lower() for f in d.arg(2).strip("[]").split(",") if f.strip()]
        pattern, negated = (d.args[0][1:], True) if d.args[0].startswith("!") else \
            (d.args[0], False)
        try:
            found = re.search(pattern, path, re.I if {"nc", "nocase"} & set(flags) else 0)
        except re.error:
            return _undecided(path, steps, d, f"{written(d)} at {d.where}: "
                              f"its pattern is not a regular expression the model reads")
        if (found is None) != negated:
            continue
        names = {f.split("=", 1)[0] for f in flags}
        if d.args[1] == "-" and names <= {"e", "env", "nc", "nocase"}:
            continue  # sets variables only (probe.apache.env_vars): the path goes on unmapped
        if held:
            return _undecided(path, steps, d, (
                f"{written(d)} at {d.where} matches {path} but depends on "
                f"RewriteCond at {held[0].where}, which the model does not evaluate"))
        names = {f.split("=", 1)[0] for f in flags}
        if names & set(_UNFOLLOWED_FLAGS) or any(f.startswith("h=") for f in flags):
            return _undecided(path, steps, d, (
                f"{written(d)} at {d.where} matches {path}; the model does not follow its "
                f"flags {d.arg(2)}"))
        rule = f"{written(d)} matches {path}"
        if names & {"f", "forbidden", "g", "gone"}:
            return UrlMapping(path, (*steps, RouteStep("mapping", "refused", rule, source(d))),
                              refused=True)
        target = d.args[1]
        if target != "-":
            expanded = _expand(target, found if not negated else None)
            if expanded is None:
                return _undecided(path, steps, d, (
                    f"{written(d)} at {d.where} matches {path}; its substitution uses "
                    f"variables the model does not know"))
            if names & {"r", "redirect"} or "://" in expanded:
                return UrlMapping(path, (*steps, RouteStep(
                    "mapping", f"redirect to {expanded}", rule, source(d))), redirect=expanded)
            if names & {"p", "proxy"}:
                return UrlMapping(path, (*steps, RouteStep(
                    "mapping", f"proxied to {expanded}", rule, source(d))), upstream=expanded)
            path = expanded.split("?", 1)[0]
            changed = d
            steps.append(RouteStep("mapping", f"rewritten to {path}", rule, source(d)))
            if names & {"pt", "passthrough"}:
                passthrough = d
        if names & {"l", "last", "end"}:
            break
    if changed is not None and passthrough is None:
        return _undecided(path, steps, changed, (
            f"{written(changed)} at {changed.where} maps the URL to {path} without [PT]: "
            f"httpd then serves it as a file, which the model does not follow"))
    return UrlMapping(path, tuple(steps))


def _undecided(path: str, steps: Sequence[RouteStep], d: Directive, why: str) -> UrlMapping:
    """A mapping the model stops at: ``d`` decides, in a way it does not follow."""
    rule = why.replace(f" at {d.where}", "", 1)
    # An R flag makes the rule an external redirect whenever it applies, whatever its
    # conditions and variables: the step says so, for an answer's Location to confirm.
    decision = REDIRECT_UNDECIDED if is_redirect_rule(d) else "undecided"
    return UrlMapping(path, (*steps, RouteStep("mapping", decision, rule, source(d))),
                      undecided=why)


REDIRECT_UNDECIDED = "redirect, target not decided"
"""The decision of a RewriteRule step with an R flag the model cannot follow further."""


def is_redirect_rule(d: Directive) -> bool:
    """Whether ``d`` is a RewriteRule with an ``R`` (redirect) flag."""
    if d.key != "rewriterule":
        return False
    flags = [f.strip().lower() for f in d.arg(2).strip("[]").split(",")]
    return any(f.split("=", 1)[0] in ("r", "redirect") for f in flags)


def _expand(target: str, found: re.Match[str] | None) -> str | None:
    """A substitution with ``$N`` filled in; None when it needs what the model lacks."""
    if "%{" in target or re.search(r"%\d", target):
        return None
    groups = (found.group(0), *found.groups()) if found else ("",)

    def group(match: re.Match[str]) -> str:
        index = int(match.group(1))
        return (groups[index] or "") if index < len(groups) else ""

    return re.sub(r"\$(\d)", group, target)


def _proxy(site: Site, server: Server, path: str) -> UrlMapping | None:
    rule = taken_by(site, server, path)
    if rule is None:
        return None  # no ProxyPass, or a '!' one: the later steps decide
    return UrlMapping(path, proxy_steps(site, server, rule, path), upstream=rule.target,
                      members=members(site, server, rule.target, rule.directive))


def _alias(scope: Sequence[Directive], inherited: Sequence[Directive],
           path: str) -> UrlMapping | None:
    both = [*scope, *inherited]
    for keys in (_REDIRECT_KEYS, _ALIAS_KEYS):
        for d in both:
            if d.key not in keys or not d.args:
                continue
            args = list(d.args)
            status = ""
            if d.key in ("redirect", "redirectmatch") and len(args) >= 2 and (
                    args[0].isdigit() or args[0].lower() in _STATUS_WORDS):
                status, args = args[0].lower(), args[1:]
            if not _alias_hit(d.key, args[0], path):
                continue
            rule = f"{written(d)} matches {path}"
            if keys is _REDIRECT_KEYS:
                gone = status in ("gone", "410") or (status.isdigit() and status[0] == "4")
                target = args[1] if len(args) > 1 else ""
                return UrlMapping(path, (RouteStep("mapping", f"redirect to {target}"
                                                   if not gone else "refused", rule,
                                                   source(d)),),
                                  refused=gone, redirect=None if gone else target)
            return UrlMapping(path, (RouteStep("mapping", f"mapped to {d.arg(1)}", rule,
                                               source(d)),))
    return None


def _alias_hit(key: str, pattern: str, path: str) -> bool:
    if key.endswith("match"):
        try:
            return re.search(pattern, path) is not None
        except re.error:
            return False
    return alias_match_length(path, pattern) > 0
