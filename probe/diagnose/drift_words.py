"""What ``code_drift`` asks to do: a deploy that did not reach every server, or one that did
while some servers' processes were not restarted since.

The two look alike in the answers: each process says the ``code.version`` it read when it
loaded, and where it read it (``code.version_source``), not what that file holds now. One
case decides it: the same file (``file:`` or ``git:`` source) on the same host gave the newer
version to a process started after a process of another server read the older one from it.
The file changed between the two starts, so the deploy reached it, and the older processes
were not restarted since: the fix is their server's reload (:mod:`.reload`: a gunicorn
master's HUP, ...). Where no answer shows that, the words say both and name the check: the
file each server's code.version came from, read on that server.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from probe.diagnose.answer_names import place, places
from probe.diagnose.reload import reload_fix, reload_ways
from probe.endpoint_answer import EndpointAnswer
from probe.safe_text import quoted

# Sources that name a place on the server's disk, which a deploy writes (env: and wrap are
# the process's own: another process's reading of them says nothing of this one's).
_ON_DISK = ("file:", "git:")


def _server(answer: EndpointAnswer) -> tuple[str | None, int | None]:
    """The server of an answer as far as its reload goes: its host and master (else itself)."""
    return (answer.hostname, answer.ppid if answer.ppid not in (None, 0, 1) else answer.pid)


def _witness(group: Sequence[EndpointAnswer],
             others: Sequence[EndpointAnswer]) -> EndpointAnswer | None:
    """A process of another version that read the same file on the same host, started after
    every process of ``group`` (one server, one version) had loaded."""
    first = group[0]
    source, host = first.code_version_source, first.hostname
    starts = [a.started for a in group]
    if host is None or source is None or not source.startswith(_ON_DISK) or None in starts:
        return None
    if any(a.code_version_source != source or a.hostname != host for a in group):
        return None
    latest = max(s for s in starts if s is not None)
    return next((b for b in others if b.hostname == host and b.code_version_source == source
                 and (b_started := b.started) is not None and b_started > latest), None)


def drift_fix(by_version: Mapping[str, Sequence[EndpointAnswer]], declared: str | None = None,
              where: Mapping[str, Sequence[str]] | None = None,
              front: str | None = None, nginx: bool = False) -> str:
    """The sentences after the versions are named: per server decided, not restarted (with the
    reload in its server's terms); for the rest, both cases and the check that tells them.

    ``declared``: the manifest's code_version for the instance. Where some servers answer
    with it, they already run the code meant (said with their places, ``where``: version ->
    places), and only the others are told what to check and restart. ``front``: the one
    address every server was reached through (:func:`.drift_sweep.one_front`): a switch of
    its upstream during the sweep is said first, the redeploy and reloads only after it;
    ``nginx``: an answer's Server or Via header, or the configuration given, says that front
    is nginx (its words then; else the balancer's, which the tool cannot read: HAProxy sends
    no Server header of its own, T32)."""
    if declared is not None and declared in by_version and len(by_version) > 1:
        lagging = {v: answers for v, answers in by_version.items() if v != declared}
        meant = list((where or {}).get(declared, ())) or [places(by_version[declared])]
        behind = [f"{_and(list((where or {}).get(v, ())) or [places(a)])} "
                  f"{'run' if len((where or {}).get(v, ())) > 1 else 'runs'} {v!r}"
                  for v, a in lagging.items()]
        return (f"{_and(meant)} already {'run' if len(meant) > 1 else 'runs'} {declared!r}, "
                f"the code_version the manifest declares: nothing to do there. "
                f"{'; '.join(behind)}: " + _fix(lagging, lead=True, front=front, nginx=nginx))
    return _fix(by_version, front=front, nginx=nginx)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _fix(by_version: Mapping[str, Sequence[EndpointAnswer]], *, lead: bool = False,
         front: str | None = None, nginx: bool = False) -> str:
    """:func:`drift_fix`'s words for the servers of ``by_version`` (``lead``: after a clause
    naming them, so the first sentence goes on in lower case)."""
    servers: dict[tuple[str | None, int | None], list[EndpointAnswer]] = {}
    for answers in by_version.values():
        for answer in answers:
            servers.setdefault(_server(answer), []).append(answer)
    said: list[str] = []
    undecided: list[EndpointAnswer] = []
    reached: set[str | None] = set()  # versions a file is seen to have been deployed with
    for group in servers.values():
        versions = {a.code_version for a in group}
        others = [b for v, answers in by_version.items() if v not in versions for b in answers]
        witness = _witness(group, others) if len(versions) == 1 else None
        if witness is None:
            undecided += group
            continue
        reached.add(witness.code_version)
        said.append(
            f"{witness.code_version_source} on host {witness.hostname} gave "
            f"{quoted(witness.code_version)} to {place(witness)} (parent pid {witness.ppid}, "
            f"started {witness.started_at}), after {places(group)} (started "
            f"{max(a.started_at or '' for a in group)}) had read {quoted(group[0].code_version)} "
            f"from it: the deploy reached that file, and {places(group)} "
            f"{'was' if len({a.pid for a in group}) == 1 else 'were'} not restarted since. "
            f"{reload_fix(group)}")
    # The servers running a version seen deployed are what the others lag behind.
    undecided = [a for a in undecided if a.code_version not in reached]
    if undecided and said:
        said.append(_both(undecided, "The others: ", front=front, nginx=nginx))
    elif undecided:
        said.append(_both(undecided, "", capital=not lead, front=front, nginx=nginx))
    text = " ".join(said)
    return text if not lead or not text else text[0].lower() + text[1:]


def _both(answers: Sequence[EndpointAnswer], lead: str, *, capital: bool = True,
          front: str | None = None, nginx: bool = False) -> str:
    """Both cases for ``answers``' servers, and what to read on each to tell them apart;
    behind one ``front``, one version everywhere would destroy a standby kept for rollback."""
    read: dict[tuple[str, str | None], list[EndpointAnswer]] = {}
    for answer in answers:
        read.setdefault((_check(answer), answer.code_version), []).append(answer)
    checks = [f"{check} ({places(group)}, {version!r})"
              for (check, version), group in read.items()]
    switch = _switch(front, nginx)
    text = (f"{lead}{switch}{'A' if switch else 'a'} deploy reached some of them only, or is "
            f"still under way; or it reached every server and some processes were not "
            f"restarted since: the answers do not tell which (code.version is read when a "
            f"process loads). Read where each process's code.version came from, on its "
            f"server: {'; '.join(checks)}. Where it holds another version than the processes "
            f"run, they were not restarted: {reload_ways(answers, capital=False)}. Where it "
            f"holds their version, the deploy did not reach that server: {_deploy(front)}, and "
            f"restart the processes there as above (the deploy alone changes no process). Then "
            f"probe again.")
    return text[0].upper() + text[1:] if capital else text


def _switch(front: str | None, nginx: bool) -> str:
    """Behind one front address, its switch first (T29's blue/green: a HUP to the standby
    changes nothing), then, as what holds if it was none, both cases."""
    if front is None:
        return ""
    old = ("after a reload nginx's old workers finish their connections to the former "
           "upstream" if nginx else "after a reload the balancer's old processes finish "
           "their connections to the former servers")
    lines = ("its upstream lines (nginx -T, or probe sweep --config) name the servers it "
             "passes to" if nginx else "its configuration names the servers it passes to "
             "(the server lines of its backend or upstream), and its log names the server of each "
             "request")
    return (f"every one of these servers was reached through one front address, {front} (the "
            f"address probed; each answer says it listens at another): a front that switched "
            f"its upstream from one to another during the sweep gives this too (a blue/green "
            f"switch: {old}), and the server it left may be a standby kept for a rollback, "
            f"with nothing to change there. The check: sweep again once the front has settled; "
            f"{lines}. If a sweep again still shows more than one version through {front}, "
            f"it was no switch, and what follows holds. ")


def _deploy(front: str | None) -> str:
    if front is None:
        return "deploy one version to every server"
    return (f"deploy the version meant there if {front} is to pass to that server (a standby "
            f"kept for a rollback keeps its own)")


def _check(answer: EndpointAnswer) -> str:
    """What shows the version a server would load now, from where its process read it."""
    source, host = answer.code_version_source or "", answer.hostname
    on = f" on host {host}" if host else " on that server"
    if source.startswith("file:"):
        return f"the file {source[5:]}{on}"
    if source.startswith("git:"):
        return f"the commit checked out at {source[4:]}{on}"
    if source.startswith("env:"):
        return f"{source[4:]} in the environment its service starts with{on}"
    if source == "wrap":
        return f"the code_version given to wrap() in the WSGI script{on}"
    return f"the code{on} (the answer does not say where code.version was read)"
