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
"""

from __future__ import annotations

import dataclasses

from probe.diagnose.fronts import listen, same_listen
from probe.diagnose.identify import SweepContext
from probe.diagnose.wording import Diagnosis
from probe.front import PredictedRoute
from probe.model import Candidate, Cause, Evidence, EvidenceKind, Observation, Verdict


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
    tell it from the pass line; else ``diagnosis`` unchanged."""
    expected = obs.target.expected
    answer = next((s.trusted_answer for s in reversed(obs.samples) if s.trusted_answer), None)
    meant = context.manifest.instances.get(expected or "")
    if diagnosis.verdict is not Verdict.WRONG_INSTANCE or answer is None or meant is None \
            or meant.label is None or not answer.label or answer.label == meant.label \
            or context.identify(answer, expected) is not None \
            or bool(context.answers_of(meant.name)):
        return diagnosis
    at = listen(answer)
    if not _passes_there(route, at):
        return diagnosis
    name, label, written = meant.name, answer.label, meant.label
    where = (f"the configuration read passes this URL to {at}, the very address the answering "
             f"server listens on (server.listen)" if route is not None else
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
