"""The configuration join: per URL, what the manifest intends, what the front's configuration
predicts (:class:`probe.front.PredictedRoute`) and what was observed.

* observed = predicted, and the verdict a problem: the configuration is the cause; the first
  step where the route leaves the intended one is named with its ``file:line``, and the fix
  is written at that line;
* observed != predicted: the server that answered is not running this configuration as read
  (changed and not reloaded, another server on the address, a proxy in front) or the model
  is wrong: the differing field is named, no line is blamed;
* the model cannot follow the route (a rule it does not evaluate): said, nothing blamed.

The intended route of a URL is the predicted route of another URL of the same instance that
the instance itself answered. Pure: the routes come from the caller's FrontConfig.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from probe.apache.names import mount_matches
from probe.diagnose import join_wording as words
from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import Diagnosis
from probe.front import FrontConfig, PredictedRoute, RouteStep
from probe.model import Cause, EndpointAnswer, Evidence, EvidenceKind, Observation, Verdict

_FIELDS = ("application_group", "process_group", "script_name")
_SITE_LINE = re.compile(r" at (.+):(\d+)$")


@dataclass(frozen=True)
class ConfigJoin:
    """The front's configuration as the sweep's diagnosis uses it: the routes, and the lint
    findings of the same configuration by ``(file, line)`` (code and message)."""

    front: FrontConfig
    findings: Mapping[tuple[str, int], tuple[str, str]] = field(default_factory=dict)


def join(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
         config: ConfigJoin) -> Diagnosis:
    """``diagnosis`` (from the answers alone) with what the configuration adds."""
    answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer),
                  None)
    if answer is None:
        return diagnosis
    address = obs.target.address or next((s.address for s in reversed(obs.samples)
                                          if s.address), None)
    route = config.front.route(obs.target.url, address)
    if route.undecided is not None:
        return _add(diagnosis, words.undecided(route), _configured(route.steps[-1:]))
    differ = _differences(route, answer)
    if differ:
        return _add(diagnosis, words.not_this_configuration(differ),
                    words.difference_evidence(obs, differ, context))
    if diagnosis.verdict is Verdict.OK:
        return diagnosis
    intended = _intended(obs, context, config)
    return _config_cause(obs, diagnosis, route, intended, config)


def _differences(route: PredictedRoute,
                 answer: EndpointAnswer) -> list[tuple[str, str, str, RouteStep | None]]:
    """(field, predicted, observed, the step that predicted it) for each field both know."""
    found = []
    stages = {"application_group": "application_group", "process_group": "process_group",
              "script_name": "mount"}
    for name in _FIELDS:
        predicted, seen = getattr(route, name), getattr(answer, name)
        if predicted is not None and seen is not None and predicted != seen:
            found.append((name, predicted, seen, route.step(stages[name])))
    script = answer.raw.get("script_file")
    if route.script_file and isinstance(script, str) and script and \
            os.path.realpath(script) != os.path.realpath(route.script_file):
        found.append(("script_file", route.script_file, script, route.step("mount")))
    if route.refused:
        found.append(("refused", "a refusal", "an endpoint answer", route.step("mapping")))
    return found


def _intended(obs: Observation, context: SweepContext,
              config: ConfigJoin) -> PredictedRoute | None:
    """The predicted route of a URL the expected instance answered itself."""
    expected = obs.target.expected
    if expected is None:
        return None
    for other, answer in context.answers_of(expected):
        if other is obs or other.target.expected != expected:
            continue
        route = config.front.route(other.target.url, other.target.address or next(
            (s.address for s in reversed(other.samples) if s.address), None))
        if route.undecided is None and not _differences(route, answer):
            return route
    return None


def _config_cause(obs: Observation, diagnosis: Diagnosis, route: PredictedRoute,
                  intended: PredictedRoute | None, config: ConfigJoin) -> Diagnosis:
    """The first step where ``route`` leaves ``intended``, as cause and fix."""
    url = obs.target.url
    site, mapping = route.step("site"), route.step("mapping")
    mount, group = route.step("mount"), route.step("process_group")
    host = (urlsplit(url).hostname or "").lower()
    other_site = intended is not None and intended.site != route.site
    cause: Cause | None = None
    leaves: RouteStep | None = None
    if site is not None and (other_site or (intended is None and site.by == "default")):
        cause = Cause.VHOST_FALLBACK if site.by == "default" else (
            Cause.VHOST_SHADOWED if site.by == "name" else None)
        leaves = site
    elif mapping is not None and mapping.source is not None:
        cause, leaves = Cause.URL_MAPPING, mapping
    elif intended is not None and intended.script_file != route.script_file and mount:
        wanted = intended.step("mount")
        path = urlsplit(url).path or "/"
        listed_later = wanted is not None and intended.script_name is not None and \
            mount_matches(intended.script_name, path)
        cause, leaves = (Cause.ALIAS_ORDER if listed_later else None), mount
    elif group is not None and intended is not None and \
            intended.process_group != route.process_group:
        cause, leaves = Cause.PROCESS_GROUP_SCOPE, group
    elif group is not None and diagnosis.cause in (Cause.PROCESS_GROUP_SCOPE,
                                                   Cause.DAEMON_GROUP_UNUSED):
        cause, leaves = diagnosis.cause, group
    if leaves is None:
        return _add(diagnosis, words.predicted_no_step(route), _configured(route.steps))
    lint = _lint(route, intended, config)
    explained = words.config_cause(obs, diagnosis, route, intended, leaves, host, lint)
    chain = _configured((*route.steps, *(intended.steps if intended else ())))
    return dataclasses.replace(
        explained, cause=cause, candidates=(),
        evidence=(*_observed(diagnosis), *chain))


def _lint(route: PredictedRoute, intended: PredictedRoute | None,
          config: ConfigJoin) -> list[tuple[str, str, str]]:
    """(code, file:line, message) of the lint findings at a line of either route."""
    places: list[tuple[str, int]] = []
    for r in (route, intended):
        if r is None:
            continue
        places += [(s.source.file, s.source.line) for s in r.steps if s.source]
        found = _SITE_LINE.search(r.site or "")
        if found:
            places.append((found.group(1), int(found.group(2))))
    seen: list[tuple[str, str, str]] = []
    for place in dict.fromkeys(places):
        if place in config.findings:
            code, message = config.findings[place]
            seen.append((code, f"{place[0]}:{place[1]}", message))
    return seen


def _configured(steps: tuple[RouteStep, ...]) -> tuple[Evidence, ...]:
    return tuple(Evidence(EvidenceKind.CONFIGURED, s.rule, str(s.source))
                 for s in steps if s.source is not None)


def _observed(diagnosis: Diagnosis) -> tuple[Evidence, ...]:
    return tuple(e for e in diagnosis.evidence if e.kind is not EvidenceKind.CONFIGURED)


def _add(diagnosis: Diagnosis, sentence: str, evidence: tuple[Evidence, ...]) -> Diagnosis:
    return dataclasses.replace(diagnosis, explanation=f"{diagnosis.explanation} {sentence}",
                               evidence=(*diagnosis.evidence, *evidence))
