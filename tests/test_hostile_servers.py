"""Hostile servers, over real loopback sockets: each behaviour gets its verdict, ends within
its request timeout, and spoils nothing for the other URLs of the same sweep, in any output.

One raw TCP server plays every behaviour, chosen by the Host header; ``good.example``
is the real endpoint (contrib/wsgi_endpoint.py) with the same token. Time is bounded
by settings, never asserted by the clock: each request has a short timeout, the sweep
a much longer deadline, and a request still open at that deadline would show as
"no answer before the sweep's deadline" (asserted absent).
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from probe.cli import main
from probe.endpoint_source import load_module
from probe.exporter import command as exporter
from probe.liveness import signature
from probe.manifest import Manifest, parse
from probe.model import Cause, Report, Verdict
from probe.sweep import run_sweep
from tests.every_output import check_status, every_output

TOKEN = "s3cr3t-tökén"  # outside ASCII: both sides compare UTF-8 bytes (docs/endpoint-protocol.md)
REQUEST_TIMEOUT = 0.5
SWEEP_DEADLINE = 30.0
LATE = "no answer before the sweep's deadline"

Headers = dict[str, str]
Behaviour = Callable[[socket.socket, Headers], None]


def endpoint_doc(headers: Headers, **changes: Any) -> dict[str, Any]:
    """What a correct endpoint labelled ``hostile`` answers to this request."""
    nonce = headers.get("x-probe-nonce")
    doc: dict[str, Any] = {
        "schema": 1, "label": "hostile", "instance_id": "f" * 32, "pid": 4242, "ppid": 1,
        "process_group": "hostile", "application_group": f"{headers.get('host')}|",
        "settings_module": {"environ": "hostile.settings", "loaded": None},
        "request": {"host": headers.get("host"), "server_name": "hostile.example",
                    "server_port": "80", "scheme": "http", "script_name": "",
                    "path_info": "/__probe__"},
        "script_file": None, "server": {}, "python": {}, "started_at": "2026-11-30T00:00:00Z",
        "uptime_s": 1.0, "hits": 1, "nonce": nonce,
        "signature": signature(TOKEN, nonce, "f" * 32) if nonce else None,
    }
    doc.update(changes)
    return doc


def reply(conn: socket.socket, body: bytes, *, status: str = "200 OK",
          content_type: str = "application/json", extra: str = "") -> None:
    head = (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n")
    conn.sendall(head.encode("latin-1") + body)


def answer(**changes: Any) -> Behaviour:
    def behave(conn: socket.socket, headers: Headers) -> None:
        reply(conn, json.dumps(endpoint_doc(headers, **changes)).encode())
    return behave


def raw(data: bytes) -> Behaviour:
    return lambda conn, headers: conn.sendall(data)


def silent(conn: socket.socket, headers: Headers) -> None:
    conn.recv(1)  # until the client gives up and closes


def trickle(conn: socket.socket, headers: Headers) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
    for _ in range(400):  # a byte every 50 ms: each read succeeds, the whole never ends
        conn.sendall(b" ")
        time.sleep(0.05)


def huge(conn: socket.socket, headers: Headers) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
    conn.sendall(b'{"label": "' + b"x" * (2 * 1024 * 1024))


STORED: dict[str, Any] = {}


def cached(conn: socket.socket, headers: Headers) -> None:
    """A path-keyed cache: the first answer it stored, whoever asks, with its old nonce."""
    doc = STORED.setdefault("doc", endpoint_doc({**headers, "x-probe-nonce": "o" * 32}))
    reply(conn, json.dumps(doc).encode(), extra="Age: 30\r\nX-Cache: HIT\r\n")


def forged(conn: socket.socket, headers: Headers) -> None:
    reply(conn, json.dumps(endpoint_doc(headers, signature="0" * 64)).encode())


def forged_random(conn: socket.socket, headers: Headers) -> None:
    """A forger naming a new instance at every answer: were its fields labels, every scrape
    would add a series."""
    name = os.urandom(8).hex()
    reply(conn, json.dumps(endpoint_doc(
        headers, label=name, process_group=name, application_group=name,
        settings_module={"environ": name, "loaded": name}, signature="0" * 64)).encode())


def no_nonce_field(conn: socket.socket, headers: Headers) -> None:
    doc = endpoint_doc(headers)
    del doc["nonce"], doc["signature"]
    reply(conn, json.dumps(doc).encode())


def without(field: str) -> Behaviour:
    """A correct, signed answer with ``field`` left out."""
    def behave(conn: socket.socket, headers: Headers) -> None:
        doc = endpoint_doc(headers)
        del doc[field]
        reply(conn, json.dumps(doc).encode())
    return behave


BEHAVIOURS: dict[str, tuple[Behaviour, Verdict, Cause | None]] = {
    "surrogate-label": (answer(label="\ud800"), Verdict.WRONG_INSTANCE, None),
    "terminal-escapes": (answer(label="\x1b[2J\x1b]0;owned\x07", process_group="\x1b[31m"),
                         Verdict.WRONG_INSTANCE, None),
    "markup-label": (answer(label="[/bold][link=file:///]x"), Verdict.WRONG_INSTANCE, None),
    "huge-strings": (answer(script_file="x" * 200_000), Verdict.OK, None),
    "pid-abc": (answer(pid="abc"), Verdict.BAD_ANSWER, None),
    "schema-and-id-only": (lambda c, h: reply(c, b'{"schema": 1, "instance_id": "f"}'),
                           Verdict.BAD_ANSWER, None),
    "json-array": (lambda c, h: reply(c, b"[1, 2]"), Verdict.NO_ENDPOINT, None),
    "json-deep": (lambda c, h: reply(c, b"[" * 100_000), Verdict.NO_ENDPOINT, None),
    "html": (lambda c, h: reply(c, b"<html>hi</html>", content_type="text/html"),
             Verdict.NO_ENDPOINT, None),
    "redirect": (lambda c, h: reply(c, b"", status="302 Found",
                                    extra="Location: http://evil.example/\x1b[2J\r\n"),
                 Verdict.NO_ENDPOINT, None),
    "silent": (silent, Verdict.UNREACHABLE, None),
    "trickle": (trickle, Verdict.UNREACHABLE, None),
    "huge-body": (huge, Verdict.UNREACHABLE, None),
    "reset": (lambda c, h: None, Verdict.UNREACHABLE, None),
    "not-http": (raw(b"\x00\xff garbage\r\n\r\n"), Verdict.UNREACHABLE, None),
    "cached": (cached, Verdict.NOT_LIVE, Cause.CACHED),
    "forged-signature": (forged, Verdict.NOT_LIVE, Cause.FORGED),
    "forged-random": (forged_random, Verdict.NOT_LIVE, Cause.FORGED),
    # The probe holds the token: leaving a part of the proof out is no way around it.
    "older-endpoint": (no_nonce_field, Verdict.NOT_LIVE, Cause.FORGED),
    "signature-null": (answer(signature=None), Verdict.NOT_LIVE, Cause.FORGED),
    "no-signature-field": (without("signature"), Verdict.NOT_LIVE, Cause.FORGED),
    "signature-without-nonce": (without("nonce"), Verdict.NOT_LIVE, Cause.FORGED),
    "nonce-null": (answer(nonce=None), Verdict.NOT_LIVE, Cause.FORGED),
    # Any text in the proof: a verdict for this URL, never a TypeError that ends the sweep.
    "nonce-latin": (answer(nonce="é" * 32), Verdict.NOT_LIVE, Cause.CACHED),
    "nonce-5000": (answer(nonce="x" * 5000), Verdict.NOT_LIVE, Cause.CACHED),
    "nonce-astral": (answer(nonce="💥" * 40), Verdict.NOT_LIVE, Cause.CACHED),
    "signature-latin": (answer(signature="é" * 64), Verdict.NOT_LIVE, Cause.FORGED),
    "signature-5000": (answer(signature="f" * 5000), Verdict.NOT_LIVE, Cause.FORGED),
    "signature-surrogate": (answer(signature="\udc80" * 64), Verdict.NOT_LIVE, Cause.FORGED),
    "instance-id-latin": (answer(instance_id="é" * 32), Verdict.NOT_LIVE, Cause.FORGED),
}


def read_headers(conn: socket.socket) -> Headers:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    headers[":path"] = lines[0].split(" ")[1] if " " in lines[0] else "/"
    return headers


def good_endpoint() -> Behaviour:
    """The real endpoint, run as WSGI on the raw connection."""
    module = load_module("hostile_good_endpoint")

    def not_found(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"no"]

    app = module.wrap(not_found, label="good", token=TOKEN)

    def behave(conn: socket.socket, headers: Headers) -> None:
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": headers[":path"], "SCRIPT_NAME": "",
                   "SERVER_NAME": "good.example", "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1",
                   "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
                   "wsgi.errors": io.StringIO(), "wsgi.multithread": True,
                   "wsgi.multiprocess": False, "wsgi.run_once": False, "wsgi.version": (1, 0)}
        for name, value in headers.items():
            if not name.startswith(":"):
                key = "HTTP_" + name.upper().replace("-", "_")
                # WSGI gives header values as latin-1 strings of the wire's bytes.
                environ[key] = value
        got: list[Any] = []
        body = b"".join(app(environ, lambda status, hdrs, exc=None: got.extend([status, hdrs])))
        reply(conn, body, status=got[0], content_type=dict(got[1])["Content-Type"])

    return behave


@contextmanager
def hostile_server() -> Iterator[int]:
    good = good_endpoint()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    conns: list[socket.socket] = []

    def serve(conn: socket.socket) -> None:
        try:
            headers = read_headers(conn)
            host = headers.get("host", "").split(".")[0]
            if host not in BEHAVIOURS and host not in ("good", "refused"):
                # No Host of the test's: the sweep's one HTTP/2 request (prior knowledge,
                # "PRI * HTTP/2.0") that decides a port answering "HTTP/0.9" (probe.nginx.h2c):
                # an HTTP/1 server closes it, as this one does.
                return
            behave = good if host in ("good", "refused") else BEHAVIOURS[host][0]
            if host == "refused":
                reply(conn, b"denied", status="403 Forbidden", content_type="text/plain")
            else:
                behave(conn, headers)
        except OSError:
            pass
        finally:
            conn.close()

    def accept() -> None:
        while True:
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
        listener.close()
        for conn in conns:
            conn.close()


def manifest_for(behaviour: str, port: int) -> Manifest:
    return parse(f"""
[probe]
connect = "127.0.0.1:{port}"
timeout = {REQUEST_TIMEOUT}
samples = 2
[instances.good]
label = "good"
urls = ["http://good.example/"]
[instances.hostile]
label = "hostile"
urls = ["http://{behaviour}.example/"]
[refuse]
urls = ["http://refused.example/"]
""", "hostile.toml")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("WSGI_PROBE_TOKEN", TOKEN)
    STORED.clear()
    with hostile_server() as port:
        yield port


def sweep(behaviour: str, port: int) -> tuple[Manifest, Report]:
    manifest = manifest_for(behaviour, port)
    return manifest, run_sweep(manifest, deadline=SWEEP_DEADLINE, token=TOKEN)


@pytest.mark.parametrize("behaviour", sorted(BEHAVIOURS))
def test_behaviour(server: int, behaviour: str) -> None:
    manifest, report = sweep(behaviour, server)
    good, hostile, refused = report.targets
    _, verdict, cause = BEHAVIOURS[behaviour]
    assert (hostile.verdict, hostile.cause) == (verdict, cause), hostile.explanation
    assert LATE not in hostile.explanation  # ended within its own request timeout
    assert (good.verdict, refused.verdict) == (Verdict.OK, Verdict.OK), good.explanation
    outputs = every_output(report, manifest)
    assert json.loads(outputs["json"])["targets"][0]["verdict"] == "ok"
    assert json.loads(outputs["json"])["targets"][1]["verdict"] == verdict.value
    for name, body in outputs.items():
        assert b"good.example" in body, name
        if name.startswith(("table", "check", "junit")) and not name.endswith("color"):
            assert b"\x1b" not in body and b"\x07" not in body, name
    assert check_status(report) == (0 if verdict is Verdict.OK else 2)


def test_every_format_through_the_command_line(server: int, tmp_path: Path) -> None:
    """All behaviours in one sweep: each format is written, the exit status is 1 (problems)."""
    # One instance: every behaviour's server says it is "hostile" (two instances declaring
    # the same label would be refused as look-alikes).
    listed = ", ".join(f'"http://{b}.example/"' for b in sorted(BEHAVIOURS))
    urls = f'[instances.hostile]\nlabel = "hostile"\nurls = [{listed}]'
    path = tmp_path / "all.toml"
    path.write_text(f'[probe]\nconnect = "127.0.0.1:{server}"\ntimeout = {REQUEST_TIMEOUT}\n'
                    f'samples = 1\n[instances.good]\nlabel = "good"\n'
                    f'urls = ["http://good.example/"]\n{urls}\n', encoding="utf-8")
    for fmt in ("table", "json", "junit"):
        result = CliRunner().invoke(main, ["sweep", "-m", str(path), "--format", fmt])
        assert result.exit_code == 1, result.output
        assert "good.example" in result.stdout
        assert "Traceback" not in result.output
    result = CliRunner().invoke(main, ["sweep", "-m", str(path), "--format", "json"])
    verdicts = {t["url"]: t["verdict"] for t in json.loads(result.stdout)["targets"]}
    assert verdicts["http://good.example/"] == "ok"
    for behaviour, (_, verdict, _) in BEHAVIOURS.items():
        assert verdicts[f"http://{behaviour}.example/"] == verdict.value, behaviour


@pytest.mark.parametrize("behaviour", ["surrogate-label", "nonce-5000", "signature-latin"])
def test_exporter_pages_survive_a_hostile_answer(server: int, behaviour: str) -> None:
    """/metrics, / and /probe answer 200 over the real WSGI app, not 500."""
    manifest = manifest_for(behaviour, server)
    app = exporter.build_app(manifest, exporter.ExporterOptions(), token=TOKEN)
    for path, query in (("/metrics", ""), ("/", ""),
                        ("/probe", f"target=http://{behaviour}.example/")):
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
                   "HTTP_X_PROMETHEUS_SCRAPE_TIMEOUT_SECONDS": "20"}
        got: list[Any] = []
        body = b"".join(app(environ, lambda status, headers, got=got: got.append(status)))
        assert got == ["200 OK"], (path, body)
        body.decode("utf-8")
        if path == "/metrics":
            good = rb'wsgi_probe_url_ok\{[^}]*url="http://good.example/"[^}]*\} (\S+)'
            ok = re.search(good, body)
            assert ok is not None and ok.group(1) == b"1.0", body


INFO = "wsgi_probe_instance_info", "wsgi_probe_instance_pid", \
    "wsgi_probe_instance_start_time_seconds"


@pytest.mark.parametrize("behaviour", ["forged-random", "cached", "pid-abc"])
def test_an_untrusted_answer_makes_no_series(server: int, behaviour: str) -> None:
    """Over the real exporter app: an answer that is not live (forged, cached) or not valid
    gives its URL its verdict, and no info, pid or start-time row: its sender does not choose
    label values (docs/monitoring.md#metrics). The good URL's rows stay."""
    from prometheus_client.parser import text_string_to_metric_families

    manifest = manifest_for(behaviour, server)
    app = exporter.build_app(manifest, exporter.ExporterOptions(), token=TOKEN)
    hostile = f"http://{behaviour}.example/"
    seen: dict[str, set[tuple[tuple[str, str], ...]]] = {name: set() for name in INFO}
    verdicts = set()
    for path, query in [("/metrics", "")] * 3 + [("/probe", f"target={hostile}")] * 2:
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
                   "HTTP_X_PROMETHEUS_SCRAPE_TIMEOUT_SECONDS": "20"}
        body = b"".join(app(environ, lambda status, headers: None)).decode()
        for family in text_string_to_metric_families(body):
            for sample in family.samples:
                if sample.name == "wsgi_probe_url_verdict" and sample.labels["url"] == hostile:
                    verdicts.add(sample.labels["verdict"])
                if sample.name in seen:
                    seen[sample.name].add(tuple(sorted(sample.labels.items())))
        time.sleep(1.1)  # past the window in which a scrape shares the last sweep
    assert verdicts == {BEHAVIOURS[behaviour][1].value}
    for name in INFO:
        assert {dict(labels)["url"] for labels in seen[name]} == {"http://good.example/"}, \
            (name, seen[name])
    assert [dict(labels)["label"] for labels in seen["wsgi_probe_instance_info"]] == ["good"]


def test_check_command_exits_with_its_real_verdict(server: int, tmp_path: Path) -> None:
    """The real ``probe check`` process: CRITICAL (2) for the surrogate's misroute, not 1 or 3."""
    manifest = tmp_path / "surrogate.toml"
    manifest.write_text(f'[probe]\nconnect = "127.0.0.1:{server}"\ntimeout = {REQUEST_TIMEOUT}\n'
                        '[instances.good]\nlabel = "good"\nurls = ["http://good.example/"]\n'
                        '[instances.hostile]\nlabel = "hostile"\n'
                        'urls = ["http://surrogate-label.example/"]\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "probe", "check", "-m", str(manifest), "-v"],
                          capture_output=True, env={**os.environ, "WSGI_PROBE_TOKEN": TOKEN},
                          timeout=60, check=False)
    assert done.returncode == 2, done.stdout
    first = done.stdout.decode("utf-8").splitlines()[0]
    assert first.startswith("WSGI-PROBE CRITICAL - 1 of 2 URLs misrouted: ")
    assert "\\ud800" in first


@pytest.mark.parametrize("behaviour", ["nonce-5000", "signature-latin", "signature-null"])
def test_check_is_critical_for_a_hostile_proof_not_unknown(server: int, tmp_path: Path,
                                                          behaviour: str) -> None:
    """The real ``probe check`` process: the hostile answer is CRITICAL (not_live), not a crash."""
    manifest = tmp_path / "proof.toml"
    manifest.write_text(f'[probe]\nconnect = "127.0.0.1:{server}"\ntimeout = {REQUEST_TIMEOUT}\n'
                        '[instances.good]\nlabel = "good"\nurls = ["http://good.example/"]\n'
                        '[instances.hostile]\nlabel = "hostile"\n'
                        f'urls = ["http://{behaviour}.example/"]\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "probe", "check", "-m", str(manifest), "-v"],
                          capture_output=True, env={**os.environ, "WSGI_PROBE_TOKEN": TOKEN},
                          timeout=60, check=False)
    output = done.stdout.decode("utf-8")
    assert done.returncode == 2, output + done.stderr.decode("utf-8", "replace")
    assert output.startswith("WSGI-PROBE CRITICAL - "), output
    assert "not_live" in output or "not live" in output, output
    assert b"Traceback" not in done.stderr
