"""Django's FORCE_SCRIPT_NAME against the mount each URL is served at, for every front.

When it is set (not None), Django's ``django.core.handlers.wsgi.get_script_name`` returns it
in place of every request's SCRIPT_NAME: ``reverse()``, redirects and ``request.path`` of
every site the processes serve are built with it. So:

* an answer whose ``request.force_script_name`` is set and is not the mount its URL is
  served at (the prefix the front took off, else its ``request.script_name``) is
  ``mount_mismatch`` with cause ``force_script_name``, though the probe itself (answered
  before Django runs) looks right;
* a mount fix never proposes FORCE_SCRIPT_NAME where the same processes serve another URL
  of the sweep at another mount (:func:`shared_words`): one setting cannot be two mounts. A
  URL under this one's prefix served at '' with the whole path is the same mount told the
  same wrong way (/checkin/admin/ beside /checkin/), not another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from probe.diagnose.answer_names import place, share
from probe.diagnose.code_drift import server_of
from probe.diagnose.fronts import front_of
from probe.diagnose.identify import SweepContext
from probe.diagnose.mount_location import own_answer
from probe.diagnose.mount_words import mount_fix
from probe.diagnose.reload import reload_ways
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer, mapping
from probe.model import Cause, Evidence, EvidenceKind, FrontKind, Observation, Verdict
from probe.safe_text import quoted

if TYPE_CHECKING:
    from probe.front import PredictedRoute

Routes = Callable[[Observation], "PredictedRoute | None"]
"""Another URL's route in the configuration given (--config), for the fix of a site that
relied on the setting: its location named with its line, not said unread."""

GET_SCRIPT_NAME = "django.core.handlers.wsgi.get_script_name"


@dataclass(frozen=True)
class Served:
    """One URL of the sweep, the mount it is served at, and the answer that shows it."""

    url: str
    mount: str  # '' for the root
    answer: EndpointAnswer
    obs: Observation

    @property
    def seen(self) -> str:
        return (f"request.script_name {quoted(self.answer.script_name)}, request.path_info "
                f"{quoted(self.answer.path_info)}")


def forced(answer: EndpointAnswer) -> str | None:
    """``request.force_script_name``: Django's FORCE_SCRIPT_NAME, None where not set."""
    value = mapping(answer.raw.get("request")).get("force_script_name")
    return value if isinstance(value, str) else None


def served_at(answer: EndpointAnswer, sent: str) -> str | None:
    """The mount a probe request that went out as path ``sent`` was served at: its
    SCRIPT_NAME where SCRIPT_NAME and PATH_INFO make the path sent, else the prefix the front
    took off; None where the answer shows neither (the prefix passed twice, a path rewritten)."""
    script, info = answer.script_name, answer.path_info
    if script is None or info is None:
        return None
    if script + info == sent:
        return script.rstrip("/")
    if not script and info != sent and sent.endswith(info):
        return sent[:-len(info)].rstrip("/")
    return None


def _sent(obs: Observation, context: SweepContext) -> str:
    return urlsplit(obs.target.probe_url(context.manifest.probe.segment)).path


def _key(obs: Observation, answer: EndpointAnswer) -> tuple[object, ...]:
    # One loaded application under one server: mod_wsgi's daemon groups share Apache's parent,
    # so its groups, the label and the settings module tell its applications apart.
    return (server_of(obs, answer), answer.process_group, answer.application_group,
            answer.label, answer.settings)


def _served(context: SweepContext) -> dict[tuple[object, ...], list[Served]]:
    """Every URL of the sweep by the processes that answered it, built once per sweep and
    only when a diagnosis asks (most sweeps never do)."""
    key = ("force_script_served", "")
    if key not in context.memo:
        by: dict[tuple[object, ...], list[Served]] = {}
        for obs in context.observations:
            sent = _sent(obs, context)
            for sample in obs.samples:
                answer = sample.trusted_answer
                # a URL another instance answered is where the front misroutes, no mount
                mount = served_at(answer, sent) if answer is not None \
                    and own_answer(context, obs, answer) else None
                if answer is not None and mount is not None:
                    by.setdefault(_key(obs, answer), []).append(
                        Served(obs.target.url, mount, answer, obs))
        context.memo[key] = by
    return cast("dict[tuple[object, ...], list[Served]]", context.memo[key])


def other_mounts(context: SweepContext, obs: Observation, answer: EndpointAnswer,
                 mount: str) -> list[Served]:
    """The URLs the same processes serve at another mount than ``mount``, one per mount
    (not those under ``mount`` told it the same wrong way: :func:`_same_mistake`)."""
    found: dict[str, Served] = {}
    for other in _served(context).get(_key(obs, answer), []):
        if other.mount != mount and other.url != obs.target.url and \
                not _same_mistake(other, mount):
            found.setdefault(other.mount, other)
    return list(found.values())


def _processes(obs: Observation, answer: EndpointAnswer) -> str:
    server = server_of(obs, answer)
    return (f"{server.pid_said} on host {server.machine}" if answer.hostname
            else place(answer))


def shared_words(context: SweepContext, obs: Observation, answer: EndpointAnswer,
                 mount: str) -> str:
    """Why FORCE_SCRIPT_NAME is not the fix for ``mount``: the same processes serve another
    URL at another mount (observed); empty where the sweep shows none."""
    others = other_mounts(context, obs, answer, mount)
    if not others:
        return ""
    other = others[0]
    return (f" Not FORCE_SCRIPT_NAME: the same processes ({_processes(obs, answer)}) also "
            f"serve {other.url} at {other.mount or '/'} ({other.seen}), and Django uses "
            f"FORCE_SCRIPT_NAME for every request when it is set ({GET_SCRIPT_NAME}), so it "
            f"would put {mount or '/'} into that site's links too.")


def _same_mistake(other: Served, mount: str) -> bool:
    """Whether ``other`` is a URL under ``mount`` (its own prefix) that received the whole
    path with SCRIPT_NAME '': the same mount, told the same wrong way, not another site that
    FORCE_SCRIPT_NAME = ``mount`` would move."""
    path = urlsplit(other.url).path or "/"
    return bool(mount) and not other.mount and (path.rstrip("/") + "/").startswith(mount + "/")


def check(obs: Observation, diagnosis: Diagnosis, answers: list[EndpointAnswer],
          context: SweepContext, front: FrontKind,
          route: PredictedRoute | None, routes: Routes | None = None) -> Diagnosis | None:
    """``mount_mismatch`` (cause ``force_script_name``) where an answer's FORCE_SCRIPT_NAME
    is set and is not the mount its URL is served at; None otherwise."""
    if all(forced(a) is None for a in answers):
        return None  # most URLs: nothing below is needed
    sent = _sent(obs, context)
    bad = [a for a in answers if (f := forced(a)) is not None
           and (m := served_at(a, sent)) is not None and f.rstrip("/") != m]
    if not bad:
        return None
    answer = bad[-1]
    value, mount = cast("str", forced(answer)), cast("str", served_at(answer, sent))
    url = obs.target.url
    wrong = value.rstrip("/")
    stripped = answer.script_name != mount
    how = (f"the front took {mount} off the path: {sent} arrived as "
           f"{(answer.script_name or '') + (answer.path_info or '')!r}" if stripped else
           f"request.script_name {quoted(answer.script_name)}, request.path_info "
           f"{quoted(answer.path_info)}")
    some = (f" That is {share(bad, len(answers))}; the others did not."
            if len(bad) < len(answers) else "")
    evidence: tuple[Evidence, ...] = (
        Evidence(EvidenceKind.OBSERVED, f"request.force_script_name = {quoted(value)}",
                 f"GET {url}, {place(answer)}"),
        Evidence(EvidenceKind.OBSERVED, f"request.script_name = {quoted(answer.script_name)}, "
                 f"request.path_info = {quoted(answer.path_info)}", f"GET {url}"))
    others = other_mounts(context, obs, answer, mount)
    there = next((o for o in others if o.mount == wrong), None)
    also = (f" The same processes ({_processes(obs, answer)}) serve {there.url} at "
            f"{there.mount} ({there.seen}): FORCE_SCRIPT_NAME is that site's mount, and it "
            f"applies to this one too." if there is not None else "")
    if there is not None:
        evidence += (Evidence(EvidenceKind.OBSERVED, f"request.script_name = "
                              f"{quoted(there.answer.script_name)}, request.path_info = "
                              f"{quoted(there.answer.path_info)}", f"GET {there.url}"),)
    explanation = (f"{url} is served by the right application at {mount or '/'} ({how}), but "
                   f"Django's FORCE_SCRIPT_NAME is {quoted(value)} (request.force_script_name): "
                   f"when "
                   f"it is set, Django uses it in place of each request's SCRIPT_NAME "
                   f"({GET_SCRIPT_NAME}), so the links and redirects it builds for this URL "
                   f"(reverse(), the admin login, APPEND_SLASH) start with {wrong}/, not with "
                   f"this URL's mount {mount or '/'}; only this probe, answered before Django "
                   f"runs, looks right.{some}{also}")
    return Diagnosis(Verdict.MOUNT_MISMATCH, Cause.FORCE_SCRIPT_NAME, explanation=explanation,
                     fix=_fix(context, obs, answer, mount, front, route, others, routes),
                     answered_by=diagnosis.answered_by,
                     evidence=(*diagnosis.evidence, *evidence))


def _fix(context: SweepContext, obs: Observation, answer: EndpointAnswer, mount: str,
         front: FrontKind, route: PredictedRoute | None, others: list[Served],
         routes: Routes | None) -> str:
    settings = answer.settings or "its settings module"
    reload = reload_ways([answer], capital=False)
    if answer.script_name == mount:
        first = (f"Remove FORCE_SCRIPT_NAME from the settings ({settings}) or set it to None: "
                 f"Django then uses each request's own SCRIPT_NAME, here "
                 f"{quoted(answer.script_name)}, this URL's mount.")
    else:
        first = (f"Remove FORCE_SCRIPT_NAME from the settings ({settings}) and tell each "
                 f"request its mount {mount}: "
                 + _lower(mount_fix(front, mount, route, answer=answer,
                                    shared=shared_words(context, obs, answer, mount))))
    # Where another site of these processes relies on the setting (its front takes its mount
    # off without SCRIPT_NAME), removing it moves that site's links: its per-request way too.
    told = [o for o in others if o.answer.script_name != o.mount]
    then = "".join(
        f" Then {o.url} (mount {o.mount}: its front takes it off the path, {o.seen}) needs its "
        f"mount on each request: "
        + _lower(mount_fix(front_of(o.obs, front if front is FrontKind.NGINX else None),
                           o.mount, routes(o.obs) if routes is not None else None,
                           answer=o.answer,
                           shared=shared_words(context, o.obs, o.answer, o.mount)))
        for o in told)
    return (f"{first}{then} Django reads its settings when the process loads, so then "
            f"{reload}.")


def _lower(sentence: str) -> str:
    """A fix said after a colon: its first word in lower case."""
    return sentence[:1].lower() + sentence[1:]
