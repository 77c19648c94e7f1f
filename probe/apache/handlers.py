"""WSGI applications mounted by handler instead of ``WSGIScriptAlias``.

mod_wsgi also runs a script for any request whose handler is ``wsgi-script`` or the name of a
``WSGIHandlerScript``:

* ``Alias /identity /usr/share/app/wsgi`` with ``SetHandler wsgi-script`` in its
  ``<Location /identity>`` or ``<Directory /usr/share/app>`` (FreeIPA, Keystone);
* ``AddHandler wsgi-script .wsgi`` in a ``<Directory>``: each ``*.wsgi`` file below the URL
  that reaches the directory (an ``Alias`` or ``ScriptAlias`` to it or to one of its files,
  or the ``DocumentRoot``: a ``ScriptAlias`` marks its target for mod_cgi, but
  ``AddHandler`` decides the handler, checked with real Apache);
* ``WSGIHandlerScript NAME SCRIPT`` used by ``SetHandler NAME``, ``AddHandler NAME .ext`` or
  ``RewriteRule ... [H=NAME]``, as mod_wsgi-express writes its configuration.

Each becomes a :class:`HandlerMount`: the URL path it serves, the script (or directory of
scripts) and the options of its ``WSGIHandlerScript``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from probe.apache.config import Directive, split_args
from probe.apache.unread import Unread

WSGI_SCRIPT = "wsgi-script"
_SECTIONS = ("location", "directory", "files")


@dataclass(frozen=True)
class HandlerMount:
    directive: Directive  # the SetHandler / AddHandler / RewriteRule that mounts it
    mount: str
    target: str
    options: dict[str, str] = field(default_factory=dict)  # from WSGIHandlerScript


@dataclass(frozen=True)
class HandlerScan:
    mounts: list[HandlerMount]
    unread: list[Unread]  # wsgi-script directories that could not be listed here


def handler_scripts(scopes: Sequence[Sequence[Directive]]) -> dict[str, Directive]:
    """``WSGIHandlerScript`` definitions by handler name (a later one wins)."""
    found: dict[str, Directive] = {}
    for scope in scopes:
        for d in _with_sections(scope):
            if d.key == "wsgihandlerscript" and len(d.args) >= 2:
                found[d.args[0]] = d
    return found


def handler_mounts(scope: Sequence[Directive], main_scope: Sequence[Directive],
                   scripts: dict[str, Directive], server_root: str) -> HandlerScan:
    """The handler-mounted applications of one server's own directives (``scope``); the
    ``main_scope`` supplies Aliases and DocumentRoot a VirtualHost inherits. A directory
    whose scripts cannot be listed is unread: its applications are not known."""
    aliases = [(d.args[0], _abs(d.args[1], server_root)) for s in (scope, main_scope)
               for d in s if d.key in ("alias", "scriptalias") and len(d.args) >= 2]
    docroot = next((_abs(d.args[0], server_root) for s in (scope, main_scope)
                    for d in reversed(s) if d.key == "documentroot" and d.args), None)
    found: list[HandlerMount] = []
    unread: list[Unread] = []
    for section, d in _uses(scope):
        name = _handler_name(d)
        if name is None or (name != WSGI_SCRIPT and name not in scripts):
            continue
        if name != WSGI_SCRIPT:
            defined = scripts[name]
            options = options_of(defined.args[2:])
            target = _abs(defined.args[1], server_root)
            for mount in _urls(section, aliases, docroot):
                found.append(HandlerMount(d, mount, target, options))
            continue
        targets, why = _script_targets(section, d, aliases, docroot)
        found += [HandlerMount(d, mount, target) for mount, target in targets]
        unread += [Unread(d, why)] if why else []
    return HandlerScan(found, unread)


def _with_sections(scope: Sequence[Directive]) -> list[Directive]:
    return [*scope, *(c for s in scope if s.key in _SECTIONS or s.key.endswith("match")
                      for c in s.body())]


def _uses(scope: Sequence[Directive]) -> list[tuple[Directive | None, Directive]]:
    found: list[tuple[Directive | None, Directive]] = [(None, d) for d in scope]
    found += [(s, d) for s in scope if s.key in _SECTIONS for d in s.body()]
    return found


_H_FLAG = re.compile(r"(?:^|,)H(?:andler)?=([^,\]]+)", re.I)


def _handler_name(d: Directive) -> str | None:
    if d.key == "sethandler" and d.args:
        return d.args[0]
    if d.key == "addhandler" and len(d.args) >= 2:
        return d.args[0]
    if d.key == "rewriterule" and len(d.args) >= 3:
        match = _H_FLAG.search(d.args[2].strip("[]"))
        return match.group(1) if match else None
    return None


def _urls(section: Directive | None, aliases: list[tuple[str, str]],
          docroot: str | None) -> list[str]:
    """The URL paths that reach a section's directory or location."""
    if section is None:
        return ["/"]
    if section.key == "location" and section.args:
        return [section.args[0]]
    if section.key == "directory" and section.args:
        directory = section.args[0].rstrip("/") or "/"
        urls = [url for url, path in aliases if path.rstrip("/") == directory]
        if docroot is not None and _under(directory, docroot):
            urls.append("/" + os.path.relpath(directory, docroot).lstrip("."))
        return [u.replace("//", "/") for u in urls]
    return []


def _script_targets(section: Directive | None, d: Directive, aliases: list[tuple[str, str]],
                    docroot: str | None) -> tuple[list[tuple[str, str]], str]:
    """(mount, script) for ``wsgi-script``: an Alias to a file, else a directory's files;
    and why the directory could not be listed ("" when it could, or need not be)."""
    if section is None:
        return [], ""
    if section.key == "location" and section.args:
        return [(url, path) for url, path in aliases if url.rstrip("/") ==
                section.args[0].rstrip("/")], ""
    if section.key != "directory" or not section.args:
        return [], ""
    directory = section.args[0].rstrip("/") or "/"
    files = [(url, path) for url, path in aliases
             if os.path.dirname(path) == directory and not path.endswith("/")
             and not os.path.isdir(path)]
    if files:
        return files, ""
    found = []
    extension = d.args[1] if d.key == "addhandler" and len(d.args) >= 2 else None
    urls = _urls(section, aliases, docroot)
    if not urls:  # no URL reaches the directory: its scripts serve nothing, listed or not
        return [], ""
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        return [], f"cannot list {directory}: {exc.strerror or exc}"
    for url in urls:
        for name in names:
            if extension is None or name.endswith(extension):
                found.append((url.rstrip("/") + "/" + name, os.path.join(directory, name)))
    return found, ""


def options_of(args: Sequence[str]) -> dict[str, str]:
    """``name=value`` options; a quoted value is unquoted as mod_wsgi does
    (``process-group='localhost:8000'``, as mod_wsgi-express writes it)."""
    options = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        if sep:
            options[key.lower()] = split_args(value)[0] if value.strip() else value
    return options


def _abs(path: str, server_root: str) -> str:
    return path if os.path.isabs(path) else os.path.join(server_root, path)


def _under(path: str, root: str) -> bool:
    root = root.rstrip("/") or "/"
    return path == root or path.startswith(root + "/")
