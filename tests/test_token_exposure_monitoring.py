"""``probe check`` and ``probe exporter`` say where the token goes unprotected, as ``probe
sweep`` does (tests/test_token_exposure.py), each the way its operator reads it: the plugin on
a long-output line under its one-line status (Nagios keeps no stderr), the exporter in its log
at start and at each reload of the manifest. Both refuse ``sni = false`` with a token unless
``send_token_unverified = true``. Real processes, as Nagios and systemd run them."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import IO

from probe.token_exposure import MANIFEST_OPT_IN
from tests.monitoring_helpers import PROBE

CLEAR = "the probe token is sent in clear text (http) to "


def manifest(tmp_path: Path, urls: list[str], extra: str = "") -> Path:
    (tmp_path / "token").write_text("s3cret\n")
    (tmp_path / "token").chmod(0o600)
    listed = ", ".join(f'"{u}"' for u in urls)
    path = tmp_path / "m.toml"
    path.write_text(f'[probe]\ntoken_file = "{tmp_path / "token"}"\ntimeout = 0.3\n'
                    f'samples = 1\n{extra}[instances.a]\nlabel = "a"\nurls = [{listed}]\n')
    return path


def check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PROBE, "check", "-m", str(path)], capture_output=True, text=True,
                          timeout=60, check=False, stdin=subprocess.DEVNULL,
                          env={**os.environ, "WSGI_PROBE_TOKEN": ""})


def test_check_says_it_below_its_status_line(tmp_path: Path) -> None:
    done = check(manifest(tmp_path, ["http://www.example.invalid/", "http://127.0.0.1:9/"]))
    lines = done.stdout.splitlines()
    assert done.returncode == 2, done.stdout
    assert lines[0].startswith("WSGI-PROBE CRITICAL") and "token" not in lines[0]
    assert lines[1] == f"warning: {CLEAR}www.example.invalid:80"
    assert done.stderr == ""


def test_check_and_exporter_say_a_token_file_every_user_may_read(tmp_path: Path) -> None:
    path = manifest(tmp_path, ["http://127.0.0.1:9/"])
    (tmp_path / "token").chmod(0o644)
    said = (f"the token file {tmp_path / 'token'} is readable by every user (mode 0644); "
            "'chmod o-r' it")
    done = check(path)
    assert done.stdout.splitlines()[1] == f"warning: {said}", done.stdout
    with subprocess.Popen(
            [*PROBE, "exporter", "-m", str(path), "--listen", "127.0.0.1:0", "--log-format",
             "json"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
            stdin=subprocess.DEVNULL, env={**os.environ, "WSGI_PROBE_TOKEN": ""}) as process:
        try:
            assert said in Lines(process).until("exporter_token_exposed")
        finally:
            process.terminate()
            process.wait(20)


def test_check_says_nothing_where_nothing_is_exposed(tmp_path: Path) -> None:
    done = check(manifest(tmp_path, ["http://127.0.0.1:9/"]))
    assert "warning" not in done.stdout and done.returncode == 2, done.stdout


def test_check_without_sni_is_unknown_without_the_opt_in(tmp_path: Path) -> None:
    extra = 'sni = false\nconnect = "127.0.0.1:9"\n'
    done = check(manifest(tmp_path, ["https://a.invalid/"], extra))
    assert done.returncode == 3
    assert done.stdout.startswith("WSGI-PROBE UNKNOWN")
    # The check has no --send-token-unverified option: the message names what it takes.
    assert f"give {MANIFEST_OPT_IN} to send" in done.stdout
    assert "--send-token-unverified" not in done.stdout
    done = check(manifest(tmp_path, ["https://a.invalid/"],
                          extra + "send_token_unverified = true\n"))
    assert done.returncode == 2, done.stdout
    assert done.stdout.splitlines()[1].startswith(
        "warning: --no-sni: no certificate name is checked before the probe token is sent "
        "(to 127.0.0.1:9)")


class Lines:
    """A process's stderr, read by a thread, so that a line that never comes fails the test
    after 20 s instead of hanging it."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        stream = process.stderr
        assert stream is not None
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line)

    def until(self, event: str) -> str:
        end = time.monotonic() + 20
        while (left := end - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if event in line:
                return line
        raise AssertionError(f"no {event} in {''.join(self.seen)}")


def test_exporter_logs_it_at_start_and_at_each_reload(tmp_path: Path) -> None:
    path = manifest(tmp_path, ["http://www.example.invalid/"])
    with subprocess.Popen(
            [*PROBE, "exporter", "-m", str(path), "--listen", "127.0.0.1:0", "--log-format",
             "json"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
            stdin=subprocess.DEVNULL, env={**os.environ, "WSGI_PROBE_TOKEN": ""}) as process:
        try:
            exported(process, tmp_path)
        finally:
            process.terminate()
            process.wait(20)


def exported(process: subprocess.Popen[str], tmp_path: Path) -> None:
    """The start, a reload that adds an address, a reload refused."""
    lines = Lines(process)
    assert f"{CLEAR}www.example.invalid:80" in lines.until("exporter_token_exposed")
    manifest(tmp_path, ["http://www.example.invalid/", "http://other.invalid:8080/"])
    process.send_signal(signal.SIGHUP)
    lines.until("exporter_reloaded")
    assert f"{CLEAR}www.example.invalid:80, other.invalid:8080" in lines.until(
        "exporter_token_exposed")
    # A reload to sni = false without the opt-in is refused; the old manifest stays.
    manifest(tmp_path, ["https://a.invalid/"], 'sni = false\nconnect = "127.0.0.1:9"\n')
    process.send_signal(signal.SIGHUP)
    failed = lines.until("exporter_reload_failed")
    assert f"give {MANIFEST_OPT_IN} to send" in failed and "--send-token-unverified" not in failed


def test_exporter_refusing_at_start_names_the_manifest_key(tmp_path: Path) -> None:
    path = manifest(tmp_path, ["https://a.invalid/"], 'sni = false\nconnect = "127.0.0.1:9"\n')
    done = subprocess.run([*PROBE, "exporter", "-m", str(path), "--listen", "127.0.0.1:0"],
                          capture_output=True, text=True, timeout=60, check=False,
                          stdin=subprocess.DEVNULL, env={**os.environ, "WSGI_PROBE_TOKEN": ""})
    assert done.returncode != 0
    assert f"give {MANIFEST_OPT_IN} to send" in done.stderr
    assert "--send-token-unverified" not in done.stderr
