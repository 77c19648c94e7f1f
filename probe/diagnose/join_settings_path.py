"""The configuration join of ``settings_path`` (``--config``): the line that sets the import
path of the process that loaded another instance's settings file, named in the fix.

Daemon mode: the ``python-path=`` of the ``WSGIDaemonProcess`` the answer ran in
(``process_group``), with the value that puts the instance's own directory first. Embedded
mode: the ``WSGIPythonPath`` in force (the last one read holds), one path for every
interpreter of the server, so no order of it serves both projects: the fix stays a daemon group
of the instance's own, or a settings package name of its own.
"""

from __future__ import annotations

import dataclasses
import posixpath
from typing import TYPE_CHECKING

from probe.apache.route import ApacheRoutes
from probe.diagnose.identify import SweepContext
from probe.diagnose.settings_file import foreign
from probe.diagnose.settings_path_fix import Foreign, path_fix
from probe.diagnose.wording import Diagnosis
from probe.model import Evidence, EvidenceKind, Observation

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin


def path_lines(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
               config: ConfigJoin) -> Diagnosis:
    """``diagnosis`` with the path's line in its fix, where the configuration has it."""
    front, instance = config.front, obs.target.expected
    answers = [a for s in obs.samples if (a := s.trusted_answer) is not None]
    found = foreign(answers, instance, context) if instance else None
    if not isinstance(front, ApacheRoutes) or found is None or instance is None:
        return diagnosis
    said = _line(front, found)
    aliases = _aliases(front, found)
    if said is None and not aliases:
        return diagnosis
    line, removable, evidence = "", "", list(diagnosis.evidence)
    if said is not None:
        line, where, rule, removable = said
        evidence.append(Evidence(EvidenceKind.CONFIGURED, rule, where))
    evidence += [Evidence(EvidenceKind.CONFIGURED, f"WSGIScriptAlias naming {script}", at)
                 for at, script in aliases]
    return dataclasses.replace(
        diagnosis, fix=path_fix(found, instance, line, [at for at, _ in aliases], removable),
        evidence=tuple(evidence))


def _aliases(front: ApacheRoutes, found: Foreign) -> list[tuple[str, str]]:
    """(file:line, script) of each line mounting a script in the instance's package: a
    rename of the package must change each (a missing script answers 404)."""
    tree = found.own_tree.rstrip("/") + "/"
    # A nested owner's scripts lie in the instance's tree too, and are not its own.
    theirs = found.owner_tree.rstrip("/") + "/" if found.nested else None
    return [(app.where, app.target) for app in front.site.apps
            if not app.handler and (target := posixpath.normpath(app.target)).startswith(tree)
            and not (theirs and target.startswith(theirs))]


def _line(front: ApacheRoutes, found: Foreign) -> tuple[str, str, str, str] | None:
    """(the line as the fix names it, its file:line, the rule as evidence, what can then be
    removed from it or empty), or None."""
    answer = found.answer
    if answer.embedded:
        read = [d for d in front.site.config.directives if d.key == "wsgipythonpath"]
        if not read:
            return None
        last = read[-1]
        text = f"WSGIPythonPath {' '.join(last.args)}"
        return f"{text} at {last.where}", last.where, text, ""
    group = answer.process_group or ""
    daemon = front.site.daemon(group)
    if daemon is None:
        return None
    where = daemon.directive.where
    value = daemon.options.get("python-path")
    if value is None:
        return (f"a python-path= of WSGIDaemonProcess {group} at {where} (it has none)", where,
                f"WSGIDaemonProcess {group} without python-path=", "")
    own = found.entry(found.own_tree)
    parts = [p for p in value.split(":") if p]
    wanted = ":".join([own, *(p for p in parts if p != own)]) if own else None
    better = f" (python-path={wanted})" if wanted else _holding(found, parts)
    removable = ""
    if wanted and found.found and found.found in parts and found.found != own:
        # A copy-pasted line (re-tester R26's d2): the other project's directory is there
        # for nothing unless this one imports from it, which the answers do not show.
        alone = ":".join(p for p in wanted.split(":") if p != found.found)
        removable = (f"; {found.found}, {found.owner}'s, can then be removed from it "
                     f"(python-path={alone}) unless {found.owner}'s code is imported by this "
                     f"application too")
    return (f"python-path={value} of WSGIDaemonProcess {group} at {where}{better}", where,
            f"WSGIDaemonProcess {group} python-path={value}", removable)


def _holding(found: Foreign, parts: list[str]) -> str:
    """Where the instance's own package entry is not told by its script's place (a script at
    its project's top, T29's sites/a/wsgi.py): the entries of the line that hold that script,
    each a candidate, named as such (the answers do not show where its package is)."""
    own = found.own_tree.rstrip("/") + "/"
    held = [p for p in parts if p != found.found and own.startswith(p.rstrip("/") + "/")]
    if not held:
        return ""
    first = held[-1]  # the nearest to the script
    package = "/".join(found.package)
    order = ":".join([first, *(p for p in parts if p != first)])
    # a script at its project's top: the entry is the script's own directory
    held_how = ("the instance's script directory itself" if first.rstrip("/") ==
                found.own_tree else f"which holds the instance's script directory "
                                    f"{found.own_tree}")
    return (f" (it lists {first}, {held_how}: where its own {package!r} package is there, "
            f"python-path={order}; the check: 'ls {first.rstrip('/')}/{package}/')")
