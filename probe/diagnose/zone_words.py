"""The explanation and fix of a Django time zone that is not the one asked for: a process-wide
TZ another application's Django set in the same process (``time_zone_leak``), or an
interpreter that asks for another zone itself (``other_time_zone``).

Decided in :mod:`probe.diagnose.causes_runtime`; each explanation names the zone fields and
the pids that ran in each zone.
"""

from __future__ import annotations

from collections.abc import Sequence

from probe.diagnose.answer_names import share
from probe.diagnose.wording import Diagnosis, who
from probe.diagnose.wording_causes import OWN_DAEMON
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Instance
from probe.model import Cause, Verdict
from probe.safe_text import quoted


def time_zone_leak(url: str, instance: Instance, answer: EndpointAnswer, asked: str,
                   source: str | None, shown: str,
                   zones: Sequence[Sequence[EndpointAnswer]] = (), total: int = 1) -> Diagnosis:
    """``zones``: the answers running in another zone than asked, one group per zone
    (``answer`` among them), of ``total`` samples."""
    zones = zones or [[answer]]
    pids = list(dict.fromkeys(a.pid for group in zones for a in group))
    by = (f"{source}, in the same process (pid {answer.pid}), asked for that zone and set it "
          f"later" if source else
          f"another sub interpreter of this process (pid {answer.pid}) set it later"
          if len(pids) == 1 else
          "another sub interpreter of each of these processes set it later")
    runs = ", and in ".join(
        f"{quoted(group[0].tz_name)} (UTC offset {group[0].tz_offset_s} s) in "
        f"{_pids(group)} ({_count(len(group), total)})" for group in zones)
    return Diagnosis(
        Verdict.WRONG_RUNTIME,
        Cause.TIME_ZONE_LEAK,
        explanation=(
            f"{url} is served by {who(answer, shown) if len(pids) == 1 else shown}, which "
            f"asked for time zone {asked!r} "
            f"(time_zone.environ {quoted(answer.tz_environ)}) but runs in {runs}: TZ and tzset() "
            f"are process-wide, and {by}. Local times it computes are wrong."
        ),
        fix=(
            f"{OWN_DAEMON[0].upper()}{OWN_DAEMON[1:]} for {instance.name}, so no other "
            f"application's Django sets its process's TZ, or give the applications that share "
            f"a process the same TIME_ZONE."
        ),
        answered_by=shown,
    )


_PIDS_SHOWN = 3


def _pids(answers: Sequence[EndpointAnswer]) -> str:
    """``pid 7``, ``pids 7, 8`` or ``pids 7, 8, 9 and 2 more``: every process in a zone."""
    pids = [str(p) for p in dict.fromkeys(a.pid for a in answers) if p is not None]
    if not pids:
        return "a process that reported no pid"
    more = len(pids) - _PIDS_SHOWN
    return (f"pid{'s' if len(pids) > 1 else ''} {', '.join(pids[:_PIDS_SHOWN])}"
            + (f" and {more} more" if more > 0 else ""))


def _count(some: int, total: int) -> str:
    return ("the sample" if total == 1 else f"all {total} samples" if some == total else
            f"{some} of {total} samples")


def other_time_zone(url: str, instance: Instance, answer: EndpointAnswer, asked: str,
                    shown: str, same: Sequence[EndpointAnswer] = (),
                    total: int = 1) -> Diagnosis:
    """``same``: the answers (of ``total``) in this zone."""
    by = who(answer, shown) if total == 1 else f"{shown} ({share(same or [answer], total)})"
    return Diagnosis(
        Verdict.WRONG_RUNTIME,
        explanation=(
            f"{url} is served by {by} running in time zone "
            f"{quoted(answer.tz_name)} (UTC offset {answer.tz_offset_s} s, TZ "
            f"{quoted(answer.tz_environ)}), but the manifest expects {asked!r}."
        ),
        fix=(f"Set TIME_ZONE = {asked!r} in {instance.name}'s settings (Django sets TZ from "
             f"it), or correct the manifest's time_zone."),
        answered_by=shown,
    )
