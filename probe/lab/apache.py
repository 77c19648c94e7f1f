"""The simulated Apache: a WSGI application that routes like Apache and mod_wsgi do.

Per request: :func:`probe.lab.router.route` picks the virtual host, the
WSGIScriptAlias and the process/application group; the WSGI environ is rebuilt as
mod_wsgi builds it (SCRIPT_NAME, PATH_INFO, SERVER_NAME, SERVER_PORT,
``mod_wsgi.process_group``, ``mod_wsgi.application_group``, ...); the script is
loaded into that sub interpreter on first use (or at start, for a
``WSGIImportScript``) and called.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from probe.apache.names import EMBEDDED, GLOBAL
from probe.lab import apps
from probe.lab.interpreters import ProcessTable
from probe.lab.router import BadHost, Route, RoutingConfig, render_config, route

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

SERVER_SOFTWARE = "Apache/2.4 (wsgi-probe demo lab: simulated)"
MOD_WSGI_VERSION = (5, 0, 0)
"""The mod_wsgi the lab follows (its routing is that of 4.x and 5.x alike), as mod_wsgi gives it."""

APACHE_ENVVARS = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C",
    "APACHE_RUN_USER": "www-data",
    "APACHE_RUN_GROUP": "www-data",
}
"""The environment Apache starts with (Debian's /etc/apache2/envvars), not the caller's:
a DJANGO_SETTINGS_MODULE in the shell running the demo must not reach the lab."""

# Request keys copied from the HTTP server; everything else is built here, as mod_wsgi does.
_PASSED = ("REQUEST_METHOD", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH",
           "SERVER_PROTOCOL", "REMOTE_ADDR", "REMOTE_PORT")


@dataclass(frozen=True)
class ImportScript:
    """``WSGIImportScript SCRIPT process-group=G application-group=A``: load at start."""

    script: str
    process_group: str
    application_group: str


@dataclass(frozen=True)
class LabConfig:
    routing: RoutingConfig
    scripts: Mapping[str, apps.WsgiScript]
    """By path: what each WSGIScriptAlias target file contains."""
    import_scripts: tuple[ImportScript, ...] = ()
    c_environ: Mapping[str, str] = field(default_factory=lambda: dict(APACHE_ENVVARS))


def render_lab_config(config: LabConfig) -> str:
    """The httpd.conf lines the lab stands for: preloads, then the virtual hosts."""
    lines = ["# embedded mode unless a mount names a WSGIDaemonProcess; one Apache child"]
    for item in config.import_scripts:
        group = item.process_group or GLOBAL
        lines.append(f"WSGIImportScript {item.script} process-group={group} "
                     f"application-group={item.application_group}")
    return "\n".join(lines) + "\n\n" + render_config(config.routing)


class SimulatedApache:
    """The lab's WSGI application (serve it with :mod:`probe.lab.server`)."""

    def __init__(
        self,
        config: LabConfig,
        *,
        parent_pid: int | None = None,
        log: Callable[[str], None] | None = None,
    ):
        self.config = config
        # The lab's real pid stands for the Apache parent; the children's pids are made up.
        self.processes = ProcessTable(parent_pid or os.getpid(), config.c_environ)
        self.log = log
        self._loaded: dict[tuple[int, str, str], WSGIApplication] = {}

    def start(self) -> None:
        """What Apache does at start: run the WSGIImportScript preloads, in order."""
        for item in self.config.import_scripts:
            self.application(item.process_group, item.application_group, item.script)

    def application(
        self, process_group: str, application_group: str, script: str
    ) -> WSGIApplication:
        """The script's ``application`` in that process and sub interpreter, loaded once."""
        interpreter = self.processes.process(process_group).interpreter(application_group)
        key = (interpreter.process.pid, application_group, script)
        with interpreter.lock:  # one key per interpreter: its lock guards the entry
            found = self._loaded.get(key)
            if found is None:
                found = apps.load(self.config.scripts[script], interpreter)
                self._loaded[key] = found
            return found

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        uri = environ.get("PATH_INFO", "") or "/"
        scheme = environ.get("wsgi.url_scheme", "http")
        try:
            chosen = route(self.config.routing, environ.get("HTTP_HOST"), uri, scheme)
        except BadHost:
            self._log(environ, uri, None, "400 malformed Host header")
            return _apache_error(start_response, "400 Bad Request")
        if chosen.vhost.deny_all:
            self._log(environ, uri, chosen, "403 (Require all denied)")
            return _apache_error(start_response, "403 Forbidden")
        mount = chosen.mount
        if mount is None:
            self._log(environ, uri, chosen, "404 (no WSGIScriptAlias matches)")
            return _apache_error(start_response, "404 Not Found")
        try:
            app = self.application(mount.process_group, mount.application_group,
                                   mount.alias.script)
        except Exception as exc:  # mod_wsgi logs the traceback and answers 500
            self._log(environ, uri, chosen, f"500 loading {mount.alias.script} failed: {exc!r}")
            return _apache_error(start_response, "500 Internal Server Error")
        self._log(environ, uri, chosen, "")
        return app(self._wsgi_environ(environ, uri, chosen), start_response)

    def _wsgi_environ(self, given: WSGIEnvironment, uri: str, chosen: Route) -> dict[str, Any]:
        mount = chosen.mount
        assert mount is not None
        environ: dict[str, Any] = {k: given[k] for k in _PASSED if k in given}
        environ.update({k: v for k, v in given.items() if k.startswith(("HTTP_", "wsgi."))})
        query = given.get("QUERY_STRING", "")
        environ.update({
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_SOFTWARE": SERVER_SOFTWARE,
            "SERVER_NAME": chosen.server_name,
            "SERVER_PORT": str(chosen.server_port),
            "REQUEST_URI": quote(uri, safe="/%;=&+:@,!$'()*~") + (f"?{query}" if query else ""),
            "REQUEST_SCHEME": given.get("wsgi.url_scheme", "http"),
            "SCRIPT_NAME": mount.script_name,
            "PATH_INFO": mount.path_info,
            "SCRIPT_FILENAME": mount.alias.script,
            "mod_wsgi.script_name": mount.script_name,
            "mod_wsgi.path_info": mount.path_info,
            "mod_wsgi.process_group": mount.process_group,
            "mod_wsgi.application_group": mount.application_group,
            # What every real mod_wsgi sets: without it the lab's answers named no server,
            # and diagnosis worded them as an unknown server's (no restart of "its Apache").
            "mod_wsgi.version": MOD_WSGI_VERSION,
            "mod_wsgi.callable_object": "application",
            "mod_wsgi.request_handler": "wsgi-script",
            "mod_wsgi.script_reloading": "1",
            # Threads everywhere. Embedded mode in one Apache child is not multiprocess;
            # a daemon group is as soon as its WSGIDaemonProcess says processes=N, even 1
            # (https://modwsgi.readthedocs.io/en/master/configuration-directives/WSGIDaemonProcess.html),
            # and render_config() writes processes=1.
            "wsgi.multithread": True,
            "wsgi.multiprocess": mount.process_group != EMBEDDED,
            "wsgi.run_once": False,
        })
        return environ

    def _log(self, environ: WSGIEnvironment, uri: str, chosen: Route | None, outcome: str) -> None:
        if self.log is None:
            return
        host = environ.get("HTTP_HOST", "(no Host)")
        line = f"{environ.get('REQUEST_METHOD', '?')} {host} {uri} -> "
        if chosen is None:
            self.log(line + outcome)
            return
        line += f"<VirtualHost {chosen.vhost.server_name}> by {chosen.matched_by.value}"
        mount = chosen.mount
        if mount is not None:
            process = self.processes.process(mount.process_group)
            line += (f", WSGIScriptAlias {mount.alias.url_path} -> "
                     f"{mount.alias.script}, pid {process.pid}, "
                     f"application group {mount.application_group!r}")
        self.log(line + (f": {outcome}" if outcome else ""))


_REASONS = {
    "400 Bad Request": "Your browser sent a request that this server could not understand.",
    "403 Forbidden": "You don't have permission to access this resource.",
    "404 Not Found": "The requested URL was not found on this server.",
    "500 Internal Server Error": "The server encountered an internal error.",
}


def _apache_error(start_response: StartResponse, status: str) -> list[bytes]:
    """An error page like Apache's own (not the application's)."""
    title = status
    body = (
        '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n'
        f"<html><head>\n<title>{title}</title>\n</head><body>\n"
        f"<h1>{status.split(' ', 1)[1]}</h1>\n<p>{_REASONS[status]}</p>\n</body></html>\n"
    ).encode("ascii")
    start_response(status, [("Content-Type", "text/html; charset=iso-8859-1"),
                            ("Content-Length", str(len(body)))])
    return [body]


def log_to_stderr(line: str) -> None:
    print(f"lab: {line}", file=sys.stderr, flush=True)
