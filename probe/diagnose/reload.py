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

from probe.diagnose.answer_names import joined, places, server_kind
from probe.diagnose.apache_graceful import graceful
from probe.diagnose.fronts import express_address, listen, software
from probe.diagnose.stale_words import copy_said
from probe.diagnose.uwsgi_seen import UwsgiSeen, uwsgi_seen
from probe.diagnose.wording import script_hint
from probe.endpoint_answer import EndpointAnswer


def _pids(group: Sequence[EndpointAnswer]) -> str:
    """``pid 7``, or ``pids 7, 8 and 9``: every process of one server that answered."""
    pids = [str(p) for p in dict.fromkeys(a.pid for a in group)]
    return f"pid {pids[0]}" if len(pids) == 1 else f"pids {joined(pids)}"


def _apache(group: Sequence[EndpointAnswer], pids: str) -> str:
    """The graceful restart of the Apache that runs ``group``, by its own command: a bare
    ``apachectl`` controls the Apache of the system's configuration, another one where this
    one was started with ``-f`` (a tester's Apache, a mod_wsgi-express)."""
    return graceful([a.ppid for a in group], group[0].pid, pids)


def _one(group: Sequence[EndpointAnswer]) -> str:
    """The reload of one server, ``group`` its answering processes (:func:`_servers`)."""
    answer = group[0]
    kind, pid, ppid, pids = server_kind(answer), answer.pid, answer.ppid, _pids(group)
    master = f" (ppid {ppid}, the parent of {pids})" if ppid is not None else ""
    if kind == "mod_wsgi":
        name = answer.process_group
        if express_address(answer) is not None:
            return _express(answer, pids)
        if name:
            return (f"restart the whole daemon group {name!r}: touch its WSGI "
                    f"script{script_hint(answer)} (every process reloads on its next request) "
                    f"or {_apache(group, pids)}")
        return (f"restart Apache gracefully: {_apache(group, pids)}; old children finish "
                f"first: probe again after they have exited")
    if kind == "gunicorn":
        return _gunicorn(group, master, pids)
    if kind == "uwsgi":
        return _uwsgi(group, pids)
    if kind == "waitress":
        return (f"restart the waitress process (pid {pid}) or the service that runs it: "
                f"waitress cannot reload code")
    said = software(answer)
    which = (f"server.software {said!r} is not a server whose reload this tool knows"
             if said else "the answer does not say which server it is (no server.software)")
    return f"restart the server that runs {pids} ({which})"


def _gunicorn(group: Sequence[EndpointAnswer], master: str, pids: str) -> str:
    """gunicorn's HUP starts new workers from the master: with --preload the master loaded
    the application once and a HUP forks the workers from that old copy again (tried: the
    workers kept the old code); a restart of the service loads the code on disk either way."""
    ppid = group[0].ppid
    ps = f"'ps -ww -o args= -p {ppid}'" if ppid is not None else \
        f"'ps -ww -o args= -p PPID' (PPID from 'ps -o ppid= -p {group[0].pid}')"
    shared = copy_said(group, f"its {'worker' if pids.startswith('pid ') else 'workers'} "
                              f"{pids.split(' ', 1)[1]}")
    if shared:
        return (f"restart the gunicorn service (stop its master{master}, then start it): "
                f"{shared}, which is what --preload gives (the master loads the application "
                f"once and forks every worker from it), where a HUP forks the workers again "
                f"from the master's old code; {ps} shows --preload (or preload_app in its "
                f"config file); without it, a HUP to the master starts workers with the code "
                f"on disk")
    if len({a.pid for a in group}) > 1:
        return (f"send HUP to the gunicorn master{master}: it starts new workers with the code "
                f"on disk (their start times differ, started_at: each worker loaded the code "
                f"itself, not forked from a --preload master's copy)")
    return (f"send HUP to the gunicorn master{master}: it starts new workers with the code "
            f"on disk (with --preload the master holds the old code: restart the service "
            f"instead; {ps} shows whether it runs with --preload)")


def _express(answer: EndpointAnswer, pids: str) -> str:
    """mod_wsgi-express (its daemon group named ``HOST:PORT``), as tried on a real one
    (mod_wsgi 5): its handler reloads a process on the next request once the mtime of the
    script it was started with changes (not with --disable-reloading), and the
    ``apachectl`` in its server root restarts its Apache (``graceful``, ``restart``); the
    system's ``apachectl`` controls another Apache. The answer does not name the server root
    (nor the script, from an endpoint older than ``script_file``'s wrap-time source): the
    parent Apache's command line (``-f SERVER_ROOT/httpd.conf``) does."""
    group, ppid = answer.process_group, answer.ppid
    root = (f"the directory of the httpd.conf that 'ps -ww -o args= -p {ppid}' (its Apache, the "
            f"parent of {pids}) shows after -f; " if ppid not in (None, 0, 1) else "")
    return (f"reload mod_wsgi-express's daemon group {group!r}: touch the WSGI script it was "
            f"started with (each process reloads on its next request, unless it was started "
            f"with --disable-reloading), or run its own apachectl: 'SERVER_ROOT/apachectl "
            f"graceful' (SERVER_ROOT: {root}/tmp/mod_wsgi-{group}:UID unless started with "  # noqa: S108 - words naming express's default, no file made
            f"--server-root); the system's 'apachectl graceful' restarts another Apache, not "
            f"this one")


def _uwsgi(group: Sequence[EndpointAnswer], pids: str) -> str:
    """uWSGI reloads on HUP only through its master (``--master``): without one, the parent
    is whatever started uWSGI (a shell, supervisord, systemd), and uWSGI's own process exits on
    HUP (seen with uWSGI 2.0.31). The endpoint's ``server.uwsgi`` says whether there is a
    master and how uWSGI was started to reload; an older endpoint's answer does not."""
    answer = group[0]
    seen = uwsgi_seen(answer)
    pid, ppid = answer.pid, answer.ppid
    why = seen.why(pid) if seen is not None else ""
    if seen is not None and seen.master_pid == 0:
        return _uwsgi_no_master(group, pids, why)
    if seen is not None and seen.master_pid is not None:
        return (f"reload uWSGI{why}: {_uwsgi_ways(seen, seen.master_pid)}"
                f"{_no_chain(group, pids)}")
    if ppid is None:
        return (f"restart the uWSGI service that runs pid {pid}{why} (the answer names no "
                f"parent pid: with --master, 'ps -o ppid= -p {pid}' names the master, to send "
                f"HUP)")
    if ppid in (0, 1):
        return (f"restart the uWSGI service that runs pid {pid}{why}: its parent, pid {ppid}, "
                f"is no uWSGI master, so it runs without --master, where a HUP stops it rather "
                f"than reloading it")
    return (f"reload uWSGI{why}: with --master, send HUP to its master, ppid {ppid} (the parent "
            f"of {pids}), which starts workers with the code on disk, or touch its "
            f"--touch-reload file if it has one. The answer does not say uWSGI runs with "
            f"--master: 'ps -o pid,args -p {ppid}' shows whether ppid {ppid} is uWSGI; if it "
            f"is not, it is whatever started uWSGI (send it nothing), and uWSGI must be "
            f"restarted (a HUP stops it)")


def _uwsgi_no_master(group: Sequence[EndpointAnswer], pids: str, why: str) -> str:
    """One uWSGI without a master, one or more of its processes answering: the first process
    serves too and forked the others (tried: a HUP to it stopped it alone, and its children
    went on serving the old code with ppid 1). The list comes first: R23 stopped the pids
    named, then ran the 'ps --ppid' check, which found nothing, the child left having ppid 1."""
    first, seen = _first(group)
    if first is not None:
        listed = (f"'ps -o pid= --ppid {first}' lists the processes pid {first} forked{seen}, "
                  f"which go on serving the old code once pid {first} stops, with ppid 1, where "
                  f"that command no longer finds them; then stop pid {first} and every pid "
                  f"listed")
    else:
        parents = [p for p in dict.fromkeys(a.ppid for a in group) if p is not None]
        if all(p == 1 for p in parents):
            whose = (f"their parent is init, ppid 1: what started {pids} has exited; any other "
                     f"process of this uWSGI runs the same uwsgi command")
        else:
            shown = joined([str(p) for p in parents])
            whose = (f"'ps -o pid,args -p {shown}' shows whether ppid {shown} is uWSGI's first "
                     f"process, which forked {pids} and serves too (stopped with them), or "
                     f"whatever started uWSGI (sent nothing)")
        listed = (f"'ps -ww -eo pid,ppid,args' shows them ({whose}); then stop {pids} and every "
                  f"other one")
    return (f"list every process of this uWSGI{why} before stopping any: {listed}, and start "
            f"uWSGI again: it runs without a master (server.uwsgi.master_pid 0), where a HUP "
            f"reloads nothing (it stops the process it is sent to alone)")


def _first(group: Sequence[EndpointAnswer]) -> tuple[int | None, str]:
    """The first process of a uWSGI without a master, which forked the others, and how the
    answers show it: the ppid of another that answered, the ``loaded_pid`` of a process
    forked from its copy, a process that loaded its own (the first, unless --lazy-apps), the
    parent several share; None where every ppid is 1 (it is gone)."""
    first = next((a.pid for a in group if any(o.ppid == a.pid for o in group)), None)
    if first is not None:
        return first, f" ({_pids([a for a in group if a.ppid == first])} among them: their ppid)"
    alive = [a for a in group if a.ppid not in (None, 0, 1)]
    loaders = {a.loaded_pid for a in alive}
    loader = next(iter(loaders)) if len(loaders) == 1 else None
    if loader is not None and all(a.pid != loader for a in alive):
        return loader, f" ({_pids(alive)} among them: loaded_pid {loader})"
    parents = {a.ppid for a in alive}
    if not alive or len(parents) != 1:
        return None, ""
    (ppid,) = parents
    if len({a.pid for a in alive}) > 1:
        return ppid, f" ({_pids(alive)} among them: their ppid)"
    pid = alive[0].pid
    how = (f"it loaded the application itself, loaded_pid {pid}: uWSGI's first process, unless "
           f"started with --lazy-apps" if loader == pid else "if it is uWSGI's first process")
    return pid, (f" ({how}; where its parent, ppid {ppid}, is uWSGI too, 'ps -o args= -p "
                 f"{ppid}' shows it: list from pid {ppid} then)")


def _no_chain(group: Sequence[EndpointAnswer], pids: str) -> str:
    """Not a chain reload where uWSGI's workers were forked from the master's one loaded
    copy (no --lazy-apps): tried, a chain reload forked them again from that old copy."""
    shared = copy_said(group, pids)
    if not shared:
        return ""
    return (f"; not a chain reload (--touch-chain-reload, 'echo c' to its master FIFO): "
            f"{shared}, which is what uWSGI without "
            f"--lazy-apps gives (the master loads the application once and forks every worker "
            f"from it), where a chain reload forks the workers again from the master's old code")


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
    for group in _servers(answers):
        ways.setdefault(_one(group), []).extend(group)
    if len(ways) == 1:
        (text,) = ways
    else:
        text = "; ".join(f"for {places(group)}: {way}" for way, group in ways.items())
    return text[0].upper() + text[1:] if capital else text


def _servers(answers: Sequence[EndpointAnswer]) -> list[list[EndpointAnswer]]:
    """``answers`` by server, in the order first seen: the workers of one master (one HUP
    reloads them all), one uWSGI without a master (its first process serves and forked the
    others), one daemon group of one Apache, the embedded children of one Apache; each is worded
    once, naming all its pids."""
    parents = {(a.hostname, a.ppid) for a in answers}
    servers: dict[tuple[object, ...], list[EndpointAnswer]] = {}
    for answer in answers:
        servers.setdefault(_server_key(answer, parents), []).append(answer)
    return list(servers.values())


def _server_key(answer: EndpointAnswer,
                parents: set[tuple[str | None, int | None]]) -> tuple[object, ...]:
    host, pid, ppid, kind = answer.hostname, answer.pid, answer.ppid, server_kind(answer)
    if kind in ("gunicorn", "uwsgi"):
        if (host, pid) in parents:
            return (host, pid)
        if ppid not in (None, 0, 1):
            return (host, ppid)
        seen = uwsgi_seen(answer)
        if ppid == 1 and seen is not None and seen.master_pid == 0:
            # Orphans of a uWSGI without a master whose first process is gone: one socket and
            # one forked copy (its start) are one server.
            return (host, "orphans", listen(answer), answer.started_at)
    if kind == "mod_wsgi" and ppid not in (None, 0, 1):
        # Embedded children of one Apache take one graceful restart (R23 c5: it was printed
        # once per child); a daemon group's processes, one touch of its script.
        return (host, ppid, answer.process_group or "")
    return (host, pid)
