"""The request sent to learn which certificate a server presents goes without certificate
checks, so it must carry no token: a real TLS listener on loopback with a certificate for
another name records every request head it gets."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from pathlib import Path

import trustme
from click.testing import CliRunner

from probe.cli import main

TOKEN = "s3cret-token-for-the-cert-test"


class _Listener:
    """Answers 403 to every request over TLS, keeping each request head before answering."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.heads: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.context = context
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            try:
                with self.context.wrap_socket(raw, server_side=True) as tls:
                    head = b""
                    while b"\r\n\r\n" not in head:
                        chunk = tls.recv(4096)
                        if not chunk:
                            break
                        head += chunk
                    if not head:  # the client ended it after the handshake (the names)
                        continue
                    self.heads.append(head)  # kept before the answer: the sweep may end then
                    tls.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
                                b"Connection: close\r\n\r\n")
            except (OSError, ssl.SSLError):
                continue  # the sweep's own requests end the handshake on the names

    def close(self) -> None:
        self.sock.close()


def test_the_request_that_shows_the_certificate_carries_no_token(tmp_path: Path) -> None:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("site-a.example.com").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    token = tmp_path / "token"
    token.write_text(TOKEN, encoding="utf-8")
    token.chmod(0o600)
    listener = _Listener(context)
    try:
        manifest = tmp_path / "m.toml"
        manifest.write_text(
            f'[probe]\nconnect = "127.0.0.1:{listener.port}"\nca_file = "{ca_file}"\n'
            f'token_file = "{token}"\n\n[instances.project-2]\nlabel = "project-2"\n'
            f'urls = ["https://site-b.example.com:{listener.port}/"]\n', encoding="utf-8")
        done = CliRunner().invoke(main, ["sweep", "-m", str(manifest), "--format", "json"])
    finally:
        listener.close()
    [found] = json.loads(done.stdout)["targets"]
    assert found["verdict"] == "unreachable", found
    assert "presented a certificate for site-a.example.com" in found["explanation"], found
    # The URL's own requests failed in the handshake: every head is the decision request's.
    assert listener.heads, "the decision request never arrived"
    assert all(b"site-b.example.com" in head for head in listener.heads), listener.heads
    assert not any(TOKEN.encode() in head or b"x-probe-token" in head.lower()
                   for head in listener.heads), listener.heads
