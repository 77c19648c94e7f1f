"""mod_macro as httpd runs it while reading: a ``<Macro NAME $a @b %c>`` keeps its body as
lines of text, and each ``Use NAME x y z`` puts those lines, the parameters replaced by the
values, in place of the ``Use`` line, to be read as if written there.

What mod_macro does (modules/core/mod_macro.c, httpd 2.4), and so this module:

* macro names compare without regard to case; a later ``<Macro>`` of a name replaces the
  earlier one, ``UndefMacro`` removes it;
* a ``Use`` of a macro not defined before it, with another number of values than the
  macro has parameters, or inside that macro's own expansion, stops httpd;
* each body line is searched for the parameters: the first occurrence in the line is
  replaced (the longest name where two start at the same place), and the search goes on
  after the value put in; a parameter whose name starts with ``@`` gets its value in
  double quotes, ``"`` and ``\\`` escaped with ``\\``; ``$`` and ``%`` ones the value as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BodyLine = tuple[int, int, str]  # first physical line, last physical line, logical text


@dataclass(frozen=True)
class Macro:
    name: str  # as written
    params: tuple[str, ...]
    file: str
    line: int
    body: tuple[BodyLine, ...]

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class VarSource:
    """A ``${VAR}`` of a line and where its value came from: the ``Define`` read last before
    that line (Define is global and read in order), or the process environment (no file)."""

    name: str
    value: str
    file: str | None
    line: int = 0

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.file else "the environment"


@dataclass(frozen=True)
class MacroUse:
    """The ``Use`` line a directive of a macro's body was read for."""

    name: str
    file: str
    line: int
    defined_file: str
    defined_line: int
    params: tuple[str, ...] = ()
    values: tuple[str, ...] = ()  # as put in, each ${VAR} resolved
    written: tuple[str, ...] = ()  # the values as the Use line writes them
    variables: tuple[VarSource, ...] = ()  # the ${VAR}s of the Use line

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def refusal(macro: Macro | None, name: str, values: Sequence[str],
            expanding: Sequence[MacroUse]) -> str:
    """Why httpd refuses this ``Use`` (mod_macro's words), or "" when it expands it."""
    if not name:
        return "no macro name specified with Use"
    if macro is None:
        return f"macro '{name.lower()}' undefined (no <Macro {name}> read before this line)"
    if any(u.name.lower() == macro.name.lower() for u in expanding):
        return f"recursive use of macro '{macro.name.lower()}' is invalid"
    if len(values) != len(macro.params):
        return (f"macro '{macro.name.lower()}' (defined at {macro.where}) used with "
                f"{len(values)} arguments instead of {len(macro.params)}")
    return ""


def substitute(text: str, params: Sequence[str], values: Sequence[str]) -> str:
    """One body line with the parameters replaced as mod_macro's
    ``substitute_macro_args`` does."""
    out: list[str] = []
    pos = 0
    while True:
        found = _next(text, pos, params)
        if found is None:
            out.append(text[pos:])
            return "".join(out)
        at, index = found
        name, value = params[index], values[index]
        out.append(text[pos:at])
        out.append(_quoted(value) if name.startswith("@") else value)
        pos = at + len(name)


def _next(text: str, start: int, params: Sequence[str]) -> tuple[int, int] | None:
    chosen: tuple[int, int] | None = None
    for index, name in enumerate(params):
        if not name:
            continue
        at = text.find(name, start)
        if at < 0:
            continue
        if chosen is None or at < chosen[0] or (
                at == chosen[0] and len(name) > len(params[chosen[1]])):
            chosen = (at, index)
    return chosen


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
