"""The configuration lines behind a shared interpreter or process (``--config``): the
``WSGIApplicationGroup`` (or ``application-group=``) that puts two applications in one
interpreter is cited for every URL and finding it applies to, not only for the URLs whose
route the join otherwise explains; the fix's own daemon group is written with the import path
the application ran with (:mod:`.own_group`), and an environ leak's hint that a group is
applied too broadly names the line that applies it."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from probe.apache.import_path import daemon_line, import_path, own_group, sources
from probe.apache.route import ApacheRoutes
from probe.diagnose.embedded_settings import OWN_GROUP
from probe.diagnose.group_removal import DEFAULT_REMOVED
from probe.diagnose.own_group import BROAD, handler_mount, with_configured
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.front import PredictedRoute, RouteStep
from probe.model import Cause, Evidence, EvidenceKind, Observation

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin

_MERGED = " is the last to apply after httpd's section merge"


def directive(step: RouteStep | None) -> str | None:
    """'WSGIApplicationGroup %{GLOBAL} at file:line' for a step a line decided."""
    if step is None or step.source is None:
        return None
    return f"{step.rule.removesuffix(_MERGED)} at {step.source}"


def cited(obs: Observation, diagnosis: Diagnosis, route: PredictedRoute,
          answer: EndpointAnswer, config: ConfigJoin) -> Diagnosis:
    """A shared_interpreter or environ_leak diagnosis with the route's lines as evidence, the
    line that sets the application group named in the fix and the new group written."""
    front, expected = config.front, obs.target.expected
    if diagnosis.cause is Cause.ENVIRON_LEAK:
        if not isinstance(front, ApacheRoutes) or not expected:
            return diagnosis
        return _broad(with_configured(diagnosis, front, route, expected, answer.process_group,
                                      each=True, answers=[answer]), route, config)
    steps = tuple(s for s in route.steps if s.source is not None)
    line = directive(route.step("application_group"))
    fix = diagnosis.fix
    if line is not None and expected and fix is not None:
        fix = fix.replace(DEFAULT_REMOVED, line)
    found = dataclasses.replace(diagnosis, fix=fix, evidence=(*diagnosis.evidence, *(
        Evidence(EvidenceKind.CONFIGURED, s.rule, str(s.source)) for s in steps)))
    if not isinstance(front, ApacheRoutes) or not expected:
        return found
    return with_configured(found, front, route, expected, answer.process_group,
                           answers=[answer])


def _broad(diagnosis: Diagnosis, route: PredictedRoute, config: ConfigJoin) -> Diagnosis:
    """The hint that a WSGIProcessGroup may apply too broadly, with the line that applies
    the route's group (lint's finding there said)."""
    step = route.step("process_group")
    line = directive(step)
    if step is None or step.source is None or line is None or \
            BROAD not in diagnosis.explanation:
        return diagnosis
    code, _message = config.findings.get((step.source.file, step.source.line), ("", ""))
    said = (f"{line}, which puts it in that group, may be applied too broadly"
            + (" (probe lint reports broad_process_group at that line)"
               if code == "broad_process_group" else ""))
    return dataclasses.replace(diagnosis, explanation=diagnosis.explanation.replace(
        BROAD, said), evidence=(*diagnosis.evidence,
                                Evidence(EvidenceKind.CONFIGURED, step.rule, str(step.source))))


def group_line(config: ConfigJoin, obs: Observation) -> str | None:
    """The line that sets ``obs``'s application group, by its route at its address."""
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    route = config.front.route(obs.target.url, address)
    if route.undecided is None:
        return directive(route.step("application_group"))
    # a RewriteRule maps the URL: the group is its VirtualHost's, where no section sets one
    front = config.front
    if not isinstance(front, ApacheRoutes) or route.site is None:
        return None
    found = front.server_setting(route, "wsgiapplicationgroup")
    if found is None or not found.args or _in_sections(front, route):
        return None
    return f"{found.name} {found.args[0]} at {found.where}"


def _in_sections(front: ApacheRoutes, route: PredictedRoute) -> bool:
    """Whether a section of ``route``'s VirtualHost sets an application group (one the
    model cannot place for a file it does not follow)."""
    stack = [d for key in _SECTIONS for d in front.server_directives(route, key)]
    while stack:
        d = stack.pop()
        if d.key == "wsgiapplicationgroup":
            return True
        stack.extend(d.body())
    return False


_SECTIONS = ("directory", "directorymatch", "location", "locationmatch", "files", "filesmatch")


def own_line(config: ConfigJoin, obs: Observation) -> str | None:
    """How a daemon group of its own is written for ``obs``'s application (by its route at
    its address), named for none: for a finding over several applications."""
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    route = config.front.route(obs.target.url, address)
    if not isinstance(config.front, ApacheRoutes) or route.undecided is not None:
        return None
    options = import_path(config.front.site, route.process_group or "")
    handler = handler_mount(config.front, route)
    if handler is None:
        return own_group("NAME", options)
    said = f"; {sources(options)}" if options else ""
    return (f"{daemon_line('NAME', options)} outside any VirtualHost, then 'WSGIProcessGroup "
            f"NAME' in a <Directory> section of each script's directory (their mount is "
            f"{handler}, not a WSGIScriptAlias: the WSGIProcessGroup in a script's scope "
            f"chooses its group; where several host names share one directory, "
            f"WSGIProcessGroup %{{ENV:NAME}} with NAME set per host by SetEnvIfNoCase Host "
            f"instead){said}")


def inconsistent_own(diagnosis: Diagnosis, route: PredictedRoute,
                     config: ConfigJoin) -> Diagnosis:
    """An ``inconsistent`` fix's own daemon group (:data:`OWN_GROUP`) for a script mounted by
    a handler: no WSGIScriptAlias carries process-group=, the WSGIProcessGroup of its
    script's directory chooses (re-tester R33, case b's mass hosts)."""
    handler = handler_mount(config.front, route) if isinstance(
        config.front, ApacheRoutes) else None
    if handler is None or diagnosis.fix is None or OWN_GROUP not in diagnosis.fix:
        return diagnosis
    return dataclasses.replace(diagnosis, fix=diagnosis.fix.replace(OWN_GROUP, (
        f"(WSGIDaemonProcess NAME outside any VirtualHost, then 'WSGIProcessGroup NAME' in a "
        f"<Directory> section of each script's directory: the mount is {handler}, not a "
        f"WSGIScriptAlias; where several host names share one directory, WSGIProcessGroup "
        f"%{{ENV:NAME}} with NAME set per host by SetEnvIfNoCase Host instead)")))
