"""A gateway status (502, 503) where Apache's ``ProxyPass`` passes to a unix socket
(``unix:/path.sock|http://localhost/``) and no sample reached the endpoint: the socket path
is named as a path, never the ``|http://...`` URL after it, and neither reading of the
failure is claimed.

mod_proxy logs AH02454 "attempt to connect to Unix domain socket PATH (HOST:PORT) failed"
(httpd's proxy_util.c, where a TCP backend gets AH00957), then the scheme's module its own
code (AH01114 for ``http://``), and the system's error before the code tells why: "(13)
Permission denied" is a socket that is there and that Apache's user may not write to (tester
T36's eps.sock, mode 0700 owned by root, while gunicorn listened on it: ``ss -xlp``);
"(2) No such file or directory" or "(111) Connection refused" is nothing listening there.
The answers (a 503 from Apache) look the same in both, and this tool does not read the
error log: the fix names both, each with its check and its change, as nginx's words do for
its "(13: Permission denied)" (:mod:`.nginx_own_404`).
"""

from __future__ import annotations

from probe.apache.route import ApacheRoutes
from probe.front import FrontConfig, PredictedRoute, RouteStep


def socket_path(route: PredictedRoute) -> str | None:
    """The socket the route's ``ProxyPass`` connects to; None: not one socket."""
    sockets = [m.address for m in route.members if m.address.startswith("unix:")]
    return sockets[0].removeprefix("unix:") if len(sockets) == 1 == len(route.members) \
        else None


def runs_as(front: FrontConfig | None) -> str:
    """Apache's ``User``/``Group`` lines as read (its children connect as that user)."""
    if not isinstance(front, ApacheRoutes):
        return "Apache's user ('ps -o user= -p PID' of an Apache child shows it)"
    found = {}
    for d in front.site.config.directives:
        if d.key in ("user", "group") and d.args:
            found[d.key] = d  # the last one read is the one in force
    said = ", ".join(f"{d.name} {d.arg(0)} at {d.where}" for d in found.values())
    return (f"Apache's user ({said})" if said else
            "Apache's user (no User line read: httpd's compiled-in default, 'ps -o user= -p "
            "PID' of an Apache child shows it)")


def socket_fix(path: str, taken: RouteStep, status: int, log: str, code: str,
               front: FrontConfig | None) -> tuple[str, str]:
    """(the sentence added to the explanation, the fix) for ``status`` from the socket at
    ``path``; ``code``: the scheme module's connect code (:mod:`probe.apache.proxy_log`)."""
    user = runs_as(front)
    why = (f" mod_proxy could not use the socket {path}: either nothing listens there, or "
           f"{user} may not connect to it; a {status} from Apache looks the same in both, and "
           f"the error log (not read here) tells which.")
    fix = (f"{log[:1].upper()}{log[1:]} at the time of these requests tells which: mod_proxy "
           f"logs AH02454 ('attempt to connect to Unix domain socket {path} ... failed'), "
           f"then {code}, with the system's error before the code. "
           f"'(13)Permission denied': the socket is there and {user} may not write to it, "
           f"which a connection needs ('ls -l {path}' shows its owner and mode, and the "
           f"directories above it must let that user in): give the socket a group or mode "
           f"that user can write (gunicorn --umask with --group, uWSGI chmod-socket=/"
           f"chown-socket=, systemd SocketUser=/SocketGroup=/SocketMode=; they apply to a "
           f"socket made anew, so restart the server that binds it: a reload keeps the socket "
           f"it has), or run Apache's User or Group as one that can. "
           f"'(2)No such file or directory' or '(111)Connection refused': nothing listens at "
           f"{path} ('ss -xlp' lists the unix sockets listened on and their processes): start "
           f"the application server bound to it (gunicorn --bind unix:{path}), or at "
           f"{taken.source} point the ProxyPass at the socket it listens on.")
    return why, fix
