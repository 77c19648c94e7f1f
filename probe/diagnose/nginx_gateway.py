"""nginx's own 502/503/504 worded (:mod:`.nginx_errors`): the status alone cannot tell an
upstream that is down from one that speaks another protocol or is too slow, so the fix reads
nginx's error log words for each, at the address the configuration passes to; a
``uwsgi_pass`` with no ``uwsgi_param`` in force is named first. Without ``--config`` the
hand-over is not known: "the pass line (proxy_pass or uwsgi_pass)", never proxy_pass alone
(tester T19's uWSGI emperor behind uwsgi_pass was told "another protocol than proxy_pass").
Moved from :mod:`.nginx_fixes`, which words ``wrong_upstream``.
"""

from __future__ import annotations

from probe.diagnose.nginx_fixes import Words
from probe.diagnose.nginx_own_404 import SOCKET_DENIED
from probe.diagnose.nginx_protocols import EITHER_LINE
from probe.front import PredictedRoute, RouteStep
from probe.nginx.uwsgi_steps import NO_PARAMS


def no_params_step(route: PredictedRoute | None) -> RouteStep | None:
    """The mount step of a uwsgi_pass with no uwsgi_param in force (probe.nginx.uwsgi_steps)."""
    step = route.step("mount") if route is not None else None
    return step if step is not None and NO_PARAMS in step.rule else None


def _no_params(status: int | None, bare: RouteStep, upstream: RouteStep | None) -> Words:
    handed = " ".join(upstream.rule.split()[:2]) if upstream is not None else "uwsgi_pass"
    at = f" ({upstream.source})" if upstream is not None else ""
    why = (f"its upstream gave no answer it could use. For this URL the configuration given "
           f"says: {bare.rule} ({bare.source}). That is the likely cause: a Django application "
           f"reads REQUEST_METHOD and fails without it (uWSGI's log: KeyError: "
           f"'REQUEST_METHOD'), and nginx answers {status or 502} when uWSGI closes the "
           f"connection without an answer (nginx's error log: 'upstream prematurely closed "
           f"connection'). The status alone does not exclude an application server that is "
           f"not listening (nginx's error log then says 'connect() failed').")
    fix = (f"In the location at {bare.source}, add 'include uwsgi_params;' before "
           f"'{handed};'{at} (nginx's uwsgi_params file: 'nginx -t' says if it is not found), "
           f"then reload nginx. uWSGI's log line for this request tells: KeyError: "
           f"'REQUEST_METHOD' confirms it; nginx's 'connect() failed' says nothing listens "
           f"there instead.")
    return Words(why, fix)


def _protocol(directive: str) -> str:
    """What nginx's 'upstream prematurely closed connection' calls for, by hand-over: uWSGI's
    own log tells its two cases apart (checked with nginx 1.22 and uWSGI 2.0)."""
    if directive == "proxy_pass":
        return ("it speaks another protocol than HTTP: if uWSGI's log says 'invalid request "
                "block size', HTTP reached uWSGI's own socket (--socket): pass with uwsgi_pass, "
                "with 'include uwsgi_params;' before it (without those lines uWSGI receives no "
                "REQUEST_METHOD), in place of proxy_pass, or run uWSGI with --http-socket")
    if directive == "":  # no configuration read: which hand-over is not known
        return ("the upstream speaks another protocol than the pass expects: uWSGI's log "
                "tells: KeyError: 'REQUEST_METHOD' is a uwsgi_pass without 'include "
                "uwsgi_params;' before it (add it), 'invalid request block size' is a "
                "proxy_pass to uWSGI's own socket (pass with uwsgi_pass and 'include "
                "uwsgi_params;' in its place, or run uWSGI with --http-socket); an HTTP server "
                "behind uwsgi_pass wants proxy_pass")
    if directive == "uwsgi_pass":
        return ("if uWSGI's log says KeyError: 'REQUEST_METHOD', the uwsgi_param lines are "
                "missing: add 'include uwsgi_params;' before the uwsgi_pass; else it speaks "
                "another protocol: pass with proxy_pass, for an HTTP server (gunicorn, "
                "waitress, uWSGI's http-socket), in place of uwsgi_pass")
    return (f"it speaks another protocol: pass with proxy_pass, for an HTTP server, in place "
            f"of {directive}, or make it listen as {directive} expects")


def gateway_words(status: int | None, route: PredictedRoute | None,
                  upstream: RouteStep | None) -> Words:
    """nginx's own 502/503/504: the status alone cannot tell an upstream that is down from
    one that speaks another protocol (a uWSGI socket behind proxy_pass, an HTTP server
    behind uwsgi_pass: nginx says "upstream prematurely closed connection") or is too slow;
    nginx's error log line for the request, or a direct request to the address, tells. A
    uwsgi_pass with no uwsgi_param in force is named first: uWSGI closes the connection."""
    bare = no_params_step(route)
    if bare is not None and status != 504:
        return _no_params(status, bare, upstream)
    # no hand-over read (no --config): which pass line, and so which protocol, is not known
    directive = upstream.rule.split()[0] if upstream is not None else EITHER_LINE
    where = (route.upstream if route is not None and route.upstream else None)
    named = (f" For this URL the configuration given passes to {where} ({upstream.rule}, "
             f"{upstream.source})." if where and upstream is not None else "")
    other = ("one that wants uwsgi_pass (with 'include uwsgi_params;'), for uWSGI's socket "
             "option" if directive == "proxy_pass" else
             "uWSGI's socket option wants uwsgi_pass (with 'include uwsgi_params;'), an HTTP "
             "server proxy_pass" if upstream is None else
             "one that wants proxy_pass, for an HTTP server (gunicorn, waitress, uWSGI's "
             "http-socket)")
    expects = " expects" if upstream is None else ""
    # without the configuration a variable proxy_pass may name no upstream: nginx resolves
    # the value as a host name at request time (tester T34's a-map, 'blgo_app')
    unresolved = (", or a host name nginx cannot resolve (a variable proxy_pass whose value "
                  "names no upstream: 'no resolver defined to resolve NAME' in nginx's error "
                  "log)" if upstream is None and status == 502 else "")
    why = (f"its upstream gave no answer it could use.{named} The status alone does not "
           f"tell which: nothing listens there, or it speaks another protocol than "
           f"{'the ' if upstream is None else ''}{directive}{expects} ({other}){unresolved}, or "
           f"it was too slow" + (" (a 504 says too slow)" if status == 504 else "") + ".")
    at = where or f"the address of the {directive}"
    direct = (f"; or a direct request: 'curl -sS http://{where}/' is refused when nothing "
              f"listens, and gets no HTTP answer from a uWSGI socket"
              if where and "," not in where and not where.startswith("unix:") else "")
    socket = not where or where.startswith("unix:")
    members = route.members if route is not None else ()
    line = (members[0].source if len(members) == 1 else upstream.source
            if not members and upstream is not None and where else None)
    fix = (f"Read nginx's error log line for this request: 'connect() failed (111: Connection "
           f"refused)' (or '(2: No such file or directory)' for a socket): start the "
           f"application server listening on {at}"
           + (f", or correct the address at {line} to where the server meant binds (gunicorn "
              f"--bind, systemd ListenStream=, uWSGI socket=/http-socket=)" if line else
              ", or correct the pass line's address to where the server binds (gunicorn "
              "--bind, systemd ListenStream=, uWSGI socket=/http-socket=)"
              if upstream is None else "")
           + "; " + (f"{SOCKET_DENIED}: give nginx's worker access to it; " if socket else "")
           + f"'upstream prematurely closed connection' or 'upstream sent invalid header': "
           f"{_protocol(directive if upstream is not None else '')}; 'upstream timed out': "
           f"it is too slow{direct}"
           + ("; 'no resolver defined to resolve NAME': the "
              "pass line's value is no upstream block's name nor an address: give it the name "
              "of the upstream block meant ('nginx -T' shows the map or set line that gives "
              "it; probe sweep --config names it)" if unresolved else "") + ".")
    return Words(why, fix)
