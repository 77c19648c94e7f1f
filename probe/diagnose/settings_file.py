"""Another project's settings file: two projects of one settings module name.

``startproject mysite`` names every project's settings ``mysite.settings``, and a process
imports the first ``mysite/settings.py`` on its ``sys.path``. Where ``WSGIPythonPath`` or a
daemon group's ``python-path=`` lists another project's directory first, an instance runs that
project's settings under its own, right, name (a tester's site-2 got ``host_rejected`` with a
no-op ALLOWED_HOSTS fix). The endpoint's ``settings_module.file`` says which file was loaded.

Decided only where that file lies outside the answering instance's own tree (its WSGI script's
directory, ``script_file``) and inside another instance's (that of the script its answers
report): ``settings_mismatch``, cause ``settings_path``; a file in neither tree decides nothing.

A project nested in another's directory (T29's L4: c at sites/a/c inside a's sites/a, a's script
at its top) puts c's settings file inside a's tree too: the nearest owner decides. The sys.path
entry the file was found in (its directory less the package directories: sites/a/c for
sites/a/c/mysite/settings.py) holds the other instance's WSGI script and none of the instance's
own, and the other's own answers load that file under the same name: the file is the other's.
Where that entry holds the instance's own script too (one codebase served as two instances, re-
tester R25), or no other instance's answers load the file, nothing is decided; a script placed
above a project of its own that another instance's script also serves reads the same (the
answers cannot tell).
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Sequence

from probe.diagnose.answer_names import place
from probe.diagnose.fronts import host_allowed
from probe.diagnose.identify import SweepContext
from probe.diagnose.settings_path_fix import Foreign, path_fix
from probe.diagnose.wording import Diagnosis, script_file
from probe.endpoint_answer import EndpointAnswer
from probe.model import Cause, Evidence, EvidenceKind, Observation, Verdict
from probe.safe_text import quoted


@functools.lru_cache(maxsize=256)  # asked for every answer; a sweep has a few scripts
def _tree(script: str | None) -> str | None:
    if not script or not script.startswith("/"):
        return None
    return posixpath.dirname(posixpath.normpath(script))


def _inside(path: str, tree: str) -> bool:
    return path.startswith(tree.rstrip("/") + "/")


def scripts_of(name: str, context: SweepContext) -> tuple[str, ...]:
    """The WSGI scripts ``name``'s answers report, each once (asked for every URL)."""
    key = ("settings_file.scripts", name)
    if key not in context.memo:
        context.memo[key] = tuple(dict.fromkeys(
            found for _, answer in context.answers_of(name)
            if (found := script_file(answer))))
    kept = context.memo[key]
    return kept if isinstance(kept, tuple) else ()


def foreign(answers: Sequence[EndpointAnswer], instance: str,
            context: SweepContext) -> Foreign | None:
    """The last answer whose settings file is another instance's, else None."""
    # Asked for every URL, with a handful of distinct (file, script) pairs in a sweep: each
    # pair's place is worked out once (the instances' scripts are the whole sweep's).
    places = context.memo.setdefault(("settings_file.places", instance), {})
    assert isinstance(places, dict)
    for answer in reversed(answers):
        reported, name = answer.settings_file, answer.settings_loaded
        if not reported or not reported.startswith("/") or not name:
            continue  # a file without the module's name says nothing of its package
        given = answer.raw.get("script_file")  # as given (a hostile one any JSON value)
        code = (answer.script_mtime, answer.code_version)
        key = (reported, name, given if isinstance(given, str) else None, code)
        if key not in places:
            places[key] = _place(reported, name, script_file(answer), code, instance, context)
        found = places[key]
        if found is not None:
            own_tree, owner, owner_tree = found
            return Foreign(answer, reported, own_tree, owner, owner_tree,
                           nested=_inside(posixpath.normpath(reported), own_tree))
    return None


def _place(reported: str, name: str, script: str | None, code: tuple[str | None, str | None],
           instance: str, context: SweepContext) -> tuple[str, str, str] | None:
    """Where the settings file ``reported`` (of the module ``name``) lies: None inside the
    instance's own tree (or where it has none); else the instance's tree, and the other instance
    whose tree holds it with that tree. Another instance's only where a script of the instance
    lies in a package of the name (else none of its own is shadowed), the trees are apart (one
    project served as two instances, a script at its top and one below it, shares one settings
    file: R25's www and api) and that instance's own answers load the file under the same module
    name (a neighbour naming ``/`` its script's directory, or running other settings, decides
    nothing); not where the other's answers report a WSGI script of the same modification time
    and code.version (``code``): one script by two paths (a blue/green ``live`` link), or one
    release copied with its times."""
    file = posixpath.normpath(reported)
    own = [tree for s in (script, *scripts_of(instance, context)) if (tree := _tree(s))]
    if not own:
        return None
    if any(_inside(file, tree) for tree in own):
        return _nested(file, name, own, code, instance, context)
    packages, beside = name.split(".")[:-1], False  # loops: no code the warm-up did not run
    for tree in own:
        for k in range(1, len(packages) + 1):
            beside = beside or tree.endswith("/" + "/".join(packages[:k]))
    if not beside:
        return None  # T33 b: app.wsgi sets sys.path itself, no package of the name beside it
    for other in context.manifest.instances:
        if other == instance:
            continue
        for theirs in scripts_of(other, context):
            tree = _tree(theirs)
            if tree is None or not _inside(file, tree) or \
                    any(_inside(mine + "/", tree) or _inside(tree + "/", mine) for mine in own):
                continue
            loads = _loads(other, file, name, code, context)
            if loads is None:
                return None
            if loads:
                return own[0], other, tree
    return None


def sys_path_entry(file: str, name: str) -> str | None:
    """The sys.path entry ``file`` was imported from as the module ``name``: its directory less
    the package directories (``/p/c`` for ``/p/c/mysite/settings.py``, ``mysite.settings``)."""
    parts = name.split(".")[:-1]
    directory = posixpath.dirname(file)
    suffix = "/" + "/".join(parts)
    return (directory[:-len(suffix)] or "/") if parts and directory.endswith(suffix) else None


def _nested(file: str, name: str, own: list[str], code: tuple[str | None, str | None],
            instance: str, context: SweepContext) -> tuple[str, str, str] | None:
    """The nearest owner of a file inside the instance's own tree: (the instance's tree, the
    other instance, the sys.path entry holding the file and the other's script), or None.

    The entry must hold a WSGI script of the other's answers and none of the instance's (one
    codebase's two scripts both below it decide nothing), and the other's own answers load the
    file under the same module name."""
    root = sys_path_entry(file, name)
    if root is None or any(_inside(mine + "/", root) for mine in own):
        return None
    for other in context.manifest.instances:
        if other == instance or not any(
                (tree := _tree(theirs)) is not None and _inside(tree + "/", root)
                for theirs in scripts_of(other, context)):
            continue
        loads = _loads(other, file, name, code, context)
        if loads is None:
            return None
        if loads:
            return own[0], other, root
    return None


def _loads(other: str, file: str, name: str, code: tuple[str | None, str | None],
           context: SweepContext) -> bool | None:
    """Whether ``other``'s own answers load ``file`` as ``name``; None where they run this
    script itself (its mtime and code.version: one codebase reached two ways decides nothing)."""
    answers = [a for _, a in context.answers_of(other)]
    if code[0] is not None and any((a.script_mtime, a.code_version) == code for a in answers):
        return None
    return any(a.settings_loaded == name and a.settings_file
               and posixpath.normpath(a.settings_file) == file for a in answers)


def settings_path(obs: Observation, found: Foreign, instance: str, shown: str,
                  context: SweepContext) -> Diagnosis:
    """``settings_mismatch`` (``settings_path``): the instance runs ``found.owner``'s file."""
    answer, owner = found.answer, found.owner
    url = obs.target.url
    name = answer.settings_loaded
    package = ".".join(found.package) or name
    via = f" (found in {found.found})" if found.found else ""
    rejected = ""
    if host_allowed(answer) is False:
        rejected = (f" Django rejects the Host {quoted(answer.host)} (request.host_allowed "
                    f"false) by the ALLOWED_HOSTS of that file, {owner}'s: a name added to "
                    f"{instance}'s own settings is not read while this file is loaded.")
    where = (f"lies in {owner}'s project {found.owner_tree} (the sys.path entry it was "
             f"found in, which holds the WSGI script {owner}'s answers report and not "
             f"{instance}'s), nested in {instance}'s {found.own_tree} (script_file): the "
             f"nearer owner is {owner}" if found.nested else
             f"lies in {owner}'s directory {found.owner_tree} (where {owner}'s answers report "
             f"its WSGI script), apart from {instance}'s {found.own_tree} (script_file)")
    explanation = (
        f"{url} is served by {shown}, whose answer reports {owner}'s settings file: "
        f"settings_module.file {quoted(found.file)} (settings_module.loaded {quoted(name)}, "
        f"{place(answer)}) {where}, and {owner}'s own answers load that file under the same "
        f"name. A process imports the first {quoted(package)} package on its sys.path{via}: "
        f"here {owner}'s, so the settings {instance} runs with are {owner}'s.{rejected}")
    evidence = (
        Evidence(EvidenceKind.OBSERVED, f"settings_module.file = {quoted(found.file)}",
                 f"GET {url}, {place(answer)}"),
        Evidence(EvidenceKind.OBSERVED, f"script_file of {owner}'s answers in "
                 f"{found.owner_tree}", f"the answers of {owner}"))
    return Diagnosis(Verdict.SETTINGS_MISMATCH, Cause.SETTINGS_PATH, explanation=explanation,
                     fix=path_fix(found, instance), answered_by=shown, evidence=evidence)
