"""How to make a process load new code, in the terms of the server that answered.

Which server it is comes from the answer (``server.mod_wsgi_version``, ``server.software``):
mod_wsgi reloads a daemon group when its WSGI script is touched, gunicorn's and uWSGI's
masters start new workers on HUP (whether uWSGI has a master the answer does not say: the
fix names the check), waitress cannot reload and is restarted. A server the answer
does not name gets a restart of the process it names, and says so.

When the running code is not the version the manifest expects, a restart may not help: the
endpoint read ``code.version`` when the process loaded, from where ``code.version_source``
says; if that still holds the old version the deploy did not reach that backend. Start times
decide it where another process read the manifest's version from the same place: started
after the stale one, the deploy reached it and the stale one did not reload; started before
it, the place changed to the stale one's version since (the manifest is out of date, or that
version was deployed by mistake). A process the sweep saw replaced (:mod:`.reloaded`) needs
nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from probe.diagnose.answer_names import joined, place, places, server_kind
from probe.diagnose.fronts import express_address, software
from probe.diagnose.identify import SweepContext
from probe.diagnose.uwsgi_seen import UwsgiSeen, uwsgi_seen
from probe.diagnose.wording import script_hint
from probe.endpoint_answer import EndpointAnswer

# Sources that name a place on the server's disk, which a deploy writes: another process of
# the host reading one tells what it held then (env: and wrap are each process's own).
_ON_DISK = ("file:", "git:")


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


def current_answers(context: SweepContext, instance: str,
                    want: str) -> list[EndpointAnswer]:
    """The sweep's answers of ``instance`` that run ``want``, one per process and source:
    a process that read the deploy where the stale one reads."""
    return [a for _, a in context.distinct(
                "code_current", lambda _, a: (a.code_version, a.code_version_source, a.pid,
                                              a.ppid, a.hostname))
            if a.code_version == want and context.identify(a) == instance]


def _same_read(answer: EndpointAnswer, other: EndpointAnswer) -> bool:
    """Both read code.version from one place: one file (``file:``/``git:``) on one host, or
    any source within one master (its workers share its environment and disk)."""
    source = answer.code_version_source
    if source is None or other.pid == answer.pid or other.hostname != answer.hostname \
            or other.code_version_source != source:
        return False
    return source.startswith(_ON_DISK) or (answer.ppid is not None
                                           and other.ppid == answer.ppid)


def _later(first: EndpointAnswer, then: EndpointAnswer) -> bool:
    """``then`` started after ``first``: it read its code.version after ``first`` did."""
    return first.started is not None and then.started is not None and then.started > first.started


def _after(answer: EndpointAnswer,
           current: Sequence[EndpointAnswer]) -> EndpointAnswer | None:
    """A process that read ``want`` where ``answer`` read its version, started after it: the
    deploy reached that place after ``answer`` loaded, so ``answer`` did not reload since."""
    return next((a for a in current if _same_read(answer, a) and _later(answer, a)), None)


def _before(answer: EndpointAnswer,
            current: Sequence[EndpointAnswer]) -> EndpointAnswer | None:
    """A process that read ``want`` where ``answer`` read another version, started before
    it: that place held another version than the manifest's when ``answer`` loaded."""
    return next((a for a in current if _same_read(answer, a) and _later(a, answer)), None)


def deploy_fix(want: str, answers: Sequence[EndpointAnswer],
               current: Sequence[EndpointAnswer] = (),
               replaced: Mapping[tuple[str | None, int | None], str] | None = None) -> str:
    """The fix for processes running another ``code.version`` than the manifest's ``want``;
    ``current``: answers of the same instance that run ``want`` (:func:`current_answers`);
    ``replaced``: per (host, pid) of ``answers``, the words of the reload the sweep saw of its
    socket (:func:`.reloaded.reloaded`): those need none."""
    seen_reload = replaced or {}
    gone = {a.pid: text for a in answers
            if (text := seen_reload.get((a.hostname, a.pid))) is not None}
    rest = [a for a in answers if a.pid not in gone]
    reached = {a.pid: w for a in rest if (w := _after(a, current)) is not None}
    newer = {a.pid: w for a in rest if a.pid not in reached
             and (w := _before(a, current)) is not None}
    unknown = [a for a in rest if a.pid not in reached and a.pid not in newer]
    said = [f"The server of {places(group)} {text}."
            for text, group in _by_text(answers, gone).items()]
    if reached:
        lagging = [a for a in answers if a.pid in reached]
        seen = "; ".join(dict.fromkeys(
            f"{place(w)} (parent pid {w.ppid}, started {w.started_at}) reported {want!r} "
            f"read from {w.code_version_source}, after {place(a)} (started {a.started_at}) "
            f"had read {a.code_version!r} from it" for a in lagging if (w := reached[a.pid])))
        # "Only" where these are all the stale processes, not a part of them.
        only = "Only " if len(lagging) == len(answers) else ""
        said.append(f"The deploy of {want!r} reached the backend of {places(lagging)}: "
                    f"{seen}. {only}{places(lagging)} did not reload"
                    f"{'' if only else ' since'}: {reload_fix(lagging, capital=False)}")
    if newer:
        said.append(_newer_than_manifest(want, [a for a in answers if a.pid in newer], newer))
    if unknown:
        said.append(_undecided(want, unknown))
    return " ".join(said)


def _by_text(answers: Sequence[EndpointAnswer],
             texts: Mapping[int | None, str]) -> dict[str, list[EndpointAnswer]]:
    grouped: dict[str, list[EndpointAnswer]] = {}
    for answer in answers:
        if answer.pid in texts:
            grouped.setdefault(texts[answer.pid], []).append(answer)
    return grouped


def _newer_than_manifest(want: str, answers: Sequence[EndpointAnswer],
                         first: Mapping[int | None, EndpointAnswer]) -> str:
    """Processes that read another version where one started before them read ``want``: the
    place changed after the manifest's version was loaded from it."""
    # One clause per place, version and earlier reader, naming every later process.
    read: dict[tuple[str | None, str | None, str | None, int | None],
               list[EndpointAnswer]] = {}
    for answer in answers:
        key = (answer.code_version_source, answer.hostname, answer.code_version,
               first[answer.pid].pid)
        read.setdefault(key, []).append(answer)
    seen = "; ".join(
        f"{source} on host {host} gave {version!r} to {places(group)} (parent pid "
        f"{joined([str(p) for p in dict.fromkeys(a.ppid for a in group)])}, started "
        f"{joined(list(dict.fromkeys(a.started_at or '' for a in group)))}), after "
        f"{place(c)} (started {c.started_at}) had read {want!r} from it"
        for (source, host, version, _), group in read.items() if (c := first[group[0].pid]))
    versions = " or ".join(sorted({repr(a.code_version) for a in answers}))
    return (f"{seen}: it changed from the manifest's {want!r} to {versions} between those "
            f"starts. Either the manifest's code_version is out of date "
            f"(if {versions} is the release meant, set code_version to it), or {versions} was "
            f"deployed there by mistake (deploy {want!r} again, then: "
            f"{reload_ways(answers, capital=False)}); the answers do not tell which. Then "
            f"probe again.")


def _undecided(want: str, answers: Sequence[EndpointAnswer]) -> str:
    sources = sorted({a.code_version_source for a in answers if a.code_version_source})
    seen = sorted({repr(a.code_version) for a in answers})
    where = (f"{' and '.join(sources)} (where code.version {' and '.join(seen)} was read "
             f"when the process loaded)" if sources else
             "the code of that backend (the answer does not say where code.version was read)")
    return (f"Check {where} on the backend of {places(answers)}: if it still holds "
            f"{' or '.join(seen)}, the deploy of {want!r} did not reach that backend: deploy "
            f"it there (a restart alone reloads the same old code). If it holds {want!r}, the "
            f"process did not reload: {reload_fix(answers, capital=False)}")
