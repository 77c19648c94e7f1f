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
from urllib.parse import urlsplit

from probe.diagnose.answer_names import server_kind
from probe.diagnose.express_members import express_way
from probe.diagnose.front_words import named_front
from probe.diagnose.fronts import listen
from probe.diagnose.mount_broader import broader_fix
from probe.diagnose.mount_forced import forced_fix
from probe.diagnose.mount_location import MountPlace
from probe.diagnose.mount_nginx import (
    header_line,
    location_words,
    nginx_way,
    rewrite_fix,
    rewrite_strip,
    route_step,
    split_first,
    where_nginx,
)
from probe.diagnose.mount_servers import django_words, server_way
from probe.diagnose.mount_told import PLACED, arrived, request_field, shows_django
from probe.diagnose.uwsgi_seen import uwsgi_field
from probe.diagnose.uwsgi_words import apache_mount_fix, is_uwsgi, per_path
from probe.diagnose.uwsgi_words import mount_fix as uwsgi_mount_fix
from probe.endpoint_answer import EndpointAnswer
from probe.model import FrontKind
from probe.nginx_snippets import strip_prefix
from probe.safe_text import quoted

if TYPE_CHECKING:
    from probe.front import PredictedRoute

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
            f"{django_words(mount, shared, answer)}. {PLACED}"
            + (per_path(mount, answer, shared=True) if shared else f" Either way, {own_way}.")
            + shared)


def mount_fix(front: FrontKind, mount: str, route: PredictedRoute | None = None, *,
              stripped: bool = True, answer: EndpointAnswer | None = None,
              doubled: bool = False, shared: str = "",
              every: Sequence[EndpointAnswer] = (), place: MountPlace | None = None,
              server: str | None = None, url: str = "") -> str:
    """``shared``: why FORCE_SCRIPT_NAME is not the fix (the same processes serve another
    mount, :func:`probe.diagnose.force_script.shared_words`), said last; empty: it may be.
    ``every``: all the URL's answers (``answer`` one of them), for the servers to name.
    ``place``: nginx's location as read (:mod:`.mount_location`): the other instances it
    passes, the lines it inherits. ``server``: the Server header, whose front's words
    say the header's line where its configuration is not read (Caddy); ``url``: for its site."""
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
    if front is FrontKind.NGINX and route_step(route, "upstream") is None and answer is not None \
            and server_kind(answer) == "uwsgi":
        return _uwsgi_unread(mount, route, answer, stripped=stripped, doubled=doubled,
                             shared=shared)
    if doubled:
        return (f"The front passes SCRIPT_NAME {mount} and the whole path: take {mount} off "
                f"the path it passes, or stop passing SCRIPT_NAME and tell the application "
                f"its mount another way."
                f"{server_way(answer, mount, front is FrontKind.NGINX, shared)}{shared}")
    django = django_words(mount, shared, answer)
    rewrite = rewrite_strip(route) if front is FrontKind.NGINX and stripped else None
    if rewrite is not None and answer is not None and arrived(answer, mount):
        # the header half is in force (observed, and its line read): only the application's
        # half is left (re-tester R34's d-locations was told to add the line it had)
        line, at = rewrite
        return (f"Tell the application its mount: {where_nginx(mount, route, slash=False)} "
                f"keep '{line};' ({at}) stripping the prefix; "
                f"{_in_place(answer, mount, route, django)} {PLACED}"
                f"{nginx_way(answer, mount, shared, place, at)}{shared}")
    if rewrite is not None:
        return rewrite_fix(mount, route, rewrite, answer, django, shared, place)
    broader = broader_fix(mount, route, answer, django, shared) \
        if front is FrontKind.NGINX else None
    if broader is not None:  # 'location /api' for /api/v1: a location of the mount's own
        return broader
    if front is FrontKind.NGINX:
        words = location_words(route)
        regex = words is not None and len(words) == 3 and words[1] in ("~", "~*")
        strip = ("keep stripping the prefix" if stripped and regex else
                 "keep proxy_pass stripping the prefix (a URI part such as '/')" if stripped
                 else strip_prefix(mount, regex_location=regex))
        where = where_nginx(mount, route)
        forced = None if stripped or shared else forced_fix(
            mount, route, answer, where, server_way(answer, mount, True))
        if forced is not None:  # the setting is in place, the prefix arrives
            return forced
        if stripped and answer is not None and arrived(answer, mount):
            return (f"Tell the application its mount: {where} {strip}; "
                    f"{_in_place(answer, mount, route, django)} {PLACED}"
                    f"{server_way(answer, mount, True, shared)}{shared}")
        first, where = split_first(mount, place, where)
        return (f"{first}{where} {strip}, add '{header_line(place, 'X-Forwarded-Prefix', mount)}'"
                f"{place.one_line(mount) if place is not None else ''}, and {django}. "
                f"{PLACED}{nginx_way(answer, mount, shared, place)}{shared}")
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
    passing = route_step(route, "proxy")
    if front is FrontKind.APACHE and passing is not None:
        # the configuration hands the URL to mod_proxy: no mod_wsgi words
        said_at = f" at {passing.source}" if passing.source is not None else ""
        header = (f"send the prefix in a header ('RequestHeader set X-Forwarded-Prefix "
                  f"{mount}' for that path) and {django}")
        if not stripped and not shared:  # the whole path arrives: the server's own way first
            return (f"Keep the ProxyPass{said_at} passing the whole path and have the application "
                    f"server take {mount} off as its mount."
                    f"{server_way(answer, mount, False, shared)} Or {header}, {mount} taken "
                    f"off PATH_INFO as well. {PLACED}")
        return (f"The configuration read passes this URL on with the ProxyPass{said_at}: {header}. "
                f"{PLACED}{server_way(answer, mount, False, shared)}{shared}")
    kind = server_kind(answer) if answer is not None else None
    if front is FrontKind.APACHE and kind == "uwsgi" and answer is not None:
        return apache_mount_fix(mount, answer, stripped=stripped, django=django, shared=shared)
    if front is FrontKind.APACHE and kind not in (None, "mod_wsgi"):
        # an application server behind mod_proxy answered: no mod_wsgi words
        return (f"Behind mod_proxy ({kind} answered, server.software; no mod_wsgi), send the "
                f"prefix in a header ('RequestHeader set X-Forwarded-Prefix {mount}' for that "
                f"path) and {django}. {PLACED}{server_way(answer, mount, False, shared)}"
                f"{shared}")
    if front is FrontKind.APACHE:
        return (f"Mount the application at {mount} with 'WSGIScriptAlias {mount} "
                f"/path/to/wsgi.py' (mod_wsgi sets SCRIPT_NAME), or behind mod_proxy send "
                f"the prefix in a header and {django}. {PLACED}"
                f"{server_way(answer, mount, False, shared)}{shared}")
    named = named_front(server)
    if named is not None and not named.read:  # Caddy, lighttpd: the header in its words
        host = urlsplit(url).netloc if url else "this URL"
        line = named.prefix_header(mount, host, listen(answer) if answer else None)
        return (f"Send the prefix {mount} to the application in the header X-Forwarded-Prefix "
                f"({named.seen}): {line}. Then {django}. {PLACED}"
                f"{server_way(answer, mount, False, shared)}{shared}")
    return (f"Send the prefix {mount} to the application in a header and {django}. {PLACED}"
            f"{server_way(answer, mount, False, shared)}{shared}")


# Django 5.2's global_settings: USE_X_FORWARDED_HOST and _PORT, no setting for the prefix
_NO_SETTING = (" (Django itself reads no X-Forwarded-Prefix: of the X-Forwarded- headers its "
               "settings name only Host and Port, USE_X_FORWARDED_HOST and "
               "USE_X_FORWARDED_PORT)")


def _in_place(answer: EndpointAnswer, mount: str, route: PredictedRoute | None,
              django: str) -> str:
    """The header already arrives (observed; its line where the configuration given has
    it): not asked for again. What reads it is undecided unless FORCE_SCRIPT_NAME is set
    (then Django ignores any SCRIPT_NAME a middleware sets)."""
    step = route_step(route, "prefix")
    # a value made of a variable (/$app) is the line that sent what arrived
    line = (f"; '{step.rule}' at {step.source}" if step is not None
            and step.source is not None
            and (step.decision.rstrip("/") == mount or "$" in step.decision) else "")
    said = (f"the header X-Forwarded-Prefix {mount} already arrives (request.forwarded_prefix "
            f"= {request_field(answer, 'forwarded_prefix')[1]!r}{line}): keep it.")
    if request_field(answer, "force_script_name")[1] is not None:
        return f"{said} Then {django}, unless one already does."
    return (f"{said} If a page that redirects keeps {mount}/ in its Location, a middleware "
            f"inside the endpoint's wrap already reads the header: move it outside. If not, "
            f"nothing reads it: {django}{_NO_SETTING if 'FORCE_SCRIPT_NAME' in django else ''}.")
