"""Whether a deploy reached a process that runs another ``code.version`` than the manifest's,
and the fix that follows.

When the running code is not the version the manifest expects, a restart may not help: the
endpoint read ``code.version`` when the process loaded, from where ``code.version_source``
says; if that still holds the old version the deploy did not reach that backend. Start times
decide it where another process read the manifest's version from the same place: started
after the stale one, the deploy reached it and the stale one did not reload; started before
it, the place changed to the stale one's version since (the manifest is out of date, or that
version was deployed by mistake). A process the sweep saw replaced (:mod:`.reloaded`) needs
nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from probe.diagnose.answer_names import joined, place, places
from probe.diagnose.identify import SweepContext
from probe.diagnose.reload import reload_fix, reload_ways
from probe.endpoint_answer import EndpointAnswer
from probe.safe_text import quoted

# Sources that name a place on the server's disk, which a deploy writes: another process of
# the host reading one tells what it held then (env: and wrap are each process's own).
_ON_DISK = ("file:", "git:")


def current_answers(context: SweepContext, instance: str,
                    want: str) -> list[EndpointAnswer]:
    """The sweep's answers of ``instance`` that run ``want``, one per process and source:
    a process that read the deploy where the stale one reads."""
    return [a for _, a in context.distinct(
                "code_current", lambda _, a: (a.code_version, a.code_version_source, a.pid,
                                              a.ppid, a.hostname))
            if a.code_version == want and context.identify(a) == instance]


def _same_read(answer: EndpointAnswer, other: EndpointAnswer) -> bool:
    """Both read code.version from one place: one file (``file:``/``git:``) on one host, or
    any source within one master (its workers share its environment and disk)."""
    source = answer.code_version_source
    if source is None or other.pid == answer.pid or other.hostname != answer.hostname \
            or other.code_version_source != source:
        return False
    return source.startswith(_ON_DISK) or (answer.ppid is not None
                                           and other.ppid == answer.ppid)


def _later(first: EndpointAnswer, then: EndpointAnswer) -> bool:
    """``then`` started after ``first``: it read its code.version after ``first`` did."""
    return first.started is not None and then.started is not None and then.started > first.started


def _after(answer: EndpointAnswer,
           current: Sequence[EndpointAnswer]) -> EndpointAnswer | None:
    """A process that read ``want`` where ``answer`` read its version, started after it: the
    deploy reached that place after ``answer`` loaded, so ``answer`` did not reload since."""
    return next((a for a in current if _same_read(answer, a) and _later(answer, a)), None)


def _before(answer: EndpointAnswer,
            current: Sequence[EndpointAnswer]) -> EndpointAnswer | None:
    """A process that read ``want`` where ``answer`` read another version, started before
    it: that place held another version than the manifest's when ``answer`` loaded."""
    return next((a for a in current if _same_read(answer, a) and _later(a, answer)), None)


def deploy_fix(want: str, answers: Sequence[EndpointAnswer],
               current: Sequence[EndpointAnswer] = (),
               replaced: Mapping[tuple[str | None, int | None], str] | None = None) -> str:
    """The fix for processes running another ``code.version`` than the manifest's ``want``;
    ``current``: answers of the same instance that run ``want`` (:func:`current_answers`);
    ``replaced``: per (host, pid) of ``answers``, the words of the reload the sweep saw of its
    socket (:func:`.reloaded.reloaded`): those need none."""
    seen_reload = replaced or {}
    gone = {a.pid: text for a in answers
            if (text := seen_reload.get((a.hostname, a.pid))) is not None}
    rest = [a for a in answers if a.pid not in gone]
    reached = {a.pid: w for a in rest if (w := _after(a, current)) is not None}
    newer = {a.pid: w for a in rest if a.pid not in reached
             and (w := _before(a, current)) is not None}
    unknown = [a for a in rest if a.pid not in reached and a.pid not in newer]
    said = [f"The server of {places(group)} {text}."
            for text, group in _by_text(answers, gone).items()]
    if reached:
        lagging = [a for a in answers if a.pid in reached]
        seen = "; ".join(dict.fromkeys(
            f"{place(w)} (parent pid {w.ppid}, started {w.started_at}) reported {want!r} "
            f"read from {w.code_version_source}, after {place(a)} (started {a.started_at}) "
            f"had read {quoted(a.code_version)} from it" for a in lagging if (w := reached[a.pid])))
        # "Only" where these are all the stale processes, not a part of them.
        only = "Only " if len(lagging) == len(answers) else ""
        said.append(f"The deploy of {want!r} reached the backend of {places(lagging)}: "
                    f"{seen}. {only}{places(lagging)} did not reload"
                    f"{'' if only else ' since'}: {reload_fix(lagging, capital=False)}")
    if newer:
        said.append(_newer_than_manifest(want, [a for a in answers if a.pid in newer], newer))
    if unknown:
        said.append(_undecided(want, unknown))
    return " ".join(said)


def _by_text(answers: Sequence[EndpointAnswer],
             texts: Mapping[int | None, str]) -> dict[str, list[EndpointAnswer]]:
    grouped: dict[str, list[EndpointAnswer]] = {}
    for answer in answers:
        if answer.pid in texts:
            grouped.setdefault(texts[answer.pid], []).append(answer)
    return grouped


def _newer_than_manifest(want: str, answers: Sequence[EndpointAnswer],
                         first: Mapping[int | None, EndpointAnswer]) -> str:
    """Processes that read another version where one started before them read ``want``: the
    place changed after the manifest's version was loaded from it."""
    # One clause per place, version and earlier reader, naming every later process.
    read: dict[tuple[str | None, str | None, str | None, int | None],
               list[EndpointAnswer]] = {}
    for answer in answers:
        key = (answer.code_version_source, answer.hostname, answer.code_version,
               first[answer.pid].pid)
        read.setdefault(key, []).append(answer)
    seen = "; ".join(
        f"{source} on host {host} gave {version!r} to {places(group)} (parent pid "
        f"{joined([str(p) for p in dict.fromkeys(a.ppid for a in group)])}, started "
        f"{joined(list(dict.fromkeys(a.started_at or '' for a in group)))}), after "
        f"{place(c)} (started {c.started_at}) had read {want!r} from it"
        for (source, host, version, _), group in read.items() if (c := first[group[0].pid]))
    versions = " or ".join(sorted({repr(a.code_version) for a in answers}))
    return (f"{seen}: it changed from the manifest's {want!r} to {versions} between those "
            f"starts. Either the manifest's code_version is out of date "
            f"(if {versions} is the release meant, set code_version to it), or {versions} was "
            f"deployed there by mistake (deploy {want!r} again, then: "
            f"{reload_ways(answers, capital=False)}); the answers do not tell which. Then "
            f"probe again.")


def _undecided(want: str, answers: Sequence[EndpointAnswer]) -> str:
    sources = sorted({a.code_version_source for a in answers if a.code_version_source})
    seen = sorted({repr(a.code_version) for a in answers})
    where = (f"{' and '.join(sources)} (where code.version {' and '.join(seen)} was read "
             f"when the process loaded)" if sources else
             "the code of that backend (the answer does not say where code.version was read)")
    return (f"Check {where} on the backend of {places(answers)}: if it still holds "
            f"{' or '.join(seen)}, the deploy of {want!r} did not reach that backend: deploy "
            f"it there (a restart alone reloads the same old code). If it holds {want!r}, the "
            f"process did not reload: {reload_fix(answers, capital=False)}")
