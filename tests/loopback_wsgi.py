"""A WSGI application served on 127.0.0.1 from a thread, for tests that probe over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

App = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def deny_all(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """What a catch-all VirtualHost answers."""
    start_response("403 Forbidden", [("Content-Type", "text/plain")])
    return [b"denied"]


@contextmanager
def serve(app: App, host: str = "127.0.0.1", port: int = 0) -> Iterator[int]:
    """Serve ``app`` on ``host`` (a loopback address) at ``port`` (0: a free one); yield it."""
    server = make_server(host, port, app, server_class=ThreadingWSGIServer,
                         handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
