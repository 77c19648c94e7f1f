"""The monitoring daemons as an admin runs them, for the tests: nagios4, icinga2, prometheus.

Each runs in a temporary directory, on a free loopback port where it listens at all, in its
own session, and is stopped by its pid (SIGTERM, then SIGKILL to its process group) when the
test ends, also when it fails or is interrupted. The shipped files in contrib/ are used as they
are, but for the paths and addresses a test machine has, and shorter intervals.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

STOP_TIMEOUT = 30.0
"""Seconds a daemon gets to stop after SIGTERM before its whole process group is killed."""


def tool(*names: str) -> str:
    """The daemon's binary; fails (not skips) where the test machine should have it."""
    for name in names:
        found = shutil.which(name) or next(
            (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)),
            None)
        if found:
            return found
    message = f"{' / '.join(names)} not installed (scripts/test-all installs it)"
    if os.environ.get("CI") or os.environ.get("WSGI_PROBE_REQUIRE_APACHE"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@dataclass
class Daemon:
    name: str
    process: subprocess.Popen[bytes]
    output: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.output.read_text(errors="replace") if self.output.exists() else ""

    def stop(self) -> int:
        """SIGTERM and wait; the process group is killed if it does not stop in time."""
        if self.process.poll() is None:
            with suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            code = -9
        # Whatever it forked (icinga2's worker, nagios' check helpers) goes with it.
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        return code


@contextmanager
def running(name: str, args: Sequence[str], *, workdir: Path) -> Iterator[Daemon]:
    """``args`` as a daemon in the foreground, its stdout and stderr in ``workdir/NAME.out``."""
    output = workdir / f"{name}.out"
    with output.open("wb") as sink:
        process = subprocess.Popen(list(args), stdin=subprocess.DEVNULL, stdout=sink,
                                   stderr=subprocess.STDOUT, cwd=workdir,
                                   start_new_session=True)
    daemon = Daemon(name, process, output)
    try:
        yield daemon
    finally:
        daemon.stop()


def wait_for(check: Callable[[], T | None], *, what: str, timeout: float,
             context: Callable[[], str] = lambda: "") -> T:
    """Poll ``check`` until it returns something; fail naming ``what`` after ``timeout`` s.

    The timeout only bounds a broken run: no test asserts on how long a daemon took.
    """
    end = time.monotonic() + timeout
    while True:
        found = check()
        if found is not None:
            return found
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}\n{context()}", pytrace=False)
        time.sleep(0.2)


# -- nagios4 ----------------------------------------------------------------------------------


def nagios_status(path: Path) -> list[dict[str, str]]:
    """The ``servicestatus`` blocks of a Nagios ``status.dat``."""
    if not path.exists():
        return []
    blocks = re.findall(r"^servicestatus \{\n(.*?)^\t\}", path.read_text(errors="replace"),
                        re.M | re.S)
    return [dict(line.strip().split("=", 1) for line in block.splitlines() if "=" in line)
            for block in blocks]


# -- icinga2 ----------------------------------------------------------------------------------


def icinga_state(path: Path) -> dict[str, dict[str, Any]]:
    """Every object's saved attributes in an ``icinga2.state`` file (netstrings of JSON)."""
    raw = path.read_bytes()
    objects: dict[str, dict[str, Any]] = {}
    at = 0
    while at < len(raw):
        colon = raw.index(b":", at)
        size = int(raw[at:colon])
        item = json.loads(raw[colon + 1:colon + 1 + size])
        objects[f"{item['type']}:{item['name']}"] = item["update"]
        at = colon + 1 + size + 1  # the netstring's closing comma
    return objects


WARM_URLS = [("site-1.example.com", "/__probe__"), ("www.site-1.example.com", "/__probe__"),
             ("site-1.example.com", "/suburl/__probe__"), ("site-2.example.com", "/__probe__")]


def warm(server: Any) -> None:
    """Load every WSGI application of a scenario server once, with time to spare: the first
    request to a daemon process imports Django, which on a busy machine can take longer than
    a check's 5 s request timeout (then the check says unreachable, rightly, but not what the
    test is about)."""
    for host, path in WARM_URLS:
        with suppress(Exception):  # a refusal or an error is an answer: loaded
            server.get(path, host, timeout=120)
