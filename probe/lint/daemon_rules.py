"""Daemon process groups: named but not defined, defined twice, out of reach of the
VirtualHost using them, or never used."""

from __future__ import annotations

from probe.apache.model import DaemonGroup, Server, Site
from probe.apache.names import GLOBAL, is_per_request
from probe.lint.findings import ConfigFinding, Severity


def daemon_groups(site: Site) -> list[ConfigFinding]:
    """Process groups named but never defined (mod_wsgi answers 500), defined twice (httpd
    refuses to start), defined in a VirtualHost but used by another host name, or defined
    and never used."""
    findings: list[ConfigFinding] = []
    seen: dict[str, str] = {}
    for daemon in site.daemons:
        where = daemon.directive
        if daemon.name in seen:
            findings.append(ConfigFinding(
                "duplicate_daemon", Severity.ERROR, where.file, where.line,
                f"WSGIDaemonProcess {daemon.name} is already defined at {seen[daemon.name]}: "
                f"names must be unique in the whole server, httpd will not start",
                "rename one of them"))
        seen.setdefault(daemon.name, where.where)
    dynamic = False
    for use in site.group_uses:
        name = use.name
        if name == GLOBAL:
            continue
        if is_per_request(name):
            dynamic = True
            continue
        defined = [d for d in site.daemons if d.name == name]
        if not defined:
            findings.append(ConfigFinding(
                "undefined_daemon", Severity.ERROR, use.directive.file, use.directive.line,
                f"{use.directive.name} names process group {name!r} but no WSGIDaemonProcess "
                f"{name} is defined: mod_wsgi answers these requests with 500",
                f"add WSGIDaemonProcess {name} (outside any VirtualHost to share it)"))
        elif len(defined) == 1 and not _reaches(defined[0], use.server):
            # Defined twice: duplicate_daemon already says httpd will not start.
            [daemon] = defined
            findings.append(ConfigFinding(
                "undefined_daemon", Severity.ERROR, use.directive.file, use.directive.line,
                f"{use.directive.name} in {use.server.describe()} uses process group "
                f"{name!r}, defined inside {daemon.server.describe()}: a daemon group "
                f"defined in a VirtualHost only serves that host name",
                f"move WSGIDaemonProcess {name} ({daemon.directive.where}) outside the "
                f"VirtualHost"))
    used = {u.name for u in site.group_uses}
    if not dynamic:
        findings += [ConfigFinding(
            "unused_daemon", Severity.NOTE, d.directive.file, d.directive.line,
            f"WSGIDaemonProcess {d.name} is never used: no process-group= or "
            f"WSGIProcessGroup names it, so its processes run idle",
            f"add process-group={d.name} to the WSGIScriptAlias meant to run there, or "
            f"remove it") for d in site.daemons if d.name not in used]
    return findings


def _reaches(daemon: DaemonGroup, server: Server) -> bool:
    """Whether requests to ``server`` may use ``daemon``, as mod_wsgi decides at request
    time: one defined outside any VirtualHost serves all of them, one defined in a
    VirtualHost only those whose ServerName (inherited from the main server when not
    written) is the same, compared case-sensitively."""
    return (daemon.server.is_main or daemon.server is server
            or daemon.server.server_hostname == server.server_hostname)

