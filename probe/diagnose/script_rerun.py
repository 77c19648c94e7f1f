"""A WSGI script run again inside its process, judged against the deploy time.

mod_wsgi's embedded mode runs a changed WSGI script again in the same Apache child ("Reloading
WSGI script ... into main interpreter in embedded mode"): ``wrap()`` runs again, so the answer's
``code.version`` is read anew and its ``started_at`` is that run, while every module the first
run imported stays loaded (a tester's view answered the old code 12 times of 12 while the sweep
said ok). The endpoint's ``code.script_loads`` (2 or more) and ``code.first_loaded_at`` say
so; ``process_started_at`` stands in for the first run where an answer lacks it.

With a deploy time, a first run before it is ``stale`` (cause ``stale_code``); without one the
answers cannot tell whether those modules changed since, and the ``script_rerun`` finding
(warning) says so and names the check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from probe.deploy_time import Cutoff, RestartCutoffs
from probe.diagnose.answer_names import place, places, server_kind
from probe.diagnose.apache_graceful import graceful
from probe.diagnose.reload import reload_fix
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.model import Cause, Evidence, EvidenceKind, Finding, Observation, Status, Verdict
from probe.safe_text import quoted

SCRIPT_RERUN = "script_rerun"


def rerun(answer: EndpointAnswer) -> bool:
    """The answering copy's script ran before in this process (``code.script_loads`` > 1)."""
    return (answer.script_loads or 0) > 1


def first_run(answer: EndpointAnswer) -> tuple[datetime | None, str]:
    """When the modules in use were imported, at the latest, and the field that says it."""
    if answer.first_loaded is not None:
        return answer.first_loaded, f"code.first_loaded_at {answer.first_loaded_at}"
    return answer.process_started, f"process_started_at {answer.process_started_at}"


def _seen(answer: EndpointAnswer, copies: Sequence[EndpointAnswer] = ()) -> str:
    """The fields, as the answer gave them, of one re-run copy; its application group where
    another of ``copies`` ran in the same process."""
    first, said = first_run(answer)
    process = (f", in a process started at {answer.process_started_at} (process_started_at)"
               if answer.process_started_at and first is not None
               and answer.first_loaded is not None else "")
    # One process runs a script in each of its interpreters: the group tells the runs apart
    # (re-tester R26's warning named one pid twice and nothing else).
    shared = sum(1 for c in copies if c.pid == answer.pid) > 1
    group = (f" (application_group {quoted(answer.application_group)})"
             if shared and answer.application_group is not None else "")
    return (f"{place(answer)}{group} ran its WSGI script {answer.script_loads} times "
            f"(code.script_loads {answer.script_loads}), the first at {said}{process}, the "
            f"last at {answer.started_at} (started_at), when it read code.version "
            f"{quoted(answer.code_version)}")


def _embedded(answer: EndpointAnswer) -> bool:
    return answer.embedded and server_kind(answer) == "mod_wsgi"


def restart_fix(answers: Sequence[EndpointAnswer]) -> str:
    """A restart of the processes, never the script run again: for mod_wsgi embedded mode,
    the Apache that runs them, by its own control (an Apache started with ``-f CONF`` is not
    the one the system's apachectl controls)."""
    embedded = [a for a in answers if _embedded(a)]
    if not embedded:
        return (f"{reload_fix(answers)} Running the WSGI script again does not re-import the "
                f"modules it imported.")
    return (f"Restart Apache, not the script: touching the WSGI script again only runs it again "
            f"in the same children (mod_wsgi embedded mode), with the same modules. "
            f"To restart it, {apache_control(embedded)}. 'graceful' lets old children finish "
            f"their requests first: probe again after they have exited, and check that "
            f"code.script_loads is 1.")


def apache_control(answers: Sequence[EndpointAnswer]) -> str:
    """How to restart the Apache whose children (or daemon processes) gave ``answers``, by
    its own command (:mod:`.apache_graceful`): one started with ``-f CONF`` is not the
    system's apachectl's."""
    return graceful([a.ppid for a in answers], answers[0].pid, places(answers))


def stale(answers: Sequence[EndpointAnswer], cutoff: Cutoff | None, shown: str,
          url: str) -> Diagnosis | None:
    """``stale`` where a copy's script ran again in a process whose first run of it was before
    the deploy: the modules that run imported are older than the deploy."""
    if cutoff is None:
        return None
    old = [a for a in answers if rerun(a)
           and (first := first_run(a)[0]) is not None and first < cutoff.moment]
    if not old:
        return None
    each = list({(a.pid, a.first_loaded_at, a.script_loads): a for a in old}.values())
    since = f"before {cutoff.moment.isoformat()} ({cutoff.source})"
    how = " (mod_wsgi embedded mode reloads a changed script so)" \
        if any(map(_embedded, each)) else ""
    return Diagnosis(
        Verdict.STALE, Cause.STALE_CODE,
        explanation=(
            f"{url} is served by {shown}, but with modules imported {since}: "
            f"{'; '.join(_seen(a, each) for a in each)}. A WSGI script run again in the same "
            f"process does not re-import the modules its first run imported{how}"
            f": code.version and started_at are the last run's, the modules the first run's."),
        fix=restart_fix(each),
        answered_by=shown,
        evidence=tuple(Evidence(EvidenceKind.OBSERVED,
                                f"code.script_loads = {a.script_loads}, {first_run(a)[1]}",
                                f"GET {url}, {place(a)}") for a in each),
    )


def findings(observations: Sequence[Observation], cutoffs: RestartCutoffs,
             identify: Callable[[EndpointAnswer, str | None], str | None]) -> tuple[Finding, ...]:
    """``script_rerun`` (warning) for an instance whose copies ran their script again, where
    no deploy time is given for it: whether the modules kept changed since is not decided."""
    seen: dict[str, dict[tuple[int | None, str | None], EndpointAnswer]] = {}
    for obs in observations:
        for sample in obs.samples:
            answer = sample.trusted_answer
            if answer is None or not rerun(answer):
                continue
            name = identify(answer, obs.target.expected)
            if name is None or cutoffs.of(name) is not None:
                continue  # with a deploy time the URL's verdict decides (stale above)
            seen.setdefault(name, {})[(answer.pid, answer.first_loaded_at)] = answer
    return tuple(_finding(name, list(copies.values())) for name, copies in seen.items())


def _finding(name: str, copies: Sequence[EndpointAnswer]) -> Finding:
    return Finding(SCRIPT_RERUN, Status.WARNING, (name,), (
        f"{name}: {'; '.join(_seen(a, copies) for a in copies)}. The modules the first run "
        f"imported are still the ones in use: code.version and started_at are the last run's. "
        f"Whether they changed since is not in the answers: the deploy time decides it (sweep with "
        f"--restarted-after, or the instance's restarted_after: a first run before it is "
        f"stale). To load every module anew: {restart_fix(copies)}"))
