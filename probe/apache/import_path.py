"""The import path an application runs with, as the configuration sets it, carried into the
``WSGIDaemonProcess`` line of a new daemon process group.

mod_wsgi applies ``WSGIPythonPath`` to embedded mode only: a daemon process takes the
``python-path=`` of its own ``WSGIDaemonProcess``. A fix that moves an application out of
embedded mode, or out of a shared daemon group, into a group of its own without that path
fails with ``ModuleNotFoundError`` (tester T26: both printed fixes applied literally, 500).
``WSGIPythonHome`` does reach daemon processes (every group without ``python-home=`` uses
it), so it is carried only from a daemon group that set its own ``python-home=``. Shared by
lint's fixes and the sweep's join, which name the values with the lines they come from.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

from probe.apache.config import Directive
from probe.apache.model import Site

__all__ = ["PathOption", "daemon_line", "import_path", "missing_path", "own_tree", "sources"]


@dataclass(frozen=True)
class PathOption:
    """One option a new group's ``WSGIDaemonProcess`` line must carry, and where from."""

    option: str  # "python-path" or "python-home"
    value: str
    directive: str  # what set it: "WSGIPythonPath", "WSGIDaemonProcess django"
    where: str  # its FILE:LINE

    @property
    def written(self) -> str:
        return f"{self.option}={self.value}"


def _python_path(site: Site) -> Directive | None:
    """The main server's ``WSGIPythonPath`` in force: the last one (the last one holds)."""
    found = [d for d in site.config.directives if d.key == "wsgipythonpath" and d.args]
    return found[-1] if found else None


def import_path(site: Site, group: str) -> tuple[PathOption, ...]:
    """What ``group`` (``""``: embedded mode) gives an application's imports that a new
    daemon group would not have: embedded, ``WSGIPythonPath``; a daemon group, its own
    ``python-path=`` and ``python-home=``."""
    if group == "":
        path = _python_path(site)
        return () if path is None else (
            PathOption("python-path", " ".join(path.args), "WSGIPythonPath", path.where),)
    daemon = site.daemon(group)
    if daemon is None:
        return ()
    return tuple(PathOption(option, daemon.options[option], f"WSGIDaemonProcess {group}",
                            daemon.directive.where)
                 for option in ("python-path", "python-home") if daemon.options.get(option))


def daemon_line(name: str, options: tuple[PathOption, ...]) -> str:
    """The ``WSGIDaemonProcess`` line of a new group, its import path carried."""
    return " ".join((f"WSGIDaemonProcess {name}", *(o.written for o in options)))


def sources(options: tuple[PathOption, ...]) -> str:
    """Where the carried values come from, each line once: ``python-path= from
    WSGIPythonPath at httpd.conf:41, which does not reach daemon processes``."""
    by_line: dict[tuple[str, str], list[str]] = {}
    for o in options:
        if o.directive:  # a value of the script's own tree (own_tree) says where itself
            by_line.setdefault((o.directive, o.where), []).append(f"{o.option}=")
    said = []
    for (directive, where), names in by_line.items():
        why = ", which does not reach daemon processes" if directive == "WSGIPythonPath" \
            else ""
        said.append(f"{' and '.join(names)} from {directive} at {where}{why}")
    return "; ".join(said)


def missing_path(site: Site, group: str,
                 script: str | None = None) -> tuple[PathOption, str] | None:
    """A daemon group without ``python-path=`` while the main server has ``WSGIPythonPath``
    (the value its applications lack), else while another group's ``python-path=`` lists a
    directory holding ``script`` (the group it ran in before: tester R26 added groups
    without it beside ``WSGIDaemonProcess django``'s), with the ``WSGIDaemonProcess`` line's
    FILE:LINE."""
    daemon = site.daemon(group) if group else None
    if daemon is None or daemon.options.get("python-path"):
        return None
    path = _python_path(site)
    if path is not None:
        return (PathOption("python-path", " ".join(path.args), "WSGIPythonPath", path.where),
                daemon.directive.where)
    for other in site.daemons if script else ():
        value = other.options.get("python-path") or ""
        if other.name != group and any(_holds(entry, script or "")
                                       for entry in value.split(":") if entry):
            return (PathOption("python-path", value, f"WSGIDaemonProcess {other.name}",
                               other.directive.where), daemon.directive.where)
    return None


def _holds(directory: str, script: str) -> bool:
    return posixpath.normpath(script).startswith(posixpath.normpath(directory).rstrip("/") + "/")


def own_group(name: str, options: tuple[PathOption, ...]) -> str:
    """``WSGIDaemonProcess NAME python-path=..., then process-group=NAME on its
    WSGIScriptAlias`` and where each value comes from: the words of a fix."""
    said = f"; {sources(options)}" if options else ""
    return (f"{daemon_line(name, options)}, then process-group={name} on its "
            f"WSGIScriptAlias{said}")


def own_tree(options: tuple[PathOption, ...], script: str | None,
             others: Sequence[str] = ()) -> tuple[tuple[PathOption, ...], str]:
    """``options`` for a new group of ``script``'s own, with a group's ``python-path=`` that
    holds another application's script (``others``) and not ``script`` (another instance's
    tree) replaced by the directory above the script's own (Django's startproject layout:
    the project's package, beside manage.py), and the words that say so; "" where nothing
    was replaced. Re-tester R33: gamma's script ran in WSGIDaemonProcess beta (a Define read
    from beta's file) and the fix carried beta's python-path=.../sites/beta into gamma's new
    group. A path that holds no mounted script (the code beside the scripts) is kept."""
    kept, replaced = [], []
    for o in options:
        entries = [e for e in o.value.split(":") if e]
        if o.option == "python-path" and o.directive.startswith("WSGIDaemonProcess") \
                and script and not any(_holds(e, script) for e in entries) and \
                any(_holds(e, other) for e in entries for other in others):
            replaced.append(o)
            continue
        kept.append(o)
    if not replaced or not script:
        return options, ""
    package = posixpath.dirname(posixpath.normpath(script))
    project = posixpath.dirname(package) or "/"
    other = replaced[0]
    return (PathOption("python-path", project, "", ""), *kept), (
        f"python-path={project} is the directory above {package}, the package holding its "
        f"script (Django's startproject layout; the check: the first part of its "
        f"DJANGO_SETTINGS_MODULE is {posixpath.basename(package)}), not {other.written} of "
        f"{other.directive} at {other.where}, another application's tree: it holds that "
        f"application's script and not {script}")
