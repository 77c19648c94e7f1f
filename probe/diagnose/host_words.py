"""The words of ``host_mismatch`` (:mod:`.integrity`): the fix in the front's terms, at the
line the configuration given names where it does, and what each sample received."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from probe.diagnose.answer_names import distinct_by, joined, places
from probe.diagnose.front_words import unread_front
from probe.diagnose.fronts import host_allowed
from probe.diagnose.uwsgi_words import host_fix as uwsgi_host_fix
from probe.diagnose.uwsgi_words import is_uwsgi
from probe.endpoint_answer import EndpointAnswer
from probe.model import FrontKind
from probe.safe_text import quoted

if TYPE_CHECKING:
    from probe.front import PredictedRoute, RouteStep

@lru_cache(maxsize=1024)
def host_name(host: str | None) -> str:
    """A Host header's name, lower case, without its port or a trailing dot."""
    # Three times per URL, on a sweep's few host names: each worked out once.
    host = (host or "").strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if host.count(":") == 1 else host.rstrip(".")


HOST_FIX = {
    FrontKind.NGINX: "In the nginx location that proxies this URL add 'proxy_set_header Host "
                     "$host;' (a level with any proxy_set_header of its own inherits none "
                     "from above, so repeat it there).",
    FrontKind.APACHE: "In the Apache VirtualHost that proxies this URL add 'ProxyPreserveHost "
                      "On' (mod_proxy).",
}
# probe.nginx.route's words for a location that sends no Host of its own
_NO_HOST = re.compile(r"(location .+) at (\S+) passes with (proxy_pass \S+) at (\S+) and no "
                      r"proxy_set_header Host in force(?:; the proxy_set_header lines in force "
                      r"are at (\S+),)?")
HOST_FIX_ANY = ("Make the proxy in front pass the client's Host: 'proxy_set_header Host $host;' "
                "(nginx) or 'ProxyPreserveHost On' (Apache mod_proxy).")


def any_fix(front: FrontKind, header: str | None, host: str | None = None) -> str:
    """The fix where no configuration read names the line: the front's own (nginx's,
    Apache's), the words of one whose configuration is not read where the Server header
    names it (Caddy: remove its 'header_up Host'), else both fronts'."""
    if front in HOST_FIX:
        return HOST_FIX[front]
    other = unread_front(header)
    return other.pass_host(host) if other is not None else HOST_FIX_ANY


def host_fix(front: FrontKind, step: RouteStep | None, route: PredictedRoute | None,
             header: str | None = None) -> str:
    """The general fix, or the line to change where the configuration given names it: a
    Host line of the wrong value is replaced (added beside it, nginx sends both and the
    application refuses the request)."""
    if front is FrontKind.NGINX and is_uwsgi(route):
        assert route is not None
        return uwsgi_host_fix(route)
    if front is FrontKind.NGINX and step is not None and step.source is not None:
        if step.rule.startswith("proxy_set_header Host "):
            return f"At {step.source}, replace '{step.rule};' by 'proxy_set_header Host $host;'."
        if "replace every inherited one" in step.rule:
            return (f"Repeat 'proxy_set_header Host $host;' with the proxy_set_header lines "
                    f"at {step.source} (a level with lines of its own inherits none).")
        bare = _NO_HOST.match(step.rule)
        if bare is not None:
            location, at, proxy, proxy_at, inherited = bare.groups()
            return (f"In the nginx '{location}' at {at}, add 'proxy_set_header Host $host;' "
                    f"beside '{proxy};' ({proxy_at})" + (
                        f", and repeat there the proxy_set_header lines at {inherited} (a "
                        f"level with lines of its own inherits none)" if inherited else "")
                    + ".")
    return any_fix(front, header)


def received(bad: list[EndpointAnswer], total: int) -> str:
    """What each sample received: each distinct Host (and an X-Forwarded-Host that arrived and
    Django may have read), with the processes that received it when they differ."""
    groups = distinct_by(bad, lambda a: (a.host, a.forwarded_host))
    said = []
    for (host, forwarded), group in groups.items():
        extra = (f" with X-Forwarded-Host {quoted(forwarded)}"
                 if forwarded and host_allowed(group[-1]) is not False else "")
        said.append(f"Host {quoted(host)}{extra}" + (f" ({places(group)})" if len(groups) > 1
                                               and total > 1 else ""))
    return joined(said)


def forwarded_unread(bad: list[EndpointAnswer], total: int) -> str:
    """The sentence on an X-Forwarded-Host Django did not read (its own sentence: said inside
    the Host one, its "not <name>" read as said of the forwarded name)."""
    groups = distinct_by(bad, lambda a: (a.host, a.forwarded_host))
    said = [quoted(forwarded) + (f" ({places(group)})" if len(groups) > 1 and total > 1 else "")
            for (_, forwarded), group in groups.items()
            if forwarded and host_allowed(group[-1]) is False]
    if not said:
        return ""
    return (f" It also received X-Forwarded-Host {joined(said)} (request.forwarded_host), which "
            f"Django reads only with USE_X_FORWARDED_HOST = True: request.host_allowed false "
            f"shows it did not.")


def express_root(group: str) -> str:
    """mod_wsgi-express's default --server-root for its daemon group ``HOST:PORT``."""
    return f"/tmp/mod_wsgi-{group}:UID"  # noqa: S108 - words naming express's default, no file made


def express_denies(root: str) -> str:
    """What a mod_wsgi-express server's --server-name does to other Hosts, and its check."""
    return (f"A mod_wsgi-express server started with --server-name answers only that name "
            f"and its --server-alias names and denies any other Host with 403; the check "
            f"that tells its 403 from the front's: AH01630 ('client denied by server "
            f"configuration') on SERVER_ROOT/htdocs/__probe__ in its own error_log "
            f"(SERVER_ROOT/error_log; SERVER_ROOT is the directory of the httpd.conf after -f "
            f"in its Apache's command line, {root} unless started with --server-root).")
