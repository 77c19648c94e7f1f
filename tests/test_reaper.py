"""tests/reaper.py: a killed run's servers are reaped by the next run, a live run's are not."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests import reaper

# A leader that starts a worker and waits: the worker is what a killed leader leaves behind.
SERVER = ("import subprocess, sys, time; "
          "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)']); "
          "time.sleep(300)")


@pytest.fixture
def records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(reaper, "RECORDS", tmp_path / "pids")
    return tmp_path / "pids"


@pytest.fixture
def server() -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen([sys.executable, "-c", SERVER], start_new_session=True)
    leader = psutil.Process(process.pid)
    workers: list[psutil.Process] = []
    try:
        for _ in range(200):  # until the worker exists (bounded: 10 s)
            workers = leader.children()
            if workers:
                break
            psutil.wait_procs([leader], timeout=0.05)
        assert workers, "the test server never started its worker"
        yield process
    finally:
        for worker in workers:
            with contextlib.suppress(psutil.NoSuchProcess):
                worker.kill()
        process.kill()
        process.wait()


def owned_by(records: Path, pgid: int, owner: subprocess.Popen[bytes]) -> None:
    path = records / f"{pgid}.json"
    record = json.loads(path.read_text())
    record["owner"] = owner.pid
    record["owner_started"] = psutil.Process(owner.pid).create_time()
    path.write_text(json.dumps(record))


def test_a_killed_runs_server_and_its_workers_are_reaped(
        records: Path, server: subprocess.Popen[bytes]) -> None:
    worker = psutil.Process(server.pid).children()[0]
    reaper.remember(server.pid, "test server")
    dead_run = subprocess.Popen([sys.executable, "-c", "pass"])
    owned_by(records, server.pid, dead_run)
    dead_run.wait()
    server.kill()  # the leader dies with the run; its worker is re-parented and lives on
    server.wait()
    assert worker.is_running()

    reaped = reaper.reap_orphans()

    assert [r.what for r in reaped] == ["test server"]
    assert not worker.is_running() or worker.status() == psutil.STATUS_ZOMBIE
    assert list(records.glob("*.json")) == []


def test_a_live_runs_server_is_left_alone(
        records: Path, server: subprocess.Popen[bytes]) -> None:
    reaper.remember(server.pid, "test server")
    live_run = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        owned_by(records, server.pid, live_run)
        assert reaper.reap_orphans() == []
        assert server.poll() is None
        assert len(list(records.glob("*.json"))) == 1
    finally:
        live_run.kill()
        live_run.wait()


def test_a_stopped_server_leaves_no_record(
        records: Path, server: subprocess.Popen[bytes]) -> None:
    reaper.remember(server.pid, "test server")
    reaper.forget(server.pid)
    assert list(records.glob("*.json")) == []
