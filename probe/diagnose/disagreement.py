"""``inconsistent``: the samples of one URL disagree on who answered, said from the answers
(through nginx too: :func:`through_nginx`).

Who answered is the instance identified, the label and the settings, and the process and
application groups where the manifest declares them for the instance. A group it does not
declare is no part of who answered: a pool mixing mod_wsgi-express (a daemon group named
after its address) with gunicorn (none) serves one application; the ok verdict says the
groups seen.

The words follow the evidence: which field differs, between which answers (each named by
its pid and ``server.listen``, else its host: behind a balancer the address probed is the
balancer's), and where the answers show several servers or one server's processes. The
odd one out, when most answers agree, is named first, with the backend's address (a
mod_wsgi-express backend's from its process_group, ``HOST:PORT``, where server.listen is
null).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from probe.diagnose import backends, wording
from probe.diagnose.answer_names import (
    distinct_by,
    fields_seen,
    joined,
    place,
    places,
    server_kind,
)
from probe.diagnose.code_drift import Server, server_on
from probe.diagnose.embedded_settings import embedded_cause
from probe.diagnose.fronts import EXPRESS_NAMING, listen, listening
from probe.diagnose.identify import SweepContext
from probe.diagnose.reload import reload_ways
from probe.diagnose.wording import Diagnosis, script_file
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Instance
from probe.model import Evidence, EvidenceKind, Observation
from probe.safe_text import quoted

if TYPE_CHECKING:  # the check path diagnoses without loading the front model
    from probe.front import PredictedRoute

Key = tuple[str | None, ...]


def _key(context: SweepContext, answer: EndpointAnswer, expected: str | None,
         instance: Instance | None) -> Key:
    declared_app = instance is not None and instance.application_group is not None
    declared_group = instance is not None and instance.process_group is not None
    return (context.identify(answer, expected), answer.label, answer.settings,
            answer.application_group if declared_app else None,
            answer.process_group if declared_group else None)


def disagreement(obs: Observation, answers: Sequence[EndpointAnswer],
                 context: SweepContext) -> Diagnosis | None:
    expected = obs.target.expected
    instance = context.manifest.instances.get(expected or "")
    kinds = distinct_by(answers, lambda a: _key(context, a, expected, instance))
    if len(kinds) < 2:
        return None
    groups = [(len(group), _who(group, context.display_name(group[0], expected)),
               group[0].settings, places(group)) for group in kinds.values()]
    found = wording.inconsistent(obs.target.url, len(answers), groups,
                                 context.display_name(answers[-1], expected))
    # Which process gave what, so one bad process can be told from a bad backend.
    seen = backends.processes_seen(answers)
    return dataclasses.replace(
        found, explanation=f"{found.explanation} {seen}",
        fix=why(list(kinds.values()), len(answers),
                instance.settings if instance is not None else None),
        evidence=tuple(Evidence(EvidenceKind.OBSERVED, fields,
                                f"GET {obs.target.url}, {places(group)}")
                       for group in kinds.values() if (fields := _fields(group[0]))))


def _who(group: Sequence[EndpointAnswer], name: str) -> str:
    """``name`` with the mode its answers ran in, when they share one: the pids are in the
    places each group is said with (one pid for several processes misled)."""
    modes = {a.process_group for a in group}
    if len(modes) != 1:
        return name
    (mode,) = modes
    return f"{name} (daemon {quoted(mode)})" if mode else \
        f"{name} (embedded)" if mode == "" else name


def _fields(answer: EndpointAnswer) -> str | None:
    return fields_seen(("label", answer.label), ("settings", answer.settings),
                       ("process_group", answer.process_group),
                       ("application_group", answer.application_group))


def _server(answer: EndpointAnswer) -> Server:
    """One server, by :mod:`.code_drift`'s rule (a process that is its whole server, such as
    runserver's, is told apart from another under the same parent)."""
    return server_on(answer.hostname or listen(answer) or "?", answer)


def why(groups: list[list[EndpointAnswer]], total: int, settings: str | None = None) -> str:
    """The fix of disagreeing answers, from what differs between ``groups``; ``settings``: the
    manifest's for the instance, which tells the answers that differ from the others."""
    firsts = [g[0] for g in groups]
    servers = {_server(a) for g in groups for a in g}
    if len({a.label for a in firsts}) > 1:
        named = _express_addresses(groups)
        return (f"{odd_one_out(groups, total)}{named} Another application's server answers "
                f"this URL: find the server at that address"
                f"{'' if named else ' (server.listen, else its host)'} among the "
                f"backends this address passes requests to, and take it out or point it at "
                f"the right application.")
    if len({a.settings for a in firsts}) > 1:
        each = "; ".join(f"{quoted(g[0].settings)} at {places(g)}" for g in groups)
        embedded = all(server_kind(a) == "mod_wsgi" and a.embedded for a in firsts)
        if embedded and len(servers) == 1:
            return (f"The processes of one Apache run different settings ({each}), embedded "
                    f"in Apache, each child loading the instances in its own order: "
                    f"{embedded_cause(groups)}")
        where = ("different servers answered this address" if len(servers) > 1 else
                 "the processes of one server answered")
        odd = [a for g in groups if g[0].settings != settings for a in g]
        if settings is not None and len(odd) < sum(len(g) for g in groups):
            return f"DJANGO_SETTINGS_MODULE differs ({each}): {where}. {_differ(odd, settings)}"
        return (f"DJANGO_SETTINGS_MODULE differs ({each}): {where}. Set the same settings "
                f"module on each (assign os.environ['DJANGO_SETTINGS_MODULE'] in the WSGI "
                f"script, or set it in the environment of the service that starts the "
                f"server), then restart the ones that differ.")
    for field in ("process_group", "application_group"):
        if len({getattr(a, field) for a in firsts}) > 1:
            each = "; ".join(f"{getattr(g[0], field)!r} at {places(g)}" for g in groups)
            return (f"The same application answered with different {field} values ({each}), "
                    f"where the manifest declares this instance's {field}: on each server "
                    f"named, check which WSGIProcessGroup (process-group=) and "
                    f"WSGIApplicationGroup (application-group=) serve this URL.")
    return ("The answers name different instances of the manifest: " + "; ".join(
        f"{places(g)}" for g in groups) + ".")


def _differ(odd: Sequence[EndpointAnswer], settings: str) -> str:
    """The answers whose settings are not the manifest's, named by what they show (script,
    pid and ppid, host, server.listen), and the restart of their servers alone (tester T38: the
    fix through a balancer named no member, where stale_code names its script and parent)."""
    scripts = joined(list(dict.fromkeys(quoted(s) for a in odd if (s := script_file(a)))))
    parents = joined(list(dict.fromkeys(str(a.ppid) for a in odd if a.ppid not in (None, 0, 1))))
    shown = "; ".join(part for part in (
        f"script_file {scripts}" if scripts else "",
        f"ppid {parents}" if parents else "") if part)
    listened = [at for a in odd if (at := listen(a))]
    address = (f"at server.listen {joined(list(dict.fromkeys(listened)))}" if listened else
               "which backend of this address that is the answers do not say (server.listen "
               "is null): the access log of the front with the backend's address "
               "($upstream_addr in nginx) or a sweep of each backend with --connect tells it")
    which = "that server" if len({_server(a) for a in odd}) == 1 else "those servers"
    return (f"The manifest expects {quoted(settings)}: {places(odd)} answered with "
            f"{joined(list(dict.fromkeys(quoted(a.settings or '') for a in odd)))}"
            f"{f' ({shown})' if shown else ''}, {address}. On {which} only, set "
            f"{quoted(settings)} (assign os.environ['DJANGO_SETTINGS_MODULE'] in its WSGI "
            f"script, or set it in the environment of the service that starts it), "
            f"then {reload_ways(odd, capital=False)}; the others already run it.")


def _express_addresses(groups: Sequence[Sequence[EndpointAnswer]]) -> str:
    """Where each application's answers listen, where server.listen is null and every one is
    a mod_wsgi-express daemon group's HOST:PORT (its process_group); else empty."""
    seen = [(g[0].label, at) for g in groups if (at := listening(g[0])) is not None]
    if len(seen) < len(groups) or all(at.field == "server.listen" for _, at in seen):
        return ""
    return (" Where each listens: " + "; ".join(
        f"{label!r} at {at.value} ({at.field})" for label, at in seen)
        + f". A process_group is read as an address where server.listen is null: "
          f"{EXPRESS_NAMING}.")


def odd_one_out(groups: Sequence[Sequence[EndpointAnswer]], total: int) -> str:
    """Which answers came from another application: the fewest, when most agree; else
    where each application answered from."""
    ordered = sorted(groups, key=len)
    if len(ordered[0]) < len(ordered[1]):
        odd = ordered[0]
        others = sorted({repr(g[0].label) for g in groups if g[0].label != odd[0].label})
        return (f"The odd one out: {places(odd)} answered as {quoted(odd[0].label)} ({len(odd)} of "
                f"{total} samples); the others as {joined(others)}.")
    return "Where each application answered from: " + "; ".join(
        f"{quoted(g[0].label)} from {places(g)}" for g in groups) + "."


def by_label(answers: Sequence[EndpointAnswer]) -> list[list[EndpointAnswer]]:
    return list(distinct_by(answers, lambda a: a.label).values())


def through_nginx(obs: Observation, diagnosis: Diagnosis, route: PredictedRoute | None,
                  context: SweepContext | None = None,
                  routes: Callable[[Observation], PredictedRoute | None] | None = None,
                  ) -> Diagnosis:
    """Different applications answering one URL through nginx: which answer came from where
    (pid, server.listen, else host), and the upstream the configuration passes the URL to;
    not Apache's children and embedded mode. With ``context``, the members of that upstream
    the answers came from (:mod:`.join_upstream`)."""
    answers = [a for s in obs.samples if (a := s.trusted_answer) is not None]
    groups = by_label(answers)
    if len(groups) < 2:  # one application, other settings: the generic words stand
        return diagnosis
    upstream = route.step("upstream") if route is not None else None
    decided = route is not None and upstream is not None and route.upstream
    named = (f" The configuration given passes this URL to {route.upstream} ({upstream.rule}, "
             f"{upstream.source})." if decided and route is not None and upstream is not None
             else f" The configuration given leaves where this URL goes to each request "
                  f"({upstream.rule}, {upstream.source})." if upstream is not None else "")
    where = (f"check the servers of {route.upstream} ({upstream.source})"
             if decided and route is not None and upstream is not None else
             f"nginx's access log with $upstream_addr shows where each request went from "
             f"{upstream.source}" if upstream is not None else
             "'nginx -T' shows the upstream of this location (probe sweep --config names it)")
    split = None
    if route is not None:  # the front model's words only with a route: the check path has none
        from probe.diagnose.nginx_split import split_words

        split = split_words(route, groups, obs.target.expected)
    worded = dataclasses.replace(
        diagnosis, explanation=f"{diagnosis.explanation}"
                               f"{split.why if split is not None else named}",
        fix=(f"{odd_one_out(groups, len(answers))} "
             + (split.fix if split is not None else
                f"One URL answered by different applications through nginx: the upstream it "
                f"is passed to holds servers of different applications (a member on another "
                f"application's port), or requests to this address reach different nginx "
                f"servers; {where}.")),
        evidence=(*diagnosis.evidence,
                  *(Evidence(EvidenceKind.OBSERVED, f"server.listen = {at!r}",
                             f"GET {obs.target.url}, {place(a)}")
                    for a in {place(a): a for a in answers}.values()
                    if (at := listen(a))),
                  *((Evidence(EvidenceKind.CONFIGURED, upstream.rule, str(upstream.source)),)
                    if upstream is not None and upstream.source is not None else ())))
    if context is None or split is not None:
        return worded
    from probe.diagnose.join_upstream import member_cause

    return member_cause(obs, worded, route, context, routes) or worded
