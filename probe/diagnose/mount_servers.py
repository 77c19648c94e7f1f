"""The answering server's own way to be told its mount behind a front, named only for the
server the answer's ``server`` fields show (``server.software``, ``server.uwsgi``), and how
Django is told it from a header: :func:`server_way`, :func:`django_words`
(:mod:`.mount_words` says the front's part).

gunicorn takes SCRIPT_NAME from a header and refuses (an error page, "Request path ... does
not start with SCRIPT_NAME") a path that does not start with it, so its header goes with the
whole path passed on, never with the prefix stripped (T34 d-locations: every request 500);
waitress's ``url_prefix`` takes the prefix off only where the path still starts with it, and
reads no X-Forwarded-Prefix (its ``trusted_proxy_headers`` name none); uWSGI behind
proxy_pass takes no SCRIPT_NAME from an HTTP header: its ``--mount`` and
``--manage-script-name`` split the whole path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from probe.diagnose.answer_names import server_kind
from probe.diagnose.mount_told import shows_django
from probe.diagnose.uwsgi_seen import uwsgi_field
from probe.diagnose.uwsgi_words import per_path
from probe.endpoint_answer import EndpointAnswer

if TYPE_CHECKING:
    from probe.front import Source


def server_way(answer: EndpointAnswer | None, mount: str, nginx: bool,
               shared: str = "", rewrite: Source | None = None, value: str = "") -> str:
    """The answering server's own way to set SCRIPT_NAME, the whole path passed on; where
    the processes serve other mounts too (``shared``), only a way that is per request.
    ``rewrite``: the line of the rewrite that strips the prefix now; ``value``: the header's
    value where one location passes several mounts (``/$app``), else the mount."""
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
        return (f" With gunicorn (server.software) 'proxy_set_header SCRIPT_NAME "
                f"{value or mount};'{whole} does it{bare} (gunicorn takes SCRIPT_NAME from "
                f"that header and refuses a request whose path does not start with it, so "
                f"never with the prefix stripped).")
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


def django_words(mount: str, shared: str, answer: EndpointAnswer | None) -> str:
    """How Django is told the mount from the header: FORCE_SCRIPT_NAME applies to every
    request of the process, so where it serves other mounts (``shared``) only a middleware;
    where the answer shows no Django, a middleware alone (SCRIPT_NAME is every WSGI
    application's mount)."""
    if shared or not shows_django(answer):
        return ("wrap the WSGI application in a middleware that sets SCRIPT_NAME from that "
                "header on each request")
    return (f"in Django set FORCE_SCRIPT_NAME = \"{mount}\" (or a middleware that sets "
            f"SCRIPT_NAME from that header)")
