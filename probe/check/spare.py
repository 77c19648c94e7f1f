"""The resident checker's children (``probe check --serve``): one is forked ahead of its check.

Forking when a connection arrives put the fork and the child's start on the path of every
check (measured: 1.6 ms from ``os.fork()`` to the child's first line, about 2 ms of a check's
round trip on the 2-core lab machine). So the server forks a child before there is a check
for it. This *spare* waits in ``accept()`` on the listening socket, tells the server through
a pipe that it took a connection (its pid) and, once it has answered, that it is done (its
pid negated). The server forks the next spare when no check is running (the last one said
done or ended), or at once when a connection waits while none is spare (a burst): a check's
own fork then never competes with the check before it for the CPU. One spare waits at a
time, so a connection wakes only it; it counts among the server's children (at most
``limit``: when they are all busy, the next check waits in the socket's backlog until one
ends).

Stopping: a spare waits on the listening socket and on a pipe whose writing end only the
server holds; when the server closes it (stopping) or is gone (even by SIGKILL), the
waiting spare ends at once. A spare that had taken a connection finishes that check, as
every running child does.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import struct
from collections.abc import Callable
from typing import NoReturn

PID = struct.Struct("=i")
"""What a spare writes to the pipe: its pid when it has taken a connection, the pid negated
when it has answered (4 bytes, less than PIPE_BUF: a write is never split nor mixed)."""


def _reap(children: set[int], block: bool) -> set[int]:
    """The children that ended (``block``: wait for one first), gone from ``children``."""
    ended: set[int] = set()
    while children:
        pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
        if pid == 0:
            break
        children.discard(pid)
        ended.add(pid)
        block = False
    return ended


def _wait_for_check(sock: socket.socket, tell: int, lifeline: int,
                    run: Callable[[socket.socket], None]) -> NoReturn:
    """A spare: accept one connection, tell the server, run its check, tell the server it
    is done; never returns. It ends at once when ``lifeline`` ends (the server closed it, or
    its process is gone)."""
    # Default dispositions at once: the server's handlers raise its own stop, which would
    # unwind this copy of the server's loop instead of ending this process.
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    while True:
        ready, _, _ = select.select([sock.fileno(), lifeline], [], [])
        if lifeline in ready:
            os._exit(0)
        try:
            conn, _ = sock.accept()
            break
        except BlockingIOError:  # the client gave up before it was accepted
            continue
    conn.setblocking(True)
    sock.close()
    os.close(lifeline)
    try:
        os.write(tell, PID.pack(os.getpid()))
        run(conn)
        conn.close()  # the client has its whole answer now, before this process ends
        os.write(tell, PID.pack(-os.getpid()))
    finally:  # whatever happened, this copy of the server never goes back to its loop
        os._exit(0)


class Children:
    """The server's children (``running``, the spare included): the spare (``spare``, None
    while none waits) and those that took a check and have not answered (``checking``);
    ``served`` counts the connections taken."""

    def __init__(self, sock: socket.socket, run: Callable[[socket.socket], None],
                 limit: int) -> None:
        self._sock = sock
        self._run = run
        self._limit = limit
        self._taken, self._tell = os.pipe()
        # Only the server holds the lifeline's writing end: a spare sees it end when the
        # server closes it (stopping) or dies (SIGKILL), with no polling.
        self._lifeline, self._alive = os.pipe()
        self.running: set[int] = set()
        self.checking: set[int] = set()
        self.spare: int | None = None
        self.served = 0

    def step(self, wait: float) -> None:
        """Fork a spare if none waits, the limit allows and no check runs; wait up to
        ``wait`` seconds for news (a spare took a connection, a check is done, a connection
        waits with no spare: then fork one at once); reap the children that ended (waiting
        for one when all ``limit`` are busy)."""
        room = len(self.running) < self._limit
        if self.spare is None and room and not self.checking:
            self.spare = self._fork()
        watch = [self._taken]
        if self.spare is None and room:
            watch.append(self._sock.fileno())
        ready, _, _ = select.select(watch, [], [], 0 if self.spare is None and not room
                                    else wait)
        if self._taken in ready:
            self._read_news()
        if self._sock.fileno() in ready and self.spare is None:
            self.spare = self._fork()  # a connection waits, and no spare: a burst
        ended = _reap(self.running, block=self.spare is None and not room)
        self.checking -= ended
        if self.spare in ended:  # it ended without taking a check (killed): fork another
            self.spare = None

    def _fork(self) -> int:
        pid = os.fork()
        if pid == 0:
            os.close(self._taken)
            os.close(self._alive)
            _wait_for_check(self._sock, self._tell, self._lifeline, self._run)
        self.running.add(pid)
        return pid

    def _read_news(self) -> None:
        data = os.read(self._taken, PID.size * 64)
        for (pid,) in PID.iter_unpack(data[:len(data) - len(data) % PID.size]):
            if pid < 0:
                self.checking.discard(-pid)
                continue
            self.served += 1
            if pid in self.running:  # not reaped already (it ended before saying done)
                self.checking.add(pid)
            if pid == self.spare:
                self.spare = None

    def close(self) -> None:
        """Stop: wake the waiting spare (it ends) and count what was taken meanwhile."""
        if self._taken < 0:
            return
        os.close(self._alive)
        os.set_blocking(self._taken, False)
        with contextlib.suppress(BlockingIOError):
            self._read_news()
        for fd in (self._taken, self._tell, self._lifeline):
            os.close(fd)
        self._taken = self._tell = self._lifeline = self._alive = -1
