"""Why the daemon process group meant for a script does not apply to it, where its route runs
the script embedded: a ``WSGIProcessGroup`` naming the group sits in a per-directory section
that does not hold the script (a ``<Directory>`` of another path, or of a relative one,
which matches no absolute script path), or in a conditional section httpd never reads
(:func:`hidden_group`). And the fix for a group named where it cannot
be used (:func:`out_of_reach_fix`), shared by lint and the sweep."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import PurePosixPath

from probe.apache.config import Directive
from probe.apache.mapping import source
from probe.apache.model import DaemonGroup, Server, Site, WsgiApp
from probe.apache.sections import Section, per_directory
from probe.front import RouteStep
from probe.name_edits import edits


def group_not_applied(site: Site, server: Server, group: str, script: str,
                      path: str) -> RouteStep | None:
    """The step that keeps ``WSGIProcessGroup group`` of ``server`` (or of the main server,
    merged into it) from ``script`` reached at URL ``path``: at that ``WSGIProcessGroup``
    line, saying which section does not apply and why; None if no such line is written."""
    main = tuple(d for d in site.config.directives if d.key != "virtualhost")
    for scope in (main,) if server.is_main else (main, server.directives):
        for use, section in per_directory(scope):
            if use.key != "wsgiprocessgroup" or use.arg(0) != group or \
                    section.applies(script, path):
                continue
            outside = next(s for s in (*section.outer, section.directive)
                           if not Section(s).applies(script, path))
            return RouteStep("process_group", "''", (
                f"WSGIProcessGroup {group} at {use.where} is inside "
                f"<{outside.name} {' '.join(outside.args)}> ({outside.where}), which "
                f"{_why(outside, script, path)}, so it never applies to this script"),
                source(use))
    return hidden_group(site, server, group)


@dataclass(frozen=True)
class NearLocation:
    """A ``<Location>`` holding ``WSGIProcessGroup`` whose path is one edit (two for a long
    one) from the script's mount: the likely typo, as a ServerName is (:mod:`.near_names`)."""

    section: Directive
    mount: str  # the mount as the alias writes it
    edits: int

    def said(self) -> str:
        count = "one edit" if self.edits == 1 else f"{self.edits} edits"
        return (f"<{self.section.name} {self.section.arg(0)}> ({self.section.where}) is "
                f"{count} from {self.mount}, the mount of this script")

    def fix(self) -> str:
        return (f"if {self.section.arg(0)} is a typo, write <{self.section.name} "
                f"{self.mount}> at {self.section.where}")


def near_location(site: Site, server: Server, group: str, script: str, path: str,
                  mount: str) -> NearLocation | None:
    """The ``<Location>`` that keeps ``WSGIProcessGroup group`` from ``script`` (mounted at
    ``mount``, reached at ``path``) when its path is a near miss of the mount."""
    main = tuple(d for d in site.config.directives if d.key != "virtualhost")
    wanted = mount.rstrip("/") or "/"
    for scope in (main,) if server.is_main else (main, server.directives):
        for use, section in per_directory(scope):
            if use.key != "wsgiprocessgroup" or use.arg(0) != group or \
                    section.applies(script, path):
                continue
            for outer in (*section.outer, section.directive):
                written = outer.arg(0).rstrip("/") or "/"
                if outer.key != "location" or written == wanted:
                    continue
                limit = 2 if len(wanted) >= 10 else 1
                count = edits(written, wanted, limit)
                if count <= limit:
                    return NearLocation(outer, wanted, count)
    return None


def _why(section: Directive, script: str, path: str) -> str:
    key = section.key
    if key.startswith("directory"):
        relative = key == "directory" and not section.arg(0).startswith(("/", "~"))
        return f"does not hold {script}" + (" (its path is not absolute)" if relative else "")
    if key.startswith("files"):
        return f"does not match {PurePosixPath(script).name}"
    return f"does not match the URL path {path}"


def daemon_used(site: Site, daemon: DaemonGroup) -> bool:
    """Some application runs in it, or a script is preloaded or handled there
    (``WSGIImportScript``, ``WSGIHandlerScript``). A ``WSGIProcessGroup`` that every
    application overrides (a deeper ``<Directory>``, ``process-group=``) runs nothing."""
    return any(a.process_group == daemon.name for a in site.apps) or any(
        u.name == daemon.name and u.directive.key in ("wsgiimportscript", "wsgihandlerscript")
        for u in site.group_uses)


def reaches(daemon: DaemonGroup, server: Server) -> bool:
    """Whether requests to ``server`` may use ``daemon``, as mod_wsgi decides at request
    time: one defined outside any VirtualHost serves all of them, one defined in a
    VirtualHost only those whose ServerName (inherited from the main server when not
    written) is the same, compared case-sensitively."""
    return (daemon.server.is_main or daemon.server is server
            or daemon.server.server_hostname == server.server_hostname)


@dataclass(frozen=True)
class _Interpreter:
    """A sub interpreter of the daemon that an application of the VirtualHost would share
    with one already running there once the daemon is moved out."""

    group: str  # the application group as written in a fix: %{GLOBAL} or its quoted name
    script: str | None  # the one script every mount in it runs, or None when they differ

    @property
    def interpreter(self) -> str:
        """What the group is in mod_wsgi's words: %{GLOBAL} is the main interpreter."""
        return "main interpreter" if self.group == "%{GLOBAL}" else "sub interpreter"


def _script_of(app: WsgiApp) -> str | None:
    """The script file a mount runs, as httpd resolves it (ServerRoot-relative already, and
    normalised), or None where a request picks it (a directory, a Match alias)."""
    if app.is_match or app.target.endswith("/") or os.path.isdir(app.target):
        return None
    return os.path.normpath(app.target)


def _one_interpreter(site: Site, server: Server, daemon: DaemonGroup) -> _Interpreter | None:
    """The application group an application of ``server`` naming ``daemon`` shares with one
    already running in it (both ``%{GLOBAL}``, or the same name), or None; with the script
    when every mount in it runs the same file (one application mounted twice: mod_wsgi
    loads the script once per interpreter, so the move is harmless)."""
    mine = [a for a in site.apps if a.server is server and a.process_group == daemon.name]
    theirs = [a for a in site.apps if a.server is not server
              and a.process_group == daemon.name and reaches(daemon, a.server)]
    groups = {a.application_group() for a in mine} & {a.application_group() for a in theirs}
    found: _Interpreter | None = None
    for group in sorted(g for g in groups if g is not None):
        shown = "%{GLOBAL}" if group == "" else repr(group)
        scripts = {_script_of(a) for a in (*mine, *theirs) if a.application_group() == group}
        if len(scripts) != 1 or None in scripts:
            return _Interpreter(shown, None)  # two applications: the move would not do
        found = found or _Interpreter(shown, scripts.pop())
    return found


def out_of_reach_fix(site: Site, naming: Directive, server: Server,
                     daemon: DaemonGroup, names: tuple[str, ...] = ()) -> str:
    """The fix for a group named at ``naming`` for ``server`` but defined in another
    VirtualHost. Where ``server`` defines a group of its own that runs nothing, the name is
    most likely copied from the other site: naming its own group leads; moving the other
    out would run two applications in one daemon (unless both mounts run one script).
    Where both run one script and their ServerNames are one or two edits apart, the
    misspelt ServerName leads: ``names``, the host names the manifest lists for the
    instance (none from lint), tell which of the two is meant."""
    move = f"move WSGIDaemonProcess {daemon.name} ({daemon.directive.where}) outside the " \
           f"VirtualHost"
    own = None if server.is_main else next(
        (d for d in site.daemons if d.server is server and d is not daemon
         and not daemon_used(site, d)), None)
    shared = _one_interpreter(site, server, daemon)
    if shared is not None and shared.script is None:
        # Moved out, both applications would run in one sub interpreter of the daemon:
        # Django is set up once per interpreter, so one would run with the other's settings.
        move = (f"moving WSGIDaemonProcess {daemon.name} ({daemon.directive.where}) outside "
                f"the VirtualHost would not do: both applications would then run in one "
                f"{shared.interpreter} of it (application group {shared.group}), where Django "
                f"is set up once, so one would run with the other's settings")
        if own is None:
            return (f"at {naming.where}, name a daemon process group of this VirtualHost "
                    f"(define WSGIDaemonProcess for it there, or outside any VirtualHost "
                    f"under another name); {move}")
        named = f"process-group={own.name}" if naming.key != "wsgiprocessgroup" else \
            f"{naming.name} {own.name}"
        return (f"at {naming.where}, name the group this VirtualHost defines and nothing "
                f"runs in: {named} (WSGIDaemonProcess {own.name} at {own.directive.where}); "
                f"{move}")
    if shared is not None:
        # One script mounted in two VirtualHosts is one application: in one interpreter
        # mod_wsgi loads it once, so both mounts run it with its own settings.
        move = (f"{move}: both mounts run the same script ({shared.script}) in application "
                f"group {shared.group}, so they are one application in one "
                f"{shared.interpreter} of it")
    if own is None:
        typo = _misspelt(server, daemon, names) if shared is not None else None
        return move if typo is None else f"{typo}; else {move}"
    named = f"process-group={own.name}" if naming.key != "wsgiprocessgroup" else \
        f"{naming.name} {own.name}"
    share = "" if shared is not None else \
        f", and the two applications then share the processes of {daemon.name}"
    return (f"at {naming.where}, name the group this VirtualHost defines and nothing runs "
            f"in: {named} (WSGIDaemonProcess {own.name} at {own.directive.where}); only if "
            f"both sites are meant to run in one daemon, {move}{share}")


def _misspelt(server: Server, daemon: DaemonGroup, names: tuple[str, ...]) -> str | None:
    """The ServerName of the daemon's VirtualHost one or two edits from that of ``server``,
    both written: mod_wsgi compares the two (:func:`reaches`), so making them the same is
    the fix where one is a typo (the plain twin of a right :443 VirtualHost)."""
    theirs, mine = _server_name(daemon.server), _server_name(server)
    a, b = daemon.server.server_hostname, server.server_hostname
    if theirs is None or mine is None or not a or not b or a == b:
        return None
    limit = 2 if min(len(a), len(b)) >= 10 else 1
    count = edits(a, b, limit)
    if count > limit:
        return None
    said = (f"ServerName {a} ({theirs.where}), of the VirtualHost that defines "
            f"WSGIDaemonProcess {daemon.name}, is {'one edit' if count == 1 else '2 edits'} "
            f"from ServerName {b} ({mine.where}) of the one that uses it, and mod_wsgi lets a "
            f"VirtualHost use a daemon group defined in another only when both ServerNames "
            f"are the same: ")
    listed = {n.lower() for n in names}
    if b.lower() in listed and a.lower() not in listed:
        return (f"{said}if it is a typo, write {_as(theirs, a, b)} at {theirs.where} (the "
                f"manifest's URLs name {b}, none {a})")
    if a.lower() in listed and b.lower() not in listed:
        return (f"{said}if it is a typo, write {_as(mine, b, a)} at {mine.where} (the "
                f"manifest's URLs name {a}, none {b})")
    return (f"{said}if one is a typo, write {_as(theirs, a, b)} at {theirs.where} (or "
            f"{_as(mine, b, a)} at {mine.where}, whichever name is meant)")


def _as(line: Directive, host: str, meant: str) -> str:
    """The ServerName line with its host written as ``meant`` (a scheme or port kept)."""
    return f"{line.name} {line.arg(0).replace(host, meant, 1)}"


def _server_name(server: Server) -> Directive | None:
    """The ServerName line in force in a VirtualHost (the last written), if any."""
    if server.is_main:
        return None
    return next((d for d in reversed(server.directives)
                 if d.key == "servername" and d.args), None)


def hidden_group(site: Site, server: Server, group: str) -> RouteStep | None:
    """A ``WSGIProcessGroup group`` of ``server`` written inside a conditional section
    that does not hold, as the step that hides it (the section's opening line)."""
    for hidden in site.config.hidden:
        section = hidden.section
        own = (hidden.parent_key == "virtualhost" and not server.is_main
               and (hidden.parent_file, hidden.parent_line) == (server.file, server.line)) or \
            (hidden.parent_key == "" and server.is_main)
        written = next((d for d in section.body() if d.key == "wsgiprocessgroup"
                        and d.args and d.args[0] == group), None)
        if own and written is not None:
            return RouteStep("process_group", "''", (
                f"<{section.name} {' '.join(section.args)}> does not hold"
                f"{_module_names(section)}, so httpd never reads the WSGIProcessGroup "
                f"{group} written in it at {written.where}"), source(section))
    return None


def _module_names(section: Directive) -> str:
    if section.key != "ifmodule" or "wsgi" not in section.arg(0).lower():
        return ""
    return " (httpd knows mod_wsgi as wsgi_module or mod_wsgi.c)"
