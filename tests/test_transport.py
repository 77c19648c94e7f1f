"""probe/transport.py against small real servers on loopback (no other network)."""

from __future__ import annotations

import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import trustme

from probe import __version__
from probe.diagnose.unreachable_words import unreachable
from probe.errors import ManifestError, ProbeError
from probe.http_messages import Request, sample_from_answer
from probe.model import Sample, Verdict
from probe.transport import Transport, abort_in_flight

ENDPOINT_JSON = {
    "schema": 1,
    "label": "project-1",
    "instance_id": "0123456789abcdef",
    "pid": 4242,
    "process_group": "project-1",
    "application_group": "site-1.example.com|",
    "settings_module": {"environ": "mysite.settings", "loaded": None},
    "request": {"host": "site-1.example.com", "script_name": "", "path_info": "/__probe__"},
}


@pytest.fixture(autouse=True)
def _no_ambient_proxy_or_token(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WSGI_PROBE_TOKEN", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


# --- servers ----------------------------------------------------------------------------------

Reply = tuple[int, dict[str, str], bytes]


@dataclass
class Seen:
    """What a test server received."""

    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    sni: list[str | None] = field(default_factory=list)

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    @property
    def hosts(self) -> list[str | None]:
        return [headers.get("host") for _, headers in self.requests]


def json_reply(data: object, status: int = 200) -> Reply:
    return status, {"Content-Type": "application/json"}, json.dumps(data).encode()


@contextmanager
def http_server(
    reply: Callable[[str], Reply] = lambda path: json_reply(ENDPOINT_JSON),
    tls: ssl.SSLContext | None = None,
) -> Iterator[tuple[int, Seen]]:
    """A threading HTTP/1.1 server on 127.0.0.1 that records requests; yields (port, seen)."""
    seen = Seen()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            seen.requests.append(
                (self.path, {k.lower(): v for k, v in self.headers.items()})
            )
            status, headers, body = reply(self.path)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        tls.sni_callback = lambda sock, name, ctx: seen.sni.append(name)
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


@contextmanager
def raw_server(
    handle: Callable[[socket.socket, threading.Event], None],
) -> Iterator[int]:
    """A TCP server on 127.0.0.1 running ``handle(conn, stop)`` per connection; yields port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()
    conns: list[socket.socket] = []

    def serve(conn: socket.socket) -> None:
        try:
            handle(conn, stop)
        except OSError:
            pass
        finally:
            conn.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conns.append(conn)
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        for conn in conns:
            conn.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- --connect and the Host header ------------------------------------------------------------


def test_connect_sends_to_the_address_with_the_urls_host() -> None:
    with http_server() as (port, seen):
        transport = Transport(connect=f"127.0.0.1:{port}", timeout=5)
        sample = transport.probe("http://site-1.example.com/suburl/__probe__")
        sample2 = transport.probe("http://site-2.example.com:8080/__probe__")
    assert sample.status_code == 200
    assert sample.error is None
    assert sample.endpoint is not None
    assert sample.endpoint.label == "project-1"
    assert sample.endpoint.pid == 4242
    assert sample2.status_code == 200
    assert seen.paths == ["/suburl/__probe__", "/__probe__"]
    assert seen.hosts == ["site-1.example.com", "site-2.example.com:8080"]


def test_without_connect_the_url_is_used_and_host_is_its_netloc() -> None:
    with http_server() as (port, seen):
        sample = Transport(timeout=5).probe(f"http://127.0.0.1:{port}/a/__probe__")
    assert sample.status_code == 200
    assert seen.paths == ["/a/__probe__"]
    assert seen.hosts == [f"127.0.0.1:{port}"]


def test_request_headers_and_token() -> None:
    with http_server() as (port, seen):
        Transport(timeout=5, token="s3cret").probe(f"http://127.0.0.1:{port}/__probe__")
        Transport(timeout=5).probe(f"http://127.0.0.1:{port}/__probe__")
    with_token, without = (headers for _, headers in seen.requests)
    assert with_token["x-probe-token"] == "s3cret"
    assert "x-probe-token" not in without
    assert with_token["user-agent"] == f"wsgi-probe/{__version__}"
    assert with_token["accept-encoding"] == "identity"


def test_bad_connect_is_a_manifest_error() -> None:
    with pytest.raises(ManifestError) as info:
        Transport(connect="no host")
    assert str(info.value) == "--connect: not HOST or HOST:PORT: 'no host'"


def test_connect_without_a_port_keeps_each_urls_port() -> None:
    """docs/manifest.md: ``connect = "127.0.0.1"`` changes the address, never the port."""
    with http_server() as (port, seen):
        sample = Transport(connect="127.0.0.1", timeout=5).probe(
            f"http://site-1.example.com:{port}/__probe__")
    assert sample.status_code == 200
    assert seen.hosts == [f"site-1.example.com:{port}"]


def test_proxy_variables_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, dead)
    with http_server() as (port, seen):
        direct = Transport(timeout=5).probe(f"http://127.0.0.1:{port}/__probe__")
        connected = Transport(connect=f"127.0.0.1:{port}", timeout=5).probe(
            "http://site-1.example.com/__probe__"
        )
    assert (direct.status_code, direct.error) == (200, None)
    assert (connected.status_code, connected.error) == (200, None)
    assert seen.hosts == [f"127.0.0.1:{port}", "site-1.example.com"]


def test_one_transport_is_shared_by_threads() -> None:
    # The exporter probes from several request threads through one Transport.
    with http_server() as (port, seen):
        transport = Transport(timeout=5)
        results: list[int | None] = []
        start = threading.Barrier(4)

        def work() -> None:
            start.wait(5)
            results.append(transport.probe(f"http://127.0.0.1:{port}/__probe__").status_code)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert results == [200] * 4
    assert len(seen.requests) == 4


# --- HTTPS ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(ca: trustme.CA) -> Iterator[tuple[int, Seen]]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("site-1.example.com").configure_cert(context)
    with http_server(tls=context) as served:
        yield served


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def test_https_connect_keeps_sni_and_certificate_name(
    tls_server: tuple[int, Seen], ca_file: str
) -> None:
    port, seen = tls_server
    transport = Transport(connect=f"127.0.0.1:{port}", ca_file=ca_file, timeout=5)
    sample = transport.probe("https://site-1.example.com/__probe__")
    assert (sample.status_code, sample.error_kind, sample.error) == (200, None, None)
    assert sample.endpoint is not None
    assert seen.sni == ["site-1.example.com"]
    assert seen.hosts == ["site-1.example.com"]
    assert seen.paths == ["/__probe__"]


def test_https_other_name_through_same_connect_fails_tls(
    tls_server: tuple[int, Seen], ca_file: str
) -> None:
    port, seen = tls_server
    transport = Transport(connect=f"127.0.0.1:{port}", ca_file=ca_file, timeout=5)
    good = transport.probe("https://site-1.example.com/__probe__")
    bad = transport.probe("https://other.example.com/__probe__")
    assert good.status_code == 200
    assert bad.status_code is None
    assert bad.error_kind == "tls"
    assert bad.error is not None
    assert bad.error.startswith("https://other.example.com/__probe__: TLS failed: ")
    assert "other.example.com" in bad.error.split("TLS failed: ", 1)[1]
    assert seen.sni == ["site-1.example.com", "other.example.com"]
    assert seen.paths == ["/__probe__"]  # nothing was sent over the unverified connection


def test_https_untrusted_ca_fails_tls(tls_server: tuple[int, Seen], tmp_path: Path) -> None:
    port, seen = tls_server
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    sample = Transport(connect=f"127.0.0.1:{port}", ca_file=str(other_ca), timeout=5).probe(
        "https://site-1.example.com/__probe__"
    )
    assert (sample.status_code, sample.error_kind) == (None, "tls")
    assert seen.requests == []


def test_https_to_a_plain_http_port_says_the_answer_was_not_tls(ca_file: str) -> None:
    """OpenSSL's "wrong version number": the port answered in plain HTTP. Not the server's
    certificate, as it was worded."""
    with http_server() as (port, _):
        sample = Transport(connect=f"127.0.0.1:{port}", ca_file=ca_file, timeout=5).probe(
            "https://site-1.example.com/__probe__")
    assert (sample.status_code, sample.error_kind) == (None, "not_tls")
    assert sample.error is not None
    assert sample.error.startswith("https://site-1.example.com/__probe__: the answer from "
                                   f"127.0.0.1:{port} was not TLS: ")
    diagnosis = unreachable([sample], 1)
    assert diagnosis.verdict is Verdict.UNREACHABLE
    assert "certificate" not in diagnosis.fix and "http://" in diagnosis.fix


def test_https_by_ip_without_connect_checks_the_ip(
    tls_server: tuple[int, Seen], ca_file: str
) -> None:
    port, _ = tls_server
    sample = Transport(ca_file=ca_file, timeout=5).probe(f"https://127.0.0.1:{port}/__probe__")
    assert sample.error_kind == "tls"


def test_without_ca_file_https_is_checked_against_the_default_bundle(
    tls_server: tuple[int, Seen], ca_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default bundle (certifi's) is loaded at the first HTTPS request, not before:
    here it is the test CA, so the request succeeds only if the bundle was really used."""
    from probe import transport as transport_module

    loaded: list[str] = []

    def default() -> str:
        loaded.append(ca_file)
        return ca_file

    monkeypatch.setattr(transport_module, "_default_ca_file", default)
    port, _ = tls_server
    transport = Transport(connect=f"127.0.0.1:{port}", timeout=5)
    with http_server() as (plain, _seen):
        assert Transport(connect=f"127.0.0.1:{plain}", timeout=5).probe(
            "http://site-1.example.com/__probe__").status_code == 200
    assert loaded == []  # an HTTP-only sweep does not load the bundle
    sample = transport.probe("https://site-1.example.com/__probe__")
    assert (sample.status_code, sample.error_kind, sample.error) == (200, None, None)
    assert loaded == [ca_file]


# --- answers ----------------------------------------------------------------------------------


def test_redirects_are_not_followed() -> None:
    def reply(path: str) -> Reply:
        if path == "/followed":
            return json_reply(ENDPOINT_JSON)
        return 301, {"Location": "/followed"}, b""

    with http_server(reply) as (port, seen):
        sample = Transport(timeout=5).probe(f"http://127.0.0.1:{port}/__probe__")
    assert sample.status_code == 301
    assert sample.location == "/followed"
    assert sample.endpoint is None
    assert sample.error is None
    assert seen.paths == ["/__probe__"]


def test_location_is_only_reported_for_3xx() -> None:
    def reply(path: str) -> Reply:
        return 404, {"Location": "/x", "Content-Type": "text/html"}, b"not found"

    with http_server(reply) as (port, _):
        sample = Transport(timeout=5).probe(f"http://127.0.0.1:{port}/__probe__")
    assert (sample.status_code, sample.location, sample.endpoint) == (404, None, None)


def test_body_is_capped() -> None:
    big = b"x" * (1 << 20)
    with http_server(lambda path: (200, {"Content-Type": "application/json"}, big)) as (port, _):
        sample = Transport(timeout=5).probe(f"http://127.0.0.1:{port}/__probe__")
    assert sample.status_code is None
    assert sample.error_kind == "protocol"
    assert sample.error is not None
    assert "answer larger than 262144 bytes" in sample.error


def test_body_cap_is_configurable_and_exact() -> None:
    body = json.dumps(ENDPOINT_JSON).encode()
    with http_server(lambda path: (200, {"Content-Type": "application/json"}, body)) as (port, _):
        url = f"http://127.0.0.1:{port}/__probe__"
        fits = Transport(timeout=5, max_body=len(body)).probe(url)
        too_big = Transport(timeout=5, max_body=len(body) - 1).probe(url)
    assert fits.status_code == 200
    assert fits.endpoint is not None
    assert too_big.error_kind == "protocol"


def test_body_cap_without_content_length() -> None:
    def handle(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n")
        for _ in range(64):
            conn.sendall(b"y" * 16384)

    with raw_server(handle) as port:
        sample = Transport(timeout=5).probe(f"http://127.0.0.1:{port}/__probe__")
    assert (sample.status_code, sample.error_kind) == (None, "protocol")


def trickle_body(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
    )
    while not stop.wait(0.2):
        conn.sendall(b" ")


def trickle_headers(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    while not stop.wait(0.2):
        conn.sendall(b"a")


def silent(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    stop.wait(30)


@pytest.mark.parametrize("handle", [trickle_body, trickle_headers, silent])
def test_timeout_bounds_the_whole_request(
    handle: Callable[[socket.socket, threading.Event], None],
) -> None:
    with raw_server(handle) as port:
        start = time.monotonic()
        sample = Transport(timeout=1.0).probe(f"http://127.0.0.1:{port}/__probe__")
        took = time.monotonic() - start
    assert sample.status_code is None
    assert sample.error_kind == "timeout"
    assert sample.error == f"http://127.0.0.1:{port}/__probe__: timed out"
    assert 0.5 < took < 4.0
    assert 500 < sample.elapsed_ms < 4000


def test_deadline_cuts_the_timeout_short() -> None:
    with raw_server(trickle_body) as port:
        start = time.monotonic()
        sample = Transport(timeout=30.0).probe(
            f"http://127.0.0.1:{port}/__probe__", deadline=time.monotonic() + 0.5
        )
        took = time.monotonic() - start
    assert sample.error_kind == "timeout"
    assert took < 4.0


def test_deadline_already_passed_sends_nothing() -> None:
    with http_server() as (port, seen):
        sample = Transport(timeout=5).probe(
            f"http://127.0.0.1:{port}/__probe__", deadline=time.monotonic() - 1
        )
    assert sample.error_kind == "timeout"
    assert seen.requests == []


def test_connection_refused() -> None:
    port = free_port()
    sample = Transport(timeout=5).probe(f"http://127.0.0.1:{port}/__probe__")
    assert sample.status_code is None
    assert sample.error_kind == "connect"
    assert sample.error == (f"http://127.0.0.1:{port}/__probe__: "
                            f"connection refused by 127.0.0.1:{port}")


def test_connection_refused_names_the_connect_address() -> None:
    """With --connect the URL's host is not who refused: the message names the address."""
    port = free_port()
    sample = Transport(timeout=5, connect=f"127.0.0.1:{port}").probe(
        "http://site-1.example.com/__probe__")
    assert sample.error == ("http://site-1.example.com/__probe__: "
                            f"connection refused by 127.0.0.1:{port}")


def test_connection_refused_at_the_connect_address() -> None:
    port = free_port()
    sample = Transport(connect=f"127.0.0.1:{port}", timeout=5).probe(
        "http://site-1.example.com/__probe__"
    )
    assert sample.error_kind == "connect"


def test_server_closes_without_answering() -> None:
    def handle(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)

    with raw_server(handle) as port:
        sample = Transport(timeout=5).probe(f"http://127.0.0.1:{port}/__probe__")
    assert sample.status_code is None
    assert sample.error_kind == "closed"
    assert sample.error == (
        f"http://127.0.0.1:{port}/__probe__: server closed the connection without answering "
        "(on a new connection too: sent twice)"
    )


def test_a_new_connection_closed_before_any_answer_is_sent_again_once() -> None:
    # nginx short of worker_connections closes freshly accepted connections whose request it
    # has not read ("worker_connections are not enough, reusing connections"): libcurl sends
    # a request again only where the connection was one it reused.
    connections: list[int] = []

    def handle(conn: socket.socket, stop: threading.Event) -> None:
        connections.append(1)
        read_request(conn)
        if len(connections) == 1:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return  # closed with a reset, as nginx closes a connection with unread data
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    with raw_server(handle) as port:
        sample = Transport(timeout=5).probe(f"http://127.0.0.1:{port}/__probe__")
    assert sample.status_code == 200, sample.error
    assert len(connections) == 2


@pytest.mark.parametrize("sent", [b"HTTP/1.1 200 OK\r\n",
                                  b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab"])
def test_a_request_that_got_bytes_is_never_sent_again(sent: bytes) -> None:
    """Reset (as nginx with unread data) after a status line, or in the body: not sent again.
    (libcurl counts no byte short of a whole header line: it says "Empty reply from server"
    for a status line cut short, as it does when deciding to send again itself.)"""
    connections: list[int] = []

    def handle(conn: socket.socket, stop: threading.Event) -> None:
        connections.append(1)
        read_request(conn)
        conn.sendall(sent)
        time.sleep(0.05)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    with raw_server(handle) as port:
        sample = Transport(timeout=5).probe(f"http://127.0.0.1:{port}/__probe__")
    assert sample.status_code is None
    assert sample.error_kind != "closed"
    assert len(connections) == 1


def test_a_pooled_connection_the_server_closed_is_retried_once() -> None:
    # uWSGI --http-socket: HTTP/1.1 answers without "Connection: close", then the connection
    # is closed; the next request on the pooled connection gets no answer at all.
    body = b'{"schema": 1}'
    connections: list[int] = []

    def handle(conn: socket.socket, stop: threading.Event) -> None:
        connections.append(1)
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        read_request(conn)  # the next request on this connection: closed unanswered

    with raw_server(handle) as port:
        transport = Transport(timeout=5)
        answers = [transport.get(f"http://127.0.0.1:{port}/__probe__") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len(connections) == 3


def test_garbage_instead_of_http_is_an_error_not_an_exception() -> None:
    def handle(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\r\n")

    with raw_server(handle) as port:
        sample = Transport(timeout=5).probe(f"http://127.0.0.1:{port}/__probe__")
    assert sample.status_code is None
    assert sample.endpoint is None
    assert sample.error is not None
    assert "\n" not in sample.error and "\r" not in sample.error
    # Bytes came back: that is not a refusal by closing the connection.
    assert sample.error_kind == "protocol"


def test_binary_garbage_is_an_error() -> None:
    def handle(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        conn.sendall(bytes(range(256)) * 4)

    with raw_server(handle) as port:
        sample = Transport(timeout=5).probe(f"http://127.0.0.1:{port}/__probe__")
    assert sample.status_code is None
    assert sample.error_kind == "protocol"


def test_dns_failure() -> None:
    # .invalid never resolves (RFC 6761); libcurl resolves by itself, not via socket.
    sample = Transport(timeout=5).probe("http://nowhere.invalid/__probe__")
    assert sample.error_kind == "dns"
    assert sample.error == (
        "http://nowhere.invalid/__probe__: host name 'nowhere.invalid' does not resolve"
    )


# --- reading the endpoint's JSON --------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (json_reply({"status": "ok", "version": 3}), "not the wsgi-probe endpoint's"),
        (json_reply({**ENDPOINT_JSON, "schema": 2}), "not the wsgi-probe endpoint's"),
        (json_reply({k: v for k, v in ENDPOINT_JSON.items() if k != "instance_id"}),
         "not the wsgi-probe endpoint's"),
        (json_reply([ENDPOINT_JSON]), "not the wsgi-probe endpoint's"),
        ((200, {"Content-Type": "application/json"}, b"{not json"), "does not parse"),
        ((200, {"Content-Type": "text/html"}, json.dumps(ENDPOINT_JSON).encode()),
         "answer is text/html"),
        ((200, {}, b"hello"), "answer is untyped"),
    ],
    ids=["other-json", "schema-2", "no-instance-id", "list", "bad-json", "html", "untyped"],
)
def test_an_answer_that_is_not_the_endpoints(reply: Reply, reason: str) -> None:
    with http_server(lambda path: reply) as (port, _):
        sample = Transport(timeout=5).probe(f"http://127.0.0.1:{port}/__probe__")
    assert sample.status_code == 200
    assert sample.endpoint is None
    assert sample.error is not None
    assert reason in sample.error
    assert sample.error_kind is None


def test_endpoint_json_with_a_charset_is_read() -> None:
    body = json.dumps(ENDPOINT_JSON).encode()
    reply = (200, {"Content-Type": "application/json; charset=utf-8"}, body)
    with http_server(lambda path: reply) as (port, _):
        sample = Transport(timeout=5).probe(f"http://127.0.0.1:{port}/__probe__")
    assert sample.endpoint is not None
    assert sample.endpoint.instance_id == "0123456789abcdef"
    assert sample.endpoint.application_group == "site-1.example.com|"
    assert sample.endpoint.settings == "mysite.settings"
    assert sample.endpoint.raw == ENDPOINT_JSON


def test_endpoint_json_in_an_error_status_is_not_read() -> None:
    with http_server(lambda path: json_reply(ENDPOINT_JSON, status=500)) as (port, _):
        sample = Transport(timeout=5).probe(f"http://127.0.0.1:{port}/__probe__")
    assert (sample.status_code, sample.endpoint, sample.error) == (500, None, None)


def test_sample_from_answer_reads_fields_defensively() -> None:
    from probe.http_messages import Answer

    data = {**ENDPOINT_JSON, "pid": "4242", "label": 7, "request": "broken"}
    answer = Answer(200, {"Content-Type": "application/json"}, json.dumps(data).encode(), 1.5)
    sample = sample_from_answer(answer)
    assert sample.endpoint is not None
    assert (sample.endpoint.pid, sample.endpoint.label, sample.endpoint.host) == (None, None, None)
    assert sample.endpoint.instance_id == "0123456789abcdef"
    assert sample.elapsed_ms == 1.5


# --- hostile or unusual URLs and answers (issue 9) --------------------------------------------


def recording(answer: bytes, seen: list[bytes]) -> Callable[[socket.socket, threading.Event], None]:
    """A raw handler that keeps the request's bytes and sends ``answer``."""

    def handle(conn: socket.socket, stop: threading.Event) -> None:
        seen.append(read_request(conn))
        conn.sendall(answer)

    return handle


OK_ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
             b"Connection: close\r\n\r\n{}")


@pytest.mark.parametrize(("url", "host"), [
    ("http://例え.jp/__probe__", "xn--r8jz45g.jp"),
    ("http://bücher.example:8080/__probe__", "xn--bcher-kva.example:8080"),
])
def test_idn_hosts_are_sent_as_punycode(url: str, host: str) -> None:
    with http_server() as (port, seen):
        sample = Transport(connect=f"127.0.0.1:{port}", timeout=5).probe(url)
    assert (sample.status_code, sample.error) == (200, None)
    assert seen.hosts == [host]


def test_idn_host_name_goes_to_sni_as_punycode(ca: trustme.CA, tmp_path: Path) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("xn--bcher-kva.example").configure_cert(context)
    ca_path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    with http_server(tls=context) as (port, seen):
        sample = Transport(connect=f"127.0.0.1:{port}", ca_file=str(ca_path), timeout=5).probe(
            "https://bücher.example/__probe__")
    assert (sample.status_code, sample.error) == (200, None)
    assert seen.sni == ["xn--bcher-kva.example"]
    assert seen.hosts == ["xn--bcher-kva.example"]


def test_a_host_name_that_is_not_idna_is_one_line() -> None:
    sample = Transport(timeout=5).probe("http://" + "ü" * 70 + ".example/__probe__")
    assert (sample.status_code, sample.error_kind) == (None, "dns")
    assert sample.error is not None
    assert "not a valid internationalised name" in sample.error
    assert "\n" not in sample.error


def test_credentials_in_the_url_are_refused_and_not_shown() -> None:
    with http_server() as (port, seen):
        sample = Transport(timeout=5).probe(f"http://user:hunter2@127.0.0.1:{port}/__probe__")
    assert sample.status_code is None
    assert sample.error == (f"http://127.0.0.1:{port}/__probe__: the URL carries user:password@; "
                            "wsgi-probe does not send credentials, remove them")
    assert seen.requests == []  # nothing was sent


@pytest.mark.parametrize("count", [100_000, 2_000], ids=["over-libcurls-limit", "small-lines"])
def test_endless_headers_are_a_protocol_error_not_a_closed_connection(count: int) -> None:
    # 100,000 lines pass libcurl's 300 kB header limit; 2,000 short ones stay under it.
    def handle(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n" + b"X-A: b\r\n" * count
                     + b"\r\n")

    with raw_server(handle) as port:
        sample = Transport(timeout=5).probe(f"http://127.0.0.1:{port}/__probe__")
    assert (sample.status_code, sample.error_kind) == (None, "protocol")
    assert sample.error is not None
    assert "more than 1000 header lines" in sample.error


def test_a_refuse_url_answering_with_endless_headers_is_not_refused() -> None:
    from probe import manifest
    from probe.model import Verdict
    from probe.sweep import run_sweep

    def handle(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 100_000 + b"\r\n")

    with raw_server(handle) as port:
        loaded = manifest.parse(f'[probe]\nconnect = "127.0.0.1:{port}"\nsamples = 1\n'
                                '[refuse]\nurls = ["http://unknown.invalid/"]\n')
        report = run_sweep(loaded)
    (target,) = report.targets
    assert target.verdict != Verdict.OK
    assert "header lines" in target.explanation


def test_status_999_is_not_an_http_status() -> None:
    with raw_server(recording(OK_ANSWER.replace(b"200 OK", b"999 Odd"), [])) as port:
        sample = Transport(timeout=5).probe(f"http://127.0.0.1:{port}/__probe__")
    assert (sample.status_code, sample.error_kind) == (None, "protocol")
    assert sample.error == (f"http://127.0.0.1:{port}/__probe__: answered status 999, "
                            "which is not an HTTP status (100-599)")


@pytest.mark.parametrize("token", ["s3cr3t-tökén", "秘密-€"])
def test_the_token_is_sent_as_utf8(token: str) -> None:
    seen: list[bytes] = []
    with raw_server(recording(OK_ANSWER, seen)) as port:
        sample = Transport(timeout=5, token=token).probe(f"http://127.0.0.1:{port}/__probe__")
    assert sample.status_code == 200
    assert b"\r\nX-Probe-Token: " + token.encode("utf-8") + b"\r\n" in seen[0]


def test_a_token_with_a_line_break_is_refused_before_any_request() -> None:
    with pytest.raises(ProbeError) as info:
        Transport(token="abc\r\nX-Evil: 1")
    assert "line break" in str(info.value)


def test_extra_request_headers_go_out_and_every_answer_header_comes_back() -> None:
    # The seam for the sweep: a header of its own per request, any answer header read back.
    answer = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nAGE: 12\r\n"
              b"Via: 1.1 varnish\r\nVia: 1.1 cdn\r\nContent-Length: 2\r\n\r\n{}")
    seen: list[bytes] = []
    with raw_server(recording(answer, seen)) as port:
        got = Transport(timeout=5).get(f"http://127.0.0.1:{port}/__probe__",
                                       headers={"X-Probe-Nonce": "n-1"})
    assert b"\r\nX-Probe-Nonce: n-1\r\n" in seen[0]
    assert got.headers["age"] == "12"
    assert got.headers.get("Via") == "1.1 varnish, 1.1 cdn"
    assert got.body == b"{}"


def test_probe_all_reports_each_request_once_in_any_order() -> None:
    with http_server() as (port, seen):
        results: dict[int, int | None] = {}
        Transport(timeout=5).probe_all(
            [Request(f"http://127.0.0.1:{port}/{i}/__probe__") for i in range(20)],
            concurrency=4, end=None,
            on_sample=lambda i, sample: results.__setitem__(i, sample.status_code))
    assert results == dict.fromkeys(range(20), 200)
    assert sorted(seen.paths) == sorted(f"/{i}/__probe__" for i in range(20))


def test_abort_in_flight_ends_a_waiting_request_from_another_thread() -> None:
    with raw_server(silent) as port:
        done = threading.Event()
        samples: list[Sample] = []

        def work() -> None:
            samples.append(Transport(timeout=60).probe(f"http://127.0.0.1:{port}/__probe__"))
            done.set()

        threading.Thread(target=work, daemon=True).start()
        assert not done.wait(0.3)  # it is waiting for the silent server
        abort_in_flight()
        assert done.wait(10)  # far less than its 60 s timeout
    assert samples[0].error_kind == "timeout"
    assert samples[0].error is not None
    assert "wsgi-probe is stopping" in samples[0].error


def test_ctrl_c_leaves_the_requests_in_flight_without_an_outcome() -> None:
    """A request the user's Ctrl-C stopped is no failure of the server: it gets no call (a
    sweep then reports what was answered), where a stop of the exporter ends it as cut short
    (above)."""
    with raw_server(silent) as port, http_server() as (ok_port, _):
        calls: list[tuple[int, Sample]] = []
        pressed = threading.Event()

        def on_sample(index: int, sample: Sample) -> None:
            calls.append((index, sample))
            pressed.set()  # once the answered one is in, the user presses Ctrl-C

        Transport(timeout=60).probe_all(
            [Request(f"http://127.0.0.1:{port}/__probe__"),
             Request(f"http://127.0.0.1:{ok_port}/__probe__")],
            concurrency=2, end=None, on_sample=on_sample, interrupted=pressed.is_set)
    assert [(index, sample.status_code) for index, sample in calls] == [(1, 200)]


# --- the certificate presented, and HTTPS without SNI (issue 11) ---------------------------------
# tls_server presents a certificate for site-1.example.com issued by the fixture ``ca``.
TLS_SITE1 = "https://site-1.example.com/__probe__"


def test_the_certificate_presented_is_in_the_sample(tls_server: tuple[int, Seen],
                                                    ca_file: str) -> None:
    port, seen = tls_server
    sample = Transport(connect=f"127.0.0.1:{port}", ca_file=ca_file, timeout=5).probe(TLS_SITE1)
    assert sample.status_code == 200
    assert sample.tls is not None
    assert (sample.tls.sni, sample.tls.names) == ("site-1.example.com", ("site-1.example.com",))
    assert sample.tls.subject is not None and "trustme" in sample.tls.subject
    assert seen.sni == ["site-1.example.com"]


def test_without_sni_the_default_certificate_is_reported_not_refused(
        tls_server: tuple[int, Seen], ca_file: str) -> None:
    port, seen = tls_server
    transport = Transport(connect=f"127.0.0.1:{port}", ca_file=ca_file, timeout=5, sni=False)
    sample = transport.probe("https://site-2.example.com/__probe__")
    # The name on the certificate is not checked (no SNI: the server cannot know it)...
    assert sample.status_code == 200, sample.error
    assert sample.tls is not None
    assert (sample.tls.sni, sample.tls.names) == (None, ("site-1.example.com",))
    assert seen.sni == [None]
    assert seen.hosts == ["site-2.example.com"]


def test_without_sni_the_chain_is_still_checked(tls_server: tuple[int, Seen],
                                                tmp_path: Path) -> None:
    port, seen = tls_server
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    sample = Transport(connect=f"127.0.0.1:{port}", ca_file=str(other_ca), timeout=5,
                       sni=False).probe(TLS_SITE1)
    assert (sample.status_code, sample.error_kind) == (None, "tls")
    assert seen.requests == []


def test_plain_http_has_no_tls_info() -> None:
    with http_server() as (port, _seen):
        sample = Transport(connect=f"127.0.0.1:{port}", timeout=5).probe(
            "http://site-1.example.com/__probe__")
    assert sample.status_code == 200 and sample.tls is None


def test_the_unverified_transport_carries_no_token() -> None:
    """The request no certificate can name goes without certificate checks: never with the
    token (probe.sweep sends the .invalid request over HTTPS through it)."""
    transport = Transport(token="s3cret-0123456789abcdef", connect="127.0.0.1:8443")
    bare = transport.unverified()
    assert (bare.token, bare.verify, bare.connect) == (None, False, transport.connect)
    assert not [h for h in bare._base_headers if b"s3cret" in h]
    assert [h for h in transport._base_headers if b"s3cret" in h]


def test_without_sni_the_token_goes_only_where_the_user_opted_in(
        tls_server: tuple[int, Seen], ca_file: str) -> None:
    """No certificate name is checked without SNI (SSL_VERIFYHOST 0): by default the token
    stays home for HTTPS, and still goes over plain HTTP, where SNI means nothing."""
    port, seen = tls_server
    url = "https://site-2.example.com/__probe__"  # the certificate names site-1 only
    for opted_in in (False, True):
        transport = Transport(connect=f"127.0.0.1:{port}", ca_file=ca_file, timeout=5,
                              sni=False, token="s3cr3t", send_token_unverified=opted_in)
        assert transport.probe(url).status_code == 200
    assert [h.get("x-probe-token") for _, h in seen.requests] == [None, "s3cr3t"]
    with http_server() as (plain, plain_seen):
        transport = Transport(connect=f"127.0.0.1:{plain}", ca_file=ca_file, timeout=5,
                              sni=False, token="s3cr3t")
        transport.probe_all([Request("http://site-1.example.com/__probe__"),
                             Request(url, connect=f"127.0.0.1:{port}"),
                             Request("http://site-1.example.com/__probe__")],
                            concurrency=1, end=None, on_sample=lambda i, s: None)
    # One slot, HTTPS between two HTTP requests: the header list follows each request.
    assert [h.get("x-probe-token") for _, h in plain_seen.requests] == ["s3cr3t", "s3cr3t"]
    assert [h.get("x-probe-token") for _, h in seen.requests[2:]] == [None]
