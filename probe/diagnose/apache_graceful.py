"""The graceful restart of the running Apache, by the command it was started with.

The answer names the Apache (its ``ppid``), not how it was started: ``ps -ww -o args= -p PPID``
shows that. An Apache started with ``-f CONF`` is not the one the system's ``apachectl``
controls, and its command line cannot take ``-k graceful`` on top of its own ``-k start``
(tester R23 ran ``apache2 -f CONF -k start -k graceful``: "illegal option -- k", exit 1,
nothing reloaded): ``-k graceful`` goes in place of the ``-k`` action it shows. The words
give that as a rule and as one shell line that builds it from ``ps`` (run as printed on a
real Apache: tests/integration/test_embedded_reload_apache.py). Without ``-f`` it is the
system's Apache, whose binary run bare lacks the environment ``apachectl`` gives it (Debian's
envvars): ``apachectl graceful`` there. The VirtualHost dump (``-S``) is built the same way.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

# Every "-k ACTION" the command line shows, taken out so that one '-k graceful' follows.
DROP_K = 'sed "s/ -k [a-z-]*//g"'


def read_path(main: str) -> str:
    """The file read, as ``ps`` shows a front started with it: by its absolute path, where
    ``--config`` gave it relative (re-tester R30: '-f cases/emperor/apache/httpd.conf' said,
    '-f /tmp/.../httpd.conf' shown)."""
    return main if main in ("FILE", "nginx.conf") or os.path.isabs(main) else \
        os.path.abspath(main)


def args_of(ppid: int | None, pid: int | None) -> str:
    """The ``ps`` command that prints the Apache's command line: its parent's, by the pid where
    the answer names no parent (PPID where it names neither)."""
    parent = (str(ppid) if ppid not in (None, 0, 1) else
              f"$(ps -o ppid= -p {pid})" if pid is not None else "PPID")
    return f"ps -ww -o args= -p {parent}"


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


def vhost_dump(ppid: int | None = None) -> str:
    """The command that lists the VirtualHosts the running Apache read, without a full stop:
    its own command line with ``-S`` in place of its ``-k`` action (re-tester R30: a bare
    'apachectl -S' reads the system's configuration, not a file given with -f); by ``ppid``,
    the Apache parent an answer names, where one does, else found with ``ps``."""
    if ppid not in (None, 0, 1):
        return (f"'$({args_of(ppid, None)} | {DROP_K}) -S' (the command line of the Apache "
                f"pid {ppid}, the answers' ppid, with -S in place of its -k; 'apachectl -S' "
                f"where it shows no -f)")
    return ("the running Apache's own command line with '-S' in place of its '-k start' ('ps "
            "-ww -o pid=,args= -C apache2,httpd' shows it; its binary and -f, -d and -D "
            "options kept: 'apache2 -f FILE -S'; 'apachectl -S' where it shows no -f, since "
            "apachectl reads the system's configuration)")
