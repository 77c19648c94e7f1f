"""A misroute whose answering label is no instance's of the manifest, where the evidence
cannot tell a wrong pass line from a manifest label the application does not give.

A tester (T19) swept a manifest ``probe discover`` wrote for nginx: it proposes each
instance's label from the pass line's socket (``gunicorn-gunicorn``), since nginx names no
label, while the applications had long been wrapped with their own (``wrap(label="kalodev")``).
Every URL came out ``wrong_upstream`` with "At ...:13, pass to gunicorn-gunicorn's address",
a fix that would break a working site. A manifest label mistyped does the same.

Where the answer's label matches no instance, no URL of the instance meant was answered with
its manifest label, and the server that answered listens at the very address the route
passes this URL to by a name it matched (``--config``; without it, where it is passed is
not read; a URL no name took went to the default block: the configuration decides), the
answers fit both: the pass line leads to another application, or it leads to the right one and the
manifest's label for it is not the one its application gives. The cause is left open, the
label comparison (the answer's ``label`` field against the manifest's) named as the check and
led with; the pass line's fix follows as the other reading.

The answer's other fields weigh first. One that contradicts what the manifest declares for
the instance meant (settings, process_group, application_group) rules the label reading out:
setting the label would not make it pass (a re-tester's wrong port: site3's URL answered by
another application with its own settings and group was told to set label = 'other1').
One that agrees with every such field declared, and the label alone differs (a near miss, as
identify() calls it), decides it (:func:`label_decided`): the application meant answered under
another label, so no route is blamed (a re-tester's 'chain' label given to all three sites was
told to change each pass line). The same near miss answered directly by Apache/mod_wsgi is
decided by the same function (probe.diagnose.causes.near_miss): one reading, either front.
"""

from __future__ import annotations

import dataclasses

from probe.diagnose.fronts import listening, same_listen
from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import Diagnosis, script_hint
from probe.endpoint_answer import EndpointAnswer
from probe.front import PredictedRoute
from probe.manifest import Instance
from probe.model import Candidate, Cause, Evidence, EvidenceKind, Observation, Verdict

# What says which application answered, besides its label (probe.diagnose.identify).
_FIELDS = ("settings", "process_group", "application_group")
_NAMES = {"settings": "settings", "process_group": "process group",
          "application_group": "application group"}


def _declared(answer: EndpointAnswer, meant: Instance) -> tuple[list[str], list[str]]:
    """(agree, contradict): the fields the manifest declares for ``meant`` besides the label,
    split by whether the answer gives the declared value (not reporting one contradicts: the
    label alone set would not make it pass)."""
    agree: list[str] = []
    contradict: list[str] = []
    for field in _FIELDS:
        wanted = getattr(meant, field)
        if wanted is not None:
            (agree if getattr(answer, field) == wanted else contradict).append(field)
    return agree, contradict


def _unlabelled(obs: Observation, diagnosis: Diagnosis, context: SweepContext
                ) -> tuple[EndpointAnswer, Instance] | None:
    """The answer and the instance meant, where the answer's label is none of the manifest's
    and no URL of that instance was answered with its manifest label."""
    expected = obs.target.expected
    answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer), None)
    meant = context.manifest.instances.get(expected or "")
    if diagnosis.verdict is not Verdict.WRONG_INSTANCE or answer is None or meant is None \
            or meant.label is None or not answer.label or answer.label == meant.label \
            or context.identify(answer, expected) is not None \
            or bool(context.answers_of(meant.name)):
        return None
    return answer, meant


def label_decided(obs: Observation, diagnosis: Diagnosis, context: SweepContext
                  ) -> Diagnosis | None:
    """The manifest's label as the cause, where the answer agrees with every other field the
    manifest declares for the instance meant (its settings among them), and no other instance
    declares those same values: the application meant answered, under another label."""
    found = _unlabelled(obs, diagnosis, context)
    if found is None:
        return None
    answer, meant = found
    agree, contradict = _declared(answer, meant)
    # The settings module says which application it is; a process or application group says
    # only where it runs (another script mounted into the group meant shows the same group).
    if "settings" not in agree or contradict or any(
            all(getattr(other, f) == getattr(answer, f) for f in agree)
            for other in context.manifest.instances.values() if other.name != meant.name):
        return None
    name, label, written, url = meant.name, answer.label, meant.label, obs.target.url
    fields = " and ".join(f"{_NAMES[f]} {getattr(answer, f)!r}" for f in agree)
    pid = f" (pid {answer.pid})" if answer.pid is not None else ""
    # All words replaced: a route's (nginx passed it to ...) is not in question.
    return dataclasses.replace(
        diagnosis, cause=Cause.MANIFEST_LABEL, candidates=(),
        explanation=f"{url} should be served by {name}; it is answered with {fields} as the "
                    f"manifest declares for {name}, but label {label!r}, not {written!r}"
                    f"{pid}: {name}'s application answered, and the label it gives "
                    f"(wrap(label=...) in its WSGI script) is not the manifest's.",
        fix=f"Set label = {label!r} in [instances.{name}], or wrap(label={written!r}) in "
            f"{name}'s WSGI script{script_hint(answer)}, and probe again: the request "
            f"reached {name}'s application ({fields}), so no route needs to change.",
        evidence=tuple(Evidence(EvidenceKind.OBSERVED, f"{field} = {getattr(answer, field)!r}",
                                f"GET {url}") for field in ("label", *agree)))


def _passes_there(route: PredictedRoute | None, at: str | None) -> bool:
    """Without the configuration nothing says where the URL is passed: both stay open.
    With it, the route's address (or a member of its group) is where the answer came from."""
    if route is None:
        return True
    site = route.step("site")
    if site is not None and site.by == "default":
        # No server_name took the URL's host: the configuration decides (the default block
        # answered), whatever the labels (a re-tester's server_name typo was told to compare
        # labels first, which would have made the misrouted URL pass).
        return False
    members = [m.strip() for m in (route.upstream or "").split(",") if m.strip()]
    return at is not None and any(same_listen(at, m) for m in members)


def label_unmatched(obs: Observation, diagnosis: Diagnosis, context: SweepContext,
                    route: PredictedRoute | None) -> Diagnosis:
    """``diagnosis`` with the manifest's label as the first reading, where the answers cannot
    tell it from the pass line; the manifest's label as the cause where the answer's other
    fields decide it (:func:`label_decided`); else ``diagnosis`` unchanged."""
    decided = label_decided(obs, diagnosis, context)
    if decided is not None:
        return decided
    found = _unlabelled(obs, diagnosis, context)
    if found is None or _declared(*found)[1]:
        # A declared field the answer contradicts: another application (observed).
        return diagnosis
    answer, meant = found
    # mod_wsgi-express reports no server.listen: its group HOST:PORT says where it listens
    # (R31: discover's app-18101 for the express port 18101 read as a wrong pass line)
    seen = listening(answer)
    at = seen.address if seen is not None else None
    if not _passes_there(route, at):
        return diagnosis
    name, label, written = meant.name, answer.label, meant.label
    said = seen.said if seen is not None and seen.field == "process_group" else "server.listen"
    where = (f"the configuration read passes this URL to {at}, the very address the answering "
             f"server listens on ({said})"
             if route is not None else
             "no configuration read shows where nginx passes this URL")
    why = (f" The answer's label {label!r} is no instance's of the manifest, no URL of {name} "
           f"was answered with its manifest label {written!r}, and {where}: the answers do "
           f"not tell a pass line to another application from a manifest whose label for "
           f"{name} is not the one its application gives (wrap(label=...)).")
    other = diagnosis.fix[:1].lower() + diagnosis.fix[1:]
    fix = (f"Compare the labels first: the answer's label field is {label!r}, the manifest's "
           f"[instances.{name}] label {written!r}. If the application that answered is "
           f"{name}'s (its WSGI script's wrap(label=...) gives {label!r}), set label = "
           f"{label!r} in [instances.{name}] and probe again: nothing else changes. If it is "
           f"not, {other}")
    check = Candidate(Cause.MANIFEST_LABEL, f"compare the answer's label field {label!r} with "
                                            f"[instances.{name}] label {written!r}: whether "
                                            f"the application that answered is {name}'s")
    others = diagnosis.candidates or ((Candidate(diagnosis.cause, "the label comparison: "
                                                 "if the application is not "
                                                 f"{name}'s, this cause"),)
                                      if diagnosis.cause is not None else ())
    return dataclasses.replace(
        diagnosis, cause=None, explanation=f"{diagnosis.explanation}{why}", fix=fix,
        candidates=(check, *others),
        evidence=(*diagnosis.evidence,
                  Evidence(EvidenceKind.OBSERVED, f"label = {label!r}, no instance's of the "
                           f"manifest", f"GET {obs.target.url}")))
