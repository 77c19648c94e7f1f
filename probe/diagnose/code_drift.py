"""Which code each server of an instance runs, compared only where a difference means something.

A WSGI script's modification time says when the file was written on *that* machine: two
healthy backends that checked out the same commit 1.4 s apart differ in it, and so do the
script copies of two servers on one machine. So the modification time (and a start time) is
compared only among the processes of one server: one machine (the answer's
``server.hostname``, else the address probed) and one parent process (``ppid``: the Apache
parent of its children and daemon processes, gunicorn's or uWSGI's master). There an older
script means a process that missed a restart (``mixed_code``, :mod:`.causes_runtime`).

A process that says it runs the application alone (``server.multiprocess`` false, outside
mod_wsgi) has no master whose pid would name its server: two waitress processes started by
systemd, or by one supervisor, share a parent. Such a process is told apart by where it
listens (``server.listen``: two servers of one machine cannot share a socket), and, where its
parent cannot be a master of its own (pid 1 or none) or it says no socket, it is its server: a
restart is a new server at the same socket. So is a process of a server that never forks
workers (waitress; wsgiref's ``WSGIServer``, Django's runserver too, which says
``multiprocess`` true and no socket): two runserver under one supervisor are two servers.

Across servers only a declared code version (``code.version``: given to ``wrap()`` or found
by the endpoint in a deploy variable, a REVISION file or the git checkout) is compared: two
versions of one instance in a fleet is ``code_drift``, named with the servers that run each.
Answers from one listening socket (``server.listen``, one machine, one address) under two
parent processes started at different times are one server restarted during the sweep, and
the finding says so rather than "a deploy reached some of them only"; servers reached only
through one front address may be its switch (:mod:`.drift_sweep`). Otherwise what to do
(a deploy that missed servers, or servers not restarted after it) is :mod:`.drift_words`'.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from probe.diagnose.answer_names import server_kind
from probe.diagnose.drift_sweep import Reach, Socket, one_front, reach
from probe.diagnose.drift_sweep import reloads as reloads_of
from probe.diagnose.drift_words import drift_fix
from probe.diagnose.fronts import listen, listening, same_listen, software
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import ANY_INSTANCE
from probe.model import Finding, Observation, Status

CODE_DRIFT = "code_drift"


class Server(NamedTuple):
    """The processes of one server: on one machine, under one master (``parent``), else one
    process that is the whole server (``process``); ``listen`` for a process that runs the
    application alone."""
    machine: str
    parent: int | None
    process: int | None = None
    listen: str | None = None

    @property
    def pid_said(self) -> str:
        """``parent pid 4242``, or ``pid 4243`` for a process that is its own server."""
        return f"pid {self.process}" if self.process is not None else f"parent pid {self.parent}"


# Parents that are no master of this process: init (a process started with setsid, or by
# systemd as its own unit, is reparented to it), 0 (the process is pid 1 of a container), and
# a parent the answer does not name (an older endpoint): the process alone runs the
# application, so it is its server.
_NO_MASTER = (None, 0, 1)

# wsgiref's server (``WSGIServer/0.2``), which Django's runserver is too: it serves from the
# process it runs in and never forks workers, though it says ``wsgi.multiprocess`` true
# (wsgiref's default) and nothing of where it listens.
_NEVER_FORK = ("WSGIServer/",)

Place = tuple[Server, str | None]
"""One server however it was reached (:func:`place_of`)."""

Identify = Callable[[EndpointAnswer, str | None], str | None]


def address_of(obs: Observation) -> str | None:
    """Where the requests of this observation went (connect, resolved, or the one that answered)."""
    return obs.target.address or next((s.address for s in obs.samples if s.address), None)


def server_of(obs: Observation, answer: EndpointAnswer) -> Server:
    """The server an answer came from: its machine and its parent process; for a process
    that runs the application alone, where it listens too, and itself where its parent is
    no master."""
    return server_on(answer.hostname or address_of(obs) or "?", answer)


def server_on(machine: str, answer: EndpointAnswer) -> Server:
    """:func:`server_of` on a machine already named."""
    kind = server_kind(answer)
    if kind == "mod_wsgi":
        return Server(machine, answer.ppid)
    at = listen(answer)
    if kind == "waitress" or (software(answer) or "").startswith(_NEVER_FORK):
        return Server(machine, None, answer.pid, at)
    if _multiprocess(answer) is not False:
        return Server(machine, answer.ppid)
    if answer.ppid in _NO_MASTER or at is None:
        # Alone, and no socket said: under a shared parent (a supervisor), the process is
        # what tells two such servers apart.
        return Server(machine, None, answer.pid, at)
    return Server(machine, answer.ppid, None, at)


def _multiprocess(answer: EndpointAnswer) -> bool | None:
    """``server.multiprocess``: whether other processes run this application beside this one
    (WSGI's ``wsgi.multiprocess``); None where the answer does not say."""
    server = answer.raw.get("server")
    value = server.get("multiprocess") if isinstance(server, Mapping) else None
    return value if isinstance(value, bool) else None


def describe(obs: Observation, answer: EndpointAnswer) -> str:
    """Where one server is, in the answer's and the sweep's words:
    ``127.0.0.2:8080 (host web-2, parent pid 4242)``; where the answer says where its server
    listens, that (behind a balancer the address probed is the balancer's):
    ``127.0.0.8:8001 (server.listen; host web-2, parent pid 4242, reached through
    127.0.0.1:80)``, or a mod_wsgi-express daemon group's ``HOST:PORT``
    (``127.0.0.8:8001 (process_group '127.0.0.8:8001'; ...)``: a tester's nginx address was
    named as the server of the member behind it)."""
    details = [f"host {answer.hostname}"] if answer.hostname else []
    server = server_of(obs, answer)
    if server.process is not None or server.parent is not None:
        details.append(server.pid_said)
    probed = address_of(obs)
    at = listening(answer)
    if at:
        if probed and not same_listen(at.address, probed):
            details.append(f"reached through {probed}")
        field = "server.listen" if at.field == "server.listen" else \
            f"process_group {at.value!r}"
        return f"{at.value} ({field}; {', '.join(details)})" if details else \
            f"{at.value} ({field})"
    where = probed or "the address DNS gave"
    return f"{where} ({', '.join(details)})" if details else where


def place_of(obs: Observation, answer: EndpointAnswer) -> Place:
    """One server however it was reached: its machine and parent (:func:`server_of`) and
    where it listens, else the address probed (a balancer's and a member's own address reach
    one server: a tester's shop-all sweep listed it twice)."""
    at = listening(answer)
    return server_of(obs, answer), at.address if at else address_of(obs)


def code_drift_findings(observations: Sequence[Observation], identify: Identify,
                        declared: Mapping[str, str | None] | None = None,
                        nginx: bool = False) -> tuple[Finding, ...]:
    """One warning per instance whose servers declare different code versions; ``declared``:
    each instance's code_version in the manifest (the servers on it need nothing);
    ``nginx``: the configuration given is nginx's (else only a Server or Via header says so)."""
    versions: dict[str, dict[str, dict[Place, None]]] = defaultdict(lambda: defaultdict(dict))
    # Each server's words: where it was probed itself if it was, else through what.
    words: dict[str, dict[Place, str]] = defaultdict(dict)
    # One answer per process and place, for the fix's words (who to restart, what to read).
    seen: dict[str, dict[tuple[str, Place, int | None], EndpointAnswer]] = defaultdict(dict)
    sources: dict[tuple[str, str], str] = {}
    servers: dict[str, set[Server]] = defaultdict(set)
    # Where each server listens and when its processes started: one listening socket with two
    # parents is one server restarted during the sweep, not two servers.
    sockets: dict[str, set[tuple[str, str | None, str | None]]] = defaultdict(set)
    starts: dict[str, dict[Server, set[str]]] = defaultdict(lambda: defaultdict(set))
    # Per socket (machine, server.listen, address probed) each answer and the places said
    # of it: a socket reloaded during the sweep has its older code's places left out.
    on_socket: dict[str, dict[Socket, list[EndpointAnswer]]] = \
        defaultdict(lambda: defaultdict(list))
    placed: dict[tuple[str, str, Place], set[Socket]] = defaultdict(set)
    reached: dict[str, set[Reach]] = defaultdict(set)  # one front for all: it may have switched
    said_nginx: dict[str, bool] = defaultdict(lambda: nginx)  # the front named only if shown
    for obs in observations:
        for sample in obs.samples:
            answer = sample.trusted_answer
            if answer is None or answer.code_version is None:
                continue
            name = instance_of(obs, answer, identify)
            if name is None:
                continue
            place = place_of(obs, answer)
            text = describe(obs, answer)
            if place not in words[name] or place[1] == address_of(obs):
                words[name][place] = text
            versions[name][answer.code_version][place] = None
            seen[name].setdefault((answer.code_version, place, answer.pid), answer)
            server = server_of(obs, answer)
            if listen(answer):
                socket = (server.machine, listen(answer) or "", address_of(obs) or "")
                on_socket[name][socket].append(answer)
                placed[(name, answer.code_version, place)].add(socket)
            servers[name].add(server)
            reached[name].add(reach(answer, address_of(obs)))
            if "nginx" in f"{sample.server or ''} {sample.via or ''}".lower():
                said_nginx[name] = True
            sockets[name].add((server.machine, listen(answer), address_of(obs)))
            if answer.started_at:
                starts[name][server].add(answer.started_at)
            if answer.code_version_source:
                sources.setdefault((name, answer.code_version), answer.code_version_source)
    findings = []
    for name, by_version in versions.items():
        if len(by_version) < 2 or len(servers[name]) < 2:
            continue  # one server with two versions is mixed_code, said per URL
        restarted = _restarted(sockets[name], starts[name])
        reloads: dict[Socket, tuple[str, str]] = {}
        if restarted is None:
            reloads = reloads_of(on_socket[name])
        # What each version runs on, less the sockets where it was reloaded away.
        gone = {(old, socket) for socket, (old, _) in reloads.items()}
        kept = {version: [p for p in places
                          if not any((version, socket) in gone
                                     for socket in placed.get((name, version, p), ()))]
                for version, places in by_version.items()}
        kept = {version: places for version, places in kept.items() if places}
        said = "; ".join(f"{socket[1]} (host {socket[0]}) was {text}"
                         for socket, (_, text) in reloads.items())
        if reloads and len(kept) < 2:
            findings.append(Finding(
                code=CODE_DRIFT, severity=Status.WARNING, instances=(name,),
                explanation=f"{name} answered with {len(by_version)} code versions "
                            f"(code.version), each server changing once: {said}."))
            continue
        parts = []
        for version, places in sorted(kept.items(), key=lambda kv: -len(kv[1])):
            source = sources.get((name, version))
            found = f" (from {source})" if source else ""
            parts.append(f"{version!r}{found} at {_and([words[name][p] for p in places])}")
        also = f" Besides, {said}." if said else ""
        meant = (declared or {}).get(name)
        running = {version: [a for (v, p, _), a in seen[name].items()
                             if v == version and p in places]
                   for version, places in kept.items()}
        findings.append(Finding(
            code=CODE_DRIFT,
            severity=Status.WARNING,
            instances=(name,),
            explanation=(
                f"{name} runs {len(by_version)} code versions on its servers (code.version): "
                f"{'; '.join(parts)}. " + (restarted or drift_fix(running, meant, {
                    version: [words[name][p] for p in places]
                    for version, places in kept.items()}, one_front(reached[name]),
                    said_nginx[name])) + also
            ),
        ))
    return tuple(findings)


def _restarted(sockets: set[tuple[str, str | None, str | None]],
               starts: dict[Server, set[str]]) -> str | None:
    """The sentence for one server that restarted during the sweep: every answer from one
    machine, one listening socket (``server.listen``) and one address probed, from processes
    of two parents started at different times. None otherwise."""
    if len(sockets) != 1:
        return None
    machine, at, address = next(iter(sockets))
    firsts = sorted(min(times) for times in starts.values() if times)
    if at is None or len(starts) < 2 or len(set(firsts)) < 2:
        return None
    ordered = sorted(starts, key=lambda s: min(starts[s]))
    if all(s.process is None for s in ordered):
        parents = "parent pids " + ", ".join(str(s.parent) for s in ordered)
    else:  # processes that are each the whole server (waitress), or both kinds
        parents = ", ".join(s.pid_said for s in ordered)
    return (f"These answers all come from one server (host {machine}, server.listen {at}, at "
            f"{address or 'the address DNS gave'}) whose processes were replaced during the "
            f"sweep ({parents}, started from {firsts[0]} to {firsts[-1]}): it "
            f"restarted while the sweep ran, with another code version; probe again once it "
            f"has settled.")


def instance_of(obs: Observation, answer: EndpointAnswer, identify: Identify) -> str | None:
    """The instance an answer counts for: the one expected at its URL, where it answered."""
    expected = obs.target.expected
    if expected is None:
        return None  # a [refuse] URL that was served: its own verdict says so
    found = identify(answer, expected)
    if expected != ANY_INSTANCE:
        return found if found == expected else None
    return found or answer.label or answer.application_group


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
