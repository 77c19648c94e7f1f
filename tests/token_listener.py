"""A listener on loopback recording what each request carried as X-Probe-Token: where a
manifest's URL leads in the token-safety tests (another user's listener, an application's
URL), so a test sees whether a token was sent, and which."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Listener(ThreadingHTTPServer):
    tokens: list[str | None]


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        assert isinstance(self.server, Listener)
        self.server.tokens.append(self.headers.get("X-Probe-Token"))
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass  # the tests read ``tokens``, not a log


@contextmanager
def listening() -> Iterator[Listener]:
    """A :class:`Listener` on a free loopback port, stopped when the block ends."""
    server = Listener(("127.0.0.1", 0), _Handler)
    server.tokens = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
