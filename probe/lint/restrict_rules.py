"""``restricted_process``: a ``WSGIRestrictProcess`` in force for an application whose
process group is not in its list. mod_wsgi checks the list on every request
(``wsgi_remote.c``): a group not in it gets 500, its error log "WSGI0149: Daemon process
called '<group>' cannot be accessed by this WSGI application as not a member of allowed
groups." Embedded mode is the group ``''``, allowed only by ``%{GLOBAL}`` in the list (a
``<Location /tree>`` holding ``WSGIRestrictProcess tree`` and no process group for /tree
answered 500 on real Apache, where lint had said it runs embedded).

The line in force is merged as ``WSGIProcessGroup``'s (``wsgi_set_restrict_process``: a
section's list replaces the server's), so :func:`~probe.apache.sections.deciding_directive`
finds it; names are compared as APR tables do, without regard to case.
"""

from __future__ import annotations

from dataclasses import dataclass

from probe.apache.config import Directive
from probe.apache.model import Site, WsgiApp
from probe.apache.names import GLOBAL
from probe.apache.sections import deciding_directive
from probe.lint.findings import ConfigFinding, Severity


@dataclass(frozen=True)
class Refused:
    """An application whose requests a ``WSGIRestrictProcess`` refuses."""

    app: WsgiApp
    restrict: Directive

    def says(self) -> str:
        """What happens, as the rules word it."""
        group = self.app.process_group or ""
        return (f"mod_wsgi answers its requests with 500 (its error log: \"Daemon process "
                f"called '{group}' cannot be accessed by this WSGI application as not a "
                f"member of allowed groups.\")")


def refused(site: Site) -> list[Refused]:
    main_scope = tuple(d for d in site.config.directives if d.key != "virtualhost")
    found = []
    for app in site.apps:
        if app.process_group is None:  # decided per request: not known here
            continue
        scopes = [main_scope] + ([] if app.server.is_main else [app.server.directives])
        restrict = deciding_directive(scopes, app.target, app.mount, "wsgirestrictprocess")
        if restrict is None:
            continue
        allowed = {"" if a == GLOBAL else a.lower() for a in restrict.args}
        if app.process_group.lower() not in allowed:
            found.append(Refused(app, restrict))
    return found


def restricted_process(site: Site) -> list[ConfigFinding]:
    findings = []
    for r in refused(site):
        app, restrict = r.app, r.restrict
        allowed = [a for a in restrict.args if a != GLOBAL]
        if app.embedded_by_default:
            runs = (f"no process group is set for {app.mount} ({app.where}), which makes it "
                    f"embedded mode")
        elif app.process_group == "":
            runs = f"{app.mount} ({app.where}) runs embedded ({app.process_group_from})"
        else:
            runs = (f"{app.mount} ({app.where}) runs in process group {app.process_group} "
                    f"({app.process_group_from})")
        into = (f"put it in {' or '.join(allowed)}: process-group={allowed[0]} on "
                f"{app.directive.name} at {app.where}, or WSGIProcessGroup {allowed[0]} in "
                f"the section of {restrict.where}; or " if allowed else "")
        findings.append(ConfigFinding(
            "restricted_process", Severity.ERROR, restrict.file, restrict.line,
            f"WSGIRestrictProcess {' '.join(restrict.args)} allows only process group "
            f"{', '.join(allowed) or 'embedded mode'}"
            f"{' and embedded mode' if allowed and GLOBAL in restrict.args else ''}, and "
            f"{runs}: {r.says()}",
            f"{into}add {app.process_group or GLOBAL} to WSGIRestrictProcess at "
            f"{restrict.where}"))
    return findings
