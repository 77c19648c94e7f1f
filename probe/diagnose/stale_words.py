"""What a ``stale`` verdict's explanation adds to the start time it judged: processes that
share that start, and the code they run against the manifest's.

A start time shared by several processes is that of one copy of the application, loaded once
and forked (the endpoint notes it when wrap() runs: gunicorn --preload, uWSGI without
--lazy-apps), so every pid is named, none stands for the others. Where the manifest declares
``code_version`` and the answers carry ``code.version``, a process started before the deploy
that runs another version is said so with both values: what the answer shows and what the
manifest asks, each where it was read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from probe.diagnose.answer_names import server_kind, share
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Instance
from probe.model import Cause


@dataclasses.dataclass(frozen=True)
class Copy:
    """One loaded copy of the application that processes were forked from: ``start`` its
    ``started_at`` (when wrap() ran, in the process that loaded it), ``loader`` the pid that
    loaded it (``loaded_pid``), None where the answers do not say."""

    start: str
    loader: int | None


def forked_copy(group: Sequence[EndpointAnswer]) -> Copy | None:
    """The copy ``group``'s processes run, forked from the process that loaded it; None where
    they loaded their own (or the answers cannot tell).

    Where the answers say which process loaded their copy (``loaded_pid``), that decides, for
    one process as for several: a pid other than its own is the process it was forked from (R23
    c4: one uWSGI worker, respawned after the deploy, ran its master's old copy), and a process
    that loaded its own was not forked, whatever millisecond its start shares with others
    (tester T23's gunicorn without --preload had two such workers). Without it, a start shared
    by several processes with one code is that of one copy loaded once and forked (gunicorn
    --preload, uWSGI without --lazy-apps): the endpoint notes it when wrap() runs."""
    starts = {a.started_at for a in group}
    start = next(iter(starts))
    if len(starts) != 1 or start is None:
        return None
    loaded = {a.loaded_pid for a in group}
    if None not in loaded:
        loader = next(iter(loaded)) if len(loaded) == 1 else None
        forked = loader is not None and all(a.pid != loader for a in group)
        return Copy(start, loader) if forked else None
    several = len({a.pid for a in group}) > 1
    # Copies forked from one also read the same code: processes that disagree on it did not.
    one_code = len({(a.code_version, a.script_mtime) for a in group}) == 1
    return Copy(start, None) if several and one_code else None


def copy_said(group: Sequence[EndpointAnswer], pids: str) -> str:
    """``pids`` and the copy they run, as the answers show it (a fix's reason: the copy a
    reload that forks again would start from)."""
    found = forked_copy(group)
    if found is None:
        return ""
    if found.loader is None:
        return f"{pids} share one start time, started_at {found.start}"
    one = len({a.pid for a in group}) == 1
    return (f"{pids} {'was' if one else 'were'} forked from a copy of the application that "
            f"pid {found.loader} loaded at {found.start} (loaded_pid {found.loader}, "
            f"started_at)")


def forking(old: Sequence[EndpointAnswer]) -> str:
    """The option that loads a copy once and forks it, named for the servers the answers show:
    gunicorn's for gunicorn, uWSGI's for uWSGI (a tester's uWSGI-only sweep was told of
    gunicorn --preload); both where both answered or none says which."""
    kinds = {server_kind(a) for a in old}
    named = [words for kind, words in (("gunicorn", "gunicorn --preload"),
                                       ("uwsgi", "uWSGI without --lazy-apps")) if kind in kinds]
    if not named or kinds - {"gunicorn", "uwsgi"}:
        named = ["gunicorn --preload", "uWSGI without --lazy-apps"]
    return ", ".join(named)


def _later(old: Sequence[EndpointAnswer], copy: Copy) -> str:
    """`` The processes themselves started later: ...`` where the answers report their own
    starts (``process_started_at``) after the load of the copy they run."""
    loaded = old[0].started
    later = {a.pid: a.process_started_at for a in old if a.process_started is not None
             and loaded is not None and a.process_started > loaded}
    if not later:
        return ""
    each = ", ".join(f"pid {pid} at {at}" for pid, at in later.items())
    who = "The process itself" if len({a.pid for a in old}) == 1 else "The processes themselves"
    return f" {who} started later, forked from that copy: {each} (process_started_at)."


def forked(url: str, shown: str, old: Sequence[EndpointAnswer], total: int,
           since: str, said: str | None = None) -> str | None:
    """The explanation where the old answers run a copy forked from one loaded copy
    (:func:`forked_copy`); None otherwise. The copy's load is what is old, not the processes:
    a HUP to a gunicorn --preload master forks new workers, after the deploy, from its old
    copy (R23 c2: process_started_at after the deploy, started_at before it). ``said``: what
    follows the load's time where the processes run the declared version
    (:mod:`.stale_declared`), in place of the old load's words."""
    copy = forked_copy(old)
    if copy is None:
        return None
    pids = len({a.pid for a in old})
    if copy.loader is None:
        return (f"{url} is served by {shown}: {share(old, total)} came from processes that all "
                f"run a copy of the application loaded at {copy.start} (started_at), {since}"
                + (said or ": old code is still serving after the deploy.") +
                f" The start time is shared by {pids} processes, which is what a copy loaded "
                f"once and forked gives ({forking(old)}).")
    which = "a process" if pids == 1 else "processes"
    head = (f"{url} is served by {shown}: {share(old, total)} came from {which} running a "
            f"copy of the application that pid {copy.loader} loaded at {copy.start} "
            f"(started_at; loaded_pid {copy.loader}, observed), {since}")
    if said is not None:
        return f"{head}{said}{_later(old, copy)}"
    return (f"{head}: that load is still serving after the deploy.{_later(old, copy)} A "
            f"process forked from it runs what pid {copy.loader} loaded before the deploy "
            f"({_read(old)}its settings and every module imported then), however new the "
            f"process; modules imported later, after the fork, may be new: a mix "
            f"({forking(old)}).")


def _read(old: Sequence[EndpointAnswer]) -> str:
    """``code.version 'r1' as it read it, `` where the answers say one version."""
    versions = {a.code_version for a in old}
    if len(versions) != 1 or None in versions:
        return ""
    return f"code.version {next(iter(versions))!r} as it read it, "


def against_manifest(found: Diagnosis, old: Sequence[EndpointAnswer], total: int,
                     instance: Instance | None) -> Diagnosis:
    """``found`` with ``Those processes ran code.version 'r1' ...`` said, and cause
    ``stale_code``, where each old answer reports a code.version and none is the manifest's
    ``code_version``; ``found`` as it is where either is missing or one of them runs it (the
    start time alone then says what is stale)."""
    want = instance.code_version if instance is not None else None
    if instance is None or want is None or any(a.code_version in (None, want) for a in old):
        return found
    versions = " and ".join(sorted({repr(a.code_version) for a in old}))
    # The processes were just named, with how many samples: not named again.
    who = "That process" if len({a.pid for a in old}) == 1 else "Those processes"
    return dataclasses.replace(found, cause=Cause.STALE_CODE, explanation=(
        f"{found.explanation} {who} ran code.version {versions} (observed), not the "
        f"manifest's code_version {want!r} (instances.{instance.name}.code_version)."))
