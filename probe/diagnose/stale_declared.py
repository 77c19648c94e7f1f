"""A ``stale`` by start time whose processes run the version the manifest declares.

``stale`` by start time means a process started before the deploy time (``restarted_after``,
``--restarted-after``): the verdict stands as defined. But where every such answer reports
``code.version`` equal to the instance's ``code_version``, the answers show the declared
version, and "old code" would be false: tester T29's blue/green layout started the green
gunicorn (r2), then switched nginx's upstream to it and set ``restarted_after`` to the
switch; every page served r2, and the fix printed (HUP green's master) was not needed. What
the answers show is a start before that time while running the declared version, which a
standby started before a switch reads as; the fix is the deploy time first, a reload only
where it is right (code.version is read when a process loads: whether files it imported
later changed, the answers do not say).
"""

from __future__ import annotations

from collections.abc import Sequence

from probe.deploy_time import Cutoff
from probe.diagnose.reload import reload_ways
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Instance


def declared(old: Sequence[EndpointAnswer], instance: Instance | None) -> str | None:
    """The manifest's ``code_version`` where every answer of ``old`` reports it as its
    ``code.version`` (observed); None where it is not declared or any answer says another
    or none."""
    want = instance.code_version if instance is not None else None
    if want is None or not old or any(a.code_version != want for a in old):
        return None
    return want


def running(old: Sequence[EndpointAnswer], want: str, instance: Instance) -> str:
    """What follows the start time in the explanation, in place of "old code is still
    serving": the version they ran, where it was read, and the reading a switch gives."""
    sources = sorted({a.code_version_source for a in old if a.code_version_source})
    read = f", read from {' and '.join(sources)}" if sources else ""
    who = "that process" if len({a.pid for a in old}) == 1 else "those processes"
    return (f", while running code.version {want!r} (observed{read}), the manifest's "
            f"code_version (instances.{instance.name}.code_version): {who} run the declared "
            f"version and started before that time. A server started before a switch reads so "
            f"(blue/green: the new colour is started and warmed before the front is switched "
            f"to it, and a deploy time set to the switch comes after its start).")


def fix(old: Sequence[EndpointAnswer], cutoff: Cutoff) -> str:
    """The deploy time first (the start the answers show is what a standby has), then the
    reload only where that time is right."""
    return (f"Check the deploy time these processes were judged by ({cutoff.source}), a "
            f"time this server's processes had to start after: where it is the moment a front "
            f"switched to a server already running (blue/green), set it to the time this "
            f"server was started, or leave it unset for a standby started before a switch "
            f"(code_version alone then judges the code). Only where it is right, reload, since "
            f"these processes loaded before it (the answers do not tell whether files they "
            f"import changed after code.version was read): {reload_ways(old, capital=False)}. "
            f"Then probe again.")
