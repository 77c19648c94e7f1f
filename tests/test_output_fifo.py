"""``-o`` onto a FIFO or a device: refused in one line, never a hang (a security tester's
cron'd ``probe sweep -o /tmp/...`` was stopped for good by a FIFO another user made there,
also during the sweep: open() waited for a reader in the kernel's wait_for_partner).

Commands that could hang run as real processes with a timeout, so a regression fails the
test instead of hanging the suite; another user's FIFO is made by root with ``os.chown``,
and the same refusal is checked for the user nobody's own sweep."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from probe import output_file, output_in_place
from tests.monitoring_helpers import closed_port

HANG = 60
"""Seconds after which a command that should refuse at once is taken as hung."""
NOBODY = 65534
ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path("/usr/bin/python3")
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="another user's FIFO needs root")
END = "cannot write: " + output_in_place.NOT_REGULAR


@pytest.fixture
def public() -> Iterator[Path]:
    """A directory like /tmp, sticky and world-writable, that the user nobody can reach
    (pytest's tmp_path is root's alone)."""
    import shutil
    import tempfile

    where = Path(tempfile.mkdtemp(prefix="wsgi-probe-fifo-", dir="/tmp"))
    where.chmod(0o1777)
    yield where
    shutil.rmtree(where, ignore_errors=True)


def planted_fifo(path: Path, owner: int = NOBODY) -> Path:
    os.mkfifo(path, 0o666)
    if os.geteuid() == 0:
        os.chown(path, owner, owner)
    return path


def probe(*args: str, cwd: Path, user: int | None = None) -> subprocess.Popen[str]:
    """``probe ARGS`` as a process (as ``user``: the system's Python, which nobody can run,
    with this checkout and this environment's packages)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "WSGI_PROBE"))}
    env["NO_COLOR"] = "1"
    python = sys.executable
    if user is not None:
        packages = next(p for p in sys.path if p.endswith("site-packages"))
        env["PYTHONPATH"] = f"{ROOT}:{packages}"
        python = str(SYSTEM_PYTHON)
    else:
        env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen([python, "-m", "probe", *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, user=user,
                            group=user, extra_groups=[] if user is not None else None)


def finished(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=HANG)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    return process.returncode, out, err


def manifest(where: Path, port: int) -> Path:
    path = where / "m.toml"
    path.write_text(f'[instances.a]\nlabel = "a"\nurls = ["http://127.0.0.1:{port}/"]\n')
    path.chmod(0o644)
    return path


@as_root
@pytest.mark.parametrize("command", ["sweep", "discover"])
def test_another_users_fifo_in_a_sticky_directory_is_refused_at_once(
        public: Path, command: str) -> None:
    fifo = planted_fifo(public / "report.txt")
    if command == "sweep":
        args = ["sweep", "-m", str(manifest(public, closed_port())), "--timeout", "0.5"]
    else:
        conf = public / "httpd.conf"
        conf.write_text("WSGIScriptAlias / /srv/site/wsgi.py\n")
        args = ["discover", str(conf)]
    code, out, err = finished(probe(*args, "-o", str(fifo), cwd=public))
    assert (code, out, err) == (2, "", f"probe: -o {fifo}: {END}\n")


def test_a_fifo_with_a_reader_is_refused_and_the_reader_gets_nothing(tmp_path: Path) -> None:
    fifo = planted_fifo(tmp_path / "out")
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with pytest.raises(OSError, match="not a regular file"):
            output_file.write(str(fifo), ["root's report"])
        assert os.read(reader, 100) == b""
    finally:
        os.close(reader)
    output_file.write("/dev/null", ["report"])  # root's device: written, as it comes


def test_this_users_fifo_is_written_as_it_comes_and_without_a_reader_refused_at_once(
        tmp_path: Path) -> None:
    """A pipe of the user's own (a named one, a shell's >(cmd)) takes the report; with no
    process reading it, the write is refused at once instead of waiting for ever."""
    fifo = tmp_path / "mine"
    os.mkfifo(fifo, 0o600)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    try:
        deadline = time.monotonic() + HANG
        while True:  # cat opens the FIFO a moment after it starts
            try:
                output_file.write(str(fifo), ["through ", "the pipe"])
                break
            except OSError as exc:
                assert output_in_place.NO_READER in str(exc)
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        if reader.poll() is None:
            with open(fifo, "wb"):  # lets cat end if nothing was written
                pass
    assert reader.communicate(timeout=HANG)[0] == b"through the pipe"
    started = time.monotonic()
    with pytest.raises(OSError, match="no process reads"):
        output_file.write(str(fifo), ["nobody listens"])
    assert time.monotonic() - started < HANG
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_written_in_place_only_a_regular_file_and_never_through_a_new_link(
        tmp_path: Path) -> None:
    """The fallback for a directory where no temporary file can be made (its file writable):
    the path is opened without blocking and without following a link, then checked."""
    fifo = planted_fifo(tmp_path / "fifo")
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with pytest.raises(OSError, match="not a regular file"):
            output_in_place.write_in_place(str(fifo), ["report"])
        assert os.read(reader, 100) == b""
    finally:
        os.close(reader)
    os.unlink(fifo)
    planted_fifo(fifo)  # no reader: a blocking open would wait for ever
    with pytest.raises(OSError, match="not a regular file"):
        output_in_place.write_in_place(str(fifo), ["report"])
    kept = tmp_path / "kept"
    kept.write_text("keep me\n")
    (tmp_path / "link").symlink_to(kept)
    with pytest.raises(OSError, match="not a regular file"):
        output_in_place.write_in_place(str(tmp_path / "link"), ["report"])
    assert kept.read_text() == "keep me\n"
    output_in_place.write_in_place(str(kept), ["new"])
    assert kept.read_text() == "new"


@contextmanager
def held_server() -> Iterator[tuple[int, threading.Event, threading.Event]]:
    """A loopback port whose first connection is held until ``release`` is set; ``arrived``
    is set when it comes, after the command's checks of its output path."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    arrived, release = threading.Event(), threading.Event()

    def serve() -> None:
        conn = server.accept()[0]
        arrived.set()
        release.wait(HANG)
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], arrived, release
    finally:
        release.set()
        thread.join(HANG)
        server.close()


@pytest.mark.parametrize("user", [None, NOBODY])
def test_a_fifo_made_during_the_sweep_is_refused_at_the_write(
        public: Path, user: int | None) -> None:
    if user is not None and (os.geteuid() != 0 or not SYSTEM_PYTHON.exists()):
        pytest.skip("needs root and /usr/bin/python3 to sweep as nobody")
    out = public / "race.txt"  # no such file when the sweep starts
    with held_server() as (port, arrived, release):
        process = probe("sweep", "-m", str(manifest(public, port)), "--timeout", "20",
                        "--samples", "1", "--no-extra-probes", "-o", str(out), cwd=public,
                        user=user)
        assert arrived.wait(HANG), process.communicate()
        planted_fifo(out, owner=0 if user is not None else NOBODY)  # another user's
        release.set()
        started = time.monotonic()
        code, stdout, stderr = finished(process)
    assert (code, stdout, stderr) == (2, "", f"probe: {out}: {END}\n")
    assert time.monotonic() - started < HANG


def test_dev_stdout_and_a_shells_pipe_take_the_report(tmp_path: Path) -> None:
    """/dev/stdout is a link to /proc/self/fd/1, a pipe here: written through the link, as
    docs/cli.md promises, not refused as a name that leads nowhere."""
    path = tmp_path / "m.toml"
    path.write_text('[probe]\nconnect = "127.0.0.1:1"\n[instances.a]\nlabel = "a"\n'
                    'urls = ["http://a.test/"]\n')
    code, out, err = finished(probe("sweep", "-m", str(path), "--timeout", "0.5",
                                    "--format", "json", "-o", "/dev/stdout", cwd=tmp_path))
    assert (code, err) == (1, "")
    assert '"verdict": "unreachable"' in out
