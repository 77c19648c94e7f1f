"""Evidence for the causes where the right application runs with the wrong runtime (issue 11).

Routing is right; what runs is not:

- wrong_python: ``python-home``/``WSGIPythonHome`` points at another environment: ``sys.prefix``,
  the Python or the Django version differ from what the manifest declares.
- stale_code: processes of one instance on one server run different code (its ``code.version``
  or the modification time of the WSGI script it loaded differ): a deploy reached some of them
  only. Servers apart are compared on declared versions only (:mod:`.code_drift`).
- time_zone_leak: TZ and ``tzset()`` are process-wide, so another sub interpreter's Django can
  leave this one running in its time zone; this interpreter's own ``TZ`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

from probe.diagnose import wording_causes as words
from probe.diagnose import zone_words
from probe.diagnose.answer_names import distinct_by, groups_of
from probe.diagnose.code_drift import Server, server_of
from probe.diagnose.deploy_reached import current_answers
from probe.diagnose.fronts import listen
from probe.diagnose.identify import SweepContext, identity
from probe.diagnose.reloaded import answered_at, one_socket, reloaded
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Instance
from probe.model import Observation, Verdict


def runtime_problem(
    obs: Observation, answers: Sequence[EndpointAnswer], instance: Instance,
    context: SweepContext,
) -> Diagnosis | None:
    """The first runtime cause the answers of this URL show, in order of how much they decide.

    Every answer is judged, each distinct value of what a cause reads once: behind a balancer
    one backend of several may run another Python, code or zone, and the last sample alone
    would say so in some runs only."""
    shown = context.display_name(answers[-1], instance.name)
    # Behind a balancer a zone is said with how many samples ran in it (a tester's "2 of 6").
    zones = distinct_by(answers, lambda a: (a.tz_name, a.tz_offset_s, a.tz_environ))
    declared = (instance.python_prefix, instance.python_version, instance.django_version)
    python = groups_of(answers, lambda a: (a.python_prefix, a.python_version,
                                           a.django_version)) if any(declared) else []
    return (
        next((found for group in python
              if (found := wrong_python(obs, group[-1], instance, shown, context, group,
                                        len(answers))) is not None), None)
        or mixed_code(obs, answers, instance, shown, context)
        or next((found for group in groups_of(
                    answers, lambda a: (a.pid, a.tz_environ, a.tz_offset_s, a.started_at,
                                        a.uptime_s))
                 if (found := time_zone(obs, group[-1], instance, shown, context, zones[(
                     group[-1].tz_name, group[-1].tz_offset_s, group[-1].tz_environ)],
                     len(answers), answers))
                 is not None), None)
    )


def wrong_python(obs: Observation, answer: EndpointAnswer, instance: Instance, shown: str,
                 context: SweepContext, same: Sequence[EndpointAnswer] = (),
                 total: int = 1) -> Diagnosis | None:
    """``same``: the answers of the URL with this one's Python, of ``total``."""
    checks = (
        ("python.prefix", instance.python_prefix, answer.python_prefix, _same_path),
        ("python.version", instance.python_version, answer.python_version, _same_version),
        ("python.django_version", instance.django_version, answer.django_version,
         _same_version),
    )
    wrong = [(field, want, got) for field, want, got, same in checks
             if want is not None and not same(want, got)]
    if not wrong:
        return None
    # Whose environment it is, when another instance answers from that prefix.
    owner = next((name for _, other in context.distinct(
                      "python", lambda _, a: (a.python_prefix, *identity(a)))
                  if other.python_prefix == answer.python_prefix
                  and (name := context.identify(other)) not in (None, instance.name)), None)
    return words.wrong_python(obs.target.url, instance, answer, wrong, owner, shown,
                              same or [answer], total)


def mixed_code(obs: Observation, answers: Sequence[EndpointAnswer], instance: Instance,
               shown: str, context: SweepContext) -> Diagnosis | None:
    """Processes of one server running different code; servers apart are compared by
    :mod:`.code_drift` on their declared versions only."""
    if instance.code_version is not None:
        versions = distinct_by(answers, lambda a: a.code_version)
        stale = [a for version, group in versions.items() if version != instance.code_version
                 for a in group]
        if stale:
            want = instance.code_version
            # The sockets that reloaded to ``want`` during the sweep, where others did not.
            replaced = {(a.hostname, a.pid): text for a in stale
                        if (text := _reload_at(context, instance.name, a, want)) is not None}
            return reload_seen(context, instance, stale, shown, want) or \
                words.stale_code(obs.target.url, instance, stale, len(answers), shown,
                                 current_answers(context, instance.name, want), replaced)
    # Each answer's server and code, worked out once (this runs for every URL of a sweep).
    keyed = [(each, server_of(obs, each), _code(each)) for each in answers]
    here: dict[Server, set[tuple[str | None, str | None]]] = {}
    for _, server, code in keyed:
        if code != (None, None):
            here.setdefault(server, set()).add(code)
    mixed = next((server for server, codes in here.items() if len(codes) > 1), None)
    if mixed is not None:
        same = [a for a, server, _ in keyed if server == mixed]
        return reload_seen(context, instance, same, shown) or \
            words.mixed_code(obs.target.url, instance, same, [], shown)
    # Each distinct process start of each server this URL reached: any may be the older one.
    starts: dict[tuple[Server, tuple[str | None, str | None], str | None],
                 list[EndpointAnswer]] = {}
    for each, server, code in keyed:
        starts.setdefault((server, code, each.started_at), []).append(each)
    for (server, mine, started_at), group in starts.items():
        if mine == (None, None):
            continue
        answer = group[-1]
        # The newest answer of each other code this server runs for the instance: this URL's
        # answers there all run ``mine`` (checked above), so none of these is one of them.
        # Whether one of them is newer reads of this answer only its code and its start:
        # worked out once per server, code and start of the instance (asked for every URL).
        older = cast("dict[tuple[Server, tuple[str | None, str | None], str | None], bool]",
                     context.memo.setdefault(("older_code", instance.name), {}))
        key = (server, mine, started_at)
        if older.get(key) is False:
            continue
        others = [other for code, other
                  in _newest_by_code(context, instance.name, server).items() if code != mine]
        # Only the older side is the problem; the newest code is what the deploy meant.
        older[key] = bool(others) and any(_newer(other, answer) for other in others)
        if older[key]:
            return reload_seen(context, instance, group, shown) or \
                words.mixed_code(obs.target.url, instance, group, others, shown)
    return None


def reload_seen(context: SweepContext, instance: Instance, seen: Sequence[EndpointAnswer],
                shown: str, want: str | None = None) -> Diagnosis | None:
    """``ok`` with a reload during the sweep (:mod:`.reloaded`) where each socket ``seen``
    answered from shows one: its older code's answers all before its newer code's, from
    processes started later (``want``: the newer must run this code.version). None where one
    socket does not."""
    said: dict[str, None] = {}
    for first in {(a.hostname, listen(a), a.ppid): a for a in seen}.values():
        text = _reload_at(context, instance.name, first, want)
        if text is None:
            return None
        said[text] = None
    return Diagnosis(Verdict.OK, explanation=f"answered by {shown}; {'; '.join(said)}",
                     answered_by=shown) if said else None


def _reload_at(context: SweepContext, instance: str, first: EndpointAnswer,
               want: str | None) -> str | None:
    """The reload at ``first``'s socket, worked out once per sweep, instance and socket
    (asked for every URL)."""
    sockets = cast("dict[tuple[str | None, str | None, str | None], str | None]",
                   context.memo.setdefault(("reload_at", f"{instance} {want}"), {}))
    key = (first.hostname, listen(first), str(first.ppid) if not listen(first) else None)
    if key not in sockets:
        there = [a for _, a in context.answers_of(instance) if one_socket(a, first)]
        codes = distinct_by(there, _code)
        sockets[key] = None
        if len(codes) == 2:
            old, new = sorted(codes.values(),
                              key=lambda group: min((answered_at(a) or _FAR) for a in group))
            sockets[key] = reloaded(old, new) if want is None or new[0].code_version == want \
                else None
    return sockets[key]


_FAR = datetime.max.replace(tzinfo=UTC)


def _newest_by_code(context: SweepContext, instance: str,
                    server: Server) -> dict[tuple[str | None, str | None], EndpointAnswer]:
    """Per code the instance runs on ``server``, its newest answer: grouped once per sweep
    and instance (asked for every URL)."""
    key = ("newest_by_code", instance)
    if key not in context.memo:
        newest: dict[Server, dict[tuple[str | None, str | None], EndpointAnswer]] = {}
        for obs, each in context.answers_of(instance):
            code = _code(each)
            if code == (None, None):
                continue
            codes = newest.setdefault(server_of(obs, each), {})
            if code not in codes or _newer(each, codes[code]):
                codes[code] = each
        context.memo[key] = newest
    # The type as a string: built at run time it cost more than the rest of this call.
    grouped = cast("dict[Server, dict[tuple[str | None, str | None], EndpointAnswer]]",
                   context.memo[key])
    return grouped.get(server, {})


def _code(answer: EndpointAnswer) -> tuple[str | None, str | None]:
    return answer.code_version, answer.script_mtime


def _newer(other: EndpointAnswer, answer: EndpointAnswer) -> bool:
    """Whether ``other`` loaded newer code: a later script, else a later start."""
    if other.script_mtime and answer.script_mtime and other.script_mtime != answer.script_mtime:
        return other.script_mtime > answer.script_mtime
    if other.started and answer.started:
        return other.started > answer.started
    return False


def time_zone(obs: Observation, answer: EndpointAnswer, instance: Instance, shown: str,
              context: SweepContext, same: Sequence[EndpointAnswer] = (),
              total: int = 1, every: Sequence[EndpointAnswer] = ()) -> Diagnosis | None:
    """``same``: the URL's answers in this one's zone, of ``total``; ``every``: all of them."""
    asked = instance.time_zone or answer.tz_environ
    moment = _answered_at(answer)
    if asked is None or moment is None or answer.tz_offset_s is None:
        return None
    offset = _offset_at(context, asked, moment)
    if offset is None or offset == answer.tz_offset_s:
        return None
    if answer.tz_environ != asked:
        # The interpreter itself asks for another zone (or none): not a leak.
        return zone_words.other_time_zone(obs.target.url, instance, answer, asked, shown,
                                     same or [answer], total)
    source = next(
        (name for _, other in context.distinct(
            "time_zone", lambda _, a: (a.pid, a.tz_environ, *identity(a)))
         if other.pid == answer.pid and other.tz_environ is not None
         and other.tz_environ != asked
         and _offset(other.tz_environ, moment) == answer.tz_offset_s
         and (name := context.identify(other)) not in (None, instance.name)),
        None,
    )
    return zone_words.time_zone_leak(obs.target.url, instance, answer, asked, source, shown,
                                _leaks(context, every or [answer], asked), total)


def _leaks(context: SweepContext, answers: Sequence[EndpointAnswer],
           asked: str) -> list[list[EndpointAnswer]]:
    """The answers that asked for ``asked`` and run at another offset, by zone (each
    process may have caught another)."""
    found: dict[tuple[str | None, int], list[EndpointAnswer]] = {}
    for a in answers:
        moment = _answered_at(a)
        if a.tz_environ != asked or moment is None or a.tz_offset_s is None:
            continue
        if _offset_at(context, asked, moment) not in (None, a.tz_offset_s):
            found.setdefault((a.tz_name, a.tz_offset_s), []).append(a)
    return list(found.values())


def _answered_at(answer: EndpointAnswer) -> datetime | None:
    started = answer.started
    if started is None or answer.uptime_s is None:
        return None
    try:
        return started + timedelta(seconds=answer.uptime_s)
    except OverflowError:  # a hostile uptime_s far outside datetime's range
        return None


def _offset_at(context: SweepContext, zone: str, moment: datetime) -> int | None:
    """:func:`_offset`, computed once per zone and UTC second of the sweep (asked for every
    URL). zoneinfo reads a UTC moment's whole seconds only (its transitions are whole
    seconds), so every moment of one second has the offset of the first one asked."""
    if moment.tzinfo is not UTC:
        return _offset(zone, moment)
    offsets = cast("dict[tuple[str, datetime], int | None]",
                   context.memo.setdefault(("time_zone_offsets", ""), {}))
    key = (zone, moment.replace(microsecond=0))
    try:
        return offsets[key]
    except KeyError:
        offset = offsets[key] = _offset(zone, moment)
        return offset


def _offset(zone: str, moment: datetime) -> int | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # with sysconfig: only for a zone asked

    try:
        delta = moment.astimezone(ZoneInfo(zone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return None if delta is None else int(delta.total_seconds())


def _same_path(want: str, got: str | None) -> bool:
    return got is not None and want.rstrip("/") == got.rstrip("/")


def _same_version(want: str, got: str | None) -> bool:
    """``3.11`` matches ``3.11.9`` but not ``3.1`` or ``3.110``."""
    if got is None:
        return False
    return got == want or got.startswith(want.rstrip(".") + ".")
