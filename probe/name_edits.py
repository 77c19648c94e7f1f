"""How far a name as written is from the host a request sent: the measure behind "the likely
typo" in Apache's fixes (a ServerName, :mod:`probe.apache.near_names`; a ``<Location>``,
:mod:`probe.apache.group_placement`) and nginx's (a ``server_name``,
:mod:`probe.diagnose.nginx_near_name`).

Kept apart from both fronts so one measure decides the same near miss the same way whichever
server's configuration was read: at most one edit (a letter added, dropped, changed, or two
neighbours swapped), two for a host of ten letters or more. ``site-1`` and ``site-2`` are one
edit apart and are two sites: callers compare only the names of the block or VirtualHost
meant for the URL, or leave out names another URL of the manifest uses.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Closeness:
    """A name one or two edits from a host."""

    edits: int
    swapped: bool  # the one edit is two neighbouring letters swapped

    def words(self, host: str) -> str:
        """``one edit from HOST (two neighbouring letters swapped)`` / ``2 edits from HOST``."""
        how = " (two neighbouring letters swapped)" if self.swapped else ""
        count = "one edit" if self.edits == 1 else f"{self.edits} edits"
        return f"{count} from {host}{how}"


def limit_for(host: str) -> int:
    """Edits allowed from ``host``: two from ten letters on, where one slip is as likely as
    two in a short name."""
    return 2 if len(host) >= 10 else 1


def closeness(name: str, host: str) -> Closeness | None:
    """How near ``name`` is to ``host`` (both lower case, no trailing dot); None where they are
    the same or further apart than :func:`limit_for` allows."""
    if not name or name == host:
        return None
    count = edits(name, host, limit_for(host))
    if count > limit_for(host):
        return None
    return Closeness(count, count == 1 and _swapped(name, host))


def _swapped(a: str, b: str) -> bool:
    if len(a) != len(b):
        return False
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(differ) == 2 and differ[1] == differ[0] + 1 and \
        a[differ[0]] == b[differ[1]] and a[differ[1]] == b[differ[0]]


def edits(a: str, b: str, limit: int) -> int:
    """The optimal string alignment distance from ``a`` to ``b`` (a swap of neighbours is one
    edit), or more than ``limit`` as soon as it must be."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return row[-1]
