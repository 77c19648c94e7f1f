"""Where applications run, statically (the lint side of issue 11's causes 1 and 3/5):

* ``broad_process_group``: a ``WSGIProcessGroup`` written at server or VirtualHost scope
  that puts several different applications into one daemon process group;
* ``ssl_twin``: the HTTPS VirtualHost of a host name runs a mount embedded that its HTTP
  twin runs in a daemon process group (a copy that lost ``WSGIProcessGroup`` or
  ``process-group=``, as certbot's ``-le-ssl.conf`` copies can), so http:// and https://
  answer from different processes, one of them the Apache children;
* ``wsgi_hidden``: mod_wsgi directives inside an ``<IfModule>`` naming mod_wsgi in a way
  httpd does not know (``mod_wsgi`` instead of ``wsgi_module`` or ``mod_wsgi.c``) while
  mod_wsgi is loaded: httpd never reads them (an application meant for a daemon group
  runs embedded).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import PurePosixPath

from probe.apache.import_path import import_path, own_group
from probe.apache.model import NOT_SET, Server, Site, WsgiApp
from probe.apache.reach import unreachable
from probe.apache.redirects import redirect_taking
from probe.lint.findings import ConfigFinding, Severity


def broad_process_group(site: Site) -> list[ConfigFinding]:
    """A server- or VirtualHost-scope ``WSGIProcessGroup`` that puts several applications
    into one daemon group. An application is a code base with its settings: scripts of one
    directory with the same (or no) ``DJANGO_SETTINGS_MODULE`` are one application however
    many of them are mounted (a project's per-repository or per-page scripts, its
    ``AddHandler`` handlers). One finding per directive, however many VirtualHosts include
    the file that holds it."""
    findings: dict[str, ConfigFinding] = {}
    scope_level = {id(d) for server in site.servers
                   for d in (site.config.directives if server.is_main else server.directives)
                   if d.key == "wsgiprocessgroup"}
    for use in site.group_uses:
        d = use.directive
        if id(d) not in scope_level or d.where in findings:
            continue
        apps = [a for a in site.apps if a.process_group_from.endswith(f"at {d.where}")
                and not unreachable(site, a)]
        codes = _applications(site, apps)
        if len(codes) < 2:
            continue
        findings[d.where] = ConfigFinding(
            "broad_process_group", Severity.WARNING, d.file, d.line,
            f"WSGIProcessGroup {use.name} at "
            f"{'server' if use.server.is_main else 'VirtualHost'} scope puts "
            f"{len(codes)} different applications into one daemon process group "
            f"({'; '.join(codes)}): they share its processes, so process-wide state "
            f"(os.environ, time zone, working directory) crosses between them",
            f"give each application its own daemon process group "
            f"({own_group('NAME', import_path(site, use.name))}); instead of process-group=, "
            f"a WSGIProcessGroup NAME inside a <Directory> of its script does it too")
    return list(findings.values())


def _applications(site: Site, apps: list[WsgiApp]) -> list[str]:
    """The distinct applications among mounts: by the script's directory and settings."""
    found: dict[tuple[str, str | None], str] = {}
    for app in apps:
        script = site.script(app)
        settings = script.settings if script is not None else None
        key = (str(PurePosixPath(app.target).parent), settings)
        found.setdefault(key, app.target + (f" with {settings}" if settings else ""))
    return list(found.values())


def ssl_twin(site: Site) -> list[ConfigFinding]:
    findings: list[ConfigFinding] = []
    by_name: dict[str, list[WsgiApp]] = defaultdict(list)
    for app in site.apps:
        if not app.server.is_main and app.server.server_name and not app.is_match:
            by_name[app.server.server_name].append(app)
    for name, apps in by_name.items():
        plain = {(a.mount.rstrip("/"), a.target): a for a in apps if not a.server.ssl}
        for secure in (a for a in apps if a.server.ssl):
            twin = plain.get((secure.mount.rstrip("/"), secure.target))
            # Two daemon groups running one script is a choice (each its own processes);
            # daemon for http but embedded for https is the copy that lost a line.
            if twin is None or not twin.process_group or secure.process_group != "":
                continue
            # NOT_SET already says "embedded mode": the group's source is named only when
            # a directive set it
            source = ("no process group set" if secure.process_group_from == NOT_SET
                      else secure.process_group_from)
            findings.append(ConfigFinding(
                "ssl_twin", Severity.WARNING, secure.directive.file, secure.directive.line,
                f"{_url('https', name, secure)} runs {secure.target} in embedded mode "
                f"({source}), its http twin at {twin.where} in "
                f"{_group(twin.process_group)}{_consequence(name, twin)}",
                f"give the SSL VirtualHost the same process group as the HTTP one "
                f"({twin.process_group_from})"))
    return findings


def _group(group: str | None) -> str:
    return {None: "a group decided per request", "": "embedded mode"}.get(group, repr(group))


def _port(server: Server) -> int | None:
    return next((a.port for a in server.addresses if a.port is not None), None)


def _url(scheme: str, name: str, app: WsgiApp) -> str:
    port = _port(app.server)
    shown = "" if port is None or port == {"http": 80, "https": 443}[scheme] else f":{port}"
    return f"{scheme}://{name}{shown}{app.mount}"


def _consequence(name: str, twin: WsgiApp) -> str:
    """What the two groups mean for requests: a twin that redirects every request before
    mod_wsgi runs (certbot's RewriteRule) never runs its mount, so http:// is a redirect,
    not an answer from its group."""
    taken = redirect_taking(twin.server, name, _port(twin.server))
    if taken is None:
        return ": http:// and https:// answer from different processes"
    if taken.holds:
        return (f", but {_url('http', name, twin)} is redirected before mod_wsgi runs "
                f"({taken.describe()}): no request for {name} runs it in "
                f"{_group(twin.process_group)}, only embedded over https://")
    return (f"; whether http:// is redirected before mod_wsgi runs ({taken.describe()}) the "
            f"configuration does not decide: a request to {_url('http', name, twin)} does "
            f"(a 3xx: only https:// answers, embedded; an answer: http:// and https:// answer "
            f"from different processes)")


def wsgi_hidden(site: Site) -> list[ConfigFinding]:
    findings: list[ConfigFinding] = []
    for hidden in site.config.hidden:
        section = hidden.section
        name = section.arg(0).lstrip("!")
        written = [d for d in section.body() if d.key.startswith("wsgi")]
        if section.key != "ifmodule" or "wsgi" not in name.lower() or not written \
                or section.arg(0).startswith("!") or not site.apps:
            continue
        shown = ", ".join(f"{d.name} {' '.join(d.args)} ({d.where})" for d in written[:3])
        findings.append(ConfigFinding(
            "wsgi_hidden", Severity.ERROR, section.file, section.line,
            f"<IfModule {name}> does not hold (httpd knows mod_wsgi as wsgi_module or "
            f"mod_wsgi.c) while this configuration uses mod_wsgi ({site.apps[0].directive.name} "
            f"at {site.apps[0].where}): httpd never reads {shown}",
            "write <IfModule wsgi_module> (or remove the <IfModule> around the directives)"))
    return findings
