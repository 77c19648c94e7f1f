"""Servers started by tests never outlive the run that started them.

Fixtures stop what they start when a test ends, but a run that is killed (SIGKILL, a CI
timeout, a closed terminal) runs no finaliser, and a daemonised Apache or a server started in
its own session is not taken down with pytest. So every server a test starts is recorded in
:data:`RECORDS` (one small JSON file per process group: its leader's pid and start time, and
the pid of the pytest run that owns it) and:

* stopping it normally removes the record (:func:`forget`);
* every test session starts by reaping the records whose owning run is gone
  (:func:`reap_orphans`, called from ``tests/conftest.py``): their whole process group is
  killed. Records owned by a run that is still alive (a second pytest on the same machine)
  are left alone.

Process groups, not pids: when a server's leader dies its workers are re-parented to init and
the process tree is lost, but they keep the group. Apache ``-k start`` makes its own session
(group = Apache's pid); other servers are started with ``start_new_session=True``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

RECORDS = Path(os.environ.get("WSGI_PROBE_TEST_PIDS", "/tmp/wsgi-probe-test-pids"))


@dataclass(frozen=True)
class Record:
    pgid: int
    started: float
    """The leader's create_time: a reused pid or group id is never mistaken for ours."""
    owner: int
    """pid of the pytest run that started it."""
    owner_started: float
    what: str


def remember(pid: int, what: str) -> None:
    """Record the process group led by ``pid`` as this run's (call right after starting it)."""
    try:
        leader = psutil.Process(pid)
        record = Record(pgid=os.getpgid(pid), started=leader.create_time(), owner=os.getpid(),
                        owner_started=psutil.Process().create_time(), what=what)
    except (psutil.NoSuchProcess, ProcessLookupError):
        return  # already gone: nothing can outlive the run
    RECORDS.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = RECORDS / f"{record.pgid}.json"
    path.write_text(json.dumps(asdict(record)), encoding="utf-8")


def forget(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, FileNotFoundError):
        (RECORDS / f"{os.getpgid(pid)}.json").unlink()
    with contextlib.suppress(FileNotFoundError):
        (RECORDS / f"{pid}.json").unlink()


def members(record: Record) -> list[psutil.Process]:
    """The live processes of the recorded group that started no earlier than its leader."""
    found = []
    for process in psutil.process_iter(["pid", "create_time"]):
        try:
            if (os.getpgid(process.pid) == record.pgid
                    and process.info["create_time"] >= record.started - 1.0):
                found.append(process)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return found


def reap_orphans() -> list[Record]:
    """Kill every recorded group whose owning pytest run is gone; return what was reaped."""
    reaped: list[Record] = []
    if not RECORDS.is_dir():
        return reaped
    for path in sorted(RECORDS.glob("*.json")):
        try:
            record = Record(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            path.unlink(missing_ok=True)
            continue
        if record.owner != os.getpid() and _running(record.owner, record.owner_started):
            continue  # another run, still going: its servers are its own business
        alive = members(record)
        for process in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.send_signal(signal.SIGKILL)
        psutil.wait_procs(alive, timeout=10)
        path.unlink(missing_ok=True)
        if alive:
            reaped.append(record)
    return reaped


def _running(pid: int, started: float) -> bool:
    try:
        return abs(psutil.Process(pid).create_time() - started) < 0.01
    except psutil.NoSuchProcess:
        return False
