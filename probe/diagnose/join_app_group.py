"""The configured step behind an application group that differs from the manifest's where every
other field of the answer is as declared and the route predicts it (``--config``): the
``WSGIApplicationGroup`` (or ``application-group=``) line that sets it, or none in the
route's VirtualHost and at server scope, so that mod_wsgi's default ``%{RESOURCE}`` applies
(the host name, the port where it is not the scheme's default, '|', and the mount's
SCRIPT_NAME).

Re-tester R33 (case a, every printed fix applied on real Apache 2.4.71 + mod_wsgi 6.1.1):
gamma.test answered in application group 'gamma.test|' where the manifest declared '', and the
sweep said "no step of its route shows where it leaves the intended one", though the
VirtualHost at :70 has no WSGIApplicationGroup: the default is the configured step.
"""

from __future__ import annotations

import dataclasses

from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import Diagnosis
from probe.front import PredictedRoute
from probe.model import Evidence, EvidenceKind, Observation

_GLOBAL = "%{GLOBAL}"


def app_group_step(obs: Observation, diagnosis: Diagnosis, route: PredictedRoute,
                   context: SweepContext) -> Diagnosis | None:
    """``diagnosis`` with the route's application-group step as the cause; None where the
    answer differs from the declared instance by more than its application group, or the
    route does not predict the group it shows."""
    instance = context.manifest.instances.get(obs.target.expected or "")
    answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer), None)
    step = route.step("application_group")
    if instance is None or answer is None or step is None or \
            instance.application_group is None or route.application_group is None or \
            answer.application_group != route.application_group or \
            answer.application_group == instance.application_group or \
            (instance.process_group is not None and
             answer.process_group != instance.process_group) or \
            (instance.label is not None and answer.label != instance.label):
        return None
    wanted, seen = instance.application_group, answer.application_group
    spec = _GLOBAL if wanted == "" else wanted
    mount = route.step("mount")
    alias = (f" (or application-group={spec} on its mount at {mount.source})"
             if mount is not None and mount.source is not None else "")
    if step.source is None:
        why = (f"The configured step: no WSGIApplicationGroup or application-group= applies "
               f"to this URL in {route.site} nor at server scope, so mod_wsgi's default "
               f"%{{RESOURCE}} gives {seen!r} (the host name and the mount's SCRIPT_NAME), "
               f"not the {wanted!r} the manifest declares for {instance.name}.")
        where = f"add 'WSGIApplicationGroup {spec}' inside {route.site}{alias}"
    else:
        why = (f"The configured step: {step.rule} ({step.source}) gives {seen!r}, not the "
               f"{wanted!r} the manifest declares for {instance.name}.")
        where = f"at {step.source}, write {spec} in place of it"
    fix = (f"If {instance.name} is meant to run in {wanted!r}, {where}. If {seen!r} is "
           f"meant, correct application_group for {instance.name} in the manifest to "
           f"{seen!r}.")
    cited = (Evidence(EvidenceKind.CONFIGURED, step.rule, str(step.source)),) \
        if step.source is not None else ()
    return dataclasses.replace(diagnosis, explanation=f"{diagnosis.explanation} {why}",
                               fix=fix, evidence=(*diagnosis.evidence, *cited))
