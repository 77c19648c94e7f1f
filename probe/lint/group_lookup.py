"""Process groups mod_wsgi looks up while httpd reads the configuration (wsgi_config.c,
``wsgi_add_script_alias`` and ``wsgi_add_import_script``): named before any
``WSGIDaemonProcess`` of that name ("not yet configured"), or defined in a VirtualHost whose
ServerName, as read so far, is not the one of the server reading the line ("not accessible",
"not matchable"). Either way httpd refuses to start."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from probe.apache.addresses import split_host_port
from probe.apache.config import Directive
from probe.apache.group_placement import out_of_reach_fix
from probe.apache.handlers import options_of
from probe.apache.model import Site
from probe.apache.names import GLOBAL
from probe.lint.findings import ConfigFinding, Severity


def _checked_when_read(d: Directive) -> str | None:
    """The process group mod_wsgi looks up while httpd reads ``d``: a WSGIScriptAlias(Match)'s
    only when application-group= is given too, neither names a ``%{...}`` variable and a
    Match alias's script holds no ``$N``; a WSGIImportScript's always. ``%{GLOBAL}`` is
    embedded mode, no lookup. WSGIProcessGroup is looked up per request: never."""
    if d.key in ("wsgiscriptalias", "wsgiscriptaliasmatch") and len(d.args) > 2:
        options = options_of(d.args[2:])
        group, app = options.get("process-group"), options.get("application-group")
        if group is None or app is None or group == GLOBAL:
            return None
        if "%{" in group or ("%{" in app and app != GLOBAL) or \
                (d.key == "wsgiscriptaliasmatch" and "$" in d.args[1]):
            return None
        return group or None
    if d.key == "wsgiimportscript" and len(d.args) > 1:
        group = options_of(d.args[1:]).get("process-group")
        return None if group in (None, "", GLOBAL) else group
    return None


def _read(directives: Sequence[Directive],
          vhost: Directive | None) -> Iterator[tuple[Directive, Directive | None]]:
    """Every directive in reading order, with the VirtualHost it is read in (None: the main
    server)."""
    for d in directives:
        yield d, vhost
        if d.children:
            yield from _read(d.children, d if d.key == "virtualhost" else vhost)


def _host(name: Directive) -> str:
    """The host name of a ServerName as written: what mod_wsgi compares, case-sensitively."""
    rest = name.arg(0).partition("://")[2] or name.arg(0)
    return split_host_port(rest)[0]


def looked_up_when_read(site: Site) -> list[ConfigFinding]:
    """A group looked up when its line is read (:func:`_checked_when_read`): before any
    WSGIDaemonProcess of that name, httpd says "AH00526: Syntax error ...: WSGI process group
    not yet configured." mod_wsgi keeps one list of daemon groups for the whole server,
    filled in reading order (includes where they stand): a group defined earlier in any
    VirtualHost or the main server counts. One defined in a VirtualHost is usable only from
    the same ServerName, compared with what httpd has read so far: a ServerName later in the
    VirtualHost, or one it would inherit from the main server, is not there yet. After an
    include lint could not read, that include may define it: nothing said."""
    findings: list[ConfigFinding] = []
    defined: dict[str, tuple[Directive, Directive | None]] = {}  # the first one: mod_wsgi's
    names: dict[int, Directive] = {}  # id of a VirtualHost (0: main server): ServerName so far
    first: dict[str, Directive] = {}
    for daemon in site.daemons:
        first.setdefault(daemon.name, daemon.directive)
    for d, vhost in _read(site.config.directives, None):
        if d.unread:
            return findings
        if d.key == "servername" and d.args:
            names[id(vhost) if vhost else 0] = d
        if d.key == "wsgidaemonprocess" and d.args:
            defined.setdefault(d.args[0], (d, vhost))
            continue
        name = _checked_when_read(d)
        if name is None:
            continue
        if name in defined:
            findings += _out_of_reach(site, d, name, vhost, defined[name], names)
            continue
        later = first.get(name)
        place = f"line {d.line}" if later is not None and later.file == d.file else d.where
        findings.append(ConfigFinding(
            "daemon_order", Severity.ERROR, d.file, d.line,
            f"{d.name} names process-group={name}, which mod_wsgi looks up when httpd reads "
            f"this line, and " + (f"WSGIDaemonProcess {name} comes only later "
                                  f"({later.where})" if later is not None else
                                  f"no WSGIDaemonProcess {name} is defined")
            + ": httpd will not start: WSGI process group not yet configured",
            f"move WSGIDaemonProcess {name} ({later.where}) above {place}" if later is not None
            else f"add WSGIDaemonProcess {name} above {place}"))
    return findings


def _out_of_reach(site: Site, d: Directive, name: str, vhost: Directive | None,
                  daemon_at: tuple[Directive, Directive | None],
                  names: dict[int, Directive]) -> list[ConfigFinding]:
    """mod_wsgi's three checks after the group is found: one defined in the main server, or
    in the VirtualHost reading this line, is always usable."""
    where, home = daemon_at
    if home is None or home is vhost:
        return []
    mine, theirs = names.get(id(vhost) if vhost else 0), names.get(id(home))
    if mine is None and theirs is None:
        return []  # both get their names later (or inherit one): not checked when read
    if mine is not None and theirs is not None and _host(mine) == _host(theirs):
        return []
    said = "not accessible" if mine is not None and theirs is not None else "not matchable"
    server = "the main server" if vhost is None else f"<VirtualHost> at {vhost.where}"
    here = (f"{server} has ServerName {mine.arg(0)} ({mine.where})" if mine is not None else
            f"{server} has no ServerName yet when httpd reads it")
    there = (f"ServerName {theirs.arg(0)} ({theirs.where})" if theirs is not None
             else "no ServerName")
    daemon = site.daemon(name)
    using = next((s for s in site.servers if s.section is vhost), site.main)
    fix = out_of_reach_fix(site, d, using, daemon) if daemon is not None else ""
    later = next((n for n in reversed(using.directives) if n.key == "servername"
                  and n.args), None) if mine is None and vhost is not None else None
    if later is not None and theirs is not None and _host(later) == _host(theirs):
        fix = f"move ServerName {later.arg(0)} ({later.where}) above line {d.line}"
    return [ConfigFinding(
        "undefined_daemon", Severity.ERROR, d.file, d.line,
        f"{d.name} names process-group={name}, which mod_wsgi looks up when httpd reads this "
        f"line: WSGIDaemonProcess {name} ({where.where}) is inside <VirtualHost> at "
        f"{home.where} with {there}, and {here}: httpd will not start: WSGI process group "
        f"{said}", fix)]
