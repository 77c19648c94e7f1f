"""The graceful restart of the running Apache, by the command it was started with.

The answer names the Apache (its ``ppid``), not how it was started: ``ps -ww -o args= -p PPID``
shows that. An Apache started with ``-f CONF`` is not the one the system's ``apachectl``
controls, and its command line cannot take ``-k graceful`` on top of its own ``-k start``
(tester R23 ran ``apache2 -f CONF -k start -k graceful``: "illegal option -- k", exit 1,
nothing reloaded): ``-k graceful`` goes in place of the ``-k`` action it shows. The words
give that as a rule and as one shell line that builds it from ``ps`` (run as printed on a
real Apache: tests/integration/test_embedded_reload_apache.py). Without ``-f`` it is the
system's Apache, whose binary run bare lacks the environment ``apachectl`` gives it (Debian's
envvars): ``apachectl graceful`` there. The VirtualHost dump (``-S``) is built the same way
(:mod:`probe.apache.own_command`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from probe.apache.own_command import DROP_K, args_of
from probe.apache.own_command import vhost_dump as vhost_dump  # its callers' one import


def read_path(main: str) -> str:
    """The file read, as ``ps`` shows a front started with it: by its absolute path, where
    ``--config`` gave it relative (re-tester R30: '-f cases/emperor/apache/httpd.conf' said,
    '-f /tmp/.../httpd.conf' shown)."""
    return main if main in ("FILE", "nginx.conf") or os.path.isabs(main) else \
        os.path.abspath(main)


def graceful(parents: Sequence[int | None], pid: int | None, children: str) -> str:
    """How to restart gracefully the Apache(s) ``parents`` (the parents of ``children``,
    ``pid`` one of them where no parent is named), without a full stop."""
    shown = list(dict.fromkeys(args_of(p, pid) for p in parents)) or [args_of(None, pid)]
    which = " and ".join(f"'{each}'" for each in shown)
    lines = " and ".join(f"'$({each} | {DROP_K}) -k graceful'" for each in shown)
    return (f"run the command that {which} shows (its Apache, the parent of {children}) with "
            f"'-k graceful' in place of the '-k start' it shows (the binary and its -f, -d "
            f"and -D options kept; '-k graceful' added where it shows no -k; both at once is "
            f"refused: 'illegal option -- k'), in one line: {lines}; where it shows no -f, "
            f"run 'apachectl graceful' instead (it controls the Apache of the system's "
            f"configuration, /etc/apache2 or /etc/httpd, not one started with -f)")
