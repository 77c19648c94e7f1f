"""A real ``probe exporter`` never puts the token in clear text where its operator was not
warned: ``/probe`` of an ``http://`` URL the manifest does not list, sent to a ``connect``
the manifest reaches only over HTTPS, goes without it; and ``exporter_probe`` logs whether
a token was sent, not whether one would have been allowed.

The recording listener (tests/test_exporter_token.py) is reached as ``0.0.0.0:PORT``: Linux
connects that to the local host, and no spelling of it is loopback, so it stands for an
address across the network.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.monitoring_helpers import log_events, start_exporter
from tests.test_exporter_token import TOKEN, Listener


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def probed(tmp_path: Path, listener: Listener, connect: str, urls: str,
           target: str, *, token: bool = True) -> dict[str, object]:
    """Ask a real exporter's /probe for ``target``; its ``exporter_probe`` event."""
    (tmp_path / "token").write_text(TOKEN + "\n")
    setting = f'token_file = "{tmp_path / "token"}"\n' if token else ""
    path = tmp_path / "m.toml"
    path.write_text(f'[probe]\n{setting}samples = 1\ntimeout = 2\nconnect = "{connect}"\n'
                    f'[instances.a]\nlabel = "a"\nurls = [{urls}]\n')
    exporter = start_exporter(["-m", str(path)], env={
        "WSGI_PROBE_TOKEN": "", "PYTHONPATH": os.environ.get("PYTHONPATH", "")})
    try:
        answer = exporter.get("/probe", params={"target": target, "expected": "a"})
        assert answer.status_code == 200, answer.text
    finally:
        _, stderr = exporter.stop()
    return next(e for e in log_events(stderr) if e["event"] == "exporter_probe")


def test_an_unlisted_http_target_does_not_take_the_token_in_clear(
        tmp_path: Path, listener: Listener) -> None:
    event = probed(tmp_path, listener, f"0.0.0.0:{listener.port}", '"https://site.example/"',
                   "http://anything.example/")
    assert len(listener.heads) == 1  # probed all the same, at the manifest's address
    assert listener.tokens_seen == 0
    assert event["token"] is False


def test_it_does_where_the_manifest_already_sends_it_in_clear(
        tmp_path: Path, listener: Listener) -> None:
    """The start-up warning names that address already: nothing new is exposed."""
    event = probed(tmp_path, listener, f"0.0.0.0:{listener.port}", '"http://site.example/"',
                   "http://anything.example/")
    assert listener.tokens_seen == 1
    assert event["token"] is True


def test_it_does_to_a_loopback_connect(tmp_path: Path, listener: Listener) -> None:
    event = probed(tmp_path, listener, f"127.0.0.1:{listener.port}", '"https://site.example/"',
                   "http://anything.example/")
    assert listener.tokens_seen == 1
    assert event["token"] is True


def test_the_log_says_no_token_when_there_is_none(tmp_path: Path, listener: Listener) -> None:
    event = probed(tmp_path, listener, f"127.0.0.1:{listener.port}", '"https://site.example/"',
                   "http://anything.example/", token=False)
    assert listener.heads and listener.tokens_seen == 0
    assert event["token"] is False


def test_without_sni_an_https_target_needs_an_ip_connect() -> None:
    """``sni = false`` with a host-name connect is valid for http URLs only: /probe does not
    send an https target there, where libcurl would send the name as SNI after all."""
    from probe.exporter.command import ExporterOptions, build_app
    from probe.manifest import parse

    manifest = parse('[probe]\nsni = false\nconnect = "backend.internal:8080"\n'
                     '[instances.a]\nlabel = "a"\nurls = ["http://site.example/"]\n')
    app = build_app(manifest, ExporterOptions())
    statuses: list[str] = []
    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": "/probe",
                         "QUERY_STRING": "target=https://other.example/"},
                        lambda status, headers: statuses.append(status)))
    assert statuses == ["400 Bad Request"]
    assert body.startswith(b"sni = false: an https target is probed without SNI only")
