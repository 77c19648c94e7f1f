"""The resident checker without a web server: ``probe check --serve`` and ``--via`` as
processes (the answers from real Apache are in tests/integration/test_check_server_apache.py).

Whatever the server does, the client's answer is the one the standalone plugin gives: the
same output and exit status, run by the server, or by the client itself where nothing
serves the socket or the server runs another version.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from probe import __version__
from probe.check import framing
from probe.check.argv import take_option, timeout_of
from tests.monitoring_helpers import PROBE, check_server, same_check


def plugin(*args: str, cwd: Path | None = None,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PROBE, "check", *args], capture_output=True, text=True, timeout=60,
                          cwd=cwd, env=env, check=False, stdin=subprocess.DEVNULL)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Path]:
    sock = tmp_path / "check.sock"
    with check_server(sock):
        yield sock


BAD_MANIFEST = '[probe]\nsamples = "many"\n[instances.a]\nlabel = "a"\nurls = ["http://a/"]\n'


@pytest.mark.parametrize("args", [
    ("-m", "missing.toml"),
    ("-m", "bad.toml"),
    ("-m", "bad.toml", "-w", "nonsense"),
    ("-m", "bad.toml", "-t", "0"),
    ("-m", "bad.toml", "--bogus"),
    ("-m", "bad.toml", "-vv", "-w", "0"),  # parsed by argparse, not the plain scan
    ("--help",),
    ("-V",),
])
def test_the_server_answers_what_the_plugin_answers(args: tuple[str, ...], served: Path,
                                                    tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(BAD_MANIFEST)
    standalone = plugin(*args, cwd=tmp_path)
    via = plugin(*args, "--via", str(served), cwd=tmp_path)
    same_check(standalone, via)
    assert via.stderr == standalone.stderr


def test_nothing_serving_the_socket_means_the_check_runs_here(tmp_path: Path) -> None:
    standalone = plugin("-m", "missing.toml", cwd=tmp_path)
    assert "cannot read manifest" in standalone.stdout
    same_check(standalone, plugin("-m", "missing.toml", "--via", str(tmp_path / "none.sock"),
                                  cwd=tmp_path))


@contextmanager
def fake_server(sock: Path, reply: bytes | None) -> Iterator[None]:
    """A socket that reads one request and sends ``reply`` (None: never answers)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(sock))
    listener.listen(1)
    held: list[socket.socket] = []

    def serve() -> None:
        conn, _ = listener.accept()
        held.append(conn)
        framing.receive(conn.recv)
        if reply is not None:
            conn.sendall(reply)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield
    finally:
        listener.close()
        for conn in held:
            conn.close()


def test_a_server_of_another_version_leaves_the_check_to_the_client(tmp_path: Path) -> None:
    sock = tmp_path / "old.sock"
    with fake_server(sock, framing.stale("0.0.1")):
        via = plugin("-m", "missing.toml", "--via", str(sock), cwd=tmp_path)
    same_check(plugin("-m", "missing.toml", cwd=tmp_path), via)


def test_a_server_that_never_answers_is_unknown_within_the_timeout(tmp_path: Path) -> None:
    sock = tmp_path / "stuck.sock"
    with fake_server(sock, None):
        via = plugin("-m", "x.toml", "-t", "1", "--via", str(sock), cwd=tmp_path)
    assert via.returncode == 3
    assert via.stdout == ("WSGI-PROBE UNKNOWN - plugin timed out after 1 s while waiting for "
                          f"the check server at {sock}\n")


@pytest.mark.parametrize("reply", [b"HTTP/1.1 200 OK\r\n\r\n", framing.MAGIC + b"9:",
                                   framing.pack([b"7", b"", b""])])
def test_a_broken_answer_is_one_unknown_line(tmp_path: Path, reply: bytes) -> None:
    sock = tmp_path / "odd.sock"
    with fake_server(sock, reply):
        via = plugin("-m", "x.toml", "--via", str(sock), cwd=tmp_path)
    assert via.returncode == 3
    assert via.stdout.startswith(f"WSGI-PROBE UNKNOWN - the check server at {sock} gave no "
                                 "answer: "), via.stdout
    assert via.stdout.count("\n") == 1 and via.stderr == ""


def test_the_socket_is_private_and_removed_on_sigterm(tmp_path: Path) -> None:
    sock = tmp_path / "check.sock"
    with check_server(sock) as server:
        assert oct(os.stat(sock).st_mode & 0o777) == oct(0o600)
        same_check(plugin("-m", "missing.toml", cwd=tmp_path),
                   plugin("-m", "missing.toml", "--via", str(sock), cwd=tmp_path))
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    assert not sock.exists()
    assert sock.with_suffix(".log").read_text().splitlines()[-1] == (
        "probe check: stopped after 1 check")


def serve_once(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PROBE, "check", "--serve", str(path)], capture_output=True,
                          text=True, timeout=30, check=False, stdin=subprocess.DEVNULL)


def test_the_server_replaces_nothing_but_a_dead_socket(tmp_path: Path, served: Path) -> None:
    other = serve_once(served)
    assert (other.returncode, other.stdout) == (2, "")
    assert other.stderr == f"probe: {served}: another check server answers there\n"
    afile = tmp_path / "notes.txt"
    afile.write_text("keep me")
    refused = serve_once(afile)
    assert (refused.returncode, refused.stderr) == (
        2, f"probe: {afile}: exists and is not a socket, not replacing it\n")
    assert afile.read_text() == "keep me"


def test_a_socket_left_by_a_dead_server_is_taken_over(tmp_path: Path) -> None:
    sock = tmp_path / "check.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(sock))
    dead.close()  # the file stays, nobody listens
    with check_server(sock):
        same_check(plugin("-m", "missing.toml", cwd=tmp_path),
                   plugin("-m", "missing.toml", "--via", str(sock), cwd=tmp_path))


@pytest.mark.parametrize(("args", "message"), [
    (["--serve"], "--serve needs the path of the socket to create"),
    (["--serve", "s.sock", "-m", "x.toml"],
     "probe check --serve takes no other option (each check brings its own): -m x.toml"),
])
def test_serve_usage_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    done = subprocess.run([*PROBE, "check", *args], capture_output=True, text=True, timeout=30,
                          cwd=tmp_path, check=False, stdin=subprocess.DEVNULL)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"probe: {message}\n")


def ask(sock: Path, as_uid: int | None = None) -> tuple[int, bytes, bytes] | None:
    """One request for ``-m x.toml``, sent from a forked process (as ``as_uid``): the
    server sees that process's credentials."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child ends with os._exit
        try:
            os.close(read)
            if as_uid is not None:
                os.setgid(as_uid)
                os.setuid(as_uid)
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.connect(str(sock))
            conn.sendall(framing.request(__version__.encode(), b"/", [b"-m", b"x.toml"], []))
            conn.shutdown(socket.SHUT_WR)
            os.write(write, framing.receive(conn.recv))
        except BaseException as exc:
            os.write(2, repr(exc).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as answer:
        data = answer.read()
    os.waitpid(pid, 0)
    return framing.read_answer(data)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to connect as another user")
def test_another_user_is_refused() -> None:
    with tempfile.TemporaryDirectory() as where:  # pytest's tmp_path is root's alone
        os.chmod(where, 0o755)  # noqa: S103  # nobody must reach the socket: that is the test
        served = Path(where) / "check.sock"
        with check_server(served):
            os.chmod(served, 0o666)  # noqa: S103  # past the mode: the uid is still checked
            refused, answered = ask(served, as_uid=65534), ask(served)
    assert refused == (
        3, f"WSGI-PROBE UNKNOWN - the check server at {served} serves only uid 0; this check "
           "runs as uid 65534\n".encode(), b"")
    # The same request from the server's own user: answered.
    assert answered is not None and answered[1].startswith(b"WSGI-PROBE UNKNOWN - x.toml: ")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to serve as another user")
def test_a_server_of_another_user_is_sent_nothing(tmp_path: Path) -> None:
    """A socket another user created where the check looks for its server (a world-writable
    directory): the client sends it neither its environment (the token) nor its arguments,
    and does not print its answer."""
    (tmp_path / "m.toml").write_text(BAD_MANIFEST)
    with tempfile.TemporaryDirectory() as where:
        os.chmod(where, 0o1777)  # noqa: S103  # /tmp, where anyone may bind a socket
        sock = Path(where) / "check.sock"
        ready_read, ready_write = os.pipe()
        got_read, got_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the squatter, as nobody; ends with os._exit
            try:
                os.setgid(65534)
                os.setuid(65534)
                listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                listener.bind(str(sock))
                os.chmod(sock, 0o777)  # noqa: S103
                listener.listen(1)
                os.write(ready_write, b"x")
                conn, _ = listener.accept()
                conn.settimeout(30)
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
                os.write(got_write, data or b"-")
                conn.sendall(framing.pack([b"0", b"WSGI-PROBE OK - forged\n", b""]))
            finally:
                os._exit(0)
        os.close(ready_write)
        os.close(got_write)
        assert os.read(ready_read, 1) == b"x"
        via = plugin("-m", "m.toml", "--via", str(sock), cwd=tmp_path,
                     env={**os.environ, "WSGI_PROBE_TOKEN": "env-secret-123"})
        with os.fdopen(got_read, "rb") as got:
            received = got.read()
        os.waitpid(pid, 0)
        os.close(ready_read)
    assert (via.returncode, via.stdout, via.stderr) == (
        3, f"WSGI-PROBE UNKNOWN - the check server at {sock} runs as uid 65534, not as this "
           "user (uid 0) or root: nothing sent to it\n", "")
    assert received == b"-"  # connected, then closed without a byte


def test_hostile_requests_do_not_stop_the_server(served: Path, tmp_path: Path) -> None:
    for junk in (b"GET / HTTP/1.1\r\n\r\n", framing.MAGIC + b"99999999999:x", b""):
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(str(served))
        conn.sendall(junk)
        conn.shutdown(socket.SHUT_WR)
        code, stdout, _ = framing.read_answer(framing.receive(conn.recv)) or (0, b"", b"")
        conn.close()
        assert code == 3 and stdout.startswith(b"WSGI-PROBE UNKNOWN - check server: ")
    same_check(plugin("-m", "missing.toml", cwd=tmp_path),
               plugin("-m", "missing.toml", "--via", str(served), cwd=tmp_path))


@pytest.mark.parametrize("data", [b"", b"WSGI", framing.MAGIC + b"3:ab", framing.MAGIC + b"x:",
                                  framing.MAGIC + b"1:a;", framing.pack([b"v", b"/", b"2", b"a"])])
def test_framing_refuses_what_it_cannot_read(data: bytes) -> None:
    with pytest.raises(framing.WireError):
        framing.read_request(data)


def test_framing_round_trip() -> None:
    message = framing.request(b"1.0", b"/tmp", [b"-m", b"a b,:c"], [b"A=1", b"B==2", b"C"])
    got = framing.read_request(message)
    assert (got.version, got.cwd, got.args) == (b"1.0", b"/tmp", [b"-m", b"a b,:c"])
    assert got.environ == {b"A": b"1", b"B": b"=2", b"C": b""}
    assert framing.read_answer(framing.answer(2, "out\n", "err")) == (2, b"out\n", b"err")
    assert framing.read_answer(framing.stale("9.9")) is None


STUCK_SWEEP = """
import sys, time
import probe.sweep

def stuck(manifest, **kwargs):  # a sweep that ignores its deadline: only the alarm ends it
    time.sleep(60)

probe.sweep.run_sweep = stuck
from probe.check import main
main(sys.argv[1:])
"""


def test_the_alarm_at_t_answers_from_the_server_as_standalone(tmp_path: Path) -> None:
    """The plugin itself stuck past -t: the forked check's alarm sends the UNKNOWN line,
    naming the stage, on the connection (standalone, it writes it on stdout)."""
    manifest = tmp_path / "site.toml"
    manifest.write_text('[instances.a]\nlabel = "a"\nurls = ["http://a.example/"]\n')
    sock = tmp_path / "stuck.sock"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", STUCK_SWEEP, *args], capture_output=True,
                              text=True, timeout=60, check=False, cwd=tmp_path)

    server = subprocess.Popen([sys.executable, "-c", STUCK_SWEEP, "--serve", str(sock)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert server.stderr is not None and "serving" in server.stderr.readline()
        standalone = run("-m", "site.toml", "-t", "1")
        via = plugin("-m", "site.toml", "-t", "1", "--via", str(sock), cwd=tmp_path)
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert standalone.stdout == ("WSGI-PROBE UNKNOWN - plugin timed out after 1 s while "
                                 "sweeping 1 URL\n")
    same_check(standalone, via)


@pytest.mark.parametrize(("args", "value", "rest"), [
    (["-m", "a", "--via", "s1", "--via=s2"], "s2", ["-m", "a"]),
    (["--via"], "", []),
    (["-m", "--via-x", "b"], None, ["-m", "--via-x", "b"]),
])
def test_take_option(args: list[str], value: str | None, rest: list[str]) -> None:
    assert take_option("--via", args) == (value, rest)


@pytest.mark.parametrize(("args", "seconds"), [
    (["-t", "3"], 3.0), (["--timeout=4.5"], 4.5), (["-t7"], 7.0), (["-t", "soon"], 10.0),
    (["-t", "0"], 10.0), (["-t", "1e308"], 10.0), ([], 10.0), (["--timeout", "2", "-t", "5"], 5.0),
])
def test_the_client_waits_as_long_as_t(args: list[str], seconds: float) -> None:
    assert timeout_of(args, 10.0) == seconds


def test_a_directory_the_server_cannot_enter_is_one_unknown_line(served: Path) -> None:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(str(served))
    conn.sendall(framing.request(__version__.encode(), b"/nonexistent/dir", [b"-m", b"x"], []))
    conn.shutdown(socket.SHUT_WR)
    answer = framing.read_answer(framing.receive(conn.recv))
    conn.close()
    assert answer == (3, b"WSGI-PROBE UNKNOWN - the check server cannot work in "
                         b"/nonexistent/dir: No such file or directory\n", b"")
