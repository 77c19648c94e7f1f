"""The route step of a path no alias or handler section takes, in a server whose
``VirtualDocumentRoot`` maps each Host to a directory (mass virtual hosting, tester T33's
b-mass-macro: ``VirtualDocumentRoot .../vhosts/%0`` with ``AddHandler wsgi-script .wsgi``,
``DirectoryIndex app.wsgi`` and ``Options +ExecCGI``, where the model predicted "no WSGI
mount" while Apache ran ``vhosts/<host>/app.wsgi``).

The file is worked out by :mod:`probe.apache.vhost_alias`; this module says what it means
for the route: the script a ``wsgi-script`` handler runs (an application, its groups decided
as any other's), a 403 where ``Options`` do not allow ``ExecCGI``, a file served as is where
no handler applies, or, where the files are not on this machine or the Host is not known,
that the model cannot decide this route, with the check that would.
"""

from __future__ import annotations

from dataclasses import dataclass

from probe.apache.handlers import HandlerMount
from probe.apache.model import Server, Site, WsgiApp
from probe.apache.site_build import handler_app
from probe.apache.vhost_alias import virtual_file, virtual_root
from probe.front import RouteStep, Source


@dataclass(frozen=True)
class MassRoute:
    step: RouteStep
    app: WsgiApp | None = None
    script_name: str | None = None
    script_file: str | None = None
    refused: bool = False
    undecided: str | None = None


def mass_route(site: Site, server: Server, path: str, host: str | None,
               port: int | None) -> MassRoute | None:
    """The route of ``path`` under the server's ``VirtualDocumentRoot``; None without one."""
    main = tuple(d for d in site.config.directives if d.key != "virtualhost")
    scopes = [main] if server.is_main else [main, server.directives]
    line = virtual_root(scopes)
    if line is None:
        return None
    where = Source(line.file, line.line)
    written = f"VirtualDocumentRoot {line.args[0]}"
    if not host:
        why = (f"{written} maps each request by its Host, and none is known here: the model "
               f"cannot decide this route")
        return MassRoute(RouteStep("mount", "undecided", why, where), undecided=why)
    found = virtual_file(scopes, line, host, port or 80, path)
    if found.missing or found.undecided:
        why = (f"{written} maps {host}{path} into {found.root}, and "
               f"{found.missing or found.undecided}: the model cannot decide this route "
               f"(the check: 'ls -la {found.root}' on the server; where the directory or "
               f"file is missing there too, httpd answers 404)" if found.missing else
               f"{written} maps {host}{path} into {found.root}, and {found.undecided}")
        return MassRoute(RouteStep("mount", "undecided", why, where), undecided=why)
    file = found.file or ""
    if found.handler is None:
        return MassRoute(RouteStep(
            "mount", "no application", f"{written} maps {host}{path} to {file}, and no "
            f"SetHandler or AddHandler wsgi-script applies to it: httpd serves it as a file",
            where))
    handler = found.handler
    said = f"{handler.name} {' '.join(handler.args)} ({handler.where})"
    if not found.exec_cgi:
        return MassRoute(RouteStep(
            "mount", "refused", f"{written} maps {host}{path} to {file}, which {said} hands "
            f"to mod_wsgi, but no Options there allow ExecCGI: mod_wsgi answers 403 "
            f"('Options ExecCGI is off in this directory' in the error log)",
            Source(handler.file, handler.line)), refused=True)
    app = handler_app(site.config, server, HandlerMount(handler, found.script_name, file))
    return MassRoute(RouteStep(
        "mount", f"{file} at {found.script_name}",
        f"{written} maps {host}{path} to {file} ({line.where}), and {said} makes mod_wsgi "
        f"run it", Source(handler.file, handler.line)),
        app, found.script_name, file)
