"""The ``baseline_not_restarted`` finding (:mod:`probe.baseline`): a server of a URL kept its
processes while other servers of the URL restarted since the baseline.

It says what was seen (the start time, and the instance_id against the baseline's) and the
code only as far as ``code.version`` tells it: a WSGI script's modification time differs from
machine to machine whatever code it holds. Running the same ``code.version`` as the servers
that restarted is a warning, not "old code". One server bound to several addresses
(:mod:`probe.same_server`) is named once, as one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from probe.model import Finding, Status
from probe.same_server import and_list, named


class Entry(Protocol):
    """What this finding reads of a :class:`probe.baseline.Entry` (which imports this)."""

    @property
    def url(self) -> str: ...
    @property
    def address(self) -> str | None: ...
    @property
    def instance(self) -> str | None: ...
    @property
    def code_version(self) -> str | None: ...
    @property
    def instance_id(self) -> str | None: ...
    @property
    def started_at(self) -> str | None: ...
    @property
    def key(self) -> tuple[str, str | None]: ...

NOT_RESTARTED = "baseline_not_restarted"

Servers = Mapping[tuple[str, str | None], tuple[str, ...]]


def _addresses(entries: Sequence[Entry], servers: Servers) -> list[str]:
    """Where ``entries`` answered, one server bound to several addresses named once as such."""
    shown: list[str] = []
    done: set[str] = set()
    for entry in entries:
        group = servers.get(entry.key)
        if group is not None and len(group) > 1:
            if group[0] not in done:
                shown.append(named(group))
                done.update(group)
        elif str(entry.address) not in done:
            shown.append(str(entry.address))
    return shown


def not_restarted(stayed: Sequence[Entry], moved: Sequence[Entry],
                   before: Mapping[tuple[str, str | None], Entry],
                   servers: Servers,
                   created: datetime) -> list[Finding]:
    """One finding per server of a URL that kept its processes while others restarted: what
    was seen (the start time, the instance_id against the baseline's), and the code only as
    far as ``code.version`` tells it (script mtimes differ from machine to machine)."""
    moved_at = and_list(_addresses(moved, servers))
    ran = {e.code_version for e in moved}
    found: list[Finding] = []
    done: set[str] = set()
    for entry in stayed:
        if str(entry.address) in done:
            continue
        group = servers.get(entry.key, (str(entry.address),))
        done.update(group)
        where = named(group) if len(group) > 1 else str(entry.address)
        old = before.get(entry.key)
        same_id = old is not None and old.instance_id == entry.instance_id
        seen = (f"its answer came from a process started {entry.started_at}, before the baseline "
                f"was taken ({created.isoformat()})"
                + (f", with the instance_id {entry.instance_id} it had then" if same_id else
                   f" (instance {entry.instance_id})"))
        version = entry.code_version
        if version is not None and ran == {version}:
            # A code.version is what the code says of itself: equal versions are not shown
            # to be equal code, and the restart the baseline asks for is missed either way.
            code = (f"It reports the code.version they report ({version!r}), so it is not "
                    f"shown to run older code; whether its code, settings or configuration, "
                    f"loaded when it started, differ from theirs, the answers do not show.")
        elif version is not None and None not in ran and version not in ran:
            code = (f"It runs code.version {version!r}, they run "
                    f"{and_list(sorted(repr(v) for v in ran if v))}: it still runs the old "
                    f"code.")
        else:
            code = ("Whether it runs older code, the answers do not say (code.version "
                    + (f"{version!r} here, " if version else "not reported here, ")
                    + f"{and_list(sorted(repr(v) for v in ran))} where they restarted).")
        found.append(Finding(NOT_RESTARTED, Status.CRITICAL, _names(entry), (
            f"{entry.url} at {where} did not restart since the baseline while {moved_at} "
            f"did: {seen}. {code}")))
    return found


def _names(*found: Entry) -> tuple[str, ...]:
    return tuple(dict.fromkeys(e.instance for e in found if e.instance))
