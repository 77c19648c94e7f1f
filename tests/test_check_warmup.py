"""The resident checker's warm-up (probe/check/warmup.py): one whole check against a loopback
answer of its own before the first fork, which leaves the server as it found it but warm.

That a warm server then runs nothing for the first time per check, against real Apache, is
in tests/integration/test_check_server_apache.py."""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Callable, Iterator

import pytest
import structlog

from probe import logs
from probe.check import server, warmup


@pytest.fixture
def log_state() -> Iterator[None]:
    """A known log state, and the one the session had put back afterwards."""
    disabled = logging.root.manager.disable
    logs.reset()
    structlog.reset_defaults()
    logging.disable(logging.DEBUG)
    yield
    logs.reset()
    structlog.reset_defaults()
    logging.disable(disabled)


def test_the_warm_up_checks_problems_and_an_ok(log_state: None) -> None:
    """The sweeps reached the loopback endpoint (the wrong instance answered, by its label;
    the refused name was refused), a TLS handshake failed, and the judgements were rendered
    at each verbosity: the paths a check runs."""
    done = warmup.run(server.check)
    assert done is not None
    assert [d.code for d in done] == [2, 2, 0], done
    problems, verbose, ok = (d.output.splitlines() for d in done)
    assert problems[0].startswith("WSGI-PROBE CRITICAL - 2 of 5 URLs failing: "), problems
    assert "answered by warm-up" in problems[0] and "'ok'=3;" in problems[0], problems
    assert any("wrong_instance" in line for line in problems[1:]), problems
    assert any("TLS failed" in line for line in problems[1:]), problems
    assert "Fix: " in verbose[-1] and "Fix: " not in problems[-1], verbose  # -v: the fixes
    assert ok[0].startswith("WSGI-PROBE OK - 2 URLs answered by the expected instance, 1 URL "
                            "refused as required"), ok
    assert "'warm-up.invalid/a/'=" in ok[0], ok  # --perfdata-urls


def test_the_warm_up_leaves_streams_logs_and_threads_as_it_found_them(
        log_state: None, capfd: pytest.CaptureFixture[str]) -> None:
    """Each child configures its own logs as a standalone plugin does, from nothing; and a
    thread alive at fork would be copied stopped, holding whatever lock it held."""
    stdout, stderr = sys.stdout, sys.stderr
    threads = set(threading.enumerate())
    assert warmup.run(server.check) is not None
    assert (sys.stdout, sys.stderr) == (stdout, stderr)
    assert capfd.readouterr() == ("", "")
    assert logging.root.manager.disable == logging.DEBUG  # not the check's CRITICAL
    assert (logs._pending, logs._lowest) == (None, None)
    assert not structlog.is_configured()
    assert set(threading.enumerate()) == threads


def raises(argv: list[str], fire: Callable[[float, str], None]) -> int:
    raise RuntimeError("broken")


def times_out(argv: list[str], fire: Callable[[float, str], None]) -> int:
    fire(10.0, "sweeping 4 URLs")  # what the alarm at -t does
    return 0


def interrupted(argv: list[str], fire: Callable[[float, str], None]) -> int:
    sys.stdout.write("half an answer\n")
    raise server._Stop  # what SIGTERM or SIGINT raise in the server


@pytest.mark.parametrize("check", [raises, times_out])
def test_a_warm_up_that_fails_only_leaves_the_server_colder(
        check: Callable[[list[str], Callable[[float, str], None]], int]) -> None:
    stdout = sys.stdout
    assert warmup.run(check) is None
    assert sys.stdout is stdout


def test_sigterm_during_the_warm_up_still_stops_the_server() -> None:
    """SIGTERM while warming up is the service manager's, not the warm-up's (nor the
    plugin's last line of defence) to swallow; the server's streams are its own again."""
    stdout = sys.stdout
    with pytest.raises(server._Stop):
        warmup.run(interrupted)
    assert sys.stdout is stdout


def test_the_loopback_answers_as_the_endpoint() -> None:
    """The warm-up's answer is the endpoint's own document, for the probe path only."""
    import json
    import socket

    with warmup._Loopback() as loopback:
        def get(path: str) -> bytes:
            with socket.create_connection(("127.0.0.1", loopback.port), timeout=5) as conn:
                conn.sendall(f"GET {path} HTTP/1.1\r\nHost: warm-up.invalid\r\n\r\n".encode())
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
            return data

        probe_answer, other = get("/a/__probe__"), get("/a/")
        tls = socket.create_connection(("127.0.0.1", loopback.port), timeout=5)
        with tls:
            tls.sendall(b"\x16\x03\x01\x00\x05hello")
            assert tls.recv(100) == b""  # a TLS handshake is closed on, not waited for
    head, body = probe_answer.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK\r\n"), head
    document = json.loads(body)
    assert (document["label"], document["request"]["host"]) == ("warm-up", "warm-up.invalid")
    assert other.startswith(b"HTTP/1.1 404 "), other
    assert not loopback.thread.is_alive()


def test_the_server_warms_up_before_it_forks(monkeypatch: pytest.MonkeyPatch) -> None:
    """warm() is the server's only preparation: it must run the warm-up check."""
    ran: list[object] = []
    monkeypatch.setattr(warmup, "run", lambda check: ran.append(check))
    server.warm()
    assert ran == [server.check]


def test_its_output_never_reaches_the_servers_streams(
        log_state: None, capfd: pytest.CaptureFixture[str]) -> None:
    saved, buffer = sys.stdout, io.StringIO()
    sys.stdout = buffer
    try:
        done = server.warm()
    finally:
        sys.stdout = saved
    assert done is not None and [d.code for d in done] == [2, 2, 0]
    assert buffer.getvalue() == ""
    assert capfd.readouterr() == ("", "")
