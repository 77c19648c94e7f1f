"""Test helpers shared by the probe check / probe exporter tests (unit and real Apache).

- plugin output: the guidelines' perfdata format as a regex, and parsers for a plugin's stdout;
- loopback servers: a port nothing listens on, and one that accepts and never answers;
- the exporter as a subprocess, started the way a service manager would start it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from tests import reaper

PROBE = [str(Path(sys.executable).parent / "probe")]
"""The ``probe`` console script of the environment running the tests."""

MANIFEST = """
[instances.project-1]
label = "project-1"
urls = ["http://site-1.example.com/", "http://www.site-1.example.com/"]

[instances.project-2]
label = "project-2"
urls = ["http://site-1.example.com/suburl/", "http://site-2.example.com/"]

[refuse]
urls = ["http://www.site-2.example.com/", "http://unknown.invalid/"]
"""

# -- plugin output ------------------------------------------------------------------------

# 'label'=value[UOM];[warn];[crit];[min];[max], as the guidelines define it.
PERFDATUM = re.compile(
    r"'(?P<label>[^'=]+)'=(?P<value>U|-?[0-9.]+)(?P<uom>[a-zA-Z%]*)"
    r"(?:;(?P<warn>[^; ]*))?(?:;(?P<crit>[^; ]*))?(?:;(?P<min>[-0-9.]*))?(?:;(?P<max>[-0-9.]*))?$")


def parse_perfdata(text: str) -> dict[str, dict[str, str]]:
    """Every item of a perfdata string; fails on anything not in the guidelines' format."""
    items: dict[str, dict[str, str]] = {}
    # Items are space separated; a quoted label may itself contain spaces.
    for item in re.findall(r"'[^']*'=\S*|\S+", text):
        match = PERFDATUM.match(item)
        assert match, f"not a perfdata item: {item!r}"
        assert match["label"] not in items, f"label twice: {match['label']!r}"
        items[match["label"]] = {k: v or "" for k, v in match.groupdict().items()}
    return items


def parse_output(text: str) -> tuple[str, dict[str, dict[str, str]], list[str]]:
    """(status text, perfdata by label, long output lines) of a plugin's stdout."""
    first, *rest = text.rstrip("\n").split("\n")
    status, _, perf = first.partition(" | ")
    assert "|" not in status
    return status, parse_perfdata(perf), rest


# -- loopback servers -----------------------------------------------------------------------


def closed_port() -> int:
    """A loopback port nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def silent_server() -> Iterator[int]:
    """A loopback port that accepts connections and never answers: only a deadline ends a
    request to it. Yields the port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


# -- the exporter as a process ----------------------------------------------------------------


@dataclass
class ExporterProcess:
    address: str
    process: subprocess.Popen[str]
    startup_log: list[str]

    def url(self, path: str) -> str:
        return f"http://{self.address}{path}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 60)
        return requests.get(self.url(path), **kwargs)

    def stop(self, timeout: float = 15) -> tuple[str, str]:
        """SIGTERM, then (stdout, stderr); killed if it does not stop within ``timeout``."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            stdout, stderr = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            raise
        finally:
            reaper.forget(self.process.pid)
        return stdout, "".join(self.startup_log) + stderr


def start_exporter(args: Sequence[str], *, env: Mapping[str, str] | None = None,
                   timeout: float = 30, command: Sequence[str] = PROBE,
                   listen: str = "127.0.0.1:0") -> ExporterProcess:
    """``probe exporter ARGS --listen LISTEN --log-format json``, once it listens.

    The address comes from its ``exporter_listening`` event on stderr. ``command`` runs
    probe (e.g. ``python -c`` lowering a resource limit first).
    """
    process = subprocess.Popen(
        [*command, "exporter", *args, "--listen", listen, "--log-format", "json"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **(env or {})}, start_new_session=True)
    reaper.remember(process.pid, "probe exporter")
    assert process.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        seen.append(line)
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            break  # not a log event (a traceback): show all of it below
        if event["event"] == "exporter_listening":
            return ExporterProcess(str(event["address"]), process, seen)
    process.kill()
    _, rest = process.communicate()
    reaper.forget(process.pid)
    raise AssertionError(f"exporter did not start: {''.join(seen)}{rest}")


def log_events(stderr: str) -> list[dict[str, Any]]:
    """The exporter's JSON log events."""
    return [json.loads(line) for line in stderr.splitlines() if line.strip()]


# Nagios objects every Nagios test needs around the shipped ones: a contact that notifies
# nobody, a host on loopback and a generic service template.
NAGIOS_SITE_OBJECTS = """
define command {
    command_name notify
    command_line /bin/true
}
define contact {
    contact_name admin
    host_notifications_enabled 0
    service_notifications_enabled 0
    host_notification_period always
    service_notification_period always
    host_notification_options n
    service_notification_options n
    host_notification_commands notify
    service_notification_commands notify
}
define host {
    host_name web-1
    address 127.0.0.1
    max_check_attempts 1
    check_period always
    contacts admin
    notification_period always
}
define service {
    name generic-service
    register 0
    check_period always
    notification_period always
    contacts admin
}
"""


@contextmanager
def check_server(sock: Path, *, cwd: Path | None = None) -> Iterator[subprocess.Popen[str]]:
    """``probe check --serve SOCK``, once it serves; stopped with SIGTERM (as a service
    manager stops it) when the block ends, and by the reaper if the run is killed. Its
    stderr goes to ``SOCK.log`` (read it after the block: the last line counts the checks)."""
    log = sock.with_suffix(".log")
    with log.open("w") as stderr:
        process = subprocess.Popen([*PROBE, "check", "--serve", str(sock)], cwd=cwd,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=stderr, text=True, start_new_session=True)
    reaper.remember(process.pid, "probe check --serve")
    try:
        deadline = time.monotonic() + 60
        while "serving checks at" not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.02)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reaper.forget(process.pid)


def same_check(standalone: subprocess.CompletedProcess[str],
               via: subprocess.CompletedProcess[str]) -> None:
    """Both runs gave one answer: exit status and output, response times aside."""
    def timeless(text: str) -> str:
        return re.sub(r" in [0-9.]+ ms$", " in T ms", re.sub(r"=[0-9.]+s;", "=Ts;", text),
                      flags=re.MULTILINE)

    assert via.returncode == standalone.returncode, (standalone, via)
    assert timeless(via.stdout) == timeless(standalone.stdout), (standalone.stdout, via.stdout)
