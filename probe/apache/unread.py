"""Configuration that could hold WSGI applications but was not read: an ``Include`` whose
files were not (all) read, a ``<Directory>`` of ``wsgi-script`` handlers that cannot be
listed on this machine. A rule that finds no application in a scope says so only when
nothing in that scope is one of these."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from probe.apache.config import Directive


@dataclass(frozen=True)
class Unread:
    directive: Directive  # the Include, or the handler directive of an unlistable directory
    why: str

    def describe(self) -> str:
        d = self.directive
        return f"{d.name} {' '.join(d.args)} at {d.where} ({self.why})"


def unread_includes(scope: Sequence[Directive]) -> list[Unread]:
    """The includes of a scope, sections included, that were not (all) read."""
    return [Unread(d, d.unread) for d in _walk(scope) if d.unread]


def _walk(scope: Sequence[Directive]) -> Iterator[Directive]:
    for d in scope:
        yield d
        # a VirtualHost is a scope of its own, read by its server
        if d.children and d.key != "virtualhost":
            yield from _walk(d.children)
