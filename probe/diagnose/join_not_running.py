"""The configuration given does not match an answer (:mod:`.join`): what it can still say.

* It opens no ``Listen`` for the address probed: it is some other server's file (a fleet
  swept with one server's configuration) and says nothing about the server there, so no
  field it predicts is compared.
* It routes the URL to the expected instance's mount and group (no step leaves that route)
  while another instance answered: no line of it is the cause, so the causes of a line
  (``alias_order``, ``url_mapping``...) the answers alone left open are ruled out. The server
  at that address runs something else than this text: changed since it last read it and not
  reloaded (a tester's fleet: the mount order fixed on disk on three servers, one not
  reloaded, its fix said to reorder the lines that already were in order), or it reads
  another file. The fix is a reload there; other addresses of the sweep that answer the URL
  as the configuration predicts are named as running it.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections import defaultdict
from collections.abc import Sequence

from probe.apache.error_log import opened, unopened
from probe.apache.route import ApacheRoutes
from probe.diagnose.answer_names import joined
from probe.diagnose.config_join import ConfigJoin
from probe.diagnose.config_reload import apache_restart_words
from probe.diagnose.fronts import express_address
from probe.diagnose.identify import SweepContext
from probe.diagnose.join_wording import Difference, difference_evidence, not_this_configuration
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.front import FrontConfig, PredictedRoute
from probe.model import Cause, Evidence, EvidenceKind, Observation, Verdict
from probe.safe_text import quoted

_FIELDS = ("application_group", "process_group", "script_name")
_STAGES = {"application_group": "application_group", "process_group": "process_group",
           "script_name": "mount"}
LINE_CAUSES = frozenset({Cause.ALIAS_ORDER, Cause.URL_MAPPING, Cause.VHOST_FALLBACK,
                         Cause.VHOST_SHADOWED, Cause.PROCESS_GROUP_SCOPE,
                         Cause.DAEMON_GROUP_UNUSED})
"""Causes each of which is a line of the configuration sending the URL elsewhere: a route
that reaches the expected mount and group contradicts every one."""
_UNDETERMINED = re.compile(r" Cause undetermined: [a-z_]+(?: or [a-z_]+)*\.")


def differences(route: PredictedRoute, answer: EndpointAnswer) -> list[Difference]:
    """(field, predicted, observed, the step that predicted it) for each field both know."""
    found = []
    for name in _FIELDS:
        predicted, seen = getattr(route, name), getattr(answer, name)
        if predicted is not None and seen is not None and predicted != seen:
            found.append((name, predicted, seen, route.step(_STAGES[name])))
    script = answer.raw.get("script_file")
    mount = route.step("mount")
    handled = mount is not None and mount.by == "handler" and express_address(answer) is not None
    if route.script_file and isinstance(script, str) and script and not handled and \
            not same_file(script, route.script_file):
        # express's handler.wsgi loads the script it was started with, which the endpoint
        # reports (docs/endpoint-protocol.md): the two differ on every express server
        found.append(("script_file", route.script_file, script, mount))
    if mount is not None and mount.decision == "no application" and mount.source is None \
            and route.step("mapping") is None and route.step("proxy") is None:
        # An application answered where the route runs none (a refusing catch-all first,
        # a static site): not this configuration, and no catch-all to propose again.
        found.append(("script_file", "none (no WSGI mount)",
                      script if isinstance(script, str) and script else "an application",
                      mount))
    if route.refused:
        found.append(("refused", "a refusal", "an endpoint answer", route.step("mapping")))
    return found


def same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def _reads(address: str, ppid: int | None = None) -> str:
    """How to find the file the server at ``address`` reads: its command line (re-tester R31:
    a bare 'apachectl -S' reads the system's configuration, not a file given with -f); by the
    Apache parent ``ppid`` its answer names, where it names one."""
    if ppid not in (None, 0, 1):
        return (f"'ps -ww -o args= -p {ppid}' shows the command line of the Apache that "
                f"answered (the answer's ppid), whose -f names that file; where it shows "
                f"none, the system's: 'apachectl -S'")
    port = address.rpartition(":")[2]
    return (f"'ss -ltnp sport = :{port}' names the process listening there and 'ps -ww -o "
            f"args= -p PID' its command line, whose -f names that file; where it shows none, "
            f"the system's: 'apachectl -S'")


def unlistened(front: FrontConfig, address: str | None) -> tuple[str, tuple[Evidence, ...]]:
    """Where the configuration opens no ``Listen`` for ``address``: the sentence saying it
    says nothing about that server, and its Listen lines; ("", ()) otherwise."""
    if address is None or not isinstance(front, ApacheRoutes):
        return "", ()
    listens = unopened(front.site, address)
    if not listens:
        return "", ()
    return (f"The configuration given opens no Listen for {address}: it listens at "
            f"{opened(listens)}, so it is not the configuration of the server there and "
            f"says nothing about it; sweep {address} with the file that server reads "
            f"({_reads(address)})."), tuple(
        Evidence(EvidenceKind.CONFIGURED, f"Listen {lst.directive.arg(0)}",
                 lst.directive.where) for lst in listens)


def not_reloaded(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
                 config: ConfigJoin, route: PredictedRoute, differ: Sequence[Difference],
                 script: str | None, group: str | None) -> Diagnosis | None:
    """The diagnosis where ``route`` reaches the expected instance's ``script`` (in ``group``)
    and another instance answered; None where it does not (or the front is not Apache)."""
    mount = route.step("mount")
    if diagnosis.verdict is not Verdict.WRONG_INSTANCE or not obs.target.expected or \
            not isinstance(config.front, ApacheRoutes) or route.script_file is None or \
            (group is not None and route.process_group != group) or mount is None or \
            mount.source is None:
        return None
    # Each server of a fleet may have its own copy of the sites: the script meant is the
    # expected instance's own wherever it answered, this server's copy included.
    script = next((s for s in (script, *_scripts(context, obs.target.expected))
                   if s is not None and same_file(s, route.script_file)), None)
    if script is None:
        return None
    if config.divergence is not None and config.divergence(route, script, group) is not None:
        return None
    address = obs.target.address or route.address or "the address probed"
    expected = obs.target.expected
    kept = tuple(c for c in diagnosis.candidates if c.cause not in LINE_CAUSES)
    left = f" Cause undetermined: {' or '.join(c.cause.value for c in kept)}." if kept else ""
    ruled = sorted({c.cause.value for c in diagnosis.candidates} - {c.cause.value for c in kept})
    out = f" ({' and '.join(ruled)} ruled out)" if ruled else ""
    explanation = (f"{_UNDETERMINED.sub(left, diagnosis.explanation, count=1)} "
                   f"{not_this_configuration(differ)} It routes this URL to {expected}'s "
                   f"mount ({mount.rule}, {mount.source}), so no line of it is the "
                   f"cause{out}.")
    answered = _answered_by(differ)
    running = _running(obs, context, route)
    # The Apache that answered, by the ppid of its answers: the system's apachectl or
    # systemctl controls another Apache where this one was started with -f (tester T38's
    # fleet: 'apachectl -k graceful' would have started the system's Apache).
    parent = next((a.ppid for s in obs.samples if (a := s.trusted_answer) is not None
                   and a.ppid not in (None, 0, 1)), None)
    fix = (f"Reload the server at {address}: the configuration given sends this URL to "
           f"{expected} ({mount.rule}, {mount.source}), and the answer there came from "
           f"{diagnosis.answered_by or 'another instance'} ({answered}), so the server "
           f"there is not running it as read. To reload it, "
           f"{apache_restart_words(obs, context, config.front)}.")
    if running:
        fix += (f" {joined([a for a, _ in running])} answered it as the configuration "
                f"predicts ({_shown(running[0][1], route)}): "
                f"{'they run' if len(running) > 1 else 'it runs'} it.")
    fix += (f" If {address} still answers so after a reload, the configuration given is not "
            f"the one that server reads: check its -f and -d and the files it Includes "
            f"({_reads(address, parent)}).")
    evidence = (*diagnosis.evidence, *difference_evidence(obs, differ, context),
                *(Evidence(EvidenceKind.OBSERVED, f"{_shown(answer, route)} at {other}",
                           f"GET {obs.target.probe_url(context.manifest.probe.segment)}")
                  for other, answer in running))
    return dataclasses.replace(diagnosis, cause=None, explanation=explanation, fix=fix,
                               evidence=evidence, candidates=kept)


def _answered_by(differ: Sequence[Difference]) -> str:
    """The observed fields that differ from the route's, as the answer shows them."""
    return ", ".join(f"observed {name} {quoted(seen)}" for name, _, seen, _ in differ
                     if name in ("script_file", "process_group", "script_name"))


def _shown(answer: EndpointAnswer, route: PredictedRoute) -> str:
    """What an answer that agrees with ``route`` shows of it."""
    script = answer.raw.get("script_file")
    same = isinstance(script, str) and route.script_file is not None and \
        same_file(script, route.script_file)
    fields = [("script_file", script if same else None),
              ("process_group", answer.process_group if route.process_group else None),
              ("script_name", answer.script_name)]
    return ", ".join(f"observed {name} {quoted(value)}" for name, value in fields
                     if value is not None)


def _running(obs: Observation, context: SweepContext,
             route: PredictedRoute) -> list[tuple[str, EndpointAnswer]]:
    """The other addresses of the sweep whose answer to the URL is what ``route`` predicts."""
    key = ("observations_by_url", "")
    if key not in context.memo:  # once per sweep: asked for every URL not reloaded
        grouped: dict[str, list[Observation]] = defaultdict(list)
        for each in context.observations:
            grouped[each.target.url].append(each)
        context.memo[key] = grouped
    by_url = context.memo[key]
    assert isinstance(by_url, dict)
    found = []
    for other in by_url.get(obs.target.url, ()):
        address = other.target.address
        if other is obs or address is None or address == obs.target.address:
            continue
        answer = next((s.trusted_answer for s in reversed(other.samples)
                       if s.trusted_answer), None)
        if answer is None or context.identify(answer, obs.target.expected) != \
                obs.target.expected:
            continue
        # Its own copy of the script (a fleet's servers each have theirs) is no difference.
        if not [d for d in differences(route, answer) if d[0] != "script_file"]:
            found.append((address, answer))
    return found


def _scripts(context: SweepContext, instance: str) -> list[str]:
    """The WSGI scripts ``instance``'s answers report, anywhere in the sweep (observed)."""
    key = ("instance_scripts", instance)
    if key not in context.memo:  # once per instance: asked for every URL not reloaded
        found = (a.raw.get("script_file") for _, a in context.answers_of(instance))
        context.memo[key] = list(dict.fromkeys(s for s in found if isinstance(s, str) and s))
    scripts = context.memo[key]
    assert isinstance(scripts, list)
    return scripts
