"""The exporter's HTTP server: one loop reads request heads, a bounded pool of threads serves.

:mod:`probe.exporter.conns` holds each connection until its request head has arrived
(bounded in time, size, form and number); only then does a worker thread run the WSGI
application on it, through wsgiref's handler as before. The pool grows on demand up to
MAX_WORKERS threads; further complete requests wait for a free one. Every read and
write a worker does on its connection has IO_TIMEOUT in total (socket timeouts cover
``sendall`` as a whole), so a client that stops reading cannot hold a worker either.
"""

from __future__ import annotations

import io
import queue
import resource
import socket
import threading
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler

import structlog

from probe.exporter.conns import HEAD_TIMEOUT, ConnectionLoop
from probe.exporter.http import ExporterApp

SHUTDOWN_GRACE = 2.0
"""Seconds the scrapes in progress get to be answered when the exporter stops."""
IO_TIMEOUT = 30.0
"""Seconds a worker's read or write on its connection may take (the answer is in memory)."""
MAX_WORKERS = 64
"""Threads serving requests at once: scrapes share one sweep, so few are ever busy."""
MAX_CONNECTIONS = 1024
"""Connections open at once, when the file descriptor limit allows as many."""
FD_RESERVE = 32
"""File descriptors kept for the process itself (logs, the selector, libcurl's own), besides
two sweeps' worth of probe connections."""
BACKLOG = 128
"""socketserver's default of 5 drops the SYNs of a burst of scrapes, which then retry a
second later and start a second, third... sweep."""

# Lazy: a .bind() here would freeze the configuration in force at import time.
log = structlog.get_logger("probe.exporter", component="exporter")


def connection_limit(concurrency: int) -> int:
    """Connections to hold at most: MAX_CONNECTIONS, or fewer under a low ``ulimit -n``."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(4, min(MAX_CONNECTIONS, soft - FD_RESERVE - 2 * concurrency))


class _Replay(io.RawIOBase):
    """The bytes the loop already read, then the socket: what wsgiref's handler reads."""

    def __init__(self, head: bytes, sock: socket.socket) -> None:
        self._head = memoryview(head)
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        return self._sock.recv_into(buffer)


class _Handler(WSGIRequestHandler):
    timeout = IO_TIMEOUT

    def __init__(self, request: socket.socket, client_address: Any, server: ExporterServer,
                 head: bytes) -> None:
        self._head = head
        super().__init__(request, client_address, server)  # type: ignore[arg-type] # duck-typed: get_app, base_environ

    def setup(self) -> None:
        self.errors = io.StringIO()
        super().setup()
        self.rfile.close()
        self.rfile = io.BufferedReader(_Replay(self._head, self.connection))

    def log_message(self, format: str, *args: Any) -> None:
        """No access log: Prometheus scrapes would drown the sweep events."""

    def get_stderr(self) -> io.StringIO:
        # wsgiref prints the traceback of a failed write (a client that stopped reading
        # until IO_TIMEOUT, or went away) to stderr: one log line instead.
        return self.errors

    def finish(self) -> None:
        super().finish()
        trace = self.errors.getvalue().strip()
        if trace:
            log.info("exporter_answer_not_sent", client=str(self.client_address[0]),
                     error=trace.splitlines()[-1])


class ExporterServer:
    """``serve_forever`` / ``shutdown`` / ``server_close``, as socketserver's servers."""

    def __init__(self, host: str, port: int, app: ExporterApp, *,
                 head_timeout: float = HEAD_TIMEOUT, connections: int | None = None,
                 workers: int = MAX_WORKERS) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind((host, port))
            self.socket.listen(BACKLOG)
        except OSError:
            self.socket.close()
            raise
        self.server_address: tuple[Any, ...] = self.socket.getsockname()
        bound, bound_port = self.server_address[:2]
        # What wsgiref's WSGIServer.setup_environ gives, without its reverse DNS lookup.
        self.base_environ = {"SERVER_NAME": str(bound), "GATEWAY_INTERFACE": "CGI/1.1",
                             "SERVER_PORT": str(bound_port), "REMOTE_HOST": "",
                             "CONTENT_LENGTH": "", "SCRIPT_NAME": ""}
        self.app = app
        self.max_workers = workers
        self._lock = threading.Condition()
        self._in_service = 0
        self._threads = 0
        self._idle = 0
        self._jobs: queue.SimpleQueue[tuple[socket.socket, Any, bytes]] = queue.SimpleQueue()
        limit = connections or connection_limit(app.manifest.probe.concurrency)
        self.loop = ConnectionLoop(self.socket, self._dispatch, limit=limit,
                                   in_service=lambda: self._in_service,
                                   head_timeout=head_timeout)
        self._loop_done = threading.Event()
        self._loop_done.set()

    @property
    def worker_threads(self) -> int:
        """Threads started to serve requests (at most ``workers``)."""
        with self._lock:
            return self._threads

    def get_app(self) -> ExporterApp:
        return self.app

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self._loop_done.clear()
        try:
            self.loop.run(poll_interval)
        finally:
            self._loop_done.set()

    def shutdown(self) -> None:
        """Stop serve_forever() and wait for it to return (call it from another thread)."""
        self.loop.stop()
        self._loop_done.wait()

    def server_close(self) -> None:
        """Close the socket and the heads being read; the requests being served get
        SHUTDOWN_GRACE seconds to be answered (daemon threads: none holds up the exit)."""
        self.socket.close()
        self.loop.close()
        with self._lock:
            self._lock.wait_for(lambda: self._in_service == 0, timeout=SHUTDOWN_GRACE)

    def _dispatch(self, sock: socket.socket, address: Any, head: bytes) -> None:
        with self._lock:
            self._in_service += 1
            start = self._idle == 0 and self._threads < self.max_workers
            if start:
                self._threads += 1
        self._jobs.put((sock, address, head))
        if start:
            threading.Thread(target=self._work, name="exporter-worker", daemon=True).start()

    def _work(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
            sock, address, head = self._jobs.get()
            with self._lock:
                self._idle -= 1
            try:
                self._serve(sock, address, head)
            finally:
                with self._lock:
                    self._in_service -= 1
                    self._lock.notify_all()

    def _serve(self, sock: socket.socket, address: Any, head: bytes) -> None:
        try:
            sock.setblocking(True)
            _Handler(sock, address, self, head)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the client went away or stopped reading (IO_TIMEOUT): nothing to answer
        except Exception:
            log.exception("exporter_connection_failed")
        finally:
            sock.close()


def make_server(host: str, port: int, app: ExporterApp, **options: Any) -> ExporterServer:
    return ExporterServer(host, port, app, **options)
