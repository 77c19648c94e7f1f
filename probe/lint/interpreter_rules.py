"""Sub interpreters that share a process: ``environ_leak`` (setdefault of
DJANGO_SETTINGS_MODULE keeps another interpreter's value) and ``shared_interpreter`` (two
applications in one interpreter, where Django is configured once)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

from probe.apache.group_placement import reaches
from probe.apache.import_path import daemon_line, import_path, own_group, sources
from probe.apache.macro_group import use_words
from probe.apache.model import Site, WsgiApp
from probe.apache.names import GLOBAL, SETTINGS_VARIABLE
from probe.apache.reach import unreachable
from probe.apache.scripts import ScriptInfo
from probe.lint.findings import ConfigFinding, Severity


def environ_leak(site: Site) -> list[ConfigFinding]:
    """``os.environ.setdefault("DJANGO_SETTINGS_MODULE", ...)`` in a script that shares
    its processes with another application (embedded mode, or one daemon process group)
    in another sub interpreter with other settings: the first application loaded puts its
    value into the C-level process environment, each sub interpreter created later copies
    it into ``os.environ``, and setdefault keeps it."""
    findings: list[ConfigFinding] = []
    for group, apps in _by_process_group(site).items():
        interpreters = _by_interpreter(apps)
        if len(interpreters) < 2:
            continue
        for script_path, users in _by_script(apps).items():
            script = site.scripts.get(script_path)
            if script is None or not script.uses_setdefault:
                continue
            mine = {u.application_group() for u in users}
            others = [a for a in apps if a.application_group() not in mine
                      and _conflicts(script, site.scripts.get(a.target))]
            if others:
                findings.append(_leak_finding(site, group, users, script, others))
    return findings


def _leak_finding(site: Site, group: str, users: Sequence[WsgiApp], script: ScriptInfo,
                  others: Sequence[WsgiApp]) -> ConfigFinding:
    first = users[0]
    where = ("embedded in the Apache child processes" if group == ""
             else f"in daemon process group {group!r}")
    other_list = "; ".join(
        f"{o.target} ({o.where}) {_settings_text(site.scripts.get(o.target))}"
        for o in _unique_targets(others))
    known = script.settings is not None and all(
        (s := site.scripts.get(o.target)) is not None and s.settings is not None for o in others)
    value = script.settings or "..."
    return ConfigFinding(
        code="environ_leak",
        severity=Severity.ERROR if known else Severity.WARNING,
        file=first.directive.file,
        line=first.directive.line,
        message=(
            f"{script.path} keeps an inherited {SETTINGS_VARIABLE} on some path "
            f"(os.environ.setdefault, or an assignment only when it is unset: line "
            f"{script.settings_line}) and runs {where} (at "
            f"{', '.join(sorted({_mounted(u) for u in users}))}) alongside another sub "
            f"interpreter: {other_list}. Whichever loads first puts its value in the process "
            f"environment, later sub interpreters inherit it and setdefault keeps it, so this "
            f"application can run with the other's settings"),
        fix=(f"assign unconditionally in {script.path}: "
             f"os.environ[\"{SETTINGS_VARIABLE}\"] = \"{value}\"; better, give each "
             f"application its own daemon process group ("
             f"{own_group('NAME', import_path(site, group))})"),
    )


def _mounted(app: WsgiApp) -> str:
    return f"{app.server.server_name or ''}{app.mount}"


def shared_interpreter(site: Site) -> list[ConfigFinding]:
    """Two different scripts in one interpreter (same process group and application
    group): Django is configured once per interpreter, so the second application runs with
    the first one's settings whatever the script says. With the same settings module name
    from two code bases (scripts in different directories), Python imports that name once,
    so the second application runs the first one's settings and code."""
    findings: list[ConfigFinding] = []
    for group, apps in _by_process_group(site).items():
        for interpreter, members in _by_interpreter(apps).items():
            scripts = _unique_targets(members)
            for i, later in enumerate(scripts):
                mine = site.scripts.get(later.target)
                clash = next((e for e in scripts[:i] if _conflicts(
                    mine, site.scripts.get(e.target))), None)
                why = "with different Django settings"
                if clash is None:
                    clash = next((e for e in scripts[:i] if _same_name_elsewhere(
                        mine, site.scripts.get(e.target))), None)
                    why = (f"with settings modules of the same name "
                           f"({mine.settings if mine else ''}) from different code bases")
                if clash is None:
                    continue
                findings.append(ConfigFinding(
                    code="shared_interpreter",
                    severity=Severity.ERROR,
                    file=later.directive.file,
                    line=later.directive.line,
                    message=(
                        f"{later.target} and {clash.target} ({clash.where}) run in the same "
                        f"{interpreter_words(interpreter, group)} {why}: Django is set up "
                        f"once per interpreter and a module is imported once, so whichever "
                        f"loads second runs with the first one's"),
                    fix=_separate(_own(site, later, group), mine,
                                  site.scripts.get(clash.target)),
                ))
    return findings


def _own(site: Site, app: WsgiApp, group: str) -> str:
    """How ``app`` gets a daemon group of its own; for a mount read from a macro body, at
    the Use line that made it (re-tester R33: this fix named the shared body)."""
    options = import_path(site, group)
    via_use = use_words(app.directive, group, "NAME")
    if not via_use:
        return own_group("NAME", options)
    said = f"; {sources(options)}" if options else ""
    return f"{daemon_line('NAME', options)}, then process group NAME {via_use}{said}"


def interpreter_words(interpreter: str, group: str) -> str:
    """The interpreter an application group names, in mod_wsgi's words: ``%{GLOBAL}`` (the
    group ``''``) is the main interpreter of each process, any other name a sub
    interpreter (T33: "Loading WSGI script ... into main interpreter of daemon process
    'beta'")."""
    where = ("of each Apache child process (embedded mode)" if group == ""
             else f"of daemon process group {group!r}")
    if interpreter == "":
        return f"main interpreter {where} (application group {GLOBAL})"
    return f"sub interpreter {where} (application group {interpreter!r})"


def _separate(group: str, *scripts: ScriptInfo | None) -> str:
    """Own daemon groups first (``group``: how one is written, its import path carried):
    another application group alone leaves one process, whose os.environ a setdefault() of
    DJANGO_SETTINGS_MODULE still carries across."""
    leaky = [f"{s.path}:{s.settings_line}" for s in scripts if s is not None
             and s.uses_setdefault]
    kept = (f"; {' and '.join(leaky)} set DJANGO_SETTINGS_MODULE with setdefault(), which "
            f"keeps the value of the application loaded first" if leaky else
            "; a DJANGO_SETTINGS_MODULE set with setdefault() keeps the value of the "
            "application loaded first")
    return (f"give each application its own daemon process group ({group}). Dropping "
            "WSGIApplicationGroup / application-group= for one of them alone gives it its own "
            "sub interpreter in the "
            f"same process, sharing os.environ{kept}, unless each script assigns "
            "os.environ['DJANGO_SETTINGS_MODULE']")


def _same_name_elsewhere(mine: ScriptInfo | None, other: ScriptInfo | None) -> bool:
    """The same settings module name in scripts of two directories (two code bases)."""
    return (mine is not None and other is not None and mine.settings is not None
            and mine.settings == other.settings
            and PurePosixPath(mine.path).parent != PurePosixPath(other.path).parent)


def _by_process_group(site: Site) -> dict[str, list[WsgiApp]]:
    """Applications by process group; one no request reaches (``alias_order`` says so), or
    one naming a group defined in another VirtualHost (mod_wsgi answers it 500,
    ``undefined_daemon``), runs nowhere and shares nothing."""
    groups: dict[str, list[WsgiApp]] = defaultdict(list)
    for app in site.apps:
        if app.process_group is not None and not unreachable(site, app) and \
                _runs_there(site, app):
            groups[app.process_group].append(app)
    return groups


def _runs_there(site: Site, app: WsgiApp) -> bool:
    """Whether mod_wsgi can run ``app`` in its process group: embedded, or a group defined
    once and within reach of its VirtualHost (duplicates stop httpd: not judged here)."""
    defined = [d for d in site.daemons if d.name == app.process_group]
    return len(defined) != 1 or reaches(defined[0], app.server)


def _by_interpreter(apps: Iterable[WsgiApp]) -> dict[str, list[WsgiApp]]:
    interpreters: dict[str, list[WsgiApp]] = defaultdict(list)
    for app in apps:
        name = app.application_group()
        if name is not None:
            interpreters[name].append(app)
    return interpreters


def _by_script(apps: Iterable[WsgiApp]) -> dict[str, list[WsgiApp]]:
    scripts: dict[str, list[WsgiApp]] = defaultdict(list)
    for app in apps:
        scripts[app.target].append(app)
    return scripts


def _unique_targets(apps: Iterable[WsgiApp]) -> list[WsgiApp]:
    return list({a.target: a for a in reversed(list(apps))}.values())[::-1]


def _conflicts(mine: ScriptInfo | None, other: ScriptInfo | None) -> bool:
    """Whether two scripts may want different settings modules (unknown counts as may)."""
    if mine is None or other is None or other.settings_how is None:
        return False
    return mine.settings is None or other.settings is None or mine.settings != other.settings


def _settings_text(script: ScriptInfo | None) -> str:
    if script is None or script.settings_how is None:
        return "(settings unknown)"
    return f"({script.settings_how} {script.settings or '<not a literal>'})"

