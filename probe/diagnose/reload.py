"""How to make a process load new code, in the terms of the server that answered.

Which server it is comes from the answer (``server.mod_wsgi_version``, ``server.software``):
mod_wsgi reloads a daemon group when its WSGI script is touched, gunicorn's and uWSGI's
masters start new workers on HUP (whether uWSGI has a master the answer does not say: the
fix names the check), waitress cannot reload and is restarted. A server the answer
does not name gets a restart of the process it names, and says so. Whether the deploy
reached a process at all is :mod:`.deploy_reached`'s.
"""

from __future__ import annotations

from collections.abc import Sequence

from probe.diagnose.answer_names import places, server_kind
from probe.diagnose.fronts import express_address, software
from probe.diagnose.uwsgi_seen import UwsgiSeen, uwsgi_seen
from probe.diagnose.wording import script_hint
from probe.endpoint_answer import EndpointAnswer


def _one(answer: EndpointAnswer) -> str:
    kind, pid, ppid = server_kind(answer), answer.pid, answer.ppid
    master = f" (ppid {ppid}, the parent of pid {pid})" if ppid is not None else ""
    if kind == "mod_wsgi":
        group = answer.process_group
        if express_address(answer) is not None:
            return _express(answer)
        if group:
            return (f"restart the whole daemon group {group!r}: touch its WSGI "
                    f"script{script_hint(answer)} (every process reloads on its next request) "
                    f"or 'apachectl graceful'")
        return ("restart Apache ('apachectl graceful' lets old children finish first: probe "
                "again after they have exited)")
    if kind == "gunicorn":
        return (f"send HUP to the gunicorn master{master}: it starts new workers with the code "
                f"on disk (with --preload the master holds the old code: restart the service "
                f"instead)")
    if kind == "uwsgi":
        return _uwsgi(answer)
    if kind == "waitress":
        return (f"restart the waitress process (pid {pid}) or the service that runs it: "
                f"waitress cannot reload code")
    said = software(answer)
    which = (f"server.software {said!r} is not a server whose reload this tool knows"
             if said else "the answer does not say which server it is (no server.software)")
    return f"restart the server that runs pid {pid} ({which})"


def _express(answer: EndpointAnswer) -> str:
    """mod_wsgi-express (its daemon group named ``HOST:PORT``), as tried on a real one
    (mod_wsgi 5): its handler reloads a process on the next request once the mtime of the
    script it was started with changes (not with --disable-reloading), and the
    ``apachectl`` in its server root restarts its Apache (``graceful``, ``restart``); the
    system's ``apachectl`` controls another Apache. The answer names neither the script
    (``script_file`` is null under express's handler) nor the server root: the parent
    Apache's command line (``-f SERVER_ROOT/httpd.conf``) does."""
    group, ppid = answer.process_group, answer.ppid
    root = (f"the directory of the httpd.conf that 'ps -ww -o args= -p {ppid}' (its Apache, the "
            f"parent of pid {answer.pid}) shows after -f; " if ppid not in (None, 0, 1) else "")
    return (f"reload mod_wsgi-express's daemon group {group!r}: touch the WSGI script it was "
            f"started with (each process reloads on its next request, unless it was started "
            f"with --disable-reloading), or run its own apachectl: 'SERVER_ROOT/apachectl "
            f"graceful' (SERVER_ROOT: {root}/tmp/mod_wsgi-{group}:UID unless started with "  # noqa: S108 - words naming express's default, no file made
            f"--server-root); the system's 'apachectl graceful' restarts another Apache, not "
            f"this one")


def _uwsgi(answer: EndpointAnswer) -> str:
    """uWSGI reloads on HUP only through its master (``--master``): without one, the parent
    is whatever started uWSGI (a shell, supervisord, systemd), and uWSGI's own process exits on
    HUP (seen with uWSGI 2.0.31). The endpoint's ``server.uwsgi`` says whether there is a
    master and how uWSGI was started to reload; an older endpoint's answer does not."""
    seen = uwsgi_seen(answer)
    pid, ppid = answer.pid, answer.ppid
    why = seen.why(pid) if seen is not None else ""
    if seen is not None and seen.master_pid == 0:
        return (f"restart the uWSGI service that runs pid {pid}{why}: uWSGI runs it without a "
                f"master (server.uwsgi.master_pid 0), where a HUP stops it rather than "
                f"reloading it")
    if seen is not None and seen.master_pid is not None:
        return f"reload uWSGI{why}: {_uwsgi_ways(seen, seen.master_pid)}"
    if ppid is None:
        return (f"restart the uWSGI service that runs pid {pid}{why} (the answer names no "
                f"parent pid: with --master, 'ps -o ppid= -p {pid}' names the master, to send "
                f"HUP)")
    if ppid in (0, 1):
        return (f"restart the uWSGI service that runs pid {pid}{why}: its parent, pid {ppid}, "
                f"is no uWSGI master, so it runs without --master, where a HUP stops it rather "
                f"than reloading it")
    return (f"reload uWSGI{why}: with --master, send HUP to its master, ppid {ppid} (the parent "
            f"of pid {pid}), which starts workers with the code on disk, or touch its "
            f"--touch-reload file if it has one. The answer does not say uWSGI runs with "
            f"--master: 'ps -o pid,args -p {ppid}' shows whether ppid {ppid} is uWSGI; if it "
            f"is not, it is whatever started uWSGI (send it nothing), and uWSGI must be "
            f"restarted (a HUP stops it)")


def _uwsgi_ways(seen: UwsgiSeen, master: int) -> str:
    """Each way the answer shows uWSGI's master takes a reload (uWSGI 2.0's graceful reload:
    the master loads the code on disk and starts new workers), the option it was started
    with named for each; a relative path is relative to where uWSGI was started."""
    ways = [f"send HUP to its master, pid {master} (server.uwsgi.master_pid)"]
    ways += [f"run 'uwsgi --reload {each}' (its --pidfile, server.uwsgi.pidfile: it sends HUP "
             f"to the pid written there)" for each in seen.pidfiles]
    ways += [f"run 'echo r > {each}' (its --master-fifo, server.uwsgi.master_fifo)"
             for each in seen.master_fifo]
    ways += [f"touch {each} (its --touch-reload, server.uwsgi.touch_reload)"
             for each in seen.touch_reload]
    listed = ways[0] if len(ways) == 1 else ", ".join(ways[:-1]) + " or " + ways[-1]
    return f"{listed}; the master then starts workers with the code on disk"


def reload_fix(answers: Sequence[EndpointAnswer], *, capital: bool = True) -> str:
    """One sentence per way of reloading among ``answers``' servers, each naming its
    processes when there are several; ``capital``: it starts a sentence."""
    return (f"{reload_ways(answers, capital=capital)}. Then probe again and check that every "
            f"pid reports the same code.version.")


def reload_ways(answers: Sequence[EndpointAnswer], *, capital: bool = True) -> str:
    """The ways of reloading ``answers``' servers, without a full stop (settings read at
    load, such as ALLOWED_HOSTS, change only with it too)."""
    ways: dict[str, list[EndpointAnswer]] = {}
    # One way per server: the workers of one master (one HUP reloads them all) are worded
    # once, with the first of them, not once per worker.
    said: dict[tuple[str | None, int | None], str] = {}
    for answer in answers:
        master = (answer.hostname, answer.ppid) if answer.ppid not in (None, 0, 1) and \
            server_kind(answer) in ("gunicorn", "uwsgi") else (answer.hostname, answer.pid)
        way = said.setdefault(master, _one(answer))
        ways.setdefault(way, []).append(answer)
    if len(ways) == 1:
        (text,) = ways
    else:
        text = "; ".join(f"for {places(group)}: {way}" for way, group in ways.items())
    return text[0].upper() + text[1:] if capital else text
