"""``settings_root_split`` (warning): an instance's WSGI script and its settings file are the
same project's package reached through two roots, one beside the other.

Tester T29's L2: ``WSGIScriptAlias`` through ``current`` (a link to the release), the daemon
group's ``python-path=`` written resolved (``releases/r1``) and left there by a deploy of r2.
The answer named script_file ``.../a/current/mysite/wsgi.py``, code.version 'r2' (read from
``current/REVISION``, next to the script) and settings_module.file
``.../a/releases/r1/mysite/settings.py``: every page served r1, and the sweep said ``ok``.

What decides, from the answers alone (observed): the script's directory is the settings
module's package (``mysite`` of ``mysite.settings``, where ``startproject`` puts ``wsgi.py``)
under one root (``.../a/current``), the settings file that package under another
(``.../a/releases/r1``: the file's directory less the package directories, the ``sys.path``
entry it was found in), and the settings' root lies in the directory that holds the script's
root (the releases beside ``current``), neither root holding the other. A script elsewhere
than the package (``/srv/x/apache/django.wsgi`` beside ``/srv/x/mysite``) or roots far apart
decide nothing. What the answers cannot tell: whether the script's root is a link to the
settings' root now (one release: right today, stale after the next deploy) or to another
(every module but the WSGI script is the older release's, while code.version names the
newer): the finding says so and names the check, ``readlink -f`` of the script's root, or a
page of the site showing its release. Not where the URL is already ``settings_mismatch``
(another instance's file), and not where another instance's answers report the script at the
settings' root with the same modification time and code.version (one script, two paths:
T29's blue/green ``live`` link to a colour, that colour's instance answering too).

With ``--config`` (Apache): the line that sets the import path (the daemon group's
``python-path=``, or ``WSGIPythonPath`` embedded) is named, with the value that puts the
script's root in place of the settings' root (configured).
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from probe.diagnose.answer_names import joined, server_kind
from probe.diagnose.identify import SweepContext
from probe.diagnose.reload import reload_ways
from probe.diagnose.script_rerun import apache_control
from probe.diagnose.settings_file import sys_path_entry
from probe.diagnose.wording import script_file
from probe.model import Finding, Observation, Status, TargetResult, Verdict
from probe.safe_text import quoted

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin
    from probe.endpoint_answer import EndpointAnswer

SETTINGS_ROOT_SPLIT = "settings_root_split"


@dataclass(frozen=True)
class Split:
    """One answer's script and settings file: one package under two roots."""

    script: str
    file: str
    script_root: str
    settings_root: str
    package: str


def _split(script: str | None, file: str | None, name: str | None) -> Split | None:
    """The two roots of an answer's script and settings file (settings_module.file, under the
    loaded name), or None (see the module)."""
    if not script or not file or not name or not script.startswith("/") or \
            not file.startswith("/"):
        return None
    script, file = posixpath.normpath(script), posixpath.normpath(file)
    settings_root = sys_path_entry(file, name)
    parts = name.split(".")[:-1]
    directory = posixpath.dirname(script)
    # the script in the package or one of its subpackages, as startproject puts wsgi.py
    tails = ["/" + "/".join(parts[:k]) for k in range(len(parts), 0, -1)]
    tail = next((t for t in tails if directory.endswith(t)), None)
    if settings_root is None or tail is None:
        return None
    script_root = directory[:-len(tail)] or "/"
    parent = posixpath.dirname(script_root)
    if script_root == settings_root or _holds(script_root, settings_root) or \
            _holds(settings_root, script_root) or not _holds(parent, settings_root):
        return None
    return Split(script, file, script_root, settings_root, ".".join(parts))


def _holds(tree: str, path: str) -> bool:
    return path.startswith(tree.rstrip("/") + "/")


def settings_root_findings(observations: Sequence[Observation],
                           results: Sequence[TargetResult], context: SweepContext,
                           config: ConfigJoin | None) -> tuple[Finding, ...]:
    """One finding per instance whose answers show such a split."""
    found: dict[str, dict[Split, list[tuple[str, EndpointAnswer]]]] = defaultdict(
        lambda: defaultdict(list))
    # Thousands of answers share a handful of scripts and settings files: each worked out once.
    worked: dict[tuple[str | None, str | None, str | None], Split | None] = {}
    for obs, result in zip(observations, results, strict=True):
        name = result.answered_by
        # settings_mismatch already names another instance's file; another instance's
        # answer is judged on its own URLs
        if result.verdict is Verdict.SETTINGS_MISMATCH or not name or \
                name not in context.manifest.instances:
            continue
        for sample in obs.samples:
            answer = sample.trusted_answer
            if answer is None:
                continue
            key = (script_file(answer), answer.settings_file, answer.settings_loaded)
            seen = worked[key] if key in worked else worked.setdefault(key, _split(*key))
            if seen is not None and not _one_script(seen, answer, name, context):
                found[name][seen].append((obs.target.url, answer))
    return tuple(_finding(name, each, config) for name, splits in found.items()
                 for each in splits.items())


def _one_script(seen: Split, answer: EndpointAnswer, name: str,
                context: SweepContext) -> bool:
    """Another instance's answers report the script at the settings' root with the same
    modification time and code.version: one script reached by two paths."""
    there = seen.settings_root.rstrip("/") + seen.script[len(seen.script_root.rstrip("/")):]
    code = (answer.script_mtime, answer.code_version)
    return code[0] is not None and any(
        other != name and script_file(a) == there and (a.script_mtime, a.code_version) == code
        for other in context.manifest.instances for _, a in context.answers_of(other))


def _finding(name: str, each: tuple[Split, list[tuple[str, EndpointAnswer]]],
             config: ConfigJoin | None) -> Finding:
    seen, cases = each
    urls = list(dict.fromkeys(url for url, _ in cases))
    answer = cases[-1][1]
    version = ""
    source = answer.code_version_source or ""
    if answer.code_version is not None and _holds(seen.script_root, source.removeprefix("file:")):
        version = (f" code.version {quoted(answer.code_version)} is read from {source} "
                   f"(code.version_source), beside the script: it names the script's tree, "
                   f"not the one the settings and every module imported through the path "
                   f"come from.")
    line = _line(answer, seen, config)
    if server_kind(answer) == "mod_wsgi":
        restart = (f"then restart Apache, which reads the configuration only when it starts: "
                   f"{apache_control([answer])}")
    else:
        restart = f"then {reload_ways([answer], capital=False)}"
    where = (line if line else "on its import path (the daemon group's python-path=, "
             "or WSGIPythonPath embedded; sweep with --config PATH to have the line named)")
    explanation = (
        f"{joined(urls)} of {name}: the answers report script_file {quoted(seen.script)} and "
        f"settings_module.file {quoted(seen.file)}, the one package {seen.package!r} under "
        f"two roots side by side, {seen.script_root} (the WSGI script's) and "
        f"{seen.settings_root} (the sys.path entry the settings were found in).{version} "
        f"Where {seen.script_root} is a link to {seen.settings_root}, both are one tree and "
        f"this is right until the next deploy moves the link; where it leads elsewhere (a "
        f"deploy since the path was written), every page runs the code and settings of "
        f"{seen.settings_root}, not the script's. The answers do not tell which. The check: "
        f"'readlink -f {seen.script_root}' (is it {seen.settings_root}?), or a page of the "
        f"site showing its release. The fix right either way: put {seen.script_root}, the "
        f"path the script is reached by, in place of {seen.settings_root} {where}"
        f"; {restart}.")
    return Finding(SETTINGS_ROOT_SPLIT, Status.WARNING, (name,), explanation)


def _line(answer: EndpointAnswer, seen: Split, config: ConfigJoin | None) -> str:
    """The import path's line (file:line, its value, configured) and the value to write,
    where Apache's configuration read has it; else empty."""
    from probe.apache.route import ApacheRoutes

    front = config.front if config is not None else None
    if not isinstance(front, ApacheRoutes):
        return ""
    if answer.embedded:
        read = [d for d in front.site.config.directives if d.key == "wsgipythonpath"]
        if not read:
            return ""
        key, where, value = "WSGIPythonPath", read[-1].where, " ".join(read[-1].args)
    else:
        daemon = front.site.daemon(answer.process_group or "")
        option = daemon.options.get("python-path") if daemon is not None else None
        if daemon is None or option is None:
            return ""
        key, where, value = "python-path", daemon.directive.where, option
    parts = [p for p in value.split(":") if p]
    if seen.settings_root not in (posixpath.normpath(p) for p in parts):
        return ""
    wanted = ":".join(seen.script_root if posixpath.normpath(p) == seen.settings_root else p
                      for p in parts)
    group = f" of WSGIDaemonProcess {answer.process_group}" if key == "python-path" else ""
    return (f"in {key}={value}{group} at {where} (configured), which becomes "
            f"{key}={wanted}" if key == "python-path" else
            f"in 'WSGIPythonPath {value}' at {where} (configured), which becomes "
            f"'WSGIPythonPath {wanted}'")
