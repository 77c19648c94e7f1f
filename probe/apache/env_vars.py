"""The value a request's environment variable has when mod_wsgi reads it for
``WSGIProcessGroup %{ENV:VAR}`` or ``WSGIApplicationGroup %{ENV:VAR}``, from the lines of its
server that set it: ``SetEnvIf``/``SetEnvIfNoCase`` (post_read_request, in the order read: the
last line that matches wins), then ``RewriteRule ... [E=VAR:value]`` (translate_name, later, so
it wins over them), then ``SetEnv`` (fixups, last of all).

Only what the configuration decides from the request's Host and path is computed: a
SetEnvIf on another attribute, or a RewriteCond on another variable, makes the value
undecided (``why`` says which line). Unset, mod_wsgi takes ``%{ENV:VAR}`` as the literal name
(a real mod_wsgi 6.1.1 answered 500: "WSGI0151: No WSGI daemon process called
'%{ENV:PROCESS_GROUP}'").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from probe.apache.config import Directive
from probe.apache.model import Site
from probe.apache.vhost_select import request_where, select_vhost
from probe.front import PredictedRoute, RouteStep

PROBE_SEGMENT = "__probe__"  # the endpoint's default segment (probe.manifest), a request's end
_ENV = re.compile(r"^%\{ENV:([^}]+)\}$", re.I)
_SET_ENV_IF = ("setenvif", "setenvifnocase")


@dataclass(frozen=True)
class EnvSetting:
    """One variable for one request: its value (None: unset), the lines that set it for
    this request in the order httpd runs them (the last one's value holds), and why the
    model cannot tell (empty: decided)."""

    var: str
    value: str | None
    lines: tuple[tuple[Directive, str], ...] = ()
    why: str = ""
    from_path: Directive | None = None
    """A RewriteRule whose ``$N`` (a part of the path) gave the value."""
    captured: tuple[str, ...] = ()
    """The last RewriteCond's groups (``%1``...) for that RewriteRule's request."""


def env_name(setting: str) -> str | None:
    """VAR of a ``%{ENV:VAR}`` setting, else None."""
    found = _ENV.match(setting)
    return found.group(1) if found else None


def env_value(scope: Sequence[Directive], var: str, host: str, path: str) -> EnvSetting:
    """``var`` for a request with Host header ``host`` and URL path ``path`` in a server
    whose top-level lines are ``scope`` (the main server's SetEnvIf lines first)."""
    sets: list[tuple[Directive, str]] = []
    for d in scope:
        if d.key in _SET_ENV_IF and len(d.args) >= 3:
            value = _set_env_if(d, var, host, path)
            if isinstance(value, _Unknown):
                return EnvSetting(var, None, tuple(sets), value.why)
            if value is not None:
                sets.append((d, value))
    rewritten = _rewrites(scope, var, host, path)
    if isinstance(rewritten, _Unknown):
        return EnvSetting(var, None, tuple(sets), rewritten.why)
    captured = rewritten[-1][2] if rewritten else ()
    sets.extend((d, v) for d, v, _ in rewritten)
    sets.extend((d, d.args[1] if len(d.args) > 1 else "") for d in scope
                if d.key == "setenv" and d.args and d.args[0] == var)
    last = sets[-1][0] if sets else None
    from_path = last if last is not None and last.key == "rewriterule" and \
        re.search(r"\$\d", _flag_value(last, var) or "") else None
    return EnvSetting(var, sets[-1][1] if sets else None, tuple(sets), from_path=from_path,
                      captured=captured)


@dataclass(frozen=True)
class _Unknown:
    why: str


def _set_env_if(d: Directive, var: str, host: str, path: str) -> str | _Unknown | None:
    """The value ``d`` gives ``var`` for this request; None: it does not set it here."""
    assigned = [a for a in d.args[2:] if a.split("=", 1)[0] == var]
    if not assigned:
        return None
    attribute = d.args[0].lower()
    subject = host if attribute == "host" else path if attribute == "request_uri" else None
    if subject is None:
        return _Unknown(f"{d.name} {d.args[0]} at {d.where} tests what the model does not "
                        f"know of a request")
    try:
        found = re.search(d.args[1], subject, re.I if d.key == "setenvifnocase" else 0)
    except re.error:
        return _Unknown(f"{d.name} at {d.where}: its pattern is not one the model reads")
    if found is None:
        return None
    value = assigned[-1].partition("=")[2]
    return _groups(value if "=" in assigned[-1] else "1", found, "$")


def _rewrites(scope: Sequence[Directive], var: str, host: str,
              path: str) -> list[tuple[Directive, str, tuple[str, ...]]] | _Unknown:
    """The RewriteRule [E=var:...] lines that set ``var`` for this request, with the value."""
    engine = next((d for d in reversed(scope) if d.key == "rewriteengine" and d.args), None)
    if engine is None or engine.args[0].lower() != "on":
        return []
    sets: list[tuple[Directive, str, tuple[str, ...]]] = []
    conditions: list[Directive] = []
    for d in scope:
        if d.key == "rewritecond":
            conditions.append(d)
            continue
        if d.key != "rewriterule" or len(d.args) < 2:
            continue
        held, conditions = conditions, []
        value = _flag_value(d, var)
        if value is None:
            continue
        cond = _conditions(held, host, path)
        if isinstance(cond, _Unknown):
            return cond
        try:
            found = re.search(d.args[0], path)
        except re.error:
            return _Unknown(f"RewriteRule at {d.where}: its pattern is not one the model reads")
        if cond is False or found is None:
            continue
        sets.append((d, _groups(_groups(value, found, "$"), cond, "%"),
                     tuple(g or "" for g in cond.groups()) if isinstance(cond, re.Match) else ()))
    return sets


def _flag_value(d: Directive, var: str) -> str | None:
    for flag in d.arg(2).strip("[]").split(","):
        name, _, rest = flag.strip().partition("=")
        if name.lower() in ("e", "env") and rest.split(":", 1)[0] == var:
            return rest.split(":", 1)[1] if ":" in rest else ""
    return None


def _conditions(held: Sequence[Directive], host: str,
                path: str) -> re.Match[str] | bool | _Unknown:
    """The last RewriteCond's match (its ``%N``), True without any, False if one fails."""
    last: re.Match[str] | bool = True
    for c in held:
        flags = c.arg(2).strip("[]").lower()
        test = {"%{http_host}": host, "%{request_uri}": path}.get(c.arg(0).lower())
        if test is None or "or" in flags.split(","):
            return _Unknown(f"RewriteCond {c.arg(0)} at {c.where} tests what the model does "
                            f"not evaluate")
        pattern, negated = (c.arg(1)[1:], True) if c.arg(1).startswith("!") else (c.arg(1),
                                                                                  False)
        found = re.search(pattern, test, re.I if "nc" in flags.split(",") else 0)
        if (found is None) != negated:
            return False
        last = found if found is not None else True
    return last


def _groups(value: str, found: re.Match[str] | bool, mark: str) -> str:
    """``value`` with ``$N`` (or ``%N``) replaced by the match's groups."""
    if not isinstance(found, re.Match):
        return value
    groups = (found.group(0), *found.groups())
    return re.sub(re.escape(mark) + r"(\d)", lambda m: (groups[int(m.group(1))] or "")
                  if int(m.group(1)) < len(groups) else "", value)


def per_request(setting: str, step: RouteStep, main: Sequence[Directive],
                server: Sequence[Directive], url: str) -> tuple[str | None, RouteStep]:
    """A group ``setting`` resolved for one request: ``%{ENV:VAR}`` replaced by the value the
    lines of the server (the main server's SetEnvIf/SetEnv lines, then its own) give VAR, or
    the literal text where nothing sets it (mod_wsgi's fallback); None where the model
    cannot tell. The step's rule names the line whose value holds."""
    var = env_name(setting)
    if var is None:
        return setting, step
    parts = urlsplit(url)
    host, path = parts.netloc.rpartition("@")[2], parts.path or "/"
    inherited = [d for d in main if d.key in (*_SET_ENV_IF, "setenv")]
    found = env_value((*inherited, *server), var, host, path)
    if found.why:
        return None, replace(step, rule=f"{step.rule}; {var}: {found.why}")
    if found.value is None:
        said = f"nothing read sets {var} for this request: mod_wsgi takes the text literally"
        return setting, replace(step, rule=f"{step.rule}; {said}")
    line, value = found.lines[-1]
    if found.from_path is not None:  # a part of the path names the group: none for the URL
        probe = env_value((*inherited, *server), var, host, path + PROBE_SEGMENT).value
        return None, replace(step, rule=(
            f"{step.rule}; {var} is a part of the path by {written(line)} at {line.where} "
            f"(for the probe's request {path + PROBE_SEGMENT}: {probe!r})"))
    said = f"{var} is {value!r} by {written(line)} at {line.where}"
    if len(found.lines) > 1:
        said += ", the last of the lines that set it for this request"
    return value, replace(step, rule=f"{step.rule}; {said}")


def written(d: Directive) -> str:
    """A line as written: its name and arguments."""
    return " ".join([d.name, *d.args])


def route_env(site: Site, route: PredictedRoute, var: str,
              path: str | None = None) -> EnvSetting | None:
    """``var`` for ``route``'s request (``path``: another path than the URL's, the probe's
    request), in the VirtualHost the route reaches; None where that is undecided."""
    choice = select_vhost(site, *request_where(route.url, route.address))
    if choice.undecided is not None:
        return None
    server = choice.server
    main = tuple(d for d in site.config.directives if d.key != "virtualhost")
    own = main if server.is_main else server.directives
    inherited = () if server.is_main else tuple(d for d in main
                                                if d.key in (*_SET_ENV_IF, "setenv"))
    parts = urlsplit(route.url)
    return env_value((*inherited, *own), var, parts.netloc.rpartition("@")[2],
                     path or parts.path or "/")


def group_setting(site: Site, route: PredictedRoute) -> Directive | None:
    """The server-level ``WSGIProcessGroup %{ENV:VAR}`` of ``route``'s VirtualHost (else the
    main server's): it applies to whatever script the request is mapped to."""
    choice = select_vhost(site, *request_where(route.url, route.address))
    if choice.undecided is not None:
        return None
    main = tuple(d for d in site.config.directives if d.key != "virtualhost")
    for scope in ((main,) if choice.server.is_main else (choice.server.directives, main)):
        found = [d for d in scope if d.key == "wsgiprocessgroup" and d.args]
        if found:
            return found[-1] if env_name(found[-1].args[0]) else None
    return None


@dataclass(frozen=True)
class PortBlocked:
    """A ``RewriteCond %{HTTP_HOST}`` that fails for a Host sent with its port and matches the
    name alone: its RewriteRule never sets the variable for that request (re-tester R33: a
    manifest written by discover sent 'gamma.test:18633', and ``^([a-z]+)\\.test$`` at :71
    left PROCESS_GROUP unset: 500, WSGI0151)."""

    condition: Directive
    rule: Directive
    host: str
    pattern: str  # the condition's pattern with an optional ``(:\\d+)?`` before its ``$``


def port_blocked(site: Site, route: PredictedRoute, var: str) -> PortBlocked | None:
    """The RewriteCond that keeps ``route``'s Host (with a port) from the RewriteRule that
    sets ``var``, where the name without the port passes; None otherwise."""
    choice = select_vhost(site, *request_where(route.url, route.address))
    parts = urlsplit(route.url)
    host = parts.netloc.rpartition("@")[2]
    if choice.undecided is not None or parts.port is None or choice.server.is_main:
        return None
    held: list[Directive] = []
    for d in choice.server.directives:
        if d.key == "rewritecond":
            held.append(d)
            continue
        if d.key != "rewriterule":
            continue
        conditions, held = held, []
        if _flag_value(d, var) is None:
            continue
        for c in conditions:
            flags = re.I if "nc" in c.arg(2).strip("[]").lower().split(",") else 0
            pattern = c.arg(1)
            if c.arg(0).lower() != "%{http_host}" or pattern.startswith("!") or \
                    not pattern.endswith("$") or pattern.endswith("\\$"):
                continue
            try:
                fails = re.search(pattern, host, flags) is None
                named = re.search(pattern, parts.hostname or "", flags) is not None
            except re.error:
                continue
            if fails and named:
                return PortBlocked(c, d, host, pattern[:-1] + r"(:\d+)?$")
    return None
