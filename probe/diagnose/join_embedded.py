"""The configuration join of a 500 whose predicted route (``--config``) runs the application
embedded while the manifest declares a daemon process group for it.

No answer came, so nothing observed says where it ran; the route does: no
``WSGIProcessGroup`` or ``process-group=`` applies to the script, so mod_wsgi runs it in the
Apache child processes, without what its ``WSGIDaemonProcess`` line sets (``python-path=``,
``home=``, ``user=``...). Where a ``WSGIProcessGroup`` naming the group is written for the
site but does not apply to the script (a ``<Directory>`` of another path, a conditional
section httpd never reads), that line and why are named (:mod:`probe.apache.group_placement`),
with lint's finding there. Its own module so that :mod:`.join_unanswered` only calls it.
"""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING

from probe.apache.names import GLOBAL, is_per_request
from probe.apache.route import ApacheRoutes
from probe.diagnose.identify import SweepContext
from probe.diagnose.server_errors import APACHE_LOG
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig, PredictedRoute, RouteStep
from probe.model import Cause, Evidence, EvidenceKind, Observation

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin

_DAEMON_ONLY = ("python-path", "python-home", "home", "user", "group", "lang", "locale")
"""WSGIDaemonProcess options an application in embedded mode goes without."""


def embedded_500(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
                 config: ConfigJoin) -> Diagnosis:
    """``diagnosis`` of a 500 with the embedded route named, when the manifest declares a
    daemon group for the URL's instance; else ``diagnosis`` itself."""
    front = config.front
    instance = context.manifest.instances.get(obs.target.expected or "")
    group = instance.process_group if instance is not None else None
    if not isinstance(front, ApacheRoutes) or instance is None or not group or \
            group == GLOBAL or is_per_request(group):
        return diagnosis
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    route = front.route(obs.target.probe_url(context.manifest.probe.segment), address)
    chosen, mount = route.step("process_group"), route.step("mount")
    if route.undecided is not None or route.process_group != "" or chosen is None or \
            chosen.source is not None or mount is None or mount.source is None:
        return diagnosis
    misplaced = front.group_not_applied(route, group)
    near = front.near_location(route, group)
    daemon = front.site.daemon(group)
    explanation = (f"{diagnosis.explanation} The configuration given runs "
                   f"{route.script_file} ({mount.rule}, {mount.source}) embedded in the "
                   f"Apache child processes, as no WSGIProcessGroup or process-group= applies "
                   f"to it, while the manifest declares process_group {group!r} for "
                   f"{instance.name}.")
    if misplaced is not None:
        explanation += f" {misplaced.rule}."
        code, _message = config.findings.get(
            (misplaced.source.file, misplaced.source.line) if misplaced.source else ("", 0),
            ("", ""))
        if code == "unused_daemon":
            explanation += " probe lint reports unused_daemon at that line."
        if near is not None:
            explanation += f" {near.said()} ({mount.rule.split(' is the first')[0]}, " \
                           f"{mount.source})."
    if daemon is not None:
        options = [o for o in _DAEMON_ONLY if o in daemon.options]
        explanation += (f" Embedded, it runs without WSGIDaemonProcess {group} "
                        f"({daemon.directive.where})"
                        + (f" and its {', '.join(o + '=' for o in options)}" if options else "")
                        + ".")
    evidence = [*diagnosis.evidence, *_configured(route, misplaced)]
    if daemon is not None:
        evidence.append(Evidence(EvidenceKind.CONFIGURED, f"WSGIDaemonProcess {group}",
                                 daemon.directive.where))
    return dataclasses.replace(diagnosis, cause=Cause.DAEMON_GROUP_UNUSED,
                               explanation=explanation,
                               fix=_fix(group, route, mount, misplaced,
                                        None if near is None else near.fix()),
                               evidence=tuple(evidence))


def typo_first(diagnosis: Diagnosis, front: FrontConfig, route: PredictedRoute,
               group: str | None) -> Diagnosis:
    """An answered URL run outside its daemon group (the join's ``daemon_group_unused``):
    a ``<Location>`` one edit from the mount is said, and its correction offered first."""
    if not isinstance(front, ApacheRoutes) or not group or diagnosis.fix is None:
        return diagnosis
    near = front.near_location(route, group)
    if near is None:
        return diagnosis
    fix = near.fix()
    return dataclasses.replace(
        diagnosis, explanation=f"{diagnosis.explanation} {near.said()}.",
        fix=f"{fix[0].upper()}{fix[1:]}; or {diagnosis.fix[0].lower()}{diagnosis.fix[1:]}")


def _fix(group: str, route: PredictedRoute, mount: RouteStep,
         misplaced: RouteStep | None, typo: str | None) -> str:
    add = f"add process-group={group} to the line at {mount.source}"
    if misplaced is not None and misplaced.source is not None and \
            misplaced.rule.startswith("WSGIProcessGroup"):
        # The scope the script's requests reach: a conf.d snippet has no VirtualHost.
        scope = "the main server" if route.site == "the main server" else "the VirtualHost"
        fix = (f"Move WSGIProcessGroup {group} ({misplaced.source}) into <Directory "
               f"{os.path.dirname(route.script_file or '/')}> (the script's directory) or "
               f"{scope}, or {add}")
        if typo is not None:
            fix = f"{typo[0].upper()}{typo[1:]}; or {fix[0].lower()}{fix[1:]}"
    elif misplaced is not None:
        fix = (f"At {misplaced.source}, make the section hold or remove it around "
               f"WSGIProcessGroup {group}; or {add}")
    else:
        fix = add[0].upper() + add[1:]
    return (f"{fix}. Then reload Apache. For what failed in embedded mode, read {APACHE_LOG} "
            f"at the time of this request.")


def _configured(route: PredictedRoute, misplaced: RouteStep | None) -> list[Evidence]:
    steps = [*route.steps, *((misplaced,) if misplaced is not None else ())]
    return [Evidence(EvidenceKind.CONFIGURED, s.rule, str(s.source))
            for s in steps if s.source is not None]
