"""The fix of a wrong daemon process group written in a mod_macro body: the line to change is
the ``Use`` of that site (or the ``Define`` its ``${VAR}`` reads), never the body.

Tester T33's b-mass-macro: ``<Macro DjangoSite $host $project $group>`` with
``WSGIScriptAlias / ... process-group=$group`` (00-macro.conf:4), used by alpha.conf:2,
beta.conf:2 and gamma.conf:2 as ``Use DjangoSite gamma.macro.test gamma ${GROUP}``. gamma.conf
has no ``Define GROUP`` of its own: ``Define`` is global and read in order, so ``${GROUP}``
there is beta.conf:1's 'beta'. The fix printed was "Put process-group=gamma on ...
00-macro.conf:4", the body: applied, every site the macro makes named the group gamma,
and all three answered 500. The value comes from the ``Use`` line, and from the ``Define``
read last before it where the line writes ``${VAR}`` (:class:`probe.apache.macros.VarSource`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from probe.apache.config import Directive
from probe.apache.model import Server, Site
from probe.front import Source


def _walk(directives: Sequence[Directive]) -> Iterator[Directive]:
    for d in directives:
        yield d
        yield from _walk(d.body())


def macro_group_fix(site: Site, server: Server, chosen: Source, wrong: str,
                    group: str) -> str:
    """The fix naming the ``Use`` (and ``Define``) line that gives ``server`` the daemon
    group ``wrong`` through a macro body line at ``chosen``, to give it ``group`` instead;
    "" where that line is not a macro's body or the value cannot be traced to one
    parameter of the Use."""
    line = next((d for d in _walk(server.directives) if d.macro is not None
                 and (d.file, d.line) == (chosen.file, chosen.line)), None)
    if line is None or line.macro is None:
        return ""
    use = line.macro
    index = [i for i, v in enumerate(use.values) if v == wrong]
    if len(index) != 1 or len(use.written) != len(use.values):
        return ""
    param, written = use.params[index[0]], use.written[index[0]]
    others = sorted({a.server.describe() for a in site.apps if a.server is not server
                     and (a.directive.file, a.directive.line) == (chosen.file, chosen.line)})
    body = (f"Do not edit {chosen.file}:{chosen.line}: it is the body of macro {use.name}, "
            f"read for every Use of it" + (f" ({'; '.join(others)} too)" if others else "")
            + f", and a value written there would give each of them '{group}'.")
    variable = next((v for v in use.variables if written == "${" + v.name + "}"), None)
    if variable is None:
        return (f"At {use.where}, the Use of macro {use.name} for this site, write {group} "
                f"in place of {written}, the value of {param} that process-group= takes "
                f"({chosen.file}:{chosen.line}). {body}")
    came = (f"Define {variable.name} {variable.value} at {variable.where}, the last "
            f"Define of {variable.name} read before it (Define is global: httpd reads the "
            f"files in order and a later file sees an earlier one's value)"
            if variable.file else f"{variable.name} from the environment")
    return (f"At {use.where}, the Use of macro {use.name} for this site, {param} is "
            f"{written}, which is '{variable.value}' there: {came}. Add "
            f"'Define {variable.name} {group}' on the line before {use.where} (or write "
            f"{group} in place of {written} there, passing the group to the macro itself). "
            f"{body}")


def use_words(line: Directive, group: str, new: str) -> str:
    """For lint: how the site a macro body's ``line`` was read for is given the daemon group
    ``new`` in place of ``group``, at its ``Use`` line; "" where ``line`` is no macro's body.
    The body is read for every Use: an edit there moves every site the macro makes (T33)."""
    use = line.macro
    if use is None:
        return ""
    index = [i for i, v in enumerate(use.values) if v == group]
    body = (f"not in {line.file}:{line.line}, the body of macro {use.name}, read for every "
            f"Use of it")
    if len(index) != 1 or len(use.written) != len(use.values):
        return (f"at its Use of macro {use.name}, {use.where}, through a parameter of the "
                f"macro for the group ({body})")
    param, written = use.params[index[0]], use.written[index[0]]
    variable = next((v for v in use.variables if written == "${" + v.name + "}"), None)
    came = (f", which takes '{variable.value}' from Define {variable.name} at "
            f"{variable.where}: add 'Define {variable.name} {new}' on the line before it or "
            f"write {new} in place of {written}" if variable is not None and variable.file
            else f": write {new} in place of {written}")
    return f"at its Use of macro {use.name}, {use.where}, whose {param} is {written}{came} ({body})"


def macro_uses(site: Site) -> list[Directive]:
    """The WSGI mounts read from macro bodies (one per Use)."""
    return [a.directive for a in site.apps if a.directive.macro is not None]
