"""The exporter's connections are bounded: slow, idle, HTTP/0.9 and TLS clients, many of them.

Real sockets against the real server (probe.exporter.server) serving the real application;
the load tests hold 400 slowloris and 100 idle connections while /metrics is scraped, in
process and as a ``probe exporter`` process limited to 128 file descriptors.
"""

from __future__ import annotations

import json
import socket
import ssl
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from probe.endpoint_source import load_module
from probe.exporter import command as exporter
from probe.exporter import server as exporter_server
from probe.exporter.command import ExporterApp, ExporterOptions, SweepCoordinator
from probe.exporter.server import ExporterServer
from probe.manifest import parse
from probe.model import Report
from tests import reaper
from tests.hostile_clients import IDLE, SLOW, still_held
from tests.loopback_wsgi import deny_all, serve
from tests.monitoring_helpers import log_events, start_exporter

MANIFEST = ('[probe]\nsamples = 1\ntimeout = 2\n[instances.a]\nlabel = "a"\n'
            'urls = ["http://127.0.0.1:1/"]\n')


@contextmanager
def served(**options: Any) -> Iterator[ExporterServer]:
    """The exporter's server on a free loopback port, its sweep returning an empty report."""
    app = exporter.build_app(parse(MANIFEST), ExporterOptions(),
                             sweep=lambda *a, **k: Report(()))
    server = exporter_server.make_server("127.0.0.1", 0, app, **options)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.settimeout(60)  # a guard against a hang, not a measure
    return sock


def answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def status(data: bytes) -> str:
    return data.split(b"\r\n", 1)[0].decode()


def client_hello() -> bytes:
    """The first flight of a real TLS client (Python's ssl), as it reaches a plain port."""
    context = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def test_http09_is_answered_400_at_once() -> None:
    # A head timeout far beyond the test's: a 408 would mean it waited for headers.
    with served(head_timeout=3600) as server, connect(server.server_address[1]) as sock:
        sock.sendall(b"GET /metrics\r\n")
        data = answer(sock)
    assert status(data) == "HTTP/1.0 400 Bad Request"
    assert b"HTTP/0.9 is not served" in data


def test_a_tls_client_hello_is_answered_400_at_once() -> None:
    hello = client_hello()
    assert hello[0] == 0x16  # a TLS handshake record
    with served(head_timeout=3600) as server, connect(server.server_address[1]) as sock:
        sock.sendall(hello)
        data = answer(sock)
    assert status(data) == "HTTP/1.0 400 Bad Request"
    assert b"not an HTTP request" in data


def test_a_real_tls_client_gets_an_error_not_a_hang() -> None:
    with (served(head_timeout=3600) as server, connect(server.server_address[1]) as sock,
          pytest.raises(ssl.SSLError)):
        ssl.create_default_context().wrap_socket(sock, server_hostname="localhost")


def test_a_slowloris_client_is_cut_off_at_the_head_timeout() -> None:
    with served(head_timeout=1.0) as server:
        with connect(server.server_address[1]) as sock:
            sock.sendall(b"GET /metrics HTTP/1.1\r\n")
            dripped = 0
            while dripped < 10_000 and still_held(sock, slow=True):
                dripped += 1  # a header byte every 0.05 s: 10,000 of them would take 500 s
                time.sleep(0.05)
            sock.setblocking(True)
            data = answer(sock)
        assert server.loop.closed_early == 1
    assert dripped < 10_000
    assert status(data) == "HTTP/1.0 408 Request Timeout"


def test_an_idle_connection_is_closed_at_the_head_timeout() -> None:
    with served(head_timeout=0.5) as server:
        with connect(server.server_address[1]) as sock:
            data = answer(sock)
        assert server.loop.closed_early == 1
    assert status(data) == "HTTP/1.0 408 Request Timeout"


def test_a_head_too_long_is_refused() -> None:
    with served() as server, connect(server.server_address[1]) as sock:
        sock.sendall(b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 70_000)
        data = answer(sock)
    assert status(data) == "HTTP/1.0 431 Request Header Fields Too Large"


class BigPage(ExporterApp):
    """Answers every request with 50 MB, more than any socket buffer holds."""

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> list[bytes]:
        start_response("200 OK", [("Content-Length", str(50_000_000))])
        return [b"x" * 50_000_000]


def test_a_client_that_never_reads_does_not_hold_a_worker(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """A worker's writes are bounded too (a socket timeout covers sendall as a whole)."""
    monkeypatch.setattr(exporter_server._Handler, "timeout", 0.5)
    app = BigPage(parse(MANIFEST), SweepCoordinator(lambda budget: Report(())),
                  probe=lambda target, budget, token: Report(()))
    server = exporter_server.make_server("127.0.0.1", 0, app, workers=1)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        with connect(server.server_address[1]) as stuck:
            stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            stuck.sendall(b"GET / HTTP/1.0\r\n\r\n")  # and never reads the answer
            # The only worker is writing to it: the next request is served once that write
            # times out (without the timeout, never: requests' own timeout fails the test).
            with requests.get(f"http://127.0.0.1:{server.server_address[1]}/", timeout=60,
                              stream=True) as reply:
                assert reply.status_code == 200
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def attacking(port: int) -> Iterator[dict[str, int]]:
    """SLOW slowloris and IDLE idle connections to ``port``, held by another process (each
    one the server closes is opened again) while the block runs; then its counts."""
    counts: dict[str, int] = {}
    process = subprocess.Popen([sys.executable, "-m", "tests.hostile_clients", str(port)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               cwd=Path(__file__).parent.parent, start_new_session=True)
    reaper.remember(process.pid, "hostile clients")
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n"
        yield counts
        out, _ = process.communicate(timeout=120)
        counts.update(json.loads(out))
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        reaper.forget(process.pid)


def scrape_during(get: Callable[[], requests.Response], seconds: float) -> list[float]:
    """Scrape /metrics for ``seconds``; each answer's time (for the docs, not asserted)."""
    times: list[float] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        reply = get()
        times.append(time.monotonic() - started)
        assert reply.status_code == 200, reply.text
        assert "wsgi_probe_sweeps_total" in reply.text
        time.sleep(0.2)
    return times


def figures(name: str, **values: Any) -> None:
    """The figures docs/security.md quotes: printed (pytest -s shows them)."""
    print(json.dumps({name: values}))


def test_metrics_answers_while_500_slow_and_idle_connections_are_held() -> None:
    with served(head_timeout=2.0) as server:
        port = server.server_address[1]
        with attacking(port) as attack:
            times = scrape_during(lambda: requests.get(f"http://127.0.0.1:{port}/metrics",
                                                       timeout=60), 5.0)
            threads = server.worker_threads
            held = len(server.loop.pending)
        # No thread per connection: only complete requests (the scrapes) reach a worker.
        assert 1 <= threads <= 2
    assert attack["refused_at_connect"] == 0
    assert attack["reopened"] >= SLOW + IDLE  # each was closed at the head timeout
    figures("in_process", slow=SLOW, idle=IDLE, scrapes=len(times),
            median_s=round(statistics.median(times), 3), max_s=round(max(times), 3),
            held_by_server=held, worker_threads=threads, **attack)


LIMITED = ("import resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128)); "
           "from probe.entry import main; sys.argv[0] = 'probe'; main()")


def test_metrics_answers_under_ulimit_128(tmp_path: Path) -> None:
    """A real ``probe exporter`` with 128 file descriptors, its real sweep against a real
    endpoint, and 500 hostile connections: every scrape answered with the URL's verdict."""
    endpoint = load_module("wsgi_endpoint")
    with serve(endpoint.wrap(deny_all, label="a")) as site:
        manifest = tmp_path / "site.toml"
        manifest.write_text(f'[probe]\nsamples = 1\ntimeout = 2\nconcurrency = 8\n'
                            f'[instances.a]\nlabel = "a"\n'
                            f'urls = ["http://127.0.0.1:{site}/"]\n')
        process = start_exporter(["-m", str(manifest)],
                                 command=[sys.executable, "-c", LIMITED])
        try:
            port = int(process.address.rsplit(":", 1)[1])
            with attacking(port) as attack:
                times = scrape_during(lambda: process.get("/metrics"), 8.0)
                final = process.get("/metrics").text
        finally:
            _, stderr = process.stop()
            # The exporter's own account, shown when the test fails.
            print(f"exporter exit status {process.process.returncode}\n{stderr[-4000:]}")
    ok = [line for line in final.splitlines() if line.startswith("wsgi_probe_url_ok{")]
    assert ok == [f'wsgi_probe_url_ok{{address="127.0.0.1:{site}",expected="a",'
                  f'url="http://127.0.0.1:{site}/"}} 1.0'], final
    events = [e["event"] for e in log_events(stderr)]
    assert "exporter_connection_failed" not in events
    assert "Traceback" not in stderr
    assert attack["reopened"] > 0  # the server closed connections to stay within its limit
    figures("ulimit_128", slow=SLOW, idle=IDLE, scrapes=len(times),
            median_s=round(statistics.median(times), 3), max_s=round(max(times), 3), **attack)
