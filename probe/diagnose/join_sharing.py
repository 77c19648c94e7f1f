"""The configuration lines behind a shared interpreter (``--config``): the
``WSGIApplicationGroup`` (or ``application-group=``) that puts two applications in one
interpreter is cited for every URL and finding it applies to, not only for the URLs whose
route the join otherwise explains."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from probe.diagnose.wording import Diagnosis, script_hint
from probe.diagnose.wording_causes import shared_interpreter_fix
from probe.endpoint_answer import EndpointAnswer
from probe.front import PredictedRoute, RouteStep
from probe.model import Evidence, EvidenceKind, Observation

if TYPE_CHECKING:
    from probe.diagnose.config_join import ConfigJoin

_MERGED = " is the last to apply after httpd's section merge"


def directive(step: RouteStep | None) -> str | None:
    """'WSGIApplicationGroup %{GLOBAL} at file:line' for a step a line decided."""
    if step is None or step.source is None:
        return None
    return f"{step.rule.removesuffix(_MERGED)} at {step.source}"


def cited(obs: Observation, diagnosis: Diagnosis, route: PredictedRoute,
          answer: EndpointAnswer) -> Diagnosis:
    """A shared_interpreter diagnosis with the route's lines as evidence and the line that
    sets the application group named in the fix."""
    steps = tuple(s for s in route.steps if s.source is not None)
    line = directive(route.step("application_group"))
    fix = diagnosis.fix
    if line is not None and obs.target.expected:
        fix = shared_interpreter_fix(obs.target.expected, script_hint(answer), line)
    return dataclasses.replace(diagnosis, fix=fix, evidence=(*diagnosis.evidence, *(
        Evidence(EvidenceKind.CONFIGURED, s.rule, str(s.source)) for s in steps)))


def group_line(config: ConfigJoin, obs: Observation) -> str | None:
    """The line that sets ``obs``'s application group, by its route at its address."""
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    route = config.front.route(obs.target.url, address)
    return None if route.undecided is not None else directive(route.step("application_group"))
