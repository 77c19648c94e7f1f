"""What ``probe discover`` could not read in an Apache configuration, said in the manifest
and on stderr rather than dropped: an ``Include`` not (all) read, and a ``Listen`` whose
``${VAR}`` is not defined here.

cfgov's httpd.conf (cfpb/consumerfinance.gov) takes both from the environment httpd starts
with (``PassEnv``): ``ServerRoot "${APACHE_SERVER_ROOT}"`` leaves ``IncludeOptional
conf.d/*.conf``, which holds the application, with no root to be read against (lint says so
at the ServerRoot line), and ``Listen ${APACHE_PORT}`` has no port known here. A manifest
written without saying so would have no instance, or a ``connect`` the manifest parser
refuses (``127.0.0.1:0``); the comments name each line, the variable, and how to give it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from probe.apache.config import Directive

_VAR = re.compile(r"\$\{([A-Za-z0-9_:.\-]+)\}")
_INCLUDES = ("include", "includeoptional")


def undefined_variable(directive: Directive) -> str | None:
    """The ``${VAR}`` a directive's arguments keep as written (the reader leaves a variable
    it has no value for unexpanded, as httpd does), or None."""
    found = _VAR.search(" ".join(directive.args))
    return found.group(1) if found else None


def how_to_give(var: str) -> str:
    # -D defines a name for <IfDefine>, with no value: only the environment gives one
    return (f"give {var} to probe discover as httpd gets it (set in discover's environment, "
            f"or in envvars in the server root)")


def unread_includes(directives: Sequence[Directive]) -> list[str]:
    """One sentence per ``Include``/``IncludeOptional`` not (all) read, sections too: its
    line, why, and what to give where a variable is missing."""
    said = []
    for d in _walk(directives):
        if d.key not in _INCLUDES or not d.unread:
            continue
        var = _VAR.search(d.unread)
        fix = f"; {how_to_give(var.group(1))}" if var else ""
        said.append(f"{d.name} {' '.join(d.args)} at {d.where} was not read: {d.unread}; "
                    f"any application in it is not in this manifest{fix}")
    return said


def unread_lines(directives: Sequence[Directive]) -> list[str]:
    """Each ``Include``/``IncludeOptional`` not (all) read, as ``NAME ARGS at FILE:LINE``:
    what the files read say of the whole server (one site per address, say) holds only for
    them."""
    return [f"{d.name} {' '.join(d.args)} at {d.where}" for d in _walk(directives)
            if d.key in _INCLUDES and d.unread]


def _walk(directives: Sequence[Directive]) -> Iterator[Directive]:
    for d in directives:
        yield d
        yield from _walk(d.body())
