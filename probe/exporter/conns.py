"""The exporter's connections until their request head has arrived: no thread per client.

http.server and wsgiref (which prometheus_client's exporter also runs) give each
connection a thread that blocks reading the request; their ``timeout`` is per
``recv``, so a client sending a byte every few seconds (slowloris), or nothing at
all, holds a thread and a file descriptor for ever, and 500 of them stop /metrics.
Here one loop (a selector) reads every request head without blocking, and a
connection only reaches a worker thread (:mod:`probe.exporter.server`) once its head
is complete. In the loop each connection is bounded:

- in time: closed (408) when its head has not arrived HEAD_TIMEOUT seconds after
  it was accepted, however slowly it drips;
- in size: 431 past MAX_HEAD bytes;
- in form: anything that is not an HTTP/1.x request line is answered 400 and closed
  as soon as its first bytes show it (a TLS ClientHello starts with 0x16; an HTTP/0.9
  ``GET /path`` line has no version, and http.server would then wait for headers);
- in number: at most ``limit`` connections are open at once (those reading their
  head plus those being served). A new one beyond it closes the oldest still
  reading its head, which is the likeliest to be an attacker's: a scraper sends its
  whole request at once, and is read once more before it could be closed. When
  every one is being served, the new one gets a 503. When the process is out of
  file descriptors (EMFILE), the oldest head still being read is closed too, else
  accepting pauses for a moment instead of spinning.
"""

from __future__ import annotations

import contextlib
import errno
import selectors
import socket
import time
from collections.abc import Callable
from typing import Any

HEAD_TIMEOUT = 10.0
"""Seconds from accept to the end of the request head. Prometheus sends its request in one
write; nginx allows 60 s (client_header_timeout), Apache 20-40 s (RequestReadTimeout)."""
MAX_HEAD = 65536
"""Bytes of request line and headers (http.server refuses a longer line, 65536)."""
ACCEPT_PAUSE = 0.1
"""Seconds accepting stops when out of file descriptors with nothing to close."""

Dispatch = Callable[[socket.socket, Any, bytes], None]
"""Takes a connection whose request head has arrived (the bytes read so far)."""

_REQUEST_START = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")


class _Pending:
    __slots__ = ("address", "head", "since", "sock")

    def __init__(self, sock: socket.socket, address: Any, since: float) -> None:
        self.sock = sock
        self.address = address
        self.since = since
        self.head = bytearray()


class ConnectionLoop:
    """Accepts on ``listener`` and reads request heads until :meth:`stop`."""

    def __init__(self, listener: socket.socket, dispatch: Dispatch, *, limit: int,
                 in_service: Callable[[], int], head_timeout: float = HEAD_TIMEOUT) -> None:
        self.listener = listener
        self.dispatch = dispatch
        self.limit = limit
        self.in_service = in_service
        self.head_timeout = head_timeout
        self.pending: dict[socket.socket, _Pending] = {}  # in order of acceptance
        self.closed_early = 0
        """Connections closed before their head arrived (timeout, eviction, bad form)."""
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._stopping = False
        self._paused_until = 0.0

    def run(self, poll_interval: float) -> None:
        self.listener.setblocking(False)
        self._selector.register(self.listener, selectors.EVENT_READ)
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        listening = True
        try:
            while not self._stopping:
                now = time.monotonic()
                self._expire(now)
                if listening != (now >= self._paused_until):
                    listening = not listening
                    if listening:
                        self._selector.register(self.listener, selectors.EVENT_READ)
                    else:
                        self._selector.unregister(self.listener)
                for key, _ in self._selector.select(self._wait(now, poll_interval)):
                    if key.fileobj is self.listener:
                        self._accept()
                    elif key.fileobj is self._wake_r:
                        self._wake_r.recv(64)
                    else:
                        sock = key.fileobj
                        assert isinstance(sock, socket.socket)
                        # None: an earlier event of this batch closed it (a new connection at
                        # the limit closes the oldest head) after select() reported it ready.
                        if (pending := self.pending.get(sock)) is not None:
                            self._read(pending)
        finally:
            self._selector.close()

    def stop(self) -> None:
        self._stopping = True
        with contextlib.suppress(OSError):  # the wake-up pipe is full: the loop is awake
            self._wake_w.send(b"x")

    def close(self) -> None:
        """Close every connection still reading its head, and the wake-up pipe."""
        # After run(): its selector is closed already, nothing to unregister.
        for pending in self.pending.values():
            pending.sock.close()
        self.pending.clear()
        self._wake_r.close()
        self._wake_w.close()

    def _wait(self, now: float, poll_interval: float) -> float:
        wait = poll_interval
        if self.pending:
            oldest = next(iter(self.pending.values()))
            wait = min(wait, oldest.since + self.head_timeout - now)
        if now < self._paused_until:
            wait = min(wait, self._paused_until - now)
        return max(wait, 0.0)

    def _expire(self, now: float) -> None:
        for pending in list(self.pending.values()):
            if now - pending.since < self.head_timeout:
                break  # in order of acceptance: the rest are younger
            self._refuse(pending, "408 Request Timeout", "the request head took too long")

    def _accept(self) -> None:
        for _ in range(64):  # then let the other connections be read
            try:
                sock, address = self.listener.accept()
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno not in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    return  # ECONNABORTED and the like: that client is gone
                if not self._evict_oldest():
                    self._paused_until = time.monotonic() + ACCEPT_PAUSE
                    return
                continue
            sock.setblocking(False)
            if len(self.pending) + self.in_service() >= self.limit \
                    and not self._evict_oldest():
                self._refuse(_Pending(sock, address, 0.0), "503 Service Unavailable",
                             "too many connections; try again")
                continue
            pending = _Pending(sock, address, time.monotonic())
            self.pending[sock] = pending
            self._selector.register(sock, selectors.EVENT_READ)
            self._read(pending)  # a scraper's request is usually there already

    def _evict_oldest(self) -> bool:
        """Close the oldest connection still reading its head; False if there is none.

        Each candidate is read first: a scraper accepted a moment before its request
        arrived, and then pushed to the front by a flood of new connections, has its
        request complete by now and is served instead of closed.
        """
        while self.pending:
            oldest = next(iter(self.pending.values()))
            closed = self.closed_early
            self._read(oldest)
            if oldest.sock in self.pending:
                self._drop(oldest)
                return True
            if self.closed_early > closed:
                return True  # it had closed, or was refused: its place is free
        return False

    def _read(self, pending: _Pending) -> None:
        try:
            chunk = pending.sock.recv(MAX_HEAD)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._drop(pending)
            return
        head = pending.head
        head += chunk
        if head[0] not in _REQUEST_START:
            self._refuse(pending, "400 Bad Request", "not an HTTP request (TLS? use http://)")
            return
        line_end = head.find(b"\n")
        if line_end >= 0 and not _is_request_line(bytes(head[:line_end])):
            self._refuse(pending, "400 Bad Request", "not an HTTP/1.x request line "
                         "(HTTP/0.9 is not served)")
            return
        if head.find(b"\n\r\n") >= 0 or head.find(b"\n\n") >= 0:
            self._selector.unregister(pending.sock)
            del self.pending[pending.sock]
            self.dispatch(pending.sock, pending.address, bytes(head))
        elif len(head) > MAX_HEAD:
            self._refuse(pending, "431 Request Header Fields Too Large",
                         f"the request head is longer than {MAX_HEAD} bytes")

    def _refuse(self, pending: _Pending, status: str, message: str) -> None:
        body = (message + "\n").encode()
        answer = (f"HTTP/1.0 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                  f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
        with contextlib.suppress(OSError):  # sent once, without waiting for a slow reader
            pending.sock.send(answer)
        self._drop(pending)

    def _drop(self, pending: _Pending) -> None:
        if self.pending.pop(pending.sock, None) is not None:
            self._selector.unregister(pending.sock)
            self.closed_early += 1
        pending.sock.close()


def _is_request_line(line: bytes) -> bool:
    words = line.rstrip(b"\r").split()
    return len(words) == 3 and words[2].startswith(b"HTTP/1.")
