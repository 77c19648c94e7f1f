"""The mount and Host fixes of a route that passes with ``uwsgi_pass``, written from the lines
its ``mount`` and ``host`` steps quote (:mod:`probe.nginx.uwsgi_steps`: each ``uwsgi_param``
in force as ``'uwsgi_param NAME VALUE' at FILE:LINE``).

The uWSGI protocol carries SCRIPT_NAME and PATH_INFO themselves, so the fix tells the
application its mount in nginx: ``uwsgi_param SCRIPT_NAME /two;`` and a ``rewrite ... break``
that takes the prefix off ``$document_uri`` (what Debian's ``uwsgi_params`` passes as
PATH_INFO). A ``uwsgi_param`` line is added where the lines in force are (a location with lines
of its own inherits none); a line of the wrong value is replaced, not repeated. uWSGI's own
way (``--mount`` with ``--manage-script-name``, the whole path passed on) is named as the
other, for the server ``server.software`` says answered, else said to depend on it; its mounts
are per path, so it stays offered where the processes serve another mount too.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from probe.diagnose.answer_names import server_kind
from probe.diagnose.mount_told import PLACED
from probe.diagnose.uwsgi_seen import uwsgi_field
from probe.safe_text import quoted

if TYPE_CHECKING:
    from probe.endpoint_answer import EndpointAnswer
    from probe.front import PredictedRoute, RouteStep

_QUOTED = re.compile(r"'uwsgi_param (\S+) ([^']*)' at (\S+:\d+)")
_LEVEL = re.compile(r"the uwsgi_param lines in force are those of the block at (\S+:\d+)")
PATH_VARIABLES = ("$document_uri", "$uri")  # what a rewrite changes


def is_uwsgi(route: PredictedRoute | None) -> bool:
    step = route.step("upstream") if route is not None else None
    return step is not None and step.rule.startswith("uwsgi_pass ")


def _quotes(step: RouteStep | None) -> dict[str, tuple[str, str]]:
    """{NAME: (value, file:line)} of the uwsgi_param lines a step quotes."""
    return {name.upper(): (value, where)
            for name, value, where in _QUOTED.findall(step.rule if step else "")}


def _place(route: PredictedRoute, mount_step: RouteStep) -> tuple[str, str]:
    """(where to write, what else to write there): the location as written, and, when the
    lines in force are an outer block's, the include that keeps them."""
    mapping = route.step("mapping")
    location = (f"the nginx '{mapping.decision}' ({mapping.source})"
                if mapping is not None and mapping.source is not None
                else "the nginx location that passes it")
    level = _LEVEL.search(mount_step.rule)
    if level is None or mapping is None or str(mapping.source) == level.group(1):
        return location, ""
    return location, (f" with the include of the block at {level.group(1)} repeated there (a "
                      f"location with uwsgi_param lines of its own inherits none)")


def _line(name: str, value: str, quotes: dict[str, tuple[str, str]]) -> str:
    found = quotes.get(name)
    if found is None:
        return f"add 'uwsgi_param {name} {value};'"
    return (f"replace 'uwsgi_param {name} {found[0]};' ({found[1]}) by 'uwsgi_param {name} "
            f"{value};'")


def _strip(mount: str, quotes: dict[str, tuple[str, str]]) -> str:
    rewrite = f"'rewrite ^{re.escape(mount)}/(.*)$ /$1 break;'"
    path = quotes.get("PATH_INFO")
    if path is not None and path[0].split()[:1] and path[0].split()[0] in PATH_VARIABLES:
        return (f"{rewrite}, so that PATH_INFO ('uwsgi_param PATH_INFO {path[0]}' at "
                f"{path[1]}) passes the rest of the path")
    return f"{rewrite}, and {_line('PATH_INFO', '$document_uri', quotes)}"


def per_path(mount: str, answer: EndpointAnswer | None, *, shared: bool = False,
             whole: str = ", the whole path passed on (no rewrite)") -> str:
    """uWSGI's own way to set SCRIPT_NAME: '--mount' with '--manage-script-name'. Its mounts
    are per path, not per server (re-tester R30: '--mount /app=...' added beside the vassal's
    /shop mount, every URL of those processes, /shop/ included, stayed ok), so it is offered
    where the processes serve another mount too (``shared``: that URL follows, observed:
    :func:`probe.diagnose.force_script.shared_words`), with what it does to that URL."""
    if answer is not None and server_kind(answer) == "uwsgi":
        by = f"Or run uWSGI ({uwsgi_field(answer)})"
    else:
        by = ("If the server behind uwsgi_pass is uWSGI (the answer's server.software does not "
              "say so), run it")
    return f" {by} with {uwsgi_mount(mount, shared=shared, whole=whole)}"


def uwsgi_mount(mount: str, *, shared: bool, whole: str) -> str:
    """uWSGI's options that mount ``mount``, and what they do to other paths (per path)."""
    other = (f", as the other URL these processes serve (next) does where its path does not "
             f"start with {mount}" if shared else "")
    return (f"'--mount {mount}=<its WSGI file>' (ini: 'mount = {mount}=<its WSGI file>') "
            f"beside any mount it has, and '--manage-script-name'{whole}: uWSGI mounts per "
            f"path, so a request whose path starts with {mount} gets SCRIPT_NAME {mount} from "
            f"whichever location or site, and one whose path does not keeps the mount it "
            f"has{other}; uWSGI reads its mounts when it starts.")


def _uwsgi_way(answer: EndpointAnswer | None, mount: str, shared: str = "") -> str:
    return f"{per_path(mount, answer, shared=bool(shared))}{shared}"


def apache_mount_fix(mount: str, answer: EndpointAnswer, *, stripped: bool, django: str,
                     shared: str) -> str:
    """uWSGI (its answer's server.uwsgi) behind Apache, the configuration not read: the front
    passes the URL's path and uWSGI mounts it (re-tester R30: the --config fix that said so
    was applied and every URL stayed ok), never mod_wsgi's WSGIScriptAlias."""
    script_file = answer.raw.get("script_file")
    now = (f"request.script_name {quoted(answer.script_name)}, request.path_info "
           f"{quoted(answer.path_info)}")
    if not stripped:
        have = f"Keep the front passing the URL's path whole (it arrives so: {now})"
    elif isinstance(script_file, str) and script_file.startswith("proxy:uwsgi://"):
        have = (f"Have the front pass the URL's path with {mount} kept (mod_proxy_uwsgi hands "
                f"uWSGI the ProxyPass target's path and the rest of the URL as PATH_INFO, now "
                f"script_file {quoted(script_file)}, {now}: the ProxyPass for {mount}/ needs "
                f"a target whose path is {mount}/)")
    else:
        have = f"Have the front pass the URL's path with {mount} kept (now {now})"
    return (f"{have}, and mount the application at {mount} in uWSGI ({uwsgi_field(answer)}):"
            f" {uwsgi_mount(mount, shared=bool(shared), whole='')}"
            f" Or send the prefix in a header ('RequestHeader set X-Forwarded-Prefix {mount}' "
            f"for that path) and {django}. {PLACED}{shared}")


def mount_fix(route: PredictedRoute, mount: str, answer: EndpointAnswer | None, *,
              stripped: bool, doubled: bool = False, shared: str = "") -> str | None:
    """The fix of a uwsgi_pass route's mount; None where the route's steps do not say it.
    ``shared``: the other URL the same processes serve at another mount (observed), where
    uWSGI's own options, which mount every request of the server, are not offered."""
    step = route.step("mount")
    upstream = route.step("upstream")
    if step is None or upstream is None or route.undecided is not None:
        return None
    quotes = _quotes(step)
    location, also = _place(route, step)
    handed = " ".join(upstream.rule.split()[:2])
    beside = f" beside '{handed};' ({upstream.source})"
    script = _line("SCRIPT_NAME", mount, quotes)
    if stripped and not doubled:
        return (f"Tell the application its mount: in {location}{beside}, {script}{also} "
                f"(the prefix stays off PATH_INFO).{_uwsgi_way(answer, mount, shared)}")
    modifier = re.search(r"'uwsgi_modifier1 30' at (\S+:\d+)", step.rule)
    unused = (f" 'uwsgi_modifier1 30' ({modifier.group(1)}) did not take it off (the answer's "
              f"path_info): remove it." if modifier is not None else "")
    if doubled:
        return (f"Take the prefix off PATH_INFO: in {location}{beside}, add "
                f"{_strip(mount, quotes)}{also}.{unused}{_uwsgi_way(answer, mount, shared)}")
    return (f"Tell the application its mount: in {location}{beside}, {script} and add "
            f"{_strip(mount, quotes)}{also}.{unused}{_uwsgi_way(answer, mount, shared)}")


def host_fix(route: PredictedRoute) -> str:
    """The fix of a uwsgi_pass route's HTTP_HOST, at the line the host step names."""
    step = route.step("host")
    if step is None or step.decision == "(not known)":
        looked = step.rule.partition("(looked for at ")[2].partition(")")[0] if step else ""
        return (f"Read the file the include names ({looked or 'not said'}): with it, probe "
                f"sweep --config names the uwsgi_param line to write. uWSGI passes the "
                f"application the Host of 'uwsgi_param HTTP_HOST $host;' when that is the last "
                f"HTTP_HOST line in force.")
    quotes = _quotes(step)
    if "HTTP_HOST" in quotes and step.rule.startswith("'uwsgi_param HTTP_HOST "):
        value, where = quotes["HTTP_HOST"]
        level = _LEVEL.search(step.rule)
        if level is not None and not where.startswith(level.group(1).rpartition(":")[0] + ":"):
            # the line is in an included file, which other locations share: the location's
            # own line after it wins (uWSGI keeps the last of a name)
            return (f"In the block at {level.group(1)}, after the include that sets 'uwsgi_param "
                    f"HTTP_HOST {value};' ({where}), add 'uwsgi_param HTTP_HOST $host;' (uWSGI "
                    f"keeps the last line of a name).")
        return (f"At {where}, replace 'uwsgi_param HTTP_HOST {value};' by 'uwsgi_param "
                f"HTTP_HOST $host;'.")
    if step.rule.startswith("'uwsgi_pass_request_headers off'"):
        return (f"At {step.source}, remove 'uwsgi_pass_request_headers off;', or add "
                f"'uwsgi_param HTTP_HOST $host;' beside the uwsgi_param lines in force.")
    # the client's Host goes on as it came: what changed it is not in the lines read
    return (f"nginx passes the client's Host on here ({step.rule}, {step.source}): 'uwsgi_param "
            f"HTTP_HOST $host;' after the uwsgi_param lines in force makes it explicit; what "
            f"else changed it (another proxy in front) the configuration read does not show.")
