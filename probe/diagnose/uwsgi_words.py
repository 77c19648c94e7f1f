"""The mount and Host fixes of a route that passes with ``uwsgi_pass``, written from the lines
its ``mount`` and ``host`` steps quote (:mod:`probe.nginx.uwsgi_steps`: each ``uwsgi_param``
in force as ``'uwsgi_param NAME VALUE' at FILE:LINE``).

The uWSGI protocol carries SCRIPT_NAME and PATH_INFO themselves, so the fix tells the
application its mount in nginx: ``uwsgi_param SCRIPT_NAME /two;`` and a ``rewrite ... break``
that takes the prefix off ``$document_uri`` (what Debian's ``uwsgi_params`` passes as
PATH_INFO). A ``uwsgi_param`` line is added where the lines in force are (a location with lines
of its own inherits none); a line of the wrong value is replaced, not repeated. uWSGI's own
way (``--mount`` with ``--manage-script-name``, the whole path passed on) is named as the
other, for the server ``server.software`` says answered, else said to depend on it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from probe.diagnose.answer_names import server_kind
from probe.diagnose.uwsgi_seen import uwsgi_field

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


def not_uwsgi_way(mount: str, place: str = "one nginx location") -> str:
    """Why uWSGI's own options are not the fix where its processes serve another mount too
    (the URL that shows it follows, observed: :func:`probe.diagnose.force_script.shared_words`);
    ``place``: what of the front passes the URL (nginx's words behind nginx only)."""
    return (f" Not uWSGI's '--mount {mount}=<its WSGI file>' with '--manage-script-name': "
            f"they are options of the whole uWSGI server, not of {place}, and "
            f"mount every request it gets whose path starts with {mount}, from whichever "
            f"location or site, and these processes serve another URL at another mount "
            f"(next).")


def _uwsgi_way(answer: EndpointAnswer | None, mount: str, shared: str = "") -> str:
    if shared:  # the same processes serve another URL at another mount: per location only
        return f"{not_uwsgi_way(mount)}{shared}"
    # offered only where the sweep shows no other mount on these processes (shared empty)
    options = (f"'--mount {mount}=<its WSGI file>' and '--manage-script-name', with the whole "
               f"path passed on (no rewrite); they mount every request of that server, and no "
               f"other URL of the sweep was answered by these processes at another mount")
    if answer is not None and server_kind(answer) == "uwsgi":
        return f" Or run uWSGI ({uwsgi_field(answer)}) with {options}."
    return (f" If the server behind uwsgi_pass is uWSGI (the answer's server.software does "
            f"not say so), its own {options} do it too.")


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
