"""Where applications run, statically (the lint side of issue 11's causes 1 and 3/5):

* ``broad_process_group``: a ``WSGIProcessGroup`` written at server or VirtualHost scope
  that puts several different applications into one daemon process group;
* ``ssl_twin``: the HTTPS VirtualHost of a host name runs a mount embedded that its HTTP
  twin runs in a daemon process group (a copy that lost ``WSGIProcessGroup`` or
  ``process-group=``, as certbot's ``-le-ssl.conf`` copies can), so http:// and https://
  answer from different processes, one of them the Apache children.
"""

from __future__ import annotations

from collections import defaultdict

from probe.apache.model import Site, WsgiApp
from probe.lint.findings import ConfigFinding, Severity


def broad_process_group(site: Site) -> list[ConfigFinding]:
    findings: list[ConfigFinding] = []
    scope_level = {id(d) for server in site.servers
                   for d in (site.config.directives if server.is_main else server.directives)
                   if d.key == "wsgiprocessgroup"}
    for use in site.group_uses:
        d = use.directive
        if id(d) not in scope_level:
            continue
        apps = [a for a in site.apps if a.process_group_from.endswith(f"at {d.where}")]
        targets = list(dict.fromkeys(a.target for a in apps))
        if len(targets) < 2:
            continue
        findings.append(ConfigFinding(
            "broad_process_group", Severity.WARNING, d.file, d.line,
            f"WSGIProcessGroup {use.name} at {'server' if use.server.is_main else 'VirtualHost'}"
            f" scope puts {len(targets)} different applications into one daemon process "
            f"group ({', '.join(targets)}): they share its processes, so process-wide state "
            f"(os.environ, time zone, working directory) crosses between them",
            "give each application its own WSGIDaemonProcess and process-group= on its "
            "WSGIScriptAlias (or a WSGIProcessGroup inside a <Directory> of its script)"))
    return findings


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
            where = {None: "a group decided per request", "": "embedded mode"}
            findings.append(ConfigFinding(
                "ssl_twin", Severity.WARNING, secure.directive.file, secure.directive.line,
                f"https://{name}{secure.mount} runs {secure.target} in "
                f"{where.get(secure.process_group, repr(secure.process_group))} "
                f"({secure.process_group_from}), its http twin at {twin.where} in "
                f"{where.get(twin.process_group, repr(twin.process_group))}: http:// and "
                f"https:// answer from different processes",
                f"give the SSL VirtualHost the same process group as the HTTP one "
                f"({twin.process_group_from})"))
    return findings
