"""Which error log httpd writes a request's lines to: the ``ErrorLog`` of the VirtualHost
that took the request, else the main server's, as httpd opens it.

mod_wsgi's WSGI0152, AH01630 and mod_proxy's AH00957 are logged for the request
(``ap_log_rerror``), so they go to the error log of the request's server: a VirtualHost
with its own ``ErrorLog`` keeps them out of the main one. The last ``ErrorLog`` of a scope
is the one in force; where it stands in the scope does not matter, since httpd opens the
logs once the whole configuration is read. A file name not absolute is relative to
``ServerRoot`` (the last one set). ``syslog[:facility]`` and ``|program`` are not files.
Where an ``Include`` of the scope that decides was not read, the log is not decided here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from probe.apache.addresses import split_host_port
from probe.apache.config import Directive
from probe.apache.model import Listen, Server, Site


@dataclass(frozen=True)
class ErrorLog:
    """The error log of one server; ``directive`` None: no ``ErrorLog`` was read at all."""

    directive: Directive | None
    own: bool  # written in the request's VirtualHost itself
    vhost: bool  # the request's server is a VirtualHost (not the main server)
    server_root: str
    root_line: Directive | None  # the last ServerRoot read; None: the root is assumed

    @property
    def path(self) -> str | None:
        """The file httpd writes; None for syslog, a piped logger or no ErrorLog."""
        if self.directive is None:
            return None
        written = self.directive.arg(0)
        if written.startswith("|") or written.lower().split(":", 1)[0] == "syslog":
            return None
        return written if os.path.isabs(written) else os.path.join(self.server_root,
                                                                   written)

    def named(self, server: str | None = None, elsewhere: str = "") -> str:
        """The log as a noun phrase, with the line that sets it (lower case first).

        ``server``: in a fleet given one configuration, the address the failing answer came
        from: the log is read on that server, the path is only what the configuration
        given sets (``elsewhere``: why that server may set another, "" if nothing says so)."""
        d = self.directive
        on = "" if server is None else f" on the server at {server}"
        if d is None:
            return (f"httpd's compiled-in error log{on} (no ErrorLog in the configuration "
                    f"read: 'apachectl -V' shows DEFAULT_ERRORLOG)")
        if server is not None:
            whose = ("the ErrorLog of this URL's VirtualHost" if self.own else
                     "the ErrorLog") + on
        else:
            whose = "the ErrorLog of this URL's VirtualHost" if self.own else \
                "the server's ErrorLog"
        notes = [d.where]
        if self.vhost and not self.own:
            notes.append("this URL's VirtualHost sets none")
        path = self.path
        if path is not None and not os.path.isabs(d.arg(0)):
            # relative to ServerRoot: a guess unless a ServerRoot line was read
            notes.append(f"ServerRoot at {self.root_line.where}" if self.root_line else
                         f"relative to the ServerRoot assumed, {self.server_root}: "
                         f"'apachectl -V' shows httpd's HTTPD_ROOT")
        if elsewhere:
            notes.append(elsewhere)
        said = "; ".join(notes)
        if path is not None and server is not None:
            return f"{whose} (configured as {path} in the configuration given: {said})"
        if path is not None:
            return f"{whose}, {path} ({said})"
        written = " ".join(d.args)
        if written.startswith("|"):
            return f"the piped logger of {whose} ('{written}' at {said})"
        return f"syslog, where {whose} sends it ('{written}' at {said})"


def error_log(site: Site, server: Server) -> ErrorLog | None:
    """The error log of ``server``'s requests; None where an unread ``Include`` of the
    scope that decides could set another."""
    main = tuple(d for d in site.config.directives if d.key != "virtualhost")
    roots = [d for d in main if d.key == "serverroot" and d.args]
    root = roots[-1] if roots else None
    scopes: list[tuple[Sequence[Directive], bool]] = [(main, False)]
    if not server.is_main:
        scopes.append((server.directives, True))
    for scope, own in scopes[::-1]:
        # ErrorLog is allowed only at a scope's own level (conditionals are flattened)
        if any(d.unread for d in scope):
            return None
        found = [d for d in scope if d.key == "errorlog" and d.args]
        if found:
            return ErrorLog(found[-1], own, not server.is_main, site.config.server_root, root)
    return ErrorLog(None, False, not server.is_main, site.config.server_root, root)


def unopened(site: Site, address: str) -> tuple[Listen, ...]:
    """The ``Listen`` lines read where none opens ``address`` (``HOST:PORT``): the
    configuration's sockets are all elsewhere; empty where one opens it, or none is read."""
    host, port = split_host_port(address)
    if not site.listens or port is None or not port.isdigit():
        return ()
    bare = host.strip("[]")
    every = {bare, "*", "::", "0.0.0.0"}  # noqa: S104 (compared with a Listen line, not bound)
    if any(lst.port == int(port) and (lst.host is None or lst.host.strip("[]") in every)
           for lst in site.listens):
        return ()
    return site.listens


def opened(listens: Sequence[Listen]) -> str:
    """The addresses ``listens`` open, each with its line: ``127.0.0.1:80 (file:line)``."""
    return ", ".join(f"{lst.directive.arg(0)} ({lst.directive.where})" for lst in listens)


def listens_elsewhere(site: Site, address: str) -> str:
    """Why the configuration given may not be the one running at ``address`` (``HOST:PORT``):
    its ``Listen`` lines open other addresses only; "" where one opens it, or none is read."""
    listens = unopened(site, address)
    if not listens:
        return ""
    return (f"it listens at {opened(listens)}, not at {address}: that server's own "
            f"configuration may set another file")
