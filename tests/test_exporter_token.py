"""The exporter's token goes only to an address and port the manifest names; an unusable
CA file stops it at start.

A real listener on a loopback port plays the local user who listens on a high port and
asks the exporter to probe ``http://attacker.invalid:PORT/``: it records every request
head it gets, and the tests look for the token in any spelling.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from probe.credentials import read_token
from probe.errors import ManifestError
from probe.exporter import command as exporter
from probe.exporter.command import ExporterOptions
from probe.manifest import parse

TOKEN = "t0ken-only-for-the-manifest"


class Listener:
    """Answers every connection with a 404 and keeps the request heads it read."""

    def __init__(self) -> None:
        self.heads: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port: int = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                head = b""
                try:
                    while b"\r\n\r\n" not in head and len(head) < 65536:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        head += chunk
                except OSError:
                    pass
                # Kept before the answer goes: the test reads heads as soon as the exporter
                # has its answer (kept after it, a loaded CI saw none).
                self.heads.append(head)
                with contextlib.suppress(OSError):
                    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n")

    @property
    def tokens_seen(self) -> int:
        return sum(TOKEN.encode() in head for head in self.heads)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def scrape(tmp_path: Path, probe_table: str, targets: list[str], listed: str, *,
           any_target: bool = False, status: int = 200) -> None:
    """Serve an exporter over ``probe_table`` (``--probe-any-target`` if ``any_target``) and
    ask /probe for each of ``targets``, each answered ``status``."""
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    manifest = parse(f'[probe]\ntoken_file = "{token_file}"\nsamples = 1\ntimeout = 2\n'
                     f'{probe_table}\n[instances.a]\nlabel = "a"\nurls = ["{listed}"]\n')
    app = exporter.build_app(manifest, ExporterOptions(any_target=any_target),
                             token=read_token(manifest.probe, {}))
    server = exporter.make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        for target in targets:
            answer = requests.get(f"http://127.0.0.1:{server.server_address[1]}/probe",
                                  params={"target": target}, timeout=30)
            assert answer.status_code == status, answer.text
    finally:
        server.shutdown()
        server.server_close()


def test_a_portless_connect_does_not_send_the_token_to_the_port_a_query_names(
        tmp_path: Path, listener: Listener) -> None:
    target = f"http://attacker.invalid:{listener.port}/x/"
    # by default a port no manifest URL is sent to is refused: nothing is sent
    scrape(tmp_path, 'connect = "127.0.0.1"', [target], listed="http://site.example/",
           status=403)
    assert listener.heads == []
    scrape(tmp_path, 'connect = "127.0.0.1"', [target], listed="http://site.example/",
           any_target=True)
    assert len(listener.heads) == 1  # the target was probed, at the port the query named
    assert b"/x/__probe__" in listener.heads[0]
    assert listener.tokens_seen == 0


def test_a_connect_list_with_one_portless_address_sends_no_token(
        tmp_path: Path, listener: Listener) -> None:
    scrape(tmp_path, f'connect = ["127.0.0.1:{listener.port}", "127.0.0.2"]',
           [f"http://attacker.invalid:{listener.port}/x/"], listed="http://site.example/",
           any_target=True)
    assert listener.heads  # probed at both addresses; the listener is one of them
    assert listener.tokens_seen == 0


def test_a_connect_with_its_port_sends_the_token_there(tmp_path: Path,
                                                       listener: Listener) -> None:
    """The address and port come from the manifest, whatever URL the query names."""
    scrape(tmp_path, f'connect = "127.0.0.1:{listener.port}"',
           ["http://anything.invalid:1/x/"], listed="http://site.example/")
    assert len(listener.heads) == 1
    assert listener.tokens_seen == 1


def test_a_manifest_url_keeps_its_own_port_and_the_token(tmp_path: Path,
                                                         listener: Listener) -> None:
    listed = f"http://127.0.0.1:{listener.port}/listed/"
    scrape(tmp_path, "", [listed, f"http://127.0.0.1:{listener.port}/other/"], listed=listed)
    assert len(listener.heads) == 2
    by_path = {head.split(b" ")[1]: TOKEN.encode() in head for head in listener.heads}
    assert by_path == {b"/listed/__probe__": True, b"/other/__probe__": False}


def test_an_unusable_ca_file_stops_the_exporter_at_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Not every https URL unreachable at each scrape, blaming the servers' certificates.
    def listening(*args: object) -> None:
        raise AssertionError("the exporter started serving")

    monkeypatch.setattr(exporter, "make_server", listening)
    missing = tmp_path / "ca.pem"
    manifest = parse(f'[probe]\nca_file = "{missing}"\n'
                     '[instances.a]\nlabel = "a"\nurls = ["https://a.example/"]\n')
    with pytest.raises(ManifestError) as info:
        exporter.serve(manifest, ExporterOptions(listen="127.0.0.1:0"), environ={})
    assert str(info.value) == f"CA file {str(missing)!r} cannot be used: No such file or directory"
