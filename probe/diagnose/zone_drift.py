"""``time_zone_drift``: the servers of one instance answer in different time zones, while the
manifest declares none for it (a tester's fleet: one member with TIME_ZONE 'Europe/Paris'
behind a round-robin balancer, every URL ok and nothing said).

With ``time_zone`` declared, each process in another zone is ``wrong_runtime`` on its own URL
(:mod:`.causes_runtime`); without it no URL's verdict can say which zone is meant, but answers
of one instance that disagree on it (``time_zone.name`` and ``time_zone.utc_offset_s``) still
give users local times that change with the server that answered. So it is a warning, like
``code_drift``: each zone, the servers that run it (by where each listens,
:func:`.code_drift.describe`, never a balancer's address), what each process asked for
(``time_zone.environ``), and the fix: one zone on every server, or the manifest's
``time_zone`` to make it a verdict.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence

from probe.diagnose.code_drift import (
    Identify,
    Place,
    address_of,
    describe,
    instance_of,
    place_of,
)
from probe.endpoint_answer import EndpointAnswer
from probe.model import Finding, Observation, Status

TIME_ZONE_DRIFT = "time_zone_drift"

Zone = tuple[str | None, int]
"""``time_zone.name`` and ``time_zone.utc_offset_s`` as one answer gives them."""


def time_zone_drift_findings(observations: Sequence[Observation], identify: Identify,
                             declared: Mapping[str, str | None]) -> tuple[Finding, ...]:
    """One warning per instance without a declared ``time_zone`` whose answers run in more
    than one zone; ``declared``: each instance's time_zone in the manifest."""
    # The zones first, the servers only where they differ: naming each answer's server on a
    # healthy sweep cost a 10,000-URL diagnosis a third more.
    found: dict[str, set[Zone]] = defaultdict(set)
    for _obs, answer, name in _answers(observations, identify, declared):
        found[name].add((answer.tz_name, answer.tz_offset_s or 0))
    drifting = {name for name, seen in found.items() if len(seen) > 1}
    if not drifting:
        return ()
    zones: dict[str, dict[Zone, dict[Place, None]]] = defaultdict(lambda: defaultdict(dict))
    words: dict[str, dict[Place, str]] = defaultdict(dict)
    asked: dict[tuple[str, Zone], dict[str | None, None]] = defaultdict(dict)
    for obs, answer, name in _answers(observations, identify, declared):
        if name in drifting:
            zone = (answer.tz_name, answer.tz_offset_s or 0)
            place = place_of(obs, answer)
            zones[name][zone][place] = None
            # A server probed itself is named by its own address, not as reached through.
            if place not in words[name] or place[1] == address_of(obs):
                words[name][place] = describe(obs, answer)
            asked[(name, zone)][answer.tz_environ] = None
    return tuple(_finding(name, by_zone, words[name], asked)
                 for name, by_zone in zones.items() if len(by_zone) > 1)


def _answers(observations: Sequence[Observation], identify: Identify,
             declared: Mapping[str, str | None]
             ) -> Iterator[tuple[Observation, EndpointAnswer, str]]:
    """Each trusted answer that gives a zone, of an instance without a declared time_zone."""
    for obs in observations:
        for sample in obs.samples:
            answer = sample.trusted_answer
            if answer is None or answer.tz_offset_s is None:
                continue
            name = instance_of(obs, answer, identify)
            if name is not None and not declared.get(name):
                yield obs, answer, name


def _finding(name: str, by_zone: Mapping[Zone, Mapping[Place, None]],
             words: Mapping[Place, str],
             asked: Mapping[tuple[str, Zone], Mapping[str | None, None]]) -> Finding:
    ordered = sorted(by_zone.items(), key=lambda kv: -len(kv[1]))
    parts = [f"{_zone(zone)[:-1]}, time_zone.environ "
             f"{_and([repr(e) for e in asked[(name, zone)]])}) at "
             f"{_and([words[p] for p in places])}" for zone, places in ordered]
    servers = {p for places in by_zone.values() for p in places}
    (most, places), *rest = ordered
    if len(places) > len(rest[0][1]):
        usual = (f"{len(places)} of the {len(servers)} servers run {_zone(most)}: set it on "
                 f"the others")
    else:
        usual = "the answers do not say which zone is meant: as many servers run each"
    return Finding(
        code=TIME_ZONE_DRIFT,
        severity=Status.WARNING,
        instances=(name,),
        explanation=(
            f"{name} runs in {len(by_zone)} time zones on its servers (time_zone.name, "
            f"time_zone.utc_offset_s): {'; '.join(parts)}. Local times it computes (dates "
            f"on its pages, times in its logs) change with the server that answers. The "
            f"manifest declares no time_zone for {name}, so no URL's verdict judges it. Set "
            f"the same zone on every server ({usual}): TIME_ZONE in its Django settings (Django "
            f"sets TZ from it when it loads them, over any TZ the service starts with), else "
            f"TZ in the environment its service starts with (time_zone.environ is what each "
            f"process asked for); then restart them. Or "
            f"declare time_zone for {name} in the manifest: every process in another zone is "
            f"then wrong_runtime on its URL."),
    )


def _zone(zone: Zone) -> str:
    tz_name, offset = zone
    return f"{tz_name!r} (UTC offset {offset} s)"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
