"""One server reloaded or restarted during the sweep, told from its answers: not ``stale``,
not a deploy that reached some servers only.

A gunicorn master sent HUP after a deploy (new workers, the same master), uWSGI's
touch-reload, or a stop and start on the same socket (a new master) leave answers of the old
code from the old processes and, after them, answers of the new code from processes started
later. Told by the answers only (the sweep may run on another machine than the server): one
machine (``server.hostname``) and one socket (``server.listen``), every answer of the older
code answered (``started_at`` + ``uptime_s``) no later than the first of the newer, and every
process of the newer code started after every process of the older and after the older
code's first answer. Processes of both codes answering in turn (a worker that missed the
deploy beside one that took it) are no reload; nor are they where the order of a concurrent
sweep's answers happens to put every answer of the older code first: the newer process was
already running when the older code first answered, so the sweep saw both side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from probe.diagnose.answer_names import joined
from probe.diagnose.fronts import listen, same_listen
from probe.endpoint_answer import EndpointAnswer
from probe.safe_text import quoted


def answered_at(answer: EndpointAnswer) -> datetime | None:
    """When the process answered: its start plus its uptime then."""
    if answer.started is None or answer.uptime_s is None:
        return None
    try:
        return answer.started + timedelta(seconds=answer.uptime_s)
    except OverflowError:  # a hostile uptime_s
        return None


def one_socket(a: EndpointAnswer, b: EndpointAnswer) -> bool:
    """Two answers from one listening socket of one machine (any master behind it)."""
    if a.hostname != b.hostname:
        return False
    # mod_wsgi gives each daemon group its own socket under one Apache parent: two groups
    # answering in turn, the older first, are two servers, not one reloaded.
    if a.process_group is not None and b.process_group is not None \
            and a.process_group != b.process_group:
        return False
    if listen(a) or listen(b):
        return same_listen(listen(a), listen(b))
    return a.ppid is not None and a.ppid == b.ppid  # no socket said: one master at least


def reloaded(old: Sequence[EndpointAnswer], new: Sequence[EndpointAnswer]) -> str | None:
    """``old`` (one code) then ``new`` (another) from one socket: the words for a reload
    during the sweep, or None when the answers do not show one."""
    if not old or not new or not all(one_socket(a, new[0]) for a in (*old, *new)):
        return None
    old_at = [answered_at(a) for a in old]
    new_at = [answered_at(a) for a in new]
    old_start = [a.started for a in old]
    new_start = [a.started for a in new]
    if None in old_at or None in new_at or None in old_start or None in new_start:
        return None
    last_old = max(t for t in old_at if t is not None)
    first_new = min(t for t in new_at if t is not None)
    newest_old = max(t for t in old_start if t is not None)
    oldest_new = min(t for t in new_start if t is not None)
    if last_old > first_new or oldest_new <= newest_old:
        return None
    # Started before the older code's first answer, the newer ran beside it: whichever
    # answered first in this sweep, no reload was seen (a process restarted after a deploy
    # beside one that missed it answers in any order).
    if oldest_new <= min(t for t in old_at if t is not None):
        return None
    before = joined([str(p) for p in dict.fromkeys(a.pid for a in old)])
    after = joined([str(p) for p in dict.fromkeys(a.pid for a in new)])
    started = min(new, key=lambda a: a.started or first_new).started_at
    return (f"reloaded during the sweep at server.listen {listen(new[0]) or 'not said'} "
            f"(answers until {_time(last_old)} from pids {before} ran "
            f"{_code(old[0])}; from {_time(first_new)} pids {after}, started from {started}, "
            f"ran {_code(new[0])}): probe again once it has settled")


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _code(answer: EndpointAnswer) -> str:
    if answer.code_version is not None:
        return f"code.version {quoted(answer.code_version)}"
    return f"a script modified {answer.script_mtime or 'at an unknown time'}"
