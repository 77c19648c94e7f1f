"""A threaded HTTP server on loopback for the lab (standard library ``wsgiref``)."""

from __future__ import annotations

import socketserver
import threading
from typing import TYPE_CHECKING
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from probe.errors import UsageError

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

LOOPBACK = "127.0.0.1"


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    # A sweep opens up to 32 connections at once; with socketserver's default backlog
    # of 5 the kernel drops the rest and the client retries a second later.
    request_queue_size = 128

    def server_bind(self) -> None:
        # HTTPServer.server_bind() calls socket.getfqdn(), a DNS lookup that can take
        # seconds; the lab only ever serves loopback.
        socketserver.TCPServer.server_bind(self)
        self.server_name = LOOPBACK
        self.server_port = self.server_address[1]
        self.setup_environ()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass  # the lab logs its routing decisions itself, when asked to


class LabServer:
    """``application`` served on 127.0.0.1:``port`` (0: a free port) from a daemon thread."""

    def __init__(self, application: WSGIApplication, port: int = 0):
        try:
            self._server = _Server((LOOPBACK, port), _QuietHandler)
        except OSError as exc:
            raise UsageError(f"cannot listen on {LOOPBACK}:{port}: {exc.strerror}") from None
        self._server.set_app(application)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
            name="probe-lab", daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def connect(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def start(self) -> LabServer:
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=2)
        self._server.server_close()

    def __enter__(self) -> LabServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
