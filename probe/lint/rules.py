"""Lint rules: pure functions from a :class:`~probe.lint.model.Site` to findings.

The three classic misroutes of the mod_wsgi blog post (``alias_order``, ``environ_leak``,
``vhost_fallback``) plus cheap checks on daemon process groups and on what could not be
read. Each finding names a file and line, says what will happen, and how to fix it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from probe.apache_names import (
    GLOBAL,
    SETTINGS_VARIABLE,
    catch_all_vhost,
    is_per_request,
    mount_matches,
)
from probe.lint.apache_config import Directive, ParseNote
from probe.lint.model import ALIAS_KEYS, Address, DaemonGroup, Server, Site, WsgiApp
from probe.lint.scripts import ScriptInfo


class Severity(StrEnum):
    ERROR = "error"  # requests are (or will be) served wrongly, or httpd refuses the config
    WARNING = "warning"  # requests may be served wrongly
    NOTE = "note"  # could not check something; does not fail the lint

    @property
    def fails(self) -> bool:
        return self is not Severity.NOTE


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    file: str
    line: int
    message: str
    fix: str | None = None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


Rule = Callable[[Site], list[Finding]]


# --------------------------------------------------------------------------------------------
# alias_order


def alias_order(site: Site) -> list[Finding]:
    """A mount listed before a longer one it contains: mod_wsgi tries aliases in order and
    the first match wins, so the longer mount's URLs go to the shorter one's application."""
    findings: dict[tuple[str, str], Finding] = {}
    for server in site.servers:
        aliases = site.aliases_for(server)
        for i, later in enumerate(aliases):
            earlier = next((e for e in aliases[:i] if _shadows(e, later)), None)
            if earlier is None or (earlier.where, later.where) in findings:
                continue
            inherited = (" (inherited from the main server)"
                         if earlier.server.is_main and not server.is_main else "")
            findings[(earlier.where, later.where)] = Finding(
                code="alias_order",
                severity=Severity.ERROR,
                file=later.directive.file,
                line=later.directive.line,
                message=(
                    f"{later.directive.name} {later.mount} is never reached in "
                    f"{server.describe()}: the earlier {earlier.directive.name} "
                    f"{earlier.mount} at {earlier.where}{inherited} matches its URLs first, "
                    f"so they run {earlier.target} instead of {later.target}"),
                fix=(f"list the longer mount first: move {later.directive.name} "
                     f"{later.mount} ({later.where}) above {earlier.directive.name} "
                     f"{earlier.mount} ({earlier.where})"),
            )
    return list(findings.values())


def _shadows(earlier: WsgiApp, later: WsgiApp) -> bool:
    """Whether every URL ``later`` would serve is matched by ``earlier`` first.

    Plain aliases match on whole path segments (``/app`` takes ``/app/x``, not ``/apps``):
    an earlier alias that matches the later one's own URL matches all of them. Regular
    expressions are judged on the literal prefix of an anchored pattern only.
    """
    if not earlier.is_match:
        if not later.is_match:
            return mount_matches(earlier.mount, later.mount)
        prefix = _literal_prefix(later.mount)
        return mount_matches(earlier.mount, "/") or (
            prefix is not None and mount_matches(earlier.mount, prefix))
    if later.is_match:
        return False
    try:
        return re.search(earlier.mount, later.mount) is not None
    except re.error:
        return False


def _literal_prefix(regex: str) -> str | None:
    """The whole path segments every match of an anchored regex starts with, else None."""
    if not regex.startswith("^"):
        return None
    literal = re.match(r"[^.^$*+?{}\[\]\\|()]*", regex[1:])
    text = literal.group(0) if literal else ""
    return text[: text.rfind("/") + 1] if "/" in text else None


# --------------------------------------------------------------------------------------------
# environ_leak and shared_interpreter


def environ_leak(site: Site) -> list[Finding]:
    """``os.environ.setdefault("DJANGO_SETTINGS_MODULE", ...)`` in a script that shares
    its processes with another application (embedded mode, or one daemon process group)
    in another sub interpreter with other settings: the first application loaded puts its
    value into the C-level process environment, each sub interpreter created later copies
    it into ``os.environ``, and setdefault keeps it."""
    findings: list[Finding] = []
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
                  others: Sequence[WsgiApp]) -> Finding:
    first = users[0]
    where = ("embedded in the Apache child processes" if group == ""
             else f"in daemon process group {group!r}")
    other_list = "; ".join(
        f"{o.target} ({o.where}) {_settings_text(site.scripts.get(o.target))}"
        for o in _unique_targets(others))
    known = script.settings is not None and all(
        (s := site.scripts.get(o.target)) is not None and s.settings is not None for o in others)
    value = script.settings or "..."
    return Finding(
        code="environ_leak",
        severity=Severity.ERROR if known else Severity.WARNING,
        file=first.directive.file,
        line=first.directive.line,
        message=(
            f"{script.path} sets {SETTINGS_VARIABLE} with os.environ.setdefault "
            f"(line {script.settings_line}) and runs {where} (at "
            f"{', '.join(sorted({_mounted(u) for u in users}))}) alongside another sub "
            f"interpreter: {other_list}. Whichever loads first puts its value in the process "
            f"environment, later sub interpreters inherit it and setdefault keeps it, so this "
            f"application can run with the other's settings"),
        fix=(f"assign instead of setdefault in {script.path}: "
             f"os.environ[\"{SETTINGS_VARIABLE}\"] = \"{value}\"; better, give each "
             f"application its own daemon process group (WSGIDaemonProcess NAME, then "
             f"process-group=NAME on its WSGIScriptAlias)"),
    )


def _mounted(app: WsgiApp) -> str:
    return f"{app.server.server_name or ''}{app.mount}"


def shared_interpreter(site: Site) -> list[Finding]:
    """Two different scripts with different Django settings in one sub interpreter (same
    process group and application group): Django is configured once per interpreter, so
    the second application runs with the first one's settings whatever the script says."""
    findings: list[Finding] = []
    for group, apps in _by_process_group(site).items():
        for interpreter, members in _by_interpreter(apps).items():
            scripts = _unique_targets(members)
            for i, later in enumerate(scripts):
                clash = next((e for e in scripts[:i] if _conflicts(
                    site.scripts.get(later.target), site.scripts.get(e.target))), None)
                if clash is None:
                    continue
                name = GLOBAL if interpreter == "" else repr(interpreter)
                findings.append(Finding(
                    code="shared_interpreter",
                    severity=Severity.ERROR,
                    file=later.directive.file,
                    line=later.directive.line,
                    message=(
                        f"{later.target} and {clash.target} ({clash.where}) run in the same "
                        f"sub interpreter (application group {name}, "
                        f"{'embedded mode' if group == '' else 'process group ' + repr(group)})"
                        f" with different Django settings: Django is set up once per "
                        f"interpreter, so whichever loads second runs with the first one's"),
                    fix=("give each application its own application group (drop "
                         "WSGIApplicationGroup / application-group= for one of them) or its "
                         "own daemon process group"),
                ))
    return findings


def _by_process_group(site: Site) -> dict[str, list[WsgiApp]]:
    groups: dict[str, list[WsgiApp]] = defaultdict(list)
    for app in site.apps:
        if app.process_group is not None:
            groups[app.process_group].append(app)
    return groups


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


# --------------------------------------------------------------------------------------------
# vhost_fallback


@dataclass(frozen=True)
class UnknownHosts:
    """Where requests on one VirtualHost address go when their Host header matches no
    ServerName/ServerAlias: to the first VirtualHost listed for that address.

    Shared by the ``vhost_fallback`` rule and ``probe discover`` (which asks the sweep to
    check, under ``[refuse]``, exactly the unknown host names this rule cares about).
    """

    address: Address
    servers: tuple[Server, ...]  # the VirtualHosts of the address, in configuration order
    lands_on_site: bool  # the first one serves a site (not a refusing catch-all)
    bypassed: tuple[Server, ...]  # catch-alls on a wider address that never see these names
    default_page: bool = False  # the first one is a static default page (see _default_page)

    @property
    def first(self) -> Server:
        return self.servers[0]

    @property
    def misrouted(self) -> bool:
        """Unknown names get a site that is one of several: whichever happens to be listed
        first. One site alone answering every name (a single VirtualHost, or no
        VirtualHost at all) is usually what its owner wants, and is not flagged."""
        return self.lands_on_site and (len(self.servers) > 1 or bool(self.bypassed))

    @property
    def refused(self) -> bool:
        """A catch-all listed first refuses them, as the blog post advises."""
        return not self.lands_on_site and _denies_all(self.first)


def unknown_hosts(site: Site) -> list[UnknownHosts]:
    """One :class:`UnknownHosts` per VirtualHost address (none for a main-server-only
    configuration, whose one server answers every host name)."""
    groups = _address_groups(site.vhosts)
    found = []
    for key, servers in groups.items():
        bypassed = tuple(g[0] for k, g in groups.items()
                         if k != key and k.covers(key) and not _is_real_site(site, g[0])
                         and _denies_all(g[0]))
        default_page = _default_page(site, servers[0])
        found.append(UnknownHosts(key, tuple(servers),
                                  _is_real_site(site, servers[0]) and not default_page,
                                  bypassed, default_page))
    return found


def vhost_fallback(site: Site) -> list[Finding]:
    """Unknown host names land on the first VirtualHost of the best-matching address.

    httpd first picks the VirtualHosts whose address matches the connection most
    specifically (an exact IP before ``*``/``_default_``, an exact port before ``*``), and
    only then compares the Host header with ServerName/ServerAlias; when none matches, the
    first of those VirtualHosts answers. So a real site listed first serves every unknown
    name, and a ``<VirtualHost _default_:*>`` catch-all is never consulted for a port that
    has its own ``*:PORT`` VirtualHosts. See :attr:`UnknownHosts.misrouted`.
    """
    findings: list[Finding] = []
    for group in unknown_hosts(site):
        if group.default_page and len(group.servers) > 1:
            first = group.first
            root = next((d.arg(0) for d in first.directives if d.key == "documentroot"), "")
            findings.append(Finding(
                "vhost_default_page", Severity.NOTE, first.file, first.line,
                f"requests on {group.address} whose Host matches no ServerName/ServerAlias "
                f"get the static default page {root} of {first.describe()}, listed first: "
                f"no application answers them, so none is misrouted",
                f"to refuse them instead: {_catch_all_text(group.address)}"))
        if not group.misrouted:
            continue
        key, first = group.address, group.first
        fix = f"put a catch-all first for {key}: {_catch_all_text(key)}, before " \
              f"{first.describe()}"
        findings.append(Finding(
            code="vhost_fallback",
            severity=Severity.WARNING,
            file=first.file,
            line=first.line,
            message=(f"requests on {key} whose Host matches no ServerName/ServerAlias go to "
                     f"the first VirtualHost for that address, {first.describe()}, which "
                     f"{_serves(site, first)}"),
            fix=fix,
        ))
        for catch_all in group.bypassed:
            findings.append(Finding(
                code="vhost_fallback",
                severity=Severity.WARNING,
                file=catch_all.file,
                line=catch_all.line,
                message=(f"{catch_all.describe()} refuses requests but never sees unknown "
                         f"host names on {key}: httpd prefers the VirtualHosts with the more "
                         f"specific address {key} and falls back to their first, "
                         f"{first.server_name or first.describe()}"),
                fix=fix,
            ))
    return findings


def _catch_all_text(address: Address) -> str:
    return " ".join(line.strip() for line in catch_all_vhost(str(address)).splitlines())


def _address_groups(vhosts: Sequence[Server]) -> dict[Address, list[Server]]:
    groups: dict[Address, list[Server]] = defaultdict(list)
    for vhost in vhosts:
        for address in vhost.addresses:
            key = Address(address.host, address.port,
                          f"{address.host}:{address.port if address.port else '*'}")
            if not any(v is vhost for v in groups[key]):  # identity: no deep tree compare
                groups[key].append(vhost)
    return groups


def _default_page(site: Site, server: Server) -> bool:
    """A VirtualHost with no ServerName of its own that serves only static files: Debian's
    stock ``000-default.conf`` (``DocumentRoot /var/www/html``, its ServerName commented
    out, "used as a last resort host regardless"), kept first when a site is added.

    Deliberately not a ``vhost_fallback``: unknown host names get a static page, not
    another application, so nothing is misrouted to an instance; every stock Debian server
    with one site added would otherwise fail lint. A note says where they go.
    """
    own = {d.key for d in server.directives}
    serves_app = bool(own & {*ALIAS_KEYS, "proxypass", "wsgihandlerscript", "sethandler",
                             "addhandler", "proxypassmatch", "rewriterule"})
    return (server.name_inherited and "documentroot" in own and not serves_app
            and not site.aliases_for(server) and not _denies_all(server))


def _is_real_site(site: Site, server: Server) -> bool:
    """Whether a VirtualHost serves something: its own WSGIScriptAlias, DocumentRoot or
    ProxyPass, or a WSGIScriptAlias of the main server (every VirtualHost inherits those),
    and does not refuse every request."""
    serves = any(d.key in (*ALIAS_KEYS, "documentroot", "proxypass")
                 for d in server.directives) or bool(site.aliases_for(server))
    return serves and not _denies_all(server)


def _serves(site: Site, server: Server) -> str:
    apps = [a for a in site.apps if a.server is server]
    if apps:
        return "runs " + ", ".join(f"{a.target} at {a.mount}" for a in apps)
    root = next((d.arg(0) for d in server.directives if d.key == "documentroot"), None)
    return f"serves {root}" if root else "serves a site"


_ALL_PATHS = {"/", "^/", "^", ".*", "^.*", "^.*$", "^/.*", "^(.*)$", "(.*)", "."}


def _denies_all(server: Server) -> bool:
    """Whether a VirtualHost refuses every request (the catch-all the blog post advises).

    Recognised: ``Require all denied`` or ``Deny from all`` in a ``<Location>`` or
    ``<LocationMatch>`` for every path; ``Redirect 4xx /``; a RewriteRule on every path
    with the F, G or R=4xx flag. ``Require``/``Deny`` written directly in the VirtualHost
    do not count: httpd refuses them there (see :func:`access_context`). Nor does a
    ``<Directory />``: a longer ``<Directory>`` elsewhere (Debian's ``<Directory /var/www/>
    Require all granted`` in apache2.conf) is merged after it and grants what it denied;
    ``<Location>`` sections are merged last, so nothing overrides them.
    """
    for d in server.directives:
        if d.key in ("location", "locationmatch"):
            path = d.arg(1) if d.arg(0) == "~" else d.arg(0)
            if path in _ALL_PATHS and any(_denies(inner) for inner in d.body()):
                return True
        elif d.key in ("redirect", "rewriterule") and _denies(d):
            return True
    return False


def _denies(d: Directive) -> bool:
    args = [a.lower() for a in d.args]
    if d.key == "require":
        return args[:2] == ["all", "denied"]
    if d.key == "deny":
        return args[:2] == ["from", "all"]
    if d.key == "redirect" and len(args) >= 2:
        return (args[0] in ("gone", "forbidden") or re.fullmatch(r"4\d\d", args[0]) is not None
                ) and args[1] == "/"
    if d.key == "rewriterule" and len(args) >= 2 and d.args[0] in _ALL_PATHS:
        flags = args[2].strip("[]").split(",") if len(args) > 2 else []
        return any(f in ("f", "forbidden", "g", "gone") or re.fullmatch(r"r=4\d\d", f)
                   is not None for f in flags)
    return False


_ACCESS_KEYS = {"require": "Require", "deny": "Deny", "allow": "Allow", "order": "Order",
                "satisfy": "Satisfy", "requireall": "<RequireAll>",
                "requireany": "<RequireAny>", "requirenone": "<RequireNone>"}


def access_context(site: Site) -> list[Finding]:
    """Access control written outside any ``<Directory>``/``<Location>``/``<Files>``:
    httpd refuses to start ("Require not allowed in <VirtualHost> context"). It is the
    usual way a hand-written catch-all VirtualHost goes wrong."""
    findings: list[Finding] = []
    for server in site.servers:
        scope = (site.config.directives if server.is_main else server.directives)
        for d in scope:
            if d.key not in _ACCESS_KEYS:
                continue
            context = "server config" if server.is_main else "<VirtualHost>"
            findings.append(Finding(
                "config", Severity.ERROR, d.file, d.line,
                f"{_ACCESS_KEYS[d.key]} not allowed in {context} context: httpd will not "
                f"start",
                "move it into a <Location> or <Directory> section" + (
                    "" if d.children is not None
                    else f", e.g. <Location /> {d.name} {' '.join(d.args)} </Location>")))
    return findings


# --------------------------------------------------------------------------------------------
# daemon process groups


def daemon_groups(site: Site) -> list[Finding]:
    """Process groups named but never defined (mod_wsgi answers 500), defined twice (httpd
    refuses to start), defined in a VirtualHost but used by another host name, or defined
    and never used."""
    findings: list[Finding] = []
    seen: dict[str, str] = {}
    for daemon in site.daemons:
        where = daemon.directive
        if daemon.name in seen:
            findings.append(Finding(
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
            findings.append(Finding(
                "undefined_daemon", Severity.ERROR, use.directive.file, use.directive.line,
                f"{use.directive.name} names process group {name!r} but no WSGIDaemonProcess "
                f"{name} is defined: mod_wsgi answers these requests with 500",
                f"add WSGIDaemonProcess {name} (outside any VirtualHost to share it)"))
        elif len(defined) == 1 and not _reaches(defined[0], use.server):
            # Defined twice: duplicate_daemon already says httpd will not start.
            [daemon] = defined
            findings.append(Finding(
                "undefined_daemon", Severity.ERROR, use.directive.file, use.directive.line,
                f"{use.directive.name} in {use.server.describe()} uses process group "
                f"{name!r}, defined inside {daemon.server.describe()}: a daemon group "
                f"defined in a VirtualHost only serves that host name",
                f"move WSGIDaemonProcess {name} ({daemon.directive.where}) outside the "
                f"VirtualHost"))
    used = {u.name for u in site.group_uses}
    if not dynamic:
        findings += [Finding(
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


# --------------------------------------------------------------------------------------------
# what could not be read


def unreadable(site: Site) -> list[Finding]:
    """Configuration problems met while reading (an error where httpd refuses to start: an
    include loop, a missing Include, an unclosed section), and WSGI scripts that cannot be
    read."""
    findings = [Finding("config", Severity.ERROR if n.fatal else Severity.NOTE, n.file, n.line,
                        n.message) for n in _unique_notes(site)]
    reported: set[str] = set()
    for app in site.apps:
        script = site.scripts.get(app.target)
        if script is not None and script.error and app.target not in reported:
            reported.add(app.target)
            findings.append(Finding(
                "script_unreadable", Severity.NOTE, app.directive.file, app.directive.line,
                f"cannot read WSGI script {app.target}: {script.error}; its "
                f"{SETTINGS_VARIABLE} handling is not checked"))
    return findings


def _unique_notes(site: Site) -> list[ParseNote]:
    seen: set[str] = set()
    notes = []
    for note in site.config.notes:
        if note.message not in seen:  # one note per undefined variable, not per line
            seen.add(note.message)
            notes.append(note)
    return notes


RULES: tuple[Rule, ...] = (alias_order, environ_leak, shared_interpreter, vhost_fallback,
                           access_context, daemon_groups, unreadable)


def run_rules(site: Site, rules: Sequence[Rule] = RULES) -> list[Finding]:
    findings = [f for rule in rules for f in rule(site)]
    return sorted(findings, key=lambda f: (f.file, f.line, f.code))
