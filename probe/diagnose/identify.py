"""Which manifest instance an endpoint answer comes from, and what the rest of the sweep shows.

Diagnosis of one URL often needs the others: whether a host name is a ServerAlias of the vhost
that answered (some URL on it got its right answer there), under which SCRIPT_NAME an instance
answers its own URLs, which pids an instance runs in. :class:`SweepContext` answers those
questions from the whole sweep, computed once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

from probe.apache.names import vhost_of
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import ANY_INSTANCE, Instance, Manifest
from probe.model import Observation, Sample


class SweepContext:
    """What diagnosis of one URL may know about the rest of the sweep."""

    def __init__(self, manifest: Manifest, observations: Sequence[Observation],
                 probed: Mapping[str, Sample] | None = None, *, token_sent: bool = False) -> None:
        self.manifest = manifest
        self.token_sent = token_sent
        """The probe's requests carried its token (what a refused one looks like differs)."""
        self.observations = observations
        self.probed: Mapping[str, Sample] = probed or {}
        """The answers to the extra requests (probe.diagnose.discriminate), by their key."""
        self.memo: dict[tuple[str, str], object] = {}
        """What a cause computes once per sweep and instance, keyed (what, instance)."""
        self._identified: dict[tuple[str | None, ...], str | None] = {}
        """identify() per distinct identity and expected instance: a sweep of thousands of
        URLs has a handful of distinct answers, and each URL's diagnosis asks several times."""
        self._distinct: dict[str, list[tuple[Observation, EndpointAnswer]]] = {}
        self._names: dict[tuple[object, ...], str] = {}
        """display_name() per distinct identity, pid and expected instance (what it reads)."""

    def identify(self, answer: EndpointAnswer, expected: str | None = None) -> str | None:
        """The manifest instance this answer comes from, or None when it is none of them.

        An instance is recognised by what its manifest entry declares of label,
        process_group and application_group (all must match); one that declares
        none of them, by its settings module; one that declares nothing at all
        accepts any answer to its own URLs. When several instances match, the
        expected one wins, so an ambiguous manifest never invents a misroute.
        """
        key = (*identity(answer), expected)
        try:
            return self._identified[key]
        except KeyError:
            found = self._identify(answer, expected)
            self._identified[key] = found
            return found

    def _identify(self, answer: EndpointAnswer, expected: str | None) -> str | None:
        # Reads only the four fields of identify()'s cache key: keep them in step.
        instances = self.manifest.instances
        own = instances.get(expected) if expected and expected != ANY_INSTANCE else None
        if own is not None and not declares_identity(own):
            return own.name
        matches = [i.name for i in instances.values() if is_instance(answer, i)]
        if expected in matches:
            return expected
        return matches[0] if matches else None

    def near_miss(self, answer: EndpointAnswer, expected: str | None) -> Comparison | None:
        """How an answer that is no instance of the manifest compares with the expected one,
        when it agrees with it on some declared field and contradicts it on another."""
        instance = self.manifest.instances.get(expected or "")
        if instance is None or self.identify(answer, expected) is not None:
            return None
        comparison = compare(answer, instance)
        return comparison if comparison.agree and comparison.differ else None

    def vhost_serves(self, vhost: str, host: str) -> bool:
        """Whether some URL on ``host`` got its right answer from the vhost ``vhost``.

        That makes ``host`` one of the vhost's own names (a ServerAlias), so a
        wrong answer through it is not a fallback.
        """
        return (host, vhost) in self._served_names

    @cached_property
    def _served_names(self) -> set[tuple[str, str | None]]:
        return {(host_of(obs.target.url), vhost_of(answer.application_group))
                for obs, answer in self._right_answers}

    def display_name(self, answer: EndpointAnswer, expected: str | None = None) -> str:
        # Asked several times per URL: kept per everything _display_name reads (identify's
        # four fields, the pid, the expected instance).
        key = (*identity(answer), answer.pid, expected)
        try:
            return self._names[key]
        except KeyError:
            name = self._names[key] = self._display_name(answer, expected)
            return name

    def _display_name(self, answer: EndpointAnswer, expected: str | None) -> str:
        # Reads only the fields of display_name()'s cache key: keep them in step.
        name = (
            self.identify(answer, expected)
            or answer.label
            or answer.application_group
            or f"pid {answer.pid}"
        )
        near = self.near_miss(answer, expected)
        if near is not None and "label" in near.agree:
            # Its own label, so the name alone would read as the expected instance.
            differ = ", ".join(_short(d) for d in near.differ)
            return f"{name} ({differ})"
        return name

    def answers(self) -> Iterable[tuple[Observation, EndpointAnswer]]:
        for obs in self.observations:
            for sample in obs.samples:
                if sample.trusted_answer:
                    yield obs, sample.trusted_answer

    def distinct(self, name: str, key: Callable[[Observation, EndpointAnswer], Hashable],
                 *, observations: int = 1) -> list[tuple[Observation, EndpointAnswer]]:
        """The sweep's answers in order, keeping per value of ``key`` only the first, from
        at most ``observations`` different observations; computed once per ``name``.

        Why: every wrong answer of a sweep looks through the others for its cause, and a
        misroute of half a fleet of 10,000 URLs made that 25 million comparisons. A search
        whose test reads only what ``key`` returns finds the same first answer, and the same
        set, among these few (a sweep has a handful of distinct answers). One that skips the
        URL's own observation keeps ``observations=2``: one of any two is another's.
        """
        found = self._distinct.get(name)
        if found is None:
            kept: dict[Hashable, list[Observation]] = {}
            found = []
            for obs, answer in self.answers():
                seen = kept.setdefault(key(obs, answer), [])
                if len(seen) < observations and all(other is not obs for other in seen):
                    seen.append(obs)
                    found.append((obs, answer))
            self._distinct[name] = found
        return found

    def answers_of(self, instance: str) -> list[tuple[Observation, EndpointAnswer]]:
        """Every answer of the sweep that came from ``instance``, each judged against the
        instance its own URL expects (grouped once: asked for every URL of a large sweep)."""
        return self._answers_by_instance.get(instance, [])

    @cached_property
    def _answers_by_instance(self) -> dict[str | None, list[tuple[Observation, EndpointAnswer]]]:
        grouped: dict[str | None, list[tuple[Observation, EndpointAnswer]]] = {}
        for obs, answer in self.answers():
            grouped.setdefault(self.identify(answer, obs.target.expected), []).append(
                (obs, answer))
        return grouped

    @cached_property
    def _right_answers(self) -> list[tuple[Observation, EndpointAnswer]]:
        """Answers from the instance the manifest expects for their URL.

        Computed once: every wrong answer is compared with them.
        """
        return [
            (obs, answer)
            for obs, answer in self.answers()
            if obs.target.expected not in (None, ANY_INSTANCE)
            and self.identify(answer, obs.target.expected) == obs.target.expected
        ]

    @cached_property
    def own_answered(self) -> list[tuple[str, str | None, str]]:
        """(url, address, instance) of each URL whose last trusted answer is its own
        instance's: the URLs a fix must not take from where they are served."""
        found = []
        for obs in self.observations:
            expected = obs.target.expected
            answer = next((s.trusted_answer for s in reversed(obs.samples)
                           if s.trusted_answer), None)
            if expected is None or answer is None or self.identify(answer, expected) != expected:
                continue
            address = obs.target.address or next((s.address for s in obs.samples if s.address),
                                                 None)
            found.append((obs.target.url, address, expected))
        return found

    def mount_of(self, instance: str, host: str) -> str | None:
        """SCRIPT_NAME under which ``instance`` answered its own URLs on ``host``."""
        return self._mounts.get((instance, host))

    @cached_property
    def _mounts(self) -> dict[tuple[str | None, str], str]:
        """The first SCRIPT_NAME of each instance's right answers on each host."""
        mounts: dict[tuple[str | None, str], str] = {}
        for obs, answer in self._right_answers:
            if answer.script_name is not None:
                mounts.setdefault((obs.target.expected, host_of(obs.target.url)),
                                  answer.script_name)
        return mounts

    def pids_of(self, instance: str) -> set[int]:
        return self._pids.get(instance, set())

    @cached_property
    def _pids(self) -> dict[str | None, set[int]]:
        pids: dict[str | None, set[int]] = {}
        for _, a in self.distinct("pid", lambda _, a: (a.pid, *identity(a))):
            if a.pid is not None:
                pids.setdefault(self.identify(a), set()).add(a.pid)
        return pids

    def hosts_of(self, instance: str | None) -> set[str]:
        """The host names of the manifest's URLs of ``instance``."""
        return self._hosts.get(instance, set()) if instance is not None else set()

    @cached_property
    def _hosts(self) -> dict[str | None, set[str]]:
        return {name: {host_of(url) for url in inst.urls}
                for name, inst in self.manifest.instances.items()}


IDENTITY_FIELDS = ("label", "process_group", "application_group")


def identity(answer: EndpointAnswer) -> tuple[str | None, ...]:
    """Everything :meth:`SweepContext.identify` reads of an answer."""
    return answer.label, answer.process_group, answer.application_group, answer.settings


@dataclass(frozen=True)
class Difference:
    """One identity field where an answer and an instance's declaration differ."""

    field: str  # one of IDENTITY_FIELDS
    seen: str | None  # what the answer says (None: not reported, e.g. not mod_wsgi)
    wanted: str  # what the manifest declares


@dataclass(frozen=True)
class Comparison:
    """An answer against one instance's declared identity, field by field."""

    agree: tuple[str, ...]
    differ: tuple[Difference, ...]

    def difference(self, field: str) -> Difference | None:
        return next((d for d in self.differ if d.field == field), None)


def compare(answer: EndpointAnswer, instance: Instance) -> Comparison:
    agree: list[str] = []
    differ: list[Difference] = []
    for field in IDENTITY_FIELDS:
        wanted = getattr(instance, field)
        if wanted is None:
            continue
        seen = getattr(answer, field)
        if seen == wanted:
            agree.append(field)
        else:
            differ.append(Difference(field, seen, wanted))
    return Comparison(tuple(agree), tuple(differ))


def _short(difference: Difference) -> str:
    if difference.field == "process_group" and difference.seen == "":
        return "embedded"
    what = {"process_group": "group", "application_group": "application group"}.get(
        difference.field, difference.field)
    return f"{what} {difference.seen!r}"


def declares_identity(instance: Instance) -> bool:
    return any(
        value is not None
        for value in (instance.label, instance.process_group, instance.application_group,
                      instance.settings)
    )


def is_instance(answer: EndpointAnswer, instance: Instance) -> bool:
    declared = {
        "label": instance.label,
        "process_group": instance.process_group,
        "application_group": instance.application_group,
    }
    declared = {k: v for k, v in declared.items() if v is not None}
    if declared:
        return all(getattr(answer, k) == v for k, v in declared.items())
    if instance.settings is not None:
        return answer.settings == instance.settings
    return False


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
