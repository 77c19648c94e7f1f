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

from probe.diagnose.answer_names import share
from probe.diagnose.wording import Diagnosis
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Instance
from probe.model import Cause


def forked_start(group: Sequence[EndpointAnswer]) -> str | None:
    """The ``started_at`` that several processes of one server share: the endpoint notes it
    when the application is loaded (wrap()), so processes forked from one loaded copy
    (gunicorn --preload, uWSGI without --lazy-apps) report the start of that copy; None where
    one process answered or the starts differ.

    Where the answers say which process loaded their copy (``loaded_pid``), that decides: a
    process that loaded its own was not forked from another's, whatever millisecond its start
    shares with others (tester T23's gunicorn without --preload had two such workers)."""
    loaded = {a.loaded_pid for a in group}
    if None not in loaded and (len(loaded) > 1 or any(a.loaded_pid == a.pid for a in group)):
        return None
    starts = {a.started_at for a in group}
    several = len({a.pid for a in group}) > 1
    # Copies forked from one also read the same code: processes that disagree on it did not.
    one_code = len({(a.code_version, a.script_mtime) for a in group}) == 1
    return next(iter(starts)) if several and one_code and len(starts) == 1 \
        and None not in starts else None


def forked(url: str, shown: str, old: Sequence[EndpointAnswer], total: int,
           since: str) -> str | None:
    """The explanation where the old answers are several processes of one start
    (:func:`forked_start`); None otherwise."""
    start = forked_start(old)
    if start is None:
        return None
    pids = len({a.pid for a in old})
    loader = old[0].loaded_pid
    how = (f"each was forked from pid {loader}, which loaded the application (loaded_pid "
           f"{loader}, observed): gunicorn --preload, uWSGI without --lazy-apps"
           if loader is not None else "which is what a copy loaded once and forked gives "
           "(gunicorn --preload, uWSGI without --lazy-apps)")
    return (f"{url} is served by {shown}: {share(old, total)} came from processes that all "
            f"started at {start} (started_at), {since}: old code is still serving after the "
            f"deploy. The start time is shared by {pids} processes, {how}.")


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
