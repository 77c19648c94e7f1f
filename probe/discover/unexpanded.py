"""What ``probe discover`` does not expand, said in the manifest instead of left out
silently: mod_macro's ``Use`` lines.

A ``Use`` makes the sections of its ``<Macro>`` (VirtualHosts, WSGIScriptAlias lines) with
the arguments put in; the reader keeps a macro's body as text it does not read
(:mod:`probe.apache.config`), so the sites a ``Use`` makes are not in the model. httpd
itself lists them: ``apache2ctl -S`` (``probe lint --apachectl``) names each VirtualHost
"macro 'NAME' ... used on line N".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from probe.apache.config import Directive


def unexpanded_macros(directives: Sequence[Directive]) -> list[str]:
    """One comment per ``Use`` line read (in a section too), naming its file and line."""
    return [f"Use {' '.join(d.args)} at {d.where}: mod_macro is not expanded by probe "
            f"discover, so the sites and applications this line makes are not in this "
            f"manifest; apache2ctl -S (probe lint --apachectl) lists them: add their URLs "
            f"by hand" for d in _walk(directives) if d.key == "use"]


def _walk(directives: Sequence[Directive]) -> Iterator[Directive]:
    for d in directives:
        yield d
        yield from _walk(d.body())
