"""A server that sends the probe's token back never gets it repeated: a redirect, a header,
an answer's label and settings, even the signed instance_id hold ``<probe token>`` in every
output (probe.token_redaction), and the signature is still checked against what was sent.
The server is a real one on loopback; the sweep, the check and the exporter are the real
commands."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from probe.cli import main
from probe.manifest import load
from probe.model import Verdict
from probe.sweep import run_sweep
from tests.every_output import every_output
from tests.loopback_wsgi import serve
from tests.monitoring_helpers import PROBE, start_exporter

TOKEN = "TOKEN-SECRET-abc123XYZ"
PLACEHOLDER = "<probe token>"


def echoing(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The endpoint's answer, signed, with whatever token it was sent in its texts."""
    sent = environ.get("HTTP_X_PROBE_TOKEN", "")
    nonce = environ.get("HTTP_X_PROBE_NONCE", "")
    path = environ["PATH_INFO"]
    if path.startswith("/redirect/"):
        start_response("302 Found", [("Location", f"http://evil.example/?t={sent}"),
                                     ("Server", f"echo {sent}"), ("Content-Length", "0")])
        return [b""]
    if path.startswith("/typed/"):
        start_response("200 OK", [("Content-Type", f"text/{sent}")])
        return [b"{}"]
    instance_id = f"id-{sent}" if path.startswith("/signed/") else "a" * 32
    body = {
        "schema": 1, "label": f"tok={sent}", "instance_id": instance_id, "pid": 7, "ppid": 1,
        "process_group": None, "application_group": f"{sent}|",
        "settings_module": {"environ": sent, "loaded": f"\\u escaped {sent}"},
        "request": {"host": "h", "server_name": "h", "server_port": "80", "scheme": "http",
                    "script_name": "", "path_info": "/__probe__"},
        "script_file": None, "server": {}, "python": {},
        "started_at": "2024-01-01T00:00:00+00:00", "uptime_s": 1.0, "hits": 1, "nonce": nonce,
        "signature": hmac.new(sent.encode(), f"{nonce}\n{instance_id}".encode(),
                              hashlib.sha256).hexdigest(),
    }
    # ensure_ascii with a non-ASCII character: the token's letters escaped too, as \\u0054.
    text = json.dumps(body).replace(sent, "".join(f"\\u{ord(c):04x}" for c in sent), 1)
    start_response("200 OK", [("Content-Type", "application/json")])
    return [text.encode()]


@pytest.fixture
def manifest(tmp_path: Path) -> Iterator[Path]:
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    token.chmod(0o600)
    with serve(echoing) as port:
        base = f"http://127.0.0.1:{port}"
        path = tmp_path / "m.toml"
        path.write_text(
            f'[probe]\ntoken_file = "{token}"\nsamples = 1\n'
            + "".join(f'[instances.{name}]\nlabel = "{name}"\nurls = ["{base}/{name}/"]\n'
                      for name in ("echo", "signed", "redirect", "typed")))
        yield path


def test_every_output_shows_the_placeholder_not_the_token(manifest: Path) -> None:
    report = run_sweep(load(str(manifest)), token=TOKEN, extra_probes=False)
    targets = {t.url.rstrip("/").rsplit("/", 1)[-1]: t for t in report.targets}
    # The signature was checked on the instance_id as sent: a live answer, not a forged one.
    signed = targets["signed"]
    assert signed.verdict is not Verdict.NOT_LIVE, signed.explanation
    assert signed.observed is not None and signed.observed.instance_id == f"id-{PLACEHOLDER}"
    assert signed.observed.raw["instance_id"] == f"id-{PLACEHOLDER}"
    assert targets["echo"].observed is not None
    assert targets["echo"].observed.label == f"tok={PLACEHOLDER}"
    assert f"http://evil.example/?t={PLACEHOLDER}" in targets["redirect"].explanation
    for name, body in every_output(report).items():
        assert TOKEN.encode() not in body, name
    assert PLACEHOLDER in every_output(report)["json"].decode()


def test_sweep_json_and_check_do_not_repeat_the_token(manifest: Path) -> None:
    result = CliRunner().invoke(main, ["sweep", "-m", str(manifest), "--format", "json",
                                       "--no-extra-probes", "-vv"])
    assert result.exit_code == 1, result.output
    assert TOKEN not in result.output and PLACEHOLDER in result.output
    check = subprocess.run([*PROBE, "check", "-m", str(manifest), "-vvv"], capture_output=True,
                           text=True, timeout=60, check=False, stdin=subprocess.DEVNULL)
    assert check.returncode in (1, 2), check
    assert TOKEN not in check.stdout + check.stderr and PLACEHOLDER in check.stdout


def test_the_exporter_does_not_repeat_the_token(manifest: Path) -> None:
    running = start_exporter(["-m", str(manifest)], env={"WSGI_PROBE_TOKEN": ""})
    try:
        metrics = running.get("/metrics").text
        page = running.get("/").text
        text = manifest.read_text()
        url = text[text.index("http://"):text.index("/echo/") + 6]
        probed = running.get("/probe", params={"target": url}).text
    finally:
        stdout, stderr = running.stop()
    for name, shown in (("metrics", metrics), ("page", page), ("probe", probed),
                        ("log", stdout + stderr)):
        assert TOKEN not in shown, name
    assert PLACEHOLDER in metrics and PLACEHOLDER in probed
    assert os.environ.get("WSGI_PROBE_TOKEN") != TOKEN
