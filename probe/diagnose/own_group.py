"""The words of a fix that runs an application in a daemon process group of its own
(``shared_interpreter``, ``environ_leak``), with the import path it ran with.

mod_wsgi's ``WSGIPythonPath`` reaches no daemon process, and a new ``WSGIDaemonProcess``
has none of the old group's ``python-path=``/``python-home=``: tester T26 applied both
printed fixes literally on real Apache and got 500s with ``ModuleNotFoundError``. From the
answers alone, where the application ran says which setting it imported with
(``process_group``: '' embedded, else the group), not its value: the fix says so and names
``--config`` as the check. With Apache's configuration (:func:`configured`), the line is
written with the values and the lines they come from (:mod:`probe.apache.import_path`).
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from probe.model import Evidence, EvidenceKind

if TYPE_CHECKING:  # the answers' words load without Apache's model (a plugin's start-up)
    from probe.apache.config import Directive
    from probe.apache.import_path import PathOption
    from probe.apache.route import ApacheRoutes
    from probe.diagnose.wording import Diagnosis
    from probe.endpoint_answer import EndpointAnswer
    from probe.front import PredictedRoute

BROAD = "a WSGIProcessGroup at server or VirtualHost scope may be applied too broadly"
"""The answers-alone hint of an environ leak in one group; the join names the line."""
_BASE = "WSGIDaemonProcess + process-group= on its WSGIScriptAlias"
_NAME = re.compile(r"[A-Za-z0-9_.-]+")


def answers_words(process_group: str | None) -> str:
    """How a new group is written, from the answers' ``process_group`` alone."""
    if process_group:
        return (f"{_BASE}, with the python-path= and python-home= of WSGIDaemonProcess "
                f"{process_group}, where it runs now: a new group has neither (sweep with "
                f"--config PATH to have the values and their line named)")
    if process_group == "":
        return (f"{_BASE}, with the python-path= the application imports from: the embedded "
                f"WSGIPythonPath does not reach daemon processes (the check: the "
                f"configuration's WSGIPythonPath line; sweep with --config PATH to have it "
                f"named)")
    return (f"{_BASE}, with the python-path= the application imports from (sweep with "
            f"--config PATH to have it named)")


def configured(front: ApacheRoutes, route: PredictedRoute, name: str) -> str:
    """How a new group named for ``name`` is written for the script of ``route``: the
    import path of the group it runs in (``route.process_group``), from their lines, its
    python-path= only from the script's own tree (:func:`probe.apache.import_path.own_tree`)."""
    from probe.apache.import_path import daemon_line, sources

    group = name if _NAME.fullmatch(name) else "NAME"
    options, tree = _options(front, route)
    said = f"'{daemon_line(group, options)}' outside any VirtualHost (a group defined in " \
           f"one serves only its host name), then "
    handler = handler_mount(front, route)
    if handler is not None and route.script_file:
        # A handler mount has no WSGIScriptAlias to carry process-group= (re-tester R33:
        # AddHandler wsgi-script under VirtualDocumentRoot); the WSGIProcessGroup of the
        # script's directory chooses, seen on real Apache for one mass host's directory.
        said += (f"'WSGIProcessGroup {group}' in a <Directory \"{_directory(route)}\"> "
                 f"section outside any VirtualHost (its mount is {handler}, not a "
                 f"WSGIScriptAlias: the WSGIProcessGroup in the script's scope chooses its "
                 f"group; where several host names share that directory, WSGIProcessGroup "
                 f"%{{ENV:NAME}} with NAME set per host by SetEnvIfNoCase Host instead)")
    else:
        said += f"process-group={group} on its WSGIScriptAlias" + _alias_words(
            front, route, group)
    cited = "; ".join(w for w in (sources(options), tree) if w)
    return said + (f"; {cited}" if cited else "")


def _options(front: ApacheRoutes, route: PredictedRoute) -> tuple[
        tuple[PathOption, ...], str]:
    from probe.apache.import_path import import_path, own_tree

    others = [a.target for a in front.site.apps if a.target != route.script_file]
    return own_tree(import_path(front.site, route.process_group or ""), route.script_file,
                    others)


def _alias_words(front: ApacheRoutes, route: PredictedRoute, group: str) -> str:
    """Where process-group= goes: the WSGIScriptAlias lines of the script; for one read from a
    <Macro> body, the site's Use line (its parameter, the Define its ${VAR} reads), never
    the body every Use reads (re-tester R33 #8: T33's failed fix printed again)."""
    from probe.apache.macro_group import use_words

    apps = [a for a in front.site.apps if a.target == route.script_file]
    uses = {a.directive.macro.where: a.directive for a in apps if a.directive.macro}
    if len(uses) == 1 and len(apps) == 1:
        [line] = uses.values()
        return (f" ({line.file}:{line.line}), set "
                f"{use_words(line, route.process_group or '', group)}")
    return f" ({', '.join(a.where for a in apps)})" if apps else ""


def handler_mount(front: ApacheRoutes, route: PredictedRoute) -> str | None:
    """'AddHandler wsgi-script .wsgi (file:line)' where the route's mount step is a handler
    line, else None."""
    step = route.step("mount")
    if step is None or step.source is None:
        return None
    found = _line_at(front.site.config.directives, step.source.file, step.source.line)
    if found is None or found.key not in ("addhandler", "sethandler", "wsgihandlerscript"):
        return None
    return f"{found.name} {' '.join(found.args)} at {found.where}"


def _line_at(scope: tuple[Directive, ...], file: str, line: int) -> Directive | None:
    for d in scope:
        if d.file == file and d.line == line:
            return d
        if (inner := _line_at(d.body(), file, line)) is not None:
            return inner
    return None


def _directory(route: PredictedRoute) -> str:
    return posixpath.dirname(route.script_file or "") or "/"


def with_configured(diagnosis: Diagnosis, front: ApacheRoutes, route: PredictedRoute,
                    name: str, process_group: str | None, each: bool = False,
                    answers: Sequence[EndpointAnswer] = ()) -> Diagnosis:
    """``diagnosis`` whose own-group words (:func:`answers_words` of ``process_group``) are
    replaced by the configured line, the lines it is read from cited; ``each``: the fix
    gives every instance of the process a group, ``name``'s written out; ``answers``: the
    answers whose Apache must be restarted to read the new lines (by its own control)."""
    from probe.diagnose.script_rerun import apache_control

    before = answers_words(process_group)
    if diagnosis.fix is None or before not in diagnosis.fix or route.undecided is not None:
        return diagnosis
    options, _tree = _options(front, route)
    cited = tuple(Evidence(EvidenceKind.CONFIGURED, f"{o.directive}: {o.written}", o.where)
                  for o in dict.fromkeys(options) if o.directive)
    # A new WSGIDaemonProcess is read only when Apache starts (re-tester R26 found no
    # restart in these fixes where settings_path and script_rerun name one).
    restart = (f" The new group needs Apache restarted, which reads WSGIDaemonProcess and "
               f"process-group= only when it starts (a touched WSGI script does not): "
               f"{apache_control(answers)}." if answers else "")
    return dataclasses.replace(
        diagnosis, fix=diagnosis.fix.replace(before, _each(
            configured(front, route, name), name, route, each,
            handler_mount(front, route) is not None)) + restart,
        evidence=(*diagnosis.evidence, *cited))


def _each(words: str, name: str, route: PredictedRoute, each: bool, handler: bool) -> str:
    if not each:
        return words
    # a handler mount has no WSGIScriptAlias: its group is chosen in its script's <Directory>
    lines = ("its own WSGIProcessGroup in a <Directory> of its script's directory" if handler
             else "its own WSGIScriptAlias lines")
    shared = (f"that runs in WSGIDaemonProcess {route.process_group}" if route.process_group
              else "that runs embedded in this process")
    return (f"for {name}, {words}; the same for each other instance {shared}, each with a "
            f"group name of its own and {lines}")
