"""The check server's count of checks taken survives a SIGTERM that arrives while the news of
a taken check is being read: once serving, the stop handler only notes the signal and the
loop ends at its next turn, so the count a service manager's log shows ("stopped after 1
check") is not lost to where the signal fell. Found as one failure of
tests/test_check_server.py on a loaded machine; holding the signals in the reading thread
was tried first and failed in CI, where the kernel gave the signal to another thread."""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterator

import pytest

from probe.check import server
from probe.check.spare import PID, Children


@pytest.fixture
def children() -> Iterator[Children]:
    one, other = socket.socketpair()
    made = Children(one, lambda conn: None, 4)
    yield made
    made.close()
    one.close()
    other.close()


def test_a_stop_while_serving_lets_the_news_be_counted(
        children: Children, monkeypatch: pytest.MonkeyPatch) -> None:
    stop = server._StopSignal()
    stop.raising = False  # serving: past the warm-up
    previous = signal.signal(signal.SIGTERM, stop)
    os.write(children._tell, PID.pack(4242))  # a spare took a connection
    real_read = os.read

    def read_then_stopped(fd: int, size: int) -> bytes:
        data = real_read(fd, size)
        os.kill(os.getpid(), signal.SIGTERM)  # the stop arrives as the news is read
        return data

    monkeypatch.setattr(os, "read", read_then_stopped)
    try:
        children._read_news()
    finally:
        monkeypatch.undo()
        signal.signal(signal.SIGTERM, previous)
    assert (children.served, stop.asked) == (1, True)


def test_a_stop_while_warming_up_still_ends_the_warm_up() -> None:
    stop = server._StopSignal()
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with pytest.raises(server._Stop):
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):  # the handler runs at the next bytecode check
                pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert stop.asked
