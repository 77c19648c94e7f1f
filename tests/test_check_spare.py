"""The resident checker's spare (probe/check/spare.py): a child forked before its check,
waiting for the next connection; a new one once it has taken one; gone when the server is.

The children here run a stand-in for the check (they answer their pid); the real checks
through a spare are every test of tests/test_check_server.py and the Apache ones."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from probe.check.spare import Children
from tests.monitoring_helpers import check_server


def answer_pid(conn: socket.socket) -> None:
    """The stand-in check: read the request to its end, answer with this process's pid."""
    while conn.recv(4096):
        pass
    conn.sendall(str(os.getpid()).encode())


def connect(path: Path) -> socket.socket:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(30)
    conn.connect(str(path))
    return conn


def finish(conn: socket.socket) -> int:
    """The request ends: the pid of the child that answered."""
    with conn:
        conn.shutdown(socket.SHUT_WR)
        return int(conn.recv(100))


def ask(path: Path) -> int:
    return finish(connect(path))


def until(children: Children, done: Callable[[], bool]) -> None:
    for _ in range(30):  # news within a second each time; bounded against a hang
        children.step(wait=1)
        if done():
            return
    raise AssertionError("no news from the children")


def ended(pid: int, seconds: float = 30) -> bool:
    """Whether ``pid`` ends within ``seconds`` (a bound against hanging, not a timing)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def listening(tmp_path: Path) -> Iterator[tuple[socket.socket, Path]]:
    path = tmp_path / "spare.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.listen(8)
    yield sock, path
    sock.close()


def test_a_spare_waits_takes_one_check_and_the_next_spare_is_another(
        listening: tuple[socket.socket, Path]) -> None:
    sock, path = listening
    children = Children(sock, answer_pid, limit=4)
    try:
        children.step(wait=0)
        first = children.spare
        assert first is not None and first in children.running
        assert ask(path) == first  # the spare forked before the connection answered it
        until(children, lambda: not children.checking and first not in children.running)
        assert children.served == 1
        children.step(wait=0)
        second = children.spare
        assert second is not None and second != first
        assert ask(path) == second
    finally:
        children.close()
        reap(children.running)


def reap(pids: set[int]) -> None:
    for pid in pids:  # all answered or woken by the shutdown: each ends
        os.waitpid(pid, 0)


def test_the_next_spare_waits_for_the_check_unless_a_connection_waits(
        listening: tuple[socket.socket, Path]) -> None:
    """Sequential checks: the next spare is forked once the check before is done, so that
    fork never competes with a check; a burst: a connection that finds no spare gets one."""
    sock, path = listening
    children = Children(sock, answer_pid, limit=4)
    with contextlib.ExitStack() as clients:
        clients.callback(reap, children.running)
        clients.callback(children.close)
        children.step(wait=0)
        first = children.spare
        slow = clients.enter_context(connect(path))  # not done until its request ends
        until(children, lambda: children.spare is None)
        assert children.checking == {first}
        children.step(wait=0)
        assert children.spare is None  # no fork while a check runs and nobody waits
        burst = clients.enter_context(connect(path))
        until(children, lambda: children.spare is not None)
        second = children.spare
        assert second not in (None, first)
        assert (finish(burst), finish(slow)) == (second, first)
        until(children, lambda: not children.checking)
        children.step(wait=0)
        assert children.spare not in (None, first, second)


def test_closing_ends_the_waiting_spare(listening: tuple[socket.socket, Path]) -> None:
    """The listening socket here has no timeout: only the shutdown can end its accept."""
    sock, _ = listening
    children = Children(sock, answer_pid, limit=4)
    children.step(wait=0)
    spare = children.spare
    assert spare is not None
    children.close()
    assert reaped(spare)
    assert children.served == 0


def reaped(pid: int, seconds: float = 30) -> bool:
    """Whether our child ``pid`` ends within ``seconds`` (a bound against hanging)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return True
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return False


def server_children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def spare_of(pid: int) -> int:
    deadline = time.monotonic() + 30
    while not (children := server_children(pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(children) == 1, children
    return children[0]


def test_the_server_keeps_a_spare_and_it_ends_with_the_server(tmp_path: Path) -> None:
    sock = tmp_path / "check.sock"
    with check_server(sock) as server:
        spare = spare_of(server.pid)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        assert ended(spare)


def test_a_spare_whose_server_was_killed_ends(tmp_path: Path) -> None:
    """SIGKILL: nobody shuts the socket down; the spare sees its server gone by itself."""
    sock = tmp_path / "check.sock"
    with check_server(sock) as server:
        spare = spare_of(server.pid)
        server.kill()
        server.wait(timeout=30)
        assert ended(spare)
