"""What ``probe discover`` cannot expand, said in the manifest instead of left out
silently: mod_macro's ``Use`` lines that mod_macro itself would refuse.

The reader expands each ``Use`` of a ``<Macro>`` read before it, as mod_macro does
(:mod:`probe.apache.macros`), so the sites it makes are in the model with the file and line
of the macro's body and of the ``Use``. A ``Use`` it cannot expand (no such macro read
before it, another number of values, a macro used inside itself) stays in the tree with
the reason; httpd refuses to start with it, and ``probe lint`` reports it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from probe.apache.config import Directive


def unexpanded_macros(directives: Sequence[Directive]) -> list[str]:
    """One comment per ``Use`` line not expanded (in a section too), naming its file and
    line and why."""
    return [f"Use {' '.join(d.args)} at {d.where} is not expanded: {d.unread}; httpd "
            f"will not start with it (probe lint reports it), and the sites it would make "
            f"are not in this manifest" for d in _walk(directives) if d.key == "use"]


def _walk(directives: Sequence[Directive]) -> Iterator[Directive]:
    for d in directives:
        yield d
        yield from _walk(d.body())
