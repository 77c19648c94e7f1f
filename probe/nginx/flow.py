"""The variables of one request on its way through the rewrite phase
(:mod:`probe.nginx.phase_steps` runs the lines in order): each ``set`` value resolved from
the request's own variables, the ``map`` blocks read and the ``set`` lines before it; and
whether an ``if`` holds, decided when the request gives the variable its condition tests
(:func:`probe.nginx.rewrites.holds`).

A value this cannot decide (a cookie, a header, a ``set`` inside an undecided ``if``) is
kept with the ``file:line`` of the ``set`` that makes it so, for the route to name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from probe.nginx.rewrites import IfBlock, SetVar, holds
from probe.nginx.variables import Map, resolve

_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


@dataclass
class Vars:
    known: dict[str, str]  # what the request and the lines read give, by "$name"
    unknown: dict[str, str] = field(default_factory=dict)  # "$name": why not, with its line
    by_set: dict[str, str] = field(default_factory=dict)  # "$name": the set line that gave it

    def copy(self) -> Vars:
        return Vars(dict(self.known), dict(self.unknown), dict(self.by_set))


def names(text: str) -> list[str]:
    return ["$" + (m.group(1) or m.group(2)) for m in _VARIABLE.finditer(text)]


def apply_set(s: SetVar, maps: dict[str, Map], vars_: Vars) -> None:
    """One ``set`` line run: its variable known from here on, or said undecided."""
    found = _value(s.value, maps, vars_)
    if found is None:
        why = "; ".join(vars_.unknown[n] for n in names(s.value) if n in vars_.unknown)
        _forget(vars_, s.name, f"set {s.name} {s.value} at {s.where} names a value only "
                               f"a request has" + (f" ({why})" if why else ""))
        return
    vars_.known[s.name] = found
    vars_.unknown.pop(s.name, None)
    vars_.by_set[s.name] = f"set {s.name} {s.value} at {s.where}"


def forget_sets(block: IfBlock, sets: list[SetVar], vars_: Vars) -> None:
    """The ``set`` lines of an ``if`` only a request decides: their variables unknown."""
    for s in sets:
        _forget(vars_, s.name, f"set {s.name} {s.value} at {s.where} is inside "
                               f"{block.written()} at {block.where}, which only a request "
                               f"decides")


def _forget(vars_: Vars, name: str, why: str) -> None:
    vars_.known.pop(name, None)
    vars_.by_set.pop(name, None)
    vars_.unknown[name] = why


def _value(text: str, maps: dict[str, Map], vars_: Vars) -> str | None:
    if any(n in vars_.unknown for n in names(text)):
        return None
    return resolve(text, maps, vars_.known).value


def holds_for(block: IfBlock, vars_: Vars) -> bool | None:
    if any(n in vars_.unknown for n in names(" ".join(block.condition))):
        return None
    return holds(block, vars_.known)


@dataclass(frozen=True)
class IfTaken:
    block: IfBlock
    holds: bool | None  # True: it holds for this request; None: only a request decides

    def said(self, vars_: Vars) -> str:
        tested = next(iter(names(" ".join(self.block.condition[:1]))), "")
        if self.holds:
            value = vars_.known.get(tested.replace("{", "").replace("}", ""), "")
            return (f"{self.block.written()} at {self.block.where} holds for this request "
                    f"({tested} = {value!r})")
        what = ", ".join(f"{d.name} at {d.where}" for d in self.block.routing
                         if d.name != "set")
        why = vars_.unknown.get(tested) or (
            f"{tested} is a value only a request has" if tested else "it tests a file on disk")
        return (f"{self.block.written()} at {self.block.where} holds {what}: whether it "
                f"applies only a request decides ({why}); the steps read are the route when "
                f"it does not hold")
