"""The exporter's HTTP server: threads per request, a large backlog, a bounded stop."""

from __future__ import annotations

import socket
import socketserver
import threading
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from probe.exporter.http import ExporterApp

SHUTDOWN_GRACE = 2.0
"""Seconds the scrapes in progress get to be answered when the exporter stops."""


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log: Prometheus scrapes would drown the sweep events."""


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    # A scrape stuck waiting for a sweep must not hold up the exit: daemon threads are not
    # joined at interpreter exit, and without block_on_close server_close() does not join
    # them either (by default it joins every handler thread, daemon or not, without a
    # limit). Instead it gives the scrapes in progress SHUTDOWN_GRACE seconds to be answered.
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops the SYNs of a burst of scrapes, which
    # then retry a second later and start a second, third... sweep.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type[WSGIRequestHandler]) -> None:
        self._busy = 0
        self._idle = threading.Condition()
        super().__init__(address, handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._idle:
            self._busy += 1
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def server_close(self) -> None:
        super().server_close()
        with self._idle:
            self._idle.wait_for(lambda: self._busy == 0, timeout=SHUTDOWN_GRACE)

    def server_bind(self) -> None:
        # WSGIServer.server_bind would call socket.getfqdn(), a reverse DNS lookup.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)
        self.setup_environ()


class _Server6(_Server):
    address_family = socket.AF_INET6


def make_server(host: str, port: int, app: ExporterApp) -> _Server:
    cls = _Server6 if ":" in host else _Server
    server = cls((host, port), _QuietHandler)
    server.set_app(app)
    return server
