"""The exporter's connection loop survives an event for a connection it closed a moment before.

One ``select()`` returns every ready socket at once. Handling the first (the listener) may close
another that is ready in the same batch: at the limit, a new connection closes the oldest head
still being read. Before the fix its event then raised KeyError out of the loop, which stopped
the exporter's server (every later scrape: connection refused), seen once in CI under a flood.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from probe.exporter.conns import ConnectionLoop


@contextmanager
def gated_loop(limit: int) -> Iterator[tuple[ConnectionLoop, threading.Event, threading.Thread,
                                             list[BaseException]]]:
    """A loop on a loopback listener whose select() waits for ``gate`` before each call: what
    becomes ready meanwhile comes back in one batch."""
    listener = socket.create_server(("127.0.0.1", 0))

    def dispatch(sock: socket.socket, address: object, head: bytes) -> None:
        sock.close()  # a head that arrived is all this test needs to see

    loop = ConnectionLoop(listener, dispatch, limit=limit, in_service=lambda: 0,
                          head_timeout=60)
    gate = threading.Event()
    gate.set()
    real = loop._selector.select

    def select(timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        gate.wait()
        # Long enough for every event made while the gate was closed to be reported together.
        return real(timeout)

    loop._selector.select = select  # type: ignore[method-assign]  # the seam under test
    errors: list[BaseException] = []

    def run() -> None:
        try:
            loop.run(0.05)
        except BaseException as exc:  # the test reports what escaped
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield loop, gate, thread, errors
    finally:
        gate.set()
        loop.stop()
        thread.join(10)
        loop.close()
        listener.close()


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


def test_an_event_for_a_connection_evicted_in_the_same_batch_is_skipped() -> None:
    with gated_loop(limit=1) as (loop, gate, thread, errors):
        port = loop.listener.getsockname()[1]
        old = socket.create_connection(("127.0.0.1", port))
        old.sendall(b"GET /metrics HTTP/1.1\r\n")  # a head that never ends
        wait_for(lambda: len(loop.pending) == 1)
        gate.clear()
        time.sleep(0.2)  # the loop is now waiting at the gate
        new = socket.create_connection(("127.0.0.1", port))  # the listener is ready first,
        old.sendall(b"X-a: b\r\n")  # then the old connection: one batch, listener first
        time.sleep(0.1)
        gate.set()
        # The new connection closes the old one (the limit is 1); the old one's event, in the
        # same batch, must not stop the loop.
        wait_for(lambda: loop.closed_early == 1)
        time.sleep(0.2)
        assert thread.is_alive(), errors
        assert errors == []
        new.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        wait_for(lambda: not loop.pending)  # the loop still reads and dispatches heads
        old.close()
        new.close()
