"""Daemon process groups: named but not defined, named before they are defined, defined
twice, out of reach of the VirtualHost using them, or never used."""

from __future__ import annotations

from probe.apache.group_placement import daemon_used, out_of_reach_fix, reaches
from probe.apache.macro_group import macro_uses
from probe.apache.model import DaemonGroup, GroupUse, Site
from probe.apache.names import GLOBAL, is_per_request
from probe.apache.reread import read_twice, reread_fix
from probe.lint.findings import ConfigFinding, Severity
from probe.lint.group_lookup import looked_up_when_read
from probe.lint.restrict_rules import Refused, refused


def daemon_groups(site: Site) -> list[ConfigFinding]:
    """Process groups named but never defined (mod_wsgi answers 500), defined twice (httpd
    refuses to start), defined in a VirtualHost but used by another host name (500, or
    httpd refuses to start where the group is looked up when read: :mod:`group_lookup`),
    or defined and never used."""
    findings: list[ConfigFinding] = []
    seen: dict[str, str] = {}
    for daemon in site.daemons:
        where = daemon.directive
        twice = read_twice(site.config, where.file, where.line, seen.get(daemon.name, ""))
        if twice is not None:
            findings.append(ConfigFinding(
                "duplicate_daemon", Severity.ERROR, where.file, where.line,
                f"WSGIDaemonProcess {daemon.name} is defined twice by the same line: {twice}; "
                f"names must be unique in the whole server, httpd will not start",
                reread_fix(site.config, where.file)))
        elif daemon.name in seen:
            findings.append(ConfigFinding(
                "duplicate_daemon", Severity.ERROR, where.file, where.line,
                f"WSGIDaemonProcess {daemon.name} is already defined at {seen[daemon.name]}: "
                f"names must be unique in the whole server, httpd will not start",
                "rename one of them"))
        seen.setdefault(daemon.name, where.where)
    early = looked_up_when_read(site)
    findings += early
    refusing = {(f.file, f.line) for f in early}
    dynamic = any(is_per_request(u.name) for u in site.group_uses)
    for use in site.group_uses:
        if (use.directive.file, use.directive.line) in refusing:
            continue  # httpd does not start: what the group would do at run time is moot
        if use.applies:
            findings += _reach(site, use)
        elif use.name != GLOBAL and not is_per_request(use.name) and site.daemon(use.name) \
                is None:
            findings.append(_never_applies(use))
    if not dynamic:
        blocked = {id(r.app): r for r in refused(site)}
        findings += [_unused(site, d, blocked) for d in site.daemons
                     if not daemon_used(site, d)]
    return findings


def _reach(site: Site, use: GroupUse) -> list[ConfigFinding]:
    name = use.name
    if name == GLOBAL or is_per_request(name):
        return []
    defined = [d for d in site.daemons if d.name == name]
    if not defined:
        return [ConfigFinding(
            "undefined_daemon", Severity.ERROR, use.directive.file, use.directive.line,
            f"{use.directive.name} names process group {name!r} but no WSGIDaemonProcess "
            f"{name} is defined: mod_wsgi answers these requests with 500",
            f"add WSGIDaemonProcess {name} (outside any VirtualHost to share it)")]
    if len(defined) > 1:  # duplicate_daemon already says httpd will not start
        return []
    [daemon] = defined
    # A main-server section is merged into every VirtualHost: what matters is where the
    # requests arrive, which is a VirtualHost whenever there are any.
    servers = [use.server] if not use.server.is_main or not site.vhosts else list(site.vhosts)
    out_of_reach = [s for s in servers if not reaches(daemon, s)]
    if not out_of_reach:
        return []
    return [ConfigFinding(
        "undefined_daemon", Severity.ERROR, use.directive.file, use.directive.line,
        f"{use.directive.name} uses process group {name!r} for requests to "
        f"{out_of_reach[0].describe()}, but it is defined inside {daemon.server.describe()}: "
        f"a daemon group defined in a VirtualHost only serves that host name (mod_wsgi "
        f"answers 500)", out_of_reach_fix(site, use.directive, use.server, daemon))]


def _never_applies(use: GroupUse) -> ConfigFinding:
    return ConfigFinding(
        "section_unused", Severity.NOTE, use.directive.file, use.directive.line,
        f"{use.directive.name} {use.name} is inside a section that holds none of the WSGI "
        f"applications of {use.server.describe()}, so it never applies (that no "
        f"WSGIDaemonProcess {use.name} exists changes nothing)",
        "remove it, or move it into the <Directory> of the script it was meant for")


def _unused(site: Site, daemon: DaemonGroup, blocked: dict[int, Refused]) -> ConfigFinding:
    """A daemon group nothing runs in. Where something that may define applications it
    serves was not read, that is all that can be said: a note naming it. Where an
    application it could serve runs embedded only because no process group was chosen (a
    lost ``process-group=``, a ``WSGIProcessGroup`` in a section that does not hold the
    script), that application runs somewhere other than intended: a warning, at the line
    that names the group in vain if there is one. Embedded mode chosen with ``%{GLOBAL}``
    leaves it a note. An application a ``WSGIRestrictProcess`` refuses embedded mode does
    not run embedded: it answers 500, said so (``restricted_process`` is the error)."""
    named = [u for u in site.group_uses if u.name == daemon.name and u.applies
             and u.directive.key == "wsgiprocessgroup"]
    unread = _unread(site, daemon)
    if unread:
        return _unchecked(daemon, named, unread)
    stray = [a for a in site.apps if a.embedded_by_default and reaches(daemon, a.server)]
    vain = next((u.directive for u in site.group_uses
                 if u.name == daemon.name and not u.applies), None)
    where = vain or daemon.directive
    if not stray and named:
        return _named_in_vain(site, daemon, named[0])
    if not stray:
        return ConfigFinding(
            "unused_daemon", Severity.NOTE, where.file, where.line,
            f"WSGIDaemonProcess {daemon.name} is never used: no process-group= or "
            f"WSGIProcessGroup that applies names it, so its processes run idle",
            f"add process-group={daemon.name} to the WSGIScriptAlias meant to run there"
            f"{_macro_sites(site)}, or remove it")
    in_vain = (f"; {vain.name} {daemon.name} at {vain.where} is in a section that holds "
               f"none of them" if vain else "")
    embedded = [a for a in stray if id(a) not in blocked]
    said = [f"{', '.join(f'{a.mount} ({a.where})' for a in embedded)} "
            f"run{'s' if len(embedded) == 1 else ''} embedded in the Apache child processes "
            f"because no process group is set for {'it' if len(embedded) == 1 else 'them'}"
            ] if embedded else []
    said += [f"{a.mount} ({a.where}) has no process group set, and WSGIRestrictProcess "
             f"{' '.join(r.restrict.args)} ({r.restrict.where}) does not allow embedded mode: "
             f"{r.says()}" for a in stray if (r := blocked.get(id(a))) is not None]
    meant = ("; if embedded mode is meant, say so with WSGIProcessGroup %{GLOBAL}"
             if embedded else "")
    return ConfigFinding(
        "unused_daemon", Severity.WARNING, where.file, where.line,
        f"WSGIDaemonProcess {daemon.name} ({daemon.directive.where}) runs nothing, while "
        f"{'; and '.join(said)}{in_vain}",
        f"add process-group={daemon.name} to the WSGIScriptAlias meant to run there (or "
        f"WSGIProcessGroup {daemon.name} in the <Directory> of its script){_macro_sites(site)}"
        f"{meant}")


def _macro_sites(site: Site) -> str:
    """Where the mounts are written in a macro's body, the group is given at each site's
    Use: an edit of the body moves every site it makes (re-tester R33: this fix named the
    body while the sweep said not to edit it)."""
    lines = macro_uses(site)
    if not lines:
        return ""
    bodies = sorted({f"{d.file}:{d.line} (macro {d.macro.name})" for d in lines if d.macro})
    uses = ", ".join(dict.fromkeys(d.macro.where for d in lines if d.macro))
    return (f"; a site a macro makes ({', '.join(bodies)}) is given it at its Use line "
            f"({uses}), through the macro's parameter for the group, never in the body, "
            f"which is read for every Use")


def _unread(site: Site, daemon: DaemonGroup) -> list[str]:
    """What was not read where an application running in ``daemon`` could be defined: in
    the servers it reaches and the main server (merged into every VirtualHost)."""
    found = [n.what.describe() for n in site.unread
             if n.server.is_main or reaches(daemon, n.server)]
    return list(dict.fromkeys(found))  # a file included by several VirtualHosts: once


def _unchecked(daemon: DaemonGroup, named: list[GroupUse], unread: list[str]) -> ConfigFinding:
    where = daemon.directive
    names = (f"{named[0].directive.name} {daemon.name} at {named[0].directive.where} names "
             f"it, but " if named else "")
    return ConfigFinding(
        "unused_daemon", Severity.NOTE, where.file, where.line,
        f"whether anything runs in WSGIDaemonProcess {daemon.name} was not checked: "
        f"{names}no application running in it was found, and what may define one was not "
        f"read: {'; '.join(unread)}",
        "lint where these files and directories exist to check it")


def _named_in_vain(site: Site, daemon: DaemonGroup, use: GroupUse) -> ConfigFinding:
    """A ``WSGIProcessGroup`` applies, yet no application runs in the group: none is in
    its scope, or each takes its group from somewhere more specific."""
    where = daemon.directive
    scope = site.apps if use.server.is_main else site.aliases_for(use.server)
    elsewhere = "; ".join(f"{a.mount} ({a.process_group_from})" for a in scope)
    why = (f"the applications there take their process group elsewhere: {elsewhere}"
           if scope else f"no WSGIScriptAlias or wsgi-script handler in "
           f"{use.server.describe()} runs a script there")
    return ConfigFinding(
        "unused_daemon", Severity.NOTE, where.file, where.line,
        f"WSGIDaemonProcess {daemon.name} runs nothing: {use.directive.name} {daemon.name} "
        f"at {use.directive.where} names it, but {why}",
        f"add the WSGIScriptAlias meant to run there to {use.server.describe()}, or remove "
        f"WSGIDaemonProcess {daemon.name} and the WSGIProcessGroup naming it")

