"""Which addresses of one URL the same processes answer: one server bound to several addresses
(gunicorn with two ``--bind``, a machine with two addresses in ``connect``) is one backend,
and a report that counts it twice says so.

Told from the answers of one sweep only: the same ``instance_id`` (one loaded copy of the
application in one process) at two addresses, or a process id seen at both on the same
machine (``server.hostname``: a pid is one process on one machine at one time).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from probe.model import TargetResult

Key = tuple[str, str | None]


def _same(one: TargetResult, other: TargetResult) -> bool:
    a, b = one.observed, other.observed
    if a is None or b is None:
        return False
    if a.instance_id is not None and a.instance_id == b.instance_id:
        return True
    return (a.hostname is not None and a.hostname == b.hostname
            and bool(set(one.pids or (a.pid,)) & set(other.pids or (b.pid,))))


def one_server(targets: Sequence[TargetResult]) -> dict[Key, tuple[str, ...]]:
    """For each (URL, address) answered by the same processes as another address of the
    URL: every such address, in report order (itself included). Others are not keys."""
    by_url: dict[str, list[TargetResult]] = defaultdict(list)
    for target in targets:
        if target.address is not None:
            by_url[target.url].append(target)
    found: dict[Key, tuple[str, ...]] = {}
    for url, group in by_url.items():
        if len(group) < 2:
            continue
        seen: set[int] = set()
        for i in range(len(group)):
            if i in seen:
                continue
            members = [i]
            grown = True
            while grown:  # a chain (A like B, B like C) is one server
                grown = False
                for j in range(i + 1, len(group)):
                    if j not in seen and j not in members and any(
                            _same(group[k], group[j]) for k in members):
                        members.append(j)
                        grown = True
            seen.update(members)
            if len(members) > 1:
                addresses = tuple(str(group[k].address) for k in sorted(members))
                for k in members:
                    found[(url, group[k].address)] = addresses
    return found


def and_list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def named(addresses: Sequence[str]) -> str:
    """``A and B (one server: the same processes answer at both)``."""
    both = "both" if len(addresses) == 2 else "each"
    return (f"{and_list(addresses)} (one server: the same processes, by instance_id or pid on "
            f"one host, answer at {both})")
