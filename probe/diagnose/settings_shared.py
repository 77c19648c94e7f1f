"""``host_rejected`` where the settings file may be another instance's and the answers cannot
tell: the instance's script lies inside the tree of another instance whose answers load the
same file.

Re-tester R29's L4 c-path-wrong: c (sites/a/c, script sites/a/c/apache/django.wsgi) nested in
a's tree (sites/a, script sites/a/wsgi.py), c's ``python-path=sites/a:sites/a/c``: c imported
a's ``mysite`` (settings_module.file sites/a/mysite/settings.py, which a's answers load too)
and Django rejected c.test, which c's own settings list. "Add 'c.test' to ALLOWED_HOSTS" was a
no-op. The same answers come from one project served as two instances (re-tester R25: www's
script at P/www/wsgi.py, api's at P/api.wsgi, both loading P/config/settings.py), a healthy
layout where that edit is the fix: :mod:`.settings_file` decides nothing there, and so no
verdict changes here from the answers alone. The fix says what is observed, the check that
decides (``ls`` of a settings package in the instance's own directories) and both fixes.

With ``--config`` (Apache, daemon mode) the fix names the group's ``python-path=`` line; where
it lists an entry that holds the instance's script and not the other's AFTER the entry the file
was found in, the fix names that order and the line with that entry first. The order decides
nothing on its own: one project served as two instances may list its subdirectory after the
project's top too (``P:P/www``) with no settings package there, and then the name missing from
the shared settings is the whole cause. Only the ``ls`` check tells, so the verdict stays
``host_rejected`` with both fixes. An ``ok`` URL of this shape stays ``ok``.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from probe.apache.route import ApacheRoutes
from probe.diagnose.answer_names import place, server_kind
from probe.diagnose.fronts import host_allowed
from probe.diagnose.identify import SweepContext
from probe.diagnose.reload import reload_ways
from probe.diagnose.script_rerun import apache_control
from probe.diagnose.settings_file import scripts_of, sys_path_entry
from probe.diagnose.wording import Diagnosis, script_file
from probe.model import Evidence, EvidenceKind, Observation
from probe.safe_text import quoted

if TYPE_CHECKING:
    from probe.endpoint_answer import EndpointAnswer
    from probe.front import FrontConfig


@dataclass(frozen=True)
class Shared:
    """An answer whose settings file lies in another instance's tree, which holds the
    instance's own, and which that instance's answers load too."""

    answer: EndpointAnswer
    file: str
    own_tree: str
    owner: str
    owner_tree: str
    entry: str | None
    """The sys.path entry the file was found in (its directory less the package's)."""

    @property
    def package(self) -> str:
        return "/".join((self.answer.settings_loaded or "").split(".")[:-1])

    @property
    def own_dirs(self) -> list[str]:
        """The instance's script directory and those above it, below the entry the file was
        found in (or the other's tree): where a package of its own would be, nearest first."""
        stop = self.entry or self.owner_tree
        found, tree = [], self.own_tree
        while _inside(tree, stop):
            found.append(tree)
            tree = posixpath.dirname(tree)
        return found

    @property
    def check(self) -> str:
        return "'ls " + " ".join(f"{d}/{self.package}/settings.py" for d in self.own_dirs) + "'"


def _tree(script: str | None) -> str | None:
    return posixpath.dirname(posixpath.normpath(script)) if script and \
        script.startswith("/") else None


def _inside(path: str, tree: str) -> bool:
    return path.startswith(tree.rstrip("/") + "/")


def shared(answers: Sequence[EndpointAnswer], instance: str,
           context: SweepContext) -> Shared | None:
    """The last answer of that shape (see the module), else None."""
    for answer in reversed(answers):
        name, reported = answer.settings_loaded, answer.settings_file
        if not name or not reported or not reported.startswith("/"):
            continue
        file = posixpath.normpath(reported)
        own = [t for s in (script_file(answer), *scripts_of(instance, context))
               if (t := _tree(s))]
        if not own or any(_inside(file, t) for t in own):
            continue
        code = (answer.script_mtime, answer.code_version)
        for other in context.manifest.instances:
            theirs = [a for _, a in context.answers_of(other)] if other != instance else []
            for tree in {t for s in scripts_of(other, context) if (t := _tree(s))}:
                mine = next((m for m in own if m == tree or _inside(m, tree)), None)
                if mine is None or not _inside(file, tree):
                    continue
                # one script reached by two paths: the same file, no other project
                if code[0] is not None and any((a.script_mtime, a.code_version) == code
                                               for a in theirs):
                    continue
                if any(a.settings_loaded == name and a.settings_file and
                       posixpath.normpath(a.settings_file) == file for a in theirs):
                    return Shared(answer, file, mine, other, tree, sys_path_entry(file, name))
    return None


def reworded(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
             front: FrontConfig | None) -> Diagnosis:
    """``diagnosis`` (``host_rejected``) with the fix of the shape; unchanged elsewhere."""
    instance = obs.target.expected
    answers = [a for s in obs.samples if (a := s.trusted_answer) is not None]
    found = shared(answers, instance, context) if instance else None
    if found is None or instance is None:
        return diagnosis
    rejected = [a for a in answers if host_allowed(a) is False] or answers
    line = _configured(front, found)
    seen = (f"settings_module.file {quoted(found.file)} (settings_module.loaded "
            f"{quoted(found.answer.settings_loaded)}, {place(found.answer)}) lies in "
            f"{found.owner}'s directory {found.owner_tree}, where {found.owner}'s answers "
            f"report its WSGI script, and {found.owner}'s own answers load that file too; "
            f"{instance}'s script directory {found.own_tree} (script_file) lies inside it")
    evidence = [Evidence(EvidenceKind.OBSERVED, f"settings_module.file = {quoted(found.file)}",
                         f"GET {obs.target.url}, {place(found.answer)}"),
                Evidence(EvidenceKind.OBSERVED, f"script_file of {found.owner}'s answers in "
                         f"{found.owner_tree}", f"the answers of {found.owner}")]
    shadow = (f" (found in {found.entry})" if found.entry else "")
    fix = (f"Adding {quoted(found.answer.host)} to ALLOWED_HOSTS in {instance}'s settings "
           f"may not be the fix, and the answers alone do not tell: {seen}. Where the two "
           f"instances are one project, that file is {instance}'s own too and the edit is "
           f"the fix; but where {instance} has a {found.package!r} package of its own, "
           f"{found.owner}'s{shadow} comes first on its import path and shadows it, and a "
           f"name added to {instance}'s own settings.py is never read. The check: "
           f"{found.check}. Where it lists a file, put that directory first on {instance}'s "
           f"import path ({_path_words(found, instance, line)}), "
           f"{_restart(found, instance)} Where it lists none, {instance} shares "
           f"{found.owner}'s settings: add {quoted(found.answer.host)} to ALLOWED_HOSTS in "
           f"{found.file} ({found.owner}'s too); Django reads it once, when the process "
           f"loads, so then {reload_ways(rejected, capital=False)}.")
    if line is not None:
        evidence.append(Evidence(EvidenceKind.CONFIGURED, line.rule, line.where))
    return dataclasses.replace(diagnosis, fix=fix,
                               evidence=(*diagnosis.evidence, *evidence))


@dataclass(frozen=True)
class PathLine:
    """The daemon group's ``python-path=`` (configured), and the entry after the one the
    file was found in that holds the instance's script and not the other's."""

    value: str
    where: str
    group: str
    later: str | None

    @property
    def rule(self) -> str:
        return f"WSGIDaemonProcess {self.group} python-path={self.value}"


def _configured(front: FrontConfig | None, found: Shared) -> PathLine | None:
    if not isinstance(front, ApacheRoutes) or found.answer.embedded:
        return None
    group = found.answer.process_group or ""
    daemon = front.site.daemon(group)
    value = daemon.options.get("python-path") if daemon is not None else None
    if daemon is None or value is None:
        return None
    parts = [posixpath.normpath(p) for p in value.split(":") if p]
    later = None
    if found.entry in parts:
        after = parts[parts.index(found.entry) + 1:]
        held = [p for p in after if p != found.entry and
                (found.own_tree == p or _inside(found.own_tree, p)) and
                not (found.owner_tree == p or _inside(found.owner_tree, p))]
        later = max(held, key=len) if held else None  # the nearest to the script
    return PathLine(value, daemon.directive.where, group, later)


def _path_words(found: Shared, instance: str, line: PathLine | None) -> str:
    if line is not None and line.later is not None:
        # The order alone decides nothing: one project served as two instances lists its
        # own subdirectory after the project's top as well (re-tester R25's www, P:P/www),
        # with no settings package there; only the check tells.
        parts = [posixpath.normpath(p) for p in line.value.split(":") if p]
        wanted = ":".join([line.later, *(p for p in parts if p != line.later)])
        return (f"python-path={line.value} of WSGIDaemonProcess {line.group} at {line.where} "
                f"(configured) lists {line.later}, which holds {instance}'s script and not "
                f"{found.owner}'s, after {found.entry}: python-path={wanted}")
    if line is not None:
        return f"python-path={line.value} of WSGIDaemonProcess {line.group} at {line.where}"
    if server_kind(found.answer) != "mod_wsgi":
        return "its server's import path: gunicorn --pythonpath, uWSGI pythonpath=, PYTHONPATH"
    if found.answer.embedded:
        return ("in embedded mode WSGIPythonPath is one path for every interpreter of this "
                f"Apache: a daemon process group of {instance}'s own with that directory on "
                "its python-path=")
    return (f"the python-path= of WSGIDaemonProcess {found.answer.process_group}; sweep with "
            f"--config PATH to have the line named")


def _restart(found: Shared, instance: str) -> str:
    if server_kind(found.answer) == "mod_wsgi":
        return (f"then restart Apache, which reads the configuration only when it starts (a "
                f"touched WSGI script does not): {apache_control([found.answer])}.")
    # gunicorn sets --pythonpath once, in its master: a HUP keeps the old path
    return f"then stop {instance}'s server and start it again (a HUP keeps the old path)."
