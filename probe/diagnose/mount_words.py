"""``mount_mismatch``'s fix in the terms of the front and of the application server that
answered (what the answer shows of the mount the application was told: :mod:`.mount_told`).

* the fix: nginx's location as the configuration writes it; a prefix stripped with
  ``rewrite`` in a location given by a regular expression (proxy_pass takes no URI part
  there); the server's own way to set SCRIPT_NAME (gunicorn's SCRIPT_NAME header,
  waitress's ``--url-prefix``, uWSGI's ``--mount`` with ``--manage-script-name``), only for
  the server ``server.software`` names; mod_wsgi-express's ``--mount-point`` for mod_wsgi
  answers whose process_group is its ``HOST:PORT``, every such server the answers came from
  (:func:`probe.diagnose.express_members.express_way`); not where the processes serve other
  mounts too (it mounts every request of the server).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from probe.diagnose.answer_names import server_kind
from probe.diagnose.express_members import express_way
from probe.diagnose.fronts import listen
from probe.diagnose.mount_broader import broader_fix
from probe.diagnose.mount_forced import forced_fix
from probe.diagnose.mount_told import PLACED, arrived, request_field, shows_django
from probe.diagnose.uwsgi_seen import uwsgi_field
from probe.diagnose.uwsgi_words import apache_mount_fix, is_uwsgi, per_path
from probe.diagnose.uwsgi_words import mount_fix as uwsgi_mount_fix
from probe.endpoint_answer import EndpointAnswer
from probe.model import FrontKind
from probe.nginx_snippets import strip_prefix
from probe.safe_text import quoted

if TYPE_CHECKING:
    from probe.front import PredictedRoute, RouteStep, Source

def _step(route: PredictedRoute | None, stage: str) -> RouteStep | None:
    return route.step(stage) if route is not None and route.undecided is None else None


def _location(route: PredictedRoute | None) -> list[str] | None:
    """The location the configuration read sends the URL to, as written, split."""
    step = _step(route, "mapping")
    if step is None or step.source is None or not step.decision.startswith("location "):
        return None
    return step.decision.split()


def rewrite_strip(route: PredictedRoute | None) -> tuple[str, Source] | None:
    """The ``rewrite`` line (as written, and its line) that makes the path the application
    receives (:func:`probe.nginx.passes.mount_step`), where one does."""
    mount = _step(route, "mount")
    if route is None or mount is None or mount.source is None:
        return None
    found = next((s for s in route.steps if s.stage == "mapping" and s.source == mount.source
                  and s.decision.startswith("rewrite to ")), None)
    if found is None or mount.source is None:
        return None
    return found.rule.split(f" at {mount.source}", 1)[0], mount.source


def where_nginx(mount: str, route: PredictedRoute | None, *, slash: bool = True) -> str:
    """The location to change: as written in the configuration read, with its line (nginx's
    ``/wiki`` and ``/wiki/`` are two locations that pass different paths); else the prefix
    it proxies, said to be unread. ``slash``: say what a URI part '/' does to a location
    written without its slash (not where a rewrite, not proxy_pass, strips the prefix)."""
    if route is not None and route.undecided is not None:
        return (f"in the nginx location that proxies {mount}/ (the configuration given does "
                f"not decide which: see above)")
    words, step = _location(route), _step(route, "mapping")
    if words is not None and step is not None:
        pattern = words[-1]
        note = (f"; written without the trailing slash, a URI part '/' makes nginx pass "
                f"{pattern}/x on as //x: write it 'location {pattern}/'"
                if slash and len(words) == 2 and not pattern.endswith("/") else "")
        return f"in the nginx '{step.decision}' ({step.source}{note})"
    return (f"in the nginx location that proxies {mount}/ (not read here: 'nginx -T' shows "
            f"it, probe sweep --config names its line)")


def _server_way(answer: EndpointAnswer | None, mount: str, nginx: bool,
                shared: str = "", rewrite: Source | None = None) -> str:
    """The answering server's own way to set SCRIPT_NAME, the whole path passed on; where
    the processes serve other mounts too (``shared``), only a way that is per request.
    ``rewrite``: the line of the rewrite that strips the prefix now."""
    kind = server_kind(answer) if answer is not None else None
    # "without Django settings" is a word for a Django application only
    bare = " without Django settings" if shows_django(answer) else ""
    whole = " and a proxy_pass without URI part" if nginx else ", the whole path passed on,"
    if rewrite is not None:
        whole = f" with the rewrite at {rewrite} removed (the whole path passed on)"
    if kind == "waitress" and rewrite is not None and not shared:
        # waitress takes url_prefix off PATH_INFO only where the path starts with it
        return (f" With waitress (server.software) its option '--url-prefix={mount}' "
                f"(url_prefix) does it{bare}, the rewrite at {rewrite} "
                f"kept or removed: waitress sets SCRIPT_NAME {mount} and takes {mount} off "
                f"the path only where the path still starts with it.")
    if kind == "gunicorn" and nginx:  # a header nginx sets; Apache's words were not checked
        return (f" With gunicorn (server.software) 'proxy_set_header SCRIPT_NAME {mount};'"
                f"{whole} does it{bare}.")
    if kind == "waitress" and shared:  # --url-prefix is every request's SCRIPT_NAME
        return (f" Not waitress's '--url-prefix={mount}': it sets SCRIPT_NAME {mount} on every "
                f"request of that server (server.software waitress).")
    if kind == "waitress":
        return (f" With waitress (server.software) its option '--url-prefix={mount}' "
                f"(url_prefix){whole} does it{bare}.")
    if kind == "uwsgi" and shared:  # per path: offered, with what it does to the other URL
        return per_path(mount, answer, shared=True, whole=", the whole path passed on")
    if kind == "uwsgi":
        return (f" With uWSGI ({uwsgi_field(answer)}) '--mount {mount}=<its WSGI file>' and "
                f"'--manage-script-name'{whole} do it{bare}.")
    return ""


def _uwsgi_unread(mount: str, route: PredictedRoute | None, answer: EndpointAnswer, *,
                  stripped: bool, doubled: bool, shared: str = "") -> str:
    """uWSGI (server.software) behind nginx, the hand-over not read: an answer cannot tell
    uwsgi_pass from proxy_pass to an --http-socket (server.listen is the option's value, not
    its name), and proxy_set_header does nothing on uwsgi_pass, so both ways are named; but
    SCRIPT_NAME with the prefix still on PATH_INFO comes only over uWSGI's own protocol."""
    where = where_nginx(mount, route)
    rewrite = (f"'rewrite ^{re.escape(mount)}/(.*)$ /$1 break;' (PATH_INFO, $document_uri in the "
               f"uwsgi_params nginx ships, then passes the rest of the path)")
    bare = " without Django settings" if shows_django(answer) else ""
    own_way = (f"uWSGI's own '--mount {mount}=<its WSGI file>' and '--manage-script-name', "
               f"with the whole path passed on, do it{bare}")
    if doubled:
        return (f"uWSGI ({uwsgi_field(answer)}) received SCRIPT_NAME {mount} with the prefix "
                f"still on PATH_INFO: uWSGI takes no SCRIPT_NAME from an HTTP header and its "
                f"'--manage-script-name' takes the prefix off PATH_INFO, so a 'uwsgi_param "
                f"SCRIPT_NAME {mount};' of nginx's uwsgi_pass passes it (or an option of "
                f"uWSGI's own that sets it: its command line or ini shows that). Take the "
                f"prefix off PATH_INFO {where}: add {rewrite}"
                + (f".{per_path(mount, answer, shared=True)}{shared}" if shared else
                   f"; or remove that uwsgi_param line and let {own_way}."))
    at = listen(answer)
    socket = f" (server.listen {at!r} is the socket's address, not its kind)" if at else ""
    told = (f"add 'uwsgi_param SCRIPT_NAME {mount};' (the prefix stays off PATH_INFO)"
            if stripped else f"add 'uwsgi_param SCRIPT_NAME {mount};' and {rewrite}")
    strip = ("keep proxy_pass stripping the prefix" if stripped
             else strip_prefix(mount, regex_location=False))
    return (f"Tell the application its mount {where}. The answers do not show whether nginx "
            f"passes to uWSGI ({uwsgi_field(answer)}) with uwsgi_pass or with proxy_pass to an "
            f"--http-socket{socket}; the location's pass line shows which. With uwsgi_pass "
            f"(proxy_set_header does nothing there): {told}. With proxy_pass: {strip}, add "
            f"'proxy_set_header X-Forwarded-Prefix {mount};', and "
            f"{_django(mount, shared, answer)}. {PLACED}"
            + (per_path(mount, answer, shared=True) if shared else f" Either way, {own_way}.")
            + shared)


def _django(mount: str, shared: str, answer: EndpointAnswer | None) -> str:
    """How Django is told the mount from the header: FORCE_SCRIPT_NAME applies to every
    request of the process, so where it serves other mounts (``shared``) only a middleware;
    where the answer shows no Django, a middleware alone (SCRIPT_NAME is every WSGI
    application's mount)."""
    if shared or not shows_django(answer):
        return ("wrap the WSGI application in a middleware that sets SCRIPT_NAME from that "
                "header on each request")
    return (f"in Django set FORCE_SCRIPT_NAME = \"{mount}\" (or a middleware that sets "
            f"SCRIPT_NAME from that header)")


def mount_fix(front: FrontKind, mount: str, route: PredictedRoute | None = None, *,
              stripped: bool = True, answer: EndpointAnswer | None = None,
              doubled: bool = False, shared: str = "",
              every: Sequence[EndpointAnswer] = ()) -> str:
    """``shared``: why FORCE_SCRIPT_NAME is not the fix (the same processes serve another
    mount, :func:`probe.diagnose.force_script.shared_words`), said last; empty: it may be.
    ``every``: all the URL's answers (``answer`` one of them), for the servers to name."""
    if front is FrontKind.NGINX and is_uwsgi(route):
        assert route is not None
        said = uwsgi_mount_fix(route, mount, answer, stripped=stripped, doubled=doubled,
                               shared=shared)
        if said is not None:
            return said
        step = route.step("mount")
        if step is not None and step.decision == "(not known)":
            looked = step.rule.partition("(looked for at ")[2].partition(")")[0]
            return (f"Read the file the include names ({looked or 'see above'}): with it, "
                    f"probe sweep --config names the uwsgi_param line to write. uWSGI takes "
                    f"the mount from 'uwsgi_param SCRIPT_NAME {mount};' with the prefix taken "
                    f"off PATH_INFO" + (
                        f".{per_path(mount, answer, shared=True)}{shared}" if shared else
                        f", or from its own '--mount {mount}=<its WSGI file>' and "
                        f"'--manage-script-name'."))
    if front is FrontKind.NGINX and _step(route, "upstream") is None and answer is not None \
            and server_kind(answer) == "uwsgi":
        return _uwsgi_unread(mount, route, answer, stripped=stripped, doubled=doubled,
                             shared=shared)
    if doubled:
        return (f"The front passes SCRIPT_NAME {mount} and the whole path: take {mount} off "
                f"the path it passes, or stop passing SCRIPT_NAME and tell the application "
                f"its mount another way."
                f"{_server_way(answer, mount, front is FrontKind.NGINX, shared)}{shared}")
    django = _django(mount, shared, answer)
    rewrite = rewrite_strip(route) if front is FrontKind.NGINX and stripped else None
    if rewrite is not None:
        line, at = rewrite
        return (f"Tell the application its mount: {where_nginx(mount, route, slash=False)} "
                f"keep '{line};' ({at}) stripping the prefix, add 'proxy_set_header "
                f"X-Forwarded-Prefix {mount};', and {django}; or remove that rewrite (nginx "
                f"then passes the whole path, {mount}/...) and have the application server "
                f"set SCRIPT_NAME {mount}.{_server_way(answer, mount, True, shared, at)}"
                f"{shared}")
    broader = broader_fix(mount, route, answer, django, shared) \
        if front is FrontKind.NGINX else None
    if broader is not None:  # 'location /api' for /api/v1: a location of the mount's own
        return broader
    if front is FrontKind.NGINX:
        words = _location(route)
        regex = words is not None and len(words) == 3 and words[1] in ("~", "~*")
        strip = ("keep stripping the prefix" if stripped and regex else
                 "keep proxy_pass stripping the prefix (a URI part such as '/')" if stripped
                 else strip_prefix(mount, regex_location=regex))
        where = where_nginx(mount, route)
        forced = None if stripped or shared else forced_fix(
            mount, route, answer, where, _server_way(answer, mount, True))
        if forced is not None:  # the setting is in place, the prefix arrives
            return forced
        if stripped and answer is not None and arrived(answer, mount):
            return (f"Tell the application its mount: {where} {strip}; "
                    f"{_in_place(answer, mount, route, django)} {PLACED}"
                    f"{_server_way(answer, mount, True, shared)}{shared}")
        return (f"Tell the application its mount: {where} {strip}, add "
                f"'proxy_set_header X-Forwarded-Prefix {mount};', and {django}. {PLACED}"
                f"{_server_way(answer, mount, True, shared)}{shared}")
    answers = [*every] or ([answer] if answer is not None else [])
    members = route.members if route is not None and route.undecided is None else ()
    express = express_way(answers, mount, members)
    if front is FrontKind.APACHE and express and shared:
        # --mount-point mounts every request of the server: the other mount's too
        return (f"Send the prefix in a header ('RequestHeader set X-Forwarded-Prefix "
                f"{mount}' for that path) and {django}. {PLACED} Not mod_wsgi-express's "
                f"'--mount-point {mount}': it mounts every request of that server there."
                f"{shared}")
    if front is FrontKind.APACHE and express:
        seen = answer if answer is not None else answers[-1]
        have = (f"Keep the proxy passing the whole path (it arrives whole: request.script_name "
                f"{quoted(seen.script_name)}, request.path_info {quoted(seen.path_info)})"
                if not stripped else
                f"Have the proxy pass the whole path ({mount} kept: with mod_proxy, a "
                f"ProxyPass target ending in {mount}, with a '/' after it only where the "
                f"ProxyPass path ends in '/', since mod_proxy appends the rest of the path "
                f"to the target as written)")
        return f"{have} to {express}; or send the prefix in a header and {django}. {PLACED}"
    passing = _step(route, "proxy")
    if front is FrontKind.APACHE and passing is not None:
        # the configuration hands the URL to mod_proxy: no mod_wsgi words
        said_at = f" at {passing.source}" if passing.source is not None else ""
        header = (f"send the prefix in a header ('RequestHeader set X-Forwarded-Prefix "
                  f"{mount}' for that path) and {django}")
        if not stripped and not shared:  # the whole path arrives: the server's own way first
            return (f"Keep the ProxyPass{said_at} passing the whole path and have the application "
                    f"server take {mount} off as its mount."
                    f"{_server_way(answer, mount, False, shared)} Or {header}, {mount} taken "
                    f"off PATH_INFO as well. {PLACED}")
        return (f"The configuration read passes this URL on with the ProxyPass{said_at}: {header}. "
                f"{PLACED}{_server_way(answer, mount, False, shared)}{shared}")
    kind = server_kind(answer) if answer is not None else None
    if front is FrontKind.APACHE and kind == "uwsgi" and answer is not None:
        return apache_mount_fix(mount, answer, stripped=stripped, django=django, shared=shared)
    if front is FrontKind.APACHE and kind not in (None, "mod_wsgi"):
        # an application server behind mod_proxy answered: no mod_wsgi words
        return (f"Behind mod_proxy ({kind} answered, server.software; no mod_wsgi), send the "
                f"prefix in a header ('RequestHeader set X-Forwarded-Prefix {mount}' for that "
                f"path) and {django}. {PLACED}{_server_way(answer, mount, False, shared)}"
                f"{shared}")
    if front is FrontKind.APACHE:
        return (f"Mount the application at {mount} with 'WSGIScriptAlias {mount} "
                f"/path/to/wsgi.py' (mod_wsgi sets SCRIPT_NAME), or behind mod_proxy send "
                f"the prefix in a header and {django}. {PLACED}"
                f"{_server_way(answer, mount, False, shared)}{shared}")
    return (f"Send the prefix {mount} to the application in a header and {django}. {PLACED}"
            f"{_server_way(answer, mount, False, shared)}{shared}")


def _in_place(answer: EndpointAnswer, mount: str, route: PredictedRoute | None,
              django: str) -> str:
    """The header already arrives (observed; its line where the configuration given has
    it): not asked for again. What reads it is undecided unless FORCE_SCRIPT_NAME is set
    (then Django ignores any SCRIPT_NAME a middleware sets)."""
    step = _step(route, "prefix")
    line = (f"; '{step.rule}' at {step.source}" if step is not None
            and step.source is not None and step.decision.rstrip("/") == mount else "")
    said = (f"the header X-Forwarded-Prefix {mount} already arrives (request.forwarded_prefix "
            f"= {request_field(answer, 'forwarded_prefix')[1]!r}{line}): keep it.")
    if request_field(answer, "force_script_name")[1] is not None:
        return f"{said} Then {django}, unless one already does."
    return (f"{said} If a page that redirects keeps {mount}/ in its Location, a middleware "
            f"inside the endpoint's wrap already reads the header: move it outside. If not, "
            f"nothing reads it: {django}.")
