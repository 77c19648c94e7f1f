"""WSGI sites a VirtualHost serves by mass virtual hosting: ``VirtualDocumentRoot``
(mod_vhost_alias) with a ``wsgi-script`` handler (``AddHandler wsgi-script .wsgi`` or
``SetHandler wsgi-script``) for the directory it names.

Each request's host name picks a directory (``%0`` the whole name, ``%1`` its first part,
...), and mod_wsgi runs the script file the URL names there (``DirectoryIndex app.wsgi``
makes ``/`` name it too). No ``WSGIScriptAlias`` is written, so the sites are in the file
system: where the pattern is ``PREFIX/%0[/REST]`` each directory under ``PREFIX`` is one
host name, and each script file of the handler's extension there one application (T33
b-mass-macro: ``vhosts/alpha.mass.test/app.wsgi``, loaded by real Apache 2.4.71 +
mod_wsgi 6.1.1 "into main interpreter in embedded mode"). Any other pattern (``%1``,
``%-2``, ``%2+``) makes a directory from parts of the name: which host names reach which
directory is not read back here, and the sites are said to be added by hand.

Read by ``probe lint`` (``shared_interpreter`` of such a VirtualHost) and ``probe discover``
(its instances); the directive tree is read as written, the last line of each kind in the
VirtualHost (then the main server) in force, the ``<Directory>`` sections that hold the
root included.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from probe.apache.config import Directive
from probe.apache.model import Server, Site

_WSGI_SCRIPT = "wsgi-script"
_WHOLE_NAME = "%0"


@dataclass(frozen=True)
class MassHost:
    host: str  # the host name whose directory it is
    script: str  # the script file mod_wsgi runs
    url_path: str  # the URL path that names the script ("/app.wsgi")


@dataclass(frozen=True)
class MassSite:
    server: Server
    root: Directive  # the VirtualDocumentRoot line
    handler: Directive  # the AddHandler / SetHandler wsgi-script line
    extension: str | None  # AddHandler's extension; None: SetHandler, every file
    process_group: Directive | None  # the WSGIProcessGroup in force, None: embedded mode
    application_group: Directive | None  # the WSGIApplicationGroup in force
    hosts: tuple[MassHost, ...]
    why_not: str = ""  # why the host names were not read from the file system ("" if they were)

    @property
    def process_group_name(self) -> str:
        """``""`` for embedded mode (none set, or ``%{GLOBAL}``), else the setting."""
        value = self.process_group.arg(0) if self.process_group else ""
        return "" if value in ("", "%{GLOBAL}") else value

    @property
    def application_group_spec(self) -> str:
        return self.application_group.arg(0) if self.application_group else "%{RESOURCE}"

    def describe(self) -> str:
        return (f"VirtualDocumentRoot {self.root.arg(0)} at {self.root.where} with "
                f"{self.handler.name} {' '.join(self.handler.args)} at {self.handler.where}")


def mass_sites(site: Site) -> list[MassSite]:
    """Every VirtualHost with a ``VirtualDocumentRoot`` and a ``wsgi-script`` handler for it."""
    found = []
    for server in site.vhosts:
        root = _last(server.directives, "virtualdocumentroot")
        if root is None or not root.args:
            continue
        prefix = root.arg(0).split("%", 1)[0].rstrip("/") or "/"
        sections = [s for scope in (server.directives, site.main.directives) for s in scope
                    if s.key == "directory" and s.args and _covers(s.arg(0), prefix)]
        scopes = [server.directives, *(s.body() for s in sections)]
        handler = next((d for scope in scopes for d in _handlers(scope)), None)
        if handler is None:
            continue
        extension = handler.arg(1) if handler.key == "addhandler" else None
        # a <Directory> section's line is merged over its VirtualHost's, that over the
        # main server's
        order = [*(s.body() for s in reversed(sections)), server.directives,
                 site.main.directives]
        group = next((d for scope in order if (d := _last(scope, "wsgiprocessgroup"))), None)
        app_group = next((d for scope in order
                          if (d := _last(scope, "wsgiapplicationgroup"))), None)
        hosts, why = _hosts(root.arg(0), extension)
        found.append(MassSite(server, root, handler, extension, group, app_group, hosts, why))
    return found


def _hosts(pattern: str, extension: str | None) -> tuple[tuple[MassHost, ...], str]:
    prefix, sep, rest = pattern.partition(_WHOLE_NAME)
    if not sep or "%" in prefix or "%" in rest:
        return (), (f"its directory is made from parts of the host name ({pattern}): "
                    f"which names reach a directory is not read back here")
    parent = prefix.rstrip("/") or "/"
    try:
        names = sorted(os.listdir(parent))
    except OSError as exc:
        return (), f"cannot list {parent}: {exc.strerror or exc}"
    hosts = []
    for name in names:
        directory = os.path.join(parent, name) + rest.rstrip("/")
        try:
            files = sorted(os.listdir(directory))
        except OSError:
            continue  # a file, or a directory this reader cannot list: no site read
        hosts += [MassHost(name, os.path.join(directory, f), "/" + f) for f in files
                  if (extension is None or f.endswith(extension))
                  and os.path.isfile(os.path.join(directory, f))]
    return tuple(hosts), ""


def _handlers(scope: tuple[Directive, ...]) -> list[Directive]:
    own = [d for d in scope if _is_wsgi_handler(d)]
    return own + [d for s in scope if s.key == "files" for d in s.body() if _is_wsgi_handler(d)]


def _is_wsgi_handler(d: Directive) -> bool:
    return ((d.key == "addhandler" and len(d.args) >= 2) or d.key == "sethandler") and \
        d.arg(0).lower() == _WSGI_SCRIPT


def _last(scope: tuple[Directive, ...], key: str) -> Directive | None:
    return next((d for d in reversed(scope) if d.key == key), None)


def _covers(directory: str, path: str) -> bool:
    directory = directory.rstrip("/") or "/"
    return path == directory or path.startswith(directory.rstrip("/") + "/")
