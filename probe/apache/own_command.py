"""The running Apache's own command line, by its pid: what ``ps`` shows of it, and the
VirtualHost dump (``-S``) built from it.

An Apache started with ``-f CONF`` (mod_wsgi-express's generated ``apachectl`` in its server
root, or ``apache2 -f FILE``) is not the one the system's ``apachectl`` reads: a bare
``apachectl -S`` lists the VirtualHosts of /etc/apache2 or /etc/httpd, not of the file that
Apache runs (re-tester R30). Its own command line with ``-S`` in place of its ``-k`` action
does (run as printed on a real Apache: tests/integration/test_no_endpoint_answered_apache.py).
Kept here, beside the configuration model, so that the model's own fixes
(:mod:`probe.apache.site_elsewhere`) name the same check as diagnosis
(:mod:`probe.diagnose.apache_graceful`).
"""

from __future__ import annotations

# Every "-k ACTION" the command line shows, taken out so that one '-k graceful' (or -S) follows.
DROP_K = 'sed "s/ -k [a-z-]*//g"'


def args_of(ppid: int | None, pid: int | None) -> str:
    """The ``ps`` command that prints the Apache's command line: its parent's, by the pid where
    the answer names no parent (PPID where it names neither)."""
    parent = (str(ppid) if ppid not in (None, 0, 1) else
              f"$(ps -o ppid= -p {pid})" if pid is not None else "PPID")
    return f"ps -ww -o args= -p {parent}"


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
