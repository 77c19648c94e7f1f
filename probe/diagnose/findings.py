"""Cross-URL findings: what only shows when the answers of several URLs are compared."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from probe.diagnose.group_removal import removal_words
from probe.diagnose.shared_names import settings_names, shared_words
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import ANY_INSTANCE
from probe.model import Finding, Observation, Status, TargetResult, Verdict

Identify = Callable[[EndpointAnswer, str | None], str | None]
GroupLine = Callable[[Observation], str | None]
"""With --config: the directive (and file:line) that sets a URL's application group."""


def cross_url_findings(
    observations: Sequence[Observation],
    results: Sequence[TargetResult],
    identify: Identify,
    group_line: GroupLine | None = None,
    own_line: GroupLine | None = None,
    settings: Mapping[str, str | None] | None = None,
) -> tuple[Finding, ...]:
    """Findings over all answers: shared instances, shared interpreters, shared processes;
    ``own_line``: how a daemon group of its own is written for a URL's application;
    ``settings``: the settings module each manifest instance declares."""
    # A cache's replay or a broken answer says nothing about how instances share processes.
    answers = [
        (obs, s.trusted_answer) for obs in observations for s in obs.samples
        if s.trusted_answer is not None
    ]
    # A URL whose own verdict already says another instance answered it (always, or some
    # of its samples) explains the shared copy better than a finding across URLs.
    wrong_urls = {r.url for r in results if r.verdict in _SAID_BY_THE_URL}

    def name(obs: Observation, answer: EndpointAnswer) -> str:
        # Who answered, told from the answer: the manifest's expected instance of the URL
        # only breaks a tie between instances the answer matches equally. A URL of beta
        # answered by alpha puts alpha in that process, never beta.
        expected = obs.target.expected
        hint = expected if expected not in (None, ANY_INSTANCE) else None
        return identify(answer, hint) or answer.label or answer.application_group or "?"

    return (
        *_shared_instance(answers, wrong_urls),
        *_shared_interpreter(answers, name, group_line, own_line),
        *_embedded_shared_process(answers, name, settings or {}),
    )


_SAID_BY_THE_URL = frozenset({Verdict.WRONG_INSTANCE, Verdict.INCONSISTENT})


def _shared_instance(
    answers: Sequence[tuple[Observation, EndpointAnswer]], wrong_urls: set[str]
) -> list[Finding]:
    """One loaded copy of an application answering the URLs of two manifest instances.

    Skipped where a wrong_instance verdict on one of its URLs already says so.
    """
    by_id: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for obs, answer in answers:
        expected = obs.target.expected
        if answer.instance_id and expected not in (None, ANY_INSTANCE):
            by_id[answer.instance_id][expected].add(obs.target.url)
    findings = []
    for instance_id, names in by_id.items():
        urls = set().union(*names.values())
        if len(names) > 1 and not urls & wrong_urls:
            findings.append(Finding(
                code="shared_instance",
                severity=Status.CRITICAL,
                instances=tuple(sorted(names)),
                explanation=(
                    f"One loaded copy of an application (instance_id {instance_id}) answers "
                    f"the URLs of {_and(sorted(names))}: either they are one application, "
                    f"not separate instances, or the requests for one of them are sent to "
                    f"the other's copy (a proxy's upstream pool, a shared daemon group); the "
                    f"answers do not show which."
                ),
            ))
    return findings


def _shared_interpreter(
    answers: Sequence[tuple[Observation, EndpointAnswer]],
    name: Callable[[Observation, EndpointAnswer], str],
    group_line: GroupLine | None,
    own_line: GroupLine | None = None,
) -> list[Finding]:
    """Different applications loaded in one interpreter (main or sub) share Django's settings."""
    by_interpreter: dict[tuple[int, str], set[str]] = defaultdict(set)
    labels: dict[tuple[int, str], set[str | None]] = defaultdict(set)
    urls: dict[tuple[int, str], dict[str, Observation]] = defaultdict(dict)
    server: dict[tuple[int, str], tuple[str | None, int | None, str | None]] = {}
    for obs, answer in answers:
        if answer.pid is None or answer.application_group is None:
            continue
        key = (answer.pid, answer.application_group)
        by_interpreter[key].add(name(obs, answer))
        labels[key].add(answer.label)
        urls[key].setdefault(obs.target.url, obs)
        server.setdefault(key, (answer.hostname, answer.ppid, answer.process_group))
    # One finding per daemon group (or Apache child set) and application group of one server
    # (host, parent pid), its processes listed: each process of the group holds the same
    # shared interpreter, and one finding per pid said the same thing twice.
    merged: dict[tuple[str | None, int | None, str | None, str, tuple[str, ...]],
                 list[int]] = defaultdict(list)
    for (pid, group), names in sorted(by_interpreter.items()):
        if len(names) > 1 and len(labels[(pid, group)]) > 1:
            merged[(*server[(pid, group)], group, tuple(sorted(names)))].append(pid)
    findings = []
    for (_, _, process_group, group, named), pids in merged.items():
        from probe.diagnose.own_group import answers_words
        from probe.diagnose.wording_causes import shared_interpreter_fix

        observed = [o for pid in pids for o in urls[(pid, group)].values()]
        configured = next((w for o in observed if own_line is not None
                           and (w := own_line(o)) is not None), None)
        own_words = configured or answers_words(process_group)
        sharing = [a for _, a in answers if a.pid in pids and a.application_group == group]
        removal = removal_words(group, sharing)

        lines = _group_lines([o for pid in pids for o in urls[(pid, group)].values()],
                             group_line)
        daemon = f"daemon group {process_group!r}, " if process_group else ""
        where = (f" (pid {pids[0]}, application group {group!r}{lines})" if len(pids) == 1
                 else f" in each of the processes {_and([f'pid {p}' for p in pids])} of one "
                      f"server ({daemon}application group {group!r}{lines})")
        findings.append(Finding(
            code="shared_interpreter",
            severity=Status.CRITICAL,
            instances=named,
            explanation=(
                f"{_and(list(named))} run in one Python interpreter{where}, so they share "
                f"one Django "
                f"configuration, and one process and its os.environ. "
                f"{shared_interpreter_fix('each application', own=own_words, removal=removal)}"
            ),
        ))
    return findings


def _group_lines(observations: Iterable[Observation], group_line: GroupLine | None) -> str:
    """The configuration lines that set the shared application group, each once."""
    if group_line is None:
        return ""
    lines = [line for line in dict.fromkeys(group_line(o) for o in observations) if line]
    return f", set by {'; '.join(lines)}" if lines else ""


def _embedded_shared_process(
    answers: Sequence[tuple[Observation, EndpointAnswer]],
    name: Callable[[Observation, EndpointAnswer], str],
    declared: Mapping[str, str | None],
) -> list[Finding]:
    """Several instances embedded in one Apache child: the leak waits for the next restart
    (where they mean different settings names; one name: the import path, :mod:`.shared_names`)."""
    by_pid: dict[int, set[str]] = defaultdict(set)
    groups: dict[int, set[str | None]] = defaultdict(set)
    # What each instance runs in the pid: (environ, loaded, file) of every answer.
    runs: dict[int, dict[str, set[tuple[str | None, ...]]]] = defaultdict(
        lambda: defaultdict(set))
    in_main: set[str] = set()  # application_group '' in the answer: %{GLOBAL}
    for obs, answer in answers:
        if answer.embedded and answer.pid is not None:
            by_pid[answer.pid].add(name(obs, answer))
            groups[answer.pid].add(answer.application_group)
            runs[answer.pid][name(obs, answer)].add(
                (answer.settings_environ, answer.settings_loaded, answer.settings_file))
            if answer.application_group == "":
                in_main.add(name(obs, answer))
    merged: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for pid, names in by_pid.items():
        if len(names) > 1 and len(groups[pid]) > 1:
            merged[tuple(sorted(names))].append(pid)
    found: list[Finding] = []
    for together, pids in merged.items():
        own = _own_settings([runs[pid] for pid in pids])
        meant = settings_names(together, declared, [runs[pid] for pid in pids])
        shared = shared_words(meant, [runs[pid] for pid in pids], own is not None)
        where = (f"{_and(list(together))} run embedded in the same Apache child process "
                 f"(pid {', '.join(map(str, sorted(pids)))}), in separate "
                 f"{_interpreters(together, in_main)} that share one process environment")
        found.append(Finding(
            code="embedded_shared_process",
            severity=Status.WARNING if own is None else Status.OK,
            instances=together,
            explanation=(
                f"{where}. {shared}" if shared is not None and own is None else
                f"{where}. Each runs its own settings there ({own}: settings_module.environ "
                f"and .loaded the same, and no two alike), so nothing leaks now. {shared}"
                if shared is not None else
                f"{where}: a DJANGO_SETTINGS_MODULE set with setdefault() can leak from one "
                f"to the other depending on load order, e.g. after the next restart. Run each "
                f"in its own daemon process group." if own is None else
                f"{where}. Each runs its own settings there ({own}: settings_module.environ "
                f"and .loaded the same, and no two alike), so nothing leaks now. A WSGI script "
                f"that sets DJANGO_SETTINGS_MODULE with setdefault() rather than assigning it "
                f"would take another's value where the process loads it second (another load "
                f"order, after a restart): each script tells. Own daemon process groups end "
                f"the sharing."),
        ))
    return found


def _own_settings(runs: Sequence[dict[str, set[tuple[str | None, ...]]]]) -> str | None:
    """What each instance runs, where the answers show that none runs another's: in every
    answer settings_module.environ is .loaded, one value per instance, no two instances alike
    (with settings_module.file, the file counts: two projects of one name differ by it); None
    where they do not show it."""
    seen: dict[str, tuple[str | None, ...]] = {}
    for by_name in runs:
        for instance, values in by_name.items():
            if len(values) != 1:
                return None
            (value,) = values
            if value[0] is None or value[0] != value[1] or seen.setdefault(instance,
                                                                         value) != value:
                return None
    if len(set(seen.values())) != len(seen):
        return None
    return "; ".join(f"{n} {v[1]!r}" + (f" from {v[2]}" if v[2] else "")
                     for n, v in sorted(seen.items()))


def _interpreters(names: Sequence[str], in_main: set[str]) -> str:
    """The interpreters, named as the answers show them: application_group '' is mod_wsgi's
    main interpreter (WSGIApplicationGroup %{GLOBAL}), any other name a sub interpreter."""
    main = [n for n in names if n in in_main]
    subs = [n for n in names if n not in in_main]
    if not main:
        return "sub interpreters"
    return (f"interpreters ({_and(main)} in the main interpreter, application_group '' in "
            f"{'its' if len(main) == 1 else 'their'} answers: %{{GLOBAL}}; "
            f"{_and(subs) if subs else 'the others'} in "
            f"{'a sub interpreter' if len(subs) == 1 else 'sub interpreters'})")


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
