"""The ``mount`` and ``host`` steps of a route that passes with ``uwsgi_pass``: what the
request handed to uWSGI carries (PATH_INFO, SCRIPT_NAME, HTTP_HOST), each from the
``uwsgi_param`` line in force (:mod:`probe.nginx.uwsgi_params`) with its ``file:line``.

The wording quotes each line as ``'uwsgi_param NAME VALUE' at FILE:LINE``
(:attr:`~probe.nginx.uwsgi_params.Param.quoted`): :mod:`probe.diagnose.uwsgi_words` writes
its fixes from those quotes. What uWSGI then does with them depends on its own options
(``--mount``, ``--manage-script-name``), which no nginx line shows: said so, never assumed.
"""

from __future__ import annotations

from dataclasses import dataclass

from probe.front import RouteStep, Source
from probe.nginx.model import Location, NginxModel
from probe.nginx.uwsgi_params import PATH_VARIABLES, Param, UwsgiParams, params_of

NOT_KNOWN = "(not known)"
AT_REQUEST_TIME = "(decided at request time)"
NO_SCRIPT_NAME = "no uwsgi_param SCRIPT_NAME in force"
NO_PATH_INFO = "no uwsgi_param PATH_INFO in force"
NO_PARAMS = "no uwsgi_param line in force"
UWSGI_OPTIONS = ("unless uWSGI's own '--mount' with '--manage-script-name' sets it (uWSGI's "
                 "options, not read here)")


def source(where: str | None) -> Source | None:
    file, _, line = (where or "").rpartition(":")
    return Source(file, int(line)) if file and line.isdigit() else None


@dataclass(frozen=True)
class UwsgiSteps:
    steps: tuple[RouteStep, ...]
    host: str | None  # the HTTP_HOST the application receives, when decided


def _value(param: Param, params: UwsgiParams, known: dict[str, str]) -> str | None:
    value = param.value.split()[0] if param.value.split() else ""
    if value in PATH_VARIABLES and params.rewrite is not None:
        return None  # a rewrite changes $uri: where it leads is not followed here
    if value in PATH_VARIABLES:
        return known.get("$uri")
    if value in known:
        return known[value]
    return None if "$" in value else value


def _shown(param: Param, params: UwsgiParams, known: dict[str, str]) -> str:
    value = _value(param, params, known)
    if value is not None:
        return value
    if param.value.split()[:1] and param.value.split()[0] in PATH_VARIABLES:
        return f"(after the rewrite at {params.rewrite})"
    return AT_REQUEST_TIME


def _unread(params: UwsgiParams, written: str, where: str | None) -> UwsgiSteps:
    unread = params.unread
    assert unread is not None
    rule = (f"include {unread.written} at {unread.where} was not read (looked for at "
            f"{unread.path}): the uwsgi_param lines in force for 'uwsgi_pass {written}' "
            f"({where}) are not known, so neither are the PATH_INFO, SCRIPT_NAME and "
            f"HTTP_HOST uWSGI receives; read that file (the whole configuration, or 'nginx -T' "
            f"output, with --config)")
    at = source(unread.where)
    return UwsgiSteps((RouteStep("mount", NOT_KNOWN, rule, at),
                       RouteStep("host", NOT_KNOWN, rule, at)), None)


def bare(loc: Location, written: str, at: str | None) -> str:
    """The words of a uwsgi_pass with no uwsgi_param in force (lint says it too)."""
    return (f"{loc.describe()} at {loc.where} passes with uwsgi_pass {written} at {at} and "
            f"{NO_PARAMS} (no 'include uwsgi_params;' there or in the blocks around it): "
            f"nginx sends uWSGI the request's headers only, no REQUEST_METHOD, PATH_INFO or "
            f"QUERY_STRING")


def _mount(params: UwsgiParams, known: dict[str, str], at: str | None) -> RouteStep:
    path, script = params.named("PATH_INFO"), params.named("SCRIPT_NAME")
    words = [f"{path.quoted} passes PATH_INFO {_shown(path, params, known)}" if path else
             f"{NO_PATH_INFO}: uWSGI passes the application no PATH_INFO",
             f"{script.quoted} passes SCRIPT_NAME {_shown(script, params, known)}" if script
             else f"{NO_SCRIPT_NAME}: the application receives SCRIPT_NAME '' {UWSGI_OPTIONS}"]
    modifier = params.modifier1
    if modifier is not None and modifier.value == "30":
        words.append(f"'uwsgi_modifier1 30' at {modifier.where} asks uWSGI to take SCRIPT_NAME "
                     f"off PATH_INFO (uWSGI 2.0 does so under Python 2 only: the answer's "
                     f"path_info shows whether it did)")
    if params.at:
        words.append(f"the uwsgi_param lines in force are those of the block at {params.at}")
    decision = (f"PATH_INFO {_shown(path, params, known) if path else '(none)'}, SCRIPT_NAME "
                f"{repr(_shown(script, params, known)) if script else repr('')}")
    where = path.where if path else script.where if script else at
    return RouteStep("mount", decision, "; ".join(words), source(where))


def _host(params: UwsgiParams, known: dict[str, str], loc: Location, written: str,
          at: str | None) -> tuple[RouteStep, str | None]:
    host = params.named("HTTP_HOST")
    if host is not None:
        value = _value(host, params, known)
        level = f" (the uwsgi_param lines in force are those of the block at {params.at})"
        return RouteStep("host", value or AT_REQUEST_TIME,
                         f"{host.quoted} passes HTTP_HOST in place of the client's Host"
                         + (level if params.at else ""), source(host.where)), value
    if params.no_headers is not None:
        name = params.named("SERVER_NAME")
        named = (f"{name.quoted}: {_shown(name, params, known)}" if name else
                 "no uwsgi_param SERVER_NAME in force")
        return RouteStep("host", "(no HTTP_HOST)",
                         f"'uwsgi_pass_request_headers off' at {params.no_headers.where} and "
                         f"no uwsgi_param HTTP_HOST in force: the application receives no "
                         f"HTTP_HOST, and Django builds the host from SERVER_NAME ({named})",
                         source(params.no_headers.where)), None
    netloc = known.get("$http_host") or None
    return RouteStep("host", netloc or AT_REQUEST_TIME,
                     f"{loc.describe()} at {loc.where} passes with uwsgi_pass {written} at {at} "
                     f"and no uwsgi_param HTTP_HOST in force: nginx passes the client's Host "
                     f"header as HTTP_HOST", source(loc.where)), netloc


def uwsgi_steps(model: NginxModel, loc: Location, known: dict[str, str]) -> UwsgiSteps:
    """The mount and host steps of ``loc``'s uwsgi_pass; none when it has no uwsgi_pass."""
    other = loc.other_pass
    if other is None or other.name != "uwsgi_pass" or not other.args:
        return UwsgiSteps((), None)
    params = params_of(model, loc)
    if params is None:
        return UwsgiSteps((), None)
    written = other.args[0]
    if params.unread is not None:
        return _unread(params, written, other.where)
    host, sent = _host(params, known, loc, written, other.where)
    if not params.params:
        # the location's line decides: the lines to add belong there
        mount = RouteStep("mount", "(no uwsgi_param in force)",
                          bare(loc, written, other.where), source(loc.where))
        return UwsgiSteps((mount, host), sent)
    return UwsgiSteps((_mount(params, known, other.where), host), sent)
