"""wrong_module at a unix socket: two servers configured with one path, the check first.

A server that binds a unix socket where a file already is may remove the file and bind the
path anew (uWSGI 2.0.31 does, without a word): the server that bound it before keeps running on
the removed file, and no client reaches it any more. Tester T30 enabled a vassal
``site2unix.ini`` with site1's ``socket =``: site1's URLs were then answered by site2's code
from site1's path. The fix said to make the server at that path load site1's application;
applied literally (site2unix switched to site1's code) every URL answered ok, and site1's
own vassal went on running, unreachable, beside it.

So where the server at a unix socket runs another instance's application and no answer of the
sweep came from the instance meant, the fix leads with the check that tells two servers on
one path from one server loading the wrong application, and with giving the newer server a
socket of its own; what it loads is the fix only where one server is configured there. Tried
on uWSGI 2.0.31: ``ss -xlp`` lists one line per listening socket bound to the path, with its
pids, the removed one included.
"""

from __future__ import annotations

from probe.diagnose.uwsgi_seen import uwsgi_seen
from probe.endpoint_answer import EndpointAnswer
from probe.unix_sockets import PREFIX, normal_unix


def _pids(pids: tuple[int, ...]) -> str:
    return f"pid{'s' if len(pids) > 1 else ''} {', '.join(str(p) for p in pids)}"


def takeover_check(at: str, pids: tuple[int, ...], answer: EndpointAnswer, who: str,
                   expected: str, meant_seen: bool) -> str:
    """The check and the fix for two servers on the unix socket ``at`` (this answer's
    ``server.listen``, ``pids`` the processes that answered there), ending where the fix for
    one server begins; empty where ``at`` is not a unix socket or ``expected`` answered."""
    if meant_seen or not at.startswith(PREFIX) or not pids:
        return ""
    path = normal_unix(at)[len(PREFIX):]
    seen = uwsgi_seen(answer)
    master = seen.master_pid if seen is not None and seen.master_pid else None
    if seen is not None:
        started = (f"'ps -ww -o args= -p {master}' shows the configuration its master "
                   f"(server.uwsgi.master_pid) was started with (--ini FILE), and for an "
                   f"Emperor's vassal 'ps -ww -o args= -p $(ps -o ppid= -p {master})' the "
                   f"Emperor's directory (--emperor DIR)" if master else
                   f"'ps -ww -o args= -p {pids[0]}' shows the configuration it was started "
                   f"with")
        grep = (f"'grep -rn \"socket *= *{path}\" DIR' (DIR: the directory of the vassal "
                f".ini files; {started}) lists each uWSGI configuration that binds it")
        newer = (f"the uWSGI whose master is pid {master}" if master else
                 f"the uWSGI of {_pids(pids)}")
        again = ("stop and start the other one, which binds the path again (a reload keeps "
                 "its removed socket; an Emperor's vassal: move its .ini out of the Emperor's "
                 "directory and back)")
    else:
        grep = (f"'grep -rn \"{path}\"' over the application servers' configurations (a "
                f"uWSGI socket=, gunicorn's --bind unix:, systemd's ListenStream=) lists "
                f"each one that binds it")
        newer = f"the server of {_pids(pids)}"
        again = "stop and start the other one, which binds the path again"
    return (f"First check whether two servers are configured with {path}: a server that "
            f"binds a unix socket may remove a file already at its path and bind it anew "
            f"(uWSGI does), and the server that bound it before keeps running on the removed "
            f"file, reached by no client; no answer of this sweep came from {expected}. "
            f"{grep}; 'ss -xlp | grep {path}' lists each server listening on a socket bound "
            f"to that path, one line each with its pids: the line with {_pids(pids)} (this "
            f"answer's, server.listen {at}) holds the path now, and any other line is a "
            f"server left without clients, the one {expected}'s URLs were meant to reach "
            f"where it runs {expected}'s application. Where two are configured: give {newer} "
            f"(it runs {who}'s application) a socket path of its own in its configuration, "
            f"and pass to that path whatever is meant for {who} there; then {again}. Where "
            f"one alone is: ")
