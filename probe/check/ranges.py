"""The Monitoring Plugins' threshold range, ``[@][start:][end]``, as nagiosplugin reads it.

nagiosplugin was imported by every ``probe check`` for its ``Range`` alone, and importing it
(its check, context, cookie and platform modules: tempfile, shutil, ...) cost more than the
rest of the plugin's judgement (bench/RESULTS.md). This is the same reading, rule for rule:
``10`` is 0..10, ``10:`` 10..inf, ``~:10`` -inf..10, ``10:20`` 10..20, ``@`` inverts; a bound
with a ``.`` is a float, any other an int; a start above the end is refused. A test compares
it with nagiosplugin's ``Range`` on generated specs.
"""

from __future__ import annotations

INF = float("inf")


class Range:
    """A threshold range; :meth:`match` is True for a value it does not alert on."""

    __slots__ = ("end", "invert", "start")

    def __init__(self, spec: str) -> None:
        invert = spec.startswith("@")
        if invert:
            spec = spec[1:]
        start_text, end_text = spec.split(":") if ":" in spec else ("", spec)
        start = -INF if start_text == "~" else _bound(start_text, 0)
        end = _bound(end_text, INF)
        if start > end:
            raise ValueError(f"start {start} must not be greater than end {end}")
        self.invert = invert
        self.start: float = start
        self.end: float = end

    def match(self, value: float) -> bool:
        inside = self.start <= value <= self.end
        return inside != self.invert

    def __str__(self) -> str:
        """The spec again, a start of 0 left out (as nagiosplugin writes it in perfdata)."""
        text = "@" if self.invert else ""
        if self.start == -INF:
            text += "~:"
        elif self.start != 0:
            text += f"{self.start}:"
        if self.end != INF:
            text += f"{self.end}"
        return text

    def __repr__(self) -> str:
        return f"Range({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Range):
            return NotImplemented
        return (self.invert, self.start, self.end) == (other.invert, other.start, other.end)

    def __hash__(self) -> int:
        return hash((self.invert, self.start, self.end))


def _bound(text: str, default: float) -> float:
    if text == "":
        return default
    return float(text) if "." in text else int(text)
