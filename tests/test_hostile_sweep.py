"""One hostile answer costs its own URL a verdict, never the sweep: in ``probe sweep``,
``probe check`` and the exporter, every other URL keeps its own.

The hostile server of tests/test_hostile_servers.py (real loopback sockets) plays four
more behaviours that once raised TypeError out of the sweep (exit 70, every result lost):
a nonce or a signature outside ASCII, or of 5,000 characters. The real endpoint
(contrib/wsgi_endpoint.py) answers ``good.example`` beside them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from probe import diagnose as diagnosing
from probe.diagnose import sweep_findings as finders
from probe.exporter import command as exporter
from probe.manifest import parse
from probe.model import Verdict
from probe.sweep import run_sweep
from tests import test_hostile_servers as hostile
from tests.test_hostile_servers import BEHAVIOURS, REQUEST_TIMEOUT, TOKEN, answer, hostile_server

RAISED = {  # what each answer sends instead of the right nonce or signature
    "nonce-accents": {"nonce": "é" * 32},
    "nonce-5000": {"nonce": "n" * 5000},
    "signature-accents": {"signature": "é" * 64},
    "signature-5000": {"signature": "s" * 5000},
}
GOOD = "http://good.example/"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("WSGI_PROBE_TOKEN", TOKEN)
    for name, changes in RAISED.items():
        monkeypatch.setitem(BEHAVIOURS, name, (answer(**changes), Verdict.BAD_ANSWER, None))
    hostile.STORED.clear()
    with hostile_server() as port:
        yield port


def manifest_text(port: int) -> str:
    hostiles = "\n".join(f'[instances.{name}]\nlabel = "hostile"\nsettings = "{name}"\n'
                         f'urls = ["http://{name}.example/"]' for name in RAISED)
    return (f'[probe]\nconnect = "127.0.0.1:{port}"\ntimeout = {REQUEST_TIMEOUT}\n'
            f'samples = 2\n[instances.good]\nlabel = "good"\nurls = ["{GOOD}"]\n{hostiles}\n')


def assert_verdicts(verdicts: dict[str, str]) -> None:
    """The good URL ok; each hostile one a verdict of its own that is not ok."""
    assert verdicts.pop(GOOD) == "ok"
    assert set(verdicts) == {f"http://{name}.example/" for name in RAISED}
    for url, verdict in verdicts.items():
        assert verdict in ("bad_answer", "not_live"), (url, verdict)


def test_the_sweep_gives_each_hostile_answer_its_verdict(server: int) -> None:
    report = run_sweep(parse(manifest_text(server)), deadline=30, token=TOKEN)
    assert_verdicts({t.url: t.verdict.value for t in report.targets})


def test_probe_sweep_and_probe_check_keep_every_result(server: int, tmp_path: Path) -> None:
    manifest = tmp_path / "hostile.toml"
    manifest.write_text(manifest_text(server), encoding="utf-8")
    env = {**os.environ, "WSGI_PROBE_TOKEN": TOKEN}
    swept = subprocess.run([sys.executable, "-m", "probe", "sweep", "-m", str(manifest),
                            "--format", "json"], capture_output=True, env=env, timeout=120,
                           check=False, text=True)
    assert swept.returncode == 1, swept.stderr  # problems found; 70 was an internal error
    assert_verdicts({t["url"]: t["verdict"] for t in json.loads(swept.stdout)["targets"]})
    checked = subprocess.run([sys.executable, "-m", "probe", "check", "-m", str(manifest)],
                             capture_output=True, env=env, timeout=120, check=False, text=True)
    assert checked.returncode == 2, checked.stdout  # CRITICAL, not UNKNOWN (3)
    assert checked.stdout.startswith("WSGI-PROBE CRITICAL"), checked.stdout


def test_the_exporter_exports_every_other_url(server: int) -> None:
    app = exporter.build_app(parse(manifest_text(server)), exporter.ExporterOptions(),
                             token=TOKEN)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/metrics", "QUERY_STRING": "",
               "HTTP_X_PROMETHEUS_SCRAPE_TIMEOUT_SECONDS": "30"}
    got: list[Any] = []
    body = b"".join(app(environ, lambda status, headers: got.append(status))).decode()
    assert got == ["200 OK"]
    ok = dict(re.findall(r'wsgi_probe_url_ok\{[^}]*url="([^"]+)"[^}]*\} (\S+)', body))
    assert ok.pop(GOOD) == "1.0", body
    assert ok == {f"http://{name}.example/": "0.0" for name in RAISED}, body


def test_a_url_whose_diagnosis_raises_gets_bad_answer_alone(
        server: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever bug an answer sets off in diagnosis stays with that URL."""
    real = diagnosing.diagnose_target

    def buggy(obs: Any, *args: Any) -> Any:
        if "nonce-5000" in obs.target.url:
            raise KeyError("a bug")
        return real(obs, *args)

    monkeypatch.setattr(diagnosing, "diagnose_target", buggy)
    report = run_sweep(parse(manifest_text(server)), deadline=30, token=TOKEN)
    verdicts = {t.url: t for t in report.targets}
    broken = verdicts["http://nonce-5000.example/"]
    assert broken.verdict is Verdict.BAD_ANSWER
    assert "could not be diagnosed (internal error KeyError: 'a bug')" in broken.explanation
    assert verdicts[GOOD].verdict is Verdict.OK


def test_findings_that_raise_leave_every_verdict(server: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def buggy(*args: Any) -> Any:
        raise ValueError("across")

    monkeypatch.setattr(finders, "cross_url_findings", buggy)
    report = run_sweep(parse(manifest_text(server)), deadline=30, token=TOKEN)
    assert_verdicts({t.url: t.verdict.value for t in report.targets})
    assert [(f.code, f.severity.value) for f in report.findings] == [
        ("internal_error", "warning")]
