"""Hostile files and input: every file the tool reads is a regular file of bounded size.

FIFOs (a blocking open waits for a writer forever), ``/dev/zero`` (never ends), deep TOML,
NUL characters, tampered baselines. Each is one line and exit 2, never a hang or a
traceback. Commands that could hang run as real processes with a timeout, so a
regression fails the test instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from probe import baseline, files, manifest
from probe.apache.scripts import read_script
from probe.cli import main
from probe.credentials import read_token
from probe.deploy_time import parse_deploy_time
from probe.endpoint_answer import EndpointAnswer
from probe.errors import ManifestError, ProbeError, UsageError
from probe.model import Report, TargetResult, Verdict
from probe.report import render
from tests.monitoring_helpers import closed_port

HANG = 60
"""Seconds after which a command that should refuse at once is taken as hung."""


def one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in lines[0]), lines[0]
    lines[0].encode("utf-8")
    return lines[0]


def probe(*args: str, cwd: Path) -> tuple[int, str, str]:
    """``probe ARGS`` as a process; a hang fails the test (TimeoutExpired)."""
    done = subprocess.run([sys.executable, "-m", "probe", *args], capture_output=True,
                          text=True, timeout=HANG, cwd=cwd, check=False,
                          env={**os.environ, "NO_COLOR": "1"})
    return done.returncode, done.stdout, done.stderr


def refused(*args: str, cwd: Path) -> str:
    code, out, err = probe(*args, cwd=cwd)
    assert code == 2, (code, out, err)
    assert "Traceback" not in err
    return one_line(err)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "a.fifo"
    os.mkfifo(path)
    return path


@pytest.fixture
def url() -> str:
    return f"http://127.0.0.1:{closed_port()}/"


# --- the shared guard -----------------------------------------------------------------------

@pytest.mark.parametrize("reader", [
    lambda p: files.read_bytes(p, 100),
    lambda p: files.read_text(p, 100),
    files.regular_stat,
    files.check_writable,
])
def test_the_guard_refuses_fifos_and_devices(fifo: Path,
                                             reader: Callable[[Path], object]) -> None:
    for path in (fifo, Path("/dev/zero"), Path("/dev/null")):
        with pytest.raises(files.FileRefused, match="not a regular file"):
            reader(path)


def test_the_guard_bounds_the_size_and_refuses_nul(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"x" * 101)
    with pytest.raises(files.FileRefused, match="larger than 100 bytes") as caught:
        files.read_bytes(big, 100)
    assert caught.value.too_large
    assert files.read_bytes(big, 101) == b"x" * 101
    with pytest.raises(files.FileRefused, match="NUL"):
        files.read_bytes(str(big) + "\0x", 100)


def test_writing_refuses_a_fifo_even_with_a_reader(fifo: Path) -> None:
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with pytest.raises(files.FileRefused):
            files.write_text(fifo, "x")
        assert os.read(reader, 10) == b""
    finally:
        os.close(reader)


def test_writing_replaces_a_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "out"
    path.write_text("a much longer old content\n")
    files.write_text(path, "new\n")
    assert path.read_text() == "new\n"


# --- each reader uses it --------------------------------------------------------------------

def test_baseline_fifo_and_dev_zero(tmp_path: Path, fifo: Path, url: str) -> None:
    assert refused("sweep", "--baseline", str(fifo), url, cwd=tmp_path) == (
        f"probe: --baseline: {fifo}: cannot read: not a regular file")
    assert refused("sweep", "--baseline", "/dev/zero", url, cwd=tmp_path) == (
        "probe: --baseline: /dev/zero: cannot read: not a regular file")


def test_save_baseline_to_a_fifo_or_device_is_refused_before_the_sweep(
        tmp_path: Path, fifo: Path, url: str) -> None:
    assert refused("sweep", "--save-baseline", str(fifo), url, cwd=tmp_path) == (
        f"probe: --save-baseline: {fifo}: cannot write: not a regular file")
    assert refused("sweep", "--save-baseline", "/dev/null", url, cwd=tmp_path) == (
        "probe: --save-baseline: /dev/null: cannot write: not a regular file")


def test_a_huge_baseline_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "b.json"
    path.write_text(" " * 2000 + "{}")
    monkeypatch.setattr(baseline, "MAX_BASELINE_BYTES", 1000)
    with pytest.raises(UsageError, match="larger than 1000 bytes"):
        baseline.load(str(path))


def test_token_file_fifo_and_dev_zero(fifo: Path) -> None:
    for path in (str(fifo), "/dev/zero"):
        settings = manifest.ProbeSettings(token_file=path)
        with pytest.raises(ManifestError, match="not a regular file"):
            read_token(settings, {})


def test_restarted_after_a_fifo(fifo: Path) -> None:
    with pytest.raises(UsageError, match="not a regular file"):
        parse_deploy_time(f"@{fifo}")


def test_lint_and_discover_refuse_fifo_configuration(tmp_path: Path, fifo: Path) -> None:
    for command in ("lint", "discover"):
        line = refused(command, str(fifo), cwd=tmp_path)
        assert line.endswith(f"{fifo}: cannot read: not a regular file"), line


def test_lint_notes_an_included_fifo_and_a_fifo_script(tmp_path: Path, fifo: Path) -> None:
    config = tmp_path / "site.conf"
    config.write_text(f"Include {fifo}\n<VirtualHost *:80>\nServerName a.example\n"
                      f"WSGIScriptAlias / {fifo}\n</VirtualHost>\n")
    code, out, err = probe("lint", str(config), cwd=tmp_path)
    assert code == 1, (out, err)
    assert f"Include {fifo}: cannot read: not a regular file" in out
    assert read_script(str(fifo)).error == "not a regular file"
    assert read_script("/dev/zero").error == "not a regular file"


# --- input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("nested", [
    "a = " + "[" * 500 + "]" * 500,
    "a = " + "{b = " * 500 + "1" + "}" * 500,
])
def test_toml_nested_500_deep_is_one_line(tmp_path: Path, nested: str) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(nested + "\n")
    assert refused("sweep", "-m", str(path), cwd=tmp_path) == (
        f"probe: {path}: TOML nested too deeply: not a manifest")


def test_a_nul_in_a_manifest_url(tmp_path: Path) -> None:
    path = tmp_path / "nul.toml"
    path.write_text('[instances.a]\nlabel = "a"\nurls = ["http://127.0.0.1:1/a\\u0000b"]\n')
    assert refused("sweep", "-m", str(path), cwd=tmp_path) == (
        f"probe: {path}: instances.a.urls[0]: a control character in the URL: "
        "'http://127.0.0.1:1/a\\x00b'")


@pytest.mark.parametrize("key", ["ca_file", "token_file", "token_env"])
def test_a_nul_in_a_file_or_variable_name(key: str) -> None:
    with pytest.raises(ManifestError, match=f"probe.{key}: a NUL character in 'a\\\\x00b'"):
        manifest.parse(f'[probe]\n{key} = "a\\u0000b"\n[instances.a]\nlabel = "a"\n'
                       'urls = ["http://a/"]\n')


def test_a_nul_in_a_command_line_url() -> None:
    # No shell can pass a NUL in argv; in-process, click can, and check_url is the same.
    result = CliRunner().invoke(main, ["sweep", "http://127.0.0.1:1/a\0b"])
    assert result.exit_code == 2, result.output
    assert one_line(result.stderr) == (
        "probe: command line: URL[0]: a control character in the URL: "
        "'http://127.0.0.1:1/a\\x00b'")


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\n", "\r", " ", "\t", "\x7f"])
def test_controls_in_urls_are_refused(bad: str) -> None:
    with pytest.raises(ProbeError, match="a control character in the URL"):
        manifest.check_url(f"http://a.example/x{bad}y/", "URL")


# --- baselines ------------------------------------------------------------------------------

def baseline_text(**changes: object) -> str:
    entry = {"url": "http://a.example/", "address": None, "instance": "i\ud800",
             "label": "l\udfff", "settings": None, "process_group": None,
             "application_group": None, "code_version": None, "script_mtime": None,
             "instance_id": "x", "started_at": None, "verdict": "ok"}
    data: dict[str, object] = {"kind": "wsgi-probe-baseline", "schema": 1,
                               "created": "2026-11-30T03:00:00+00:00", "entries": [entry]}
    data.update(changes)
    return json.dumps(data)  # ensure_ascii: the surrogates are written as \\ud800 escapes


def test_a_boolean_schema_is_not_schema_1(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(baseline_text(schema=True))
    with pytest.raises(UsageError, match="not a wsgi-probe baseline"):
        baseline.load(str(path))
    path.write_text(baseline_text(schema=1.0))
    with pytest.raises(UsageError, match="not a wsgi-probe baseline"):
        baseline.load(str(path))


def test_a_tampered_baseline_puts_no_lone_surrogate_in_any_report(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(baseline_text())
    before = baseline.load(str(path))
    answer = EndpointAnswer.from_json({"schema": 1, "instance_id": "y", "label": "new"})
    now = TargetResult(url="http://a.example/", expected="*", verdict=Verdict.OK, cause=None,
                       explanation="", fix="", observed=answer, status_code=200, samples=1,
                       elapsed_ms=1.0, answered_by="b")
    compared = baseline.compare(Report((now,)), before)
    assert compared.findings, "the changed label must be a finding"
    for fmt in ("json", "table", "junit"):
        text = render(compared, fmt)
        text.encode("utf-8")  # strict: a lone surrogate raises here
        if fmt == "json":
            document = json.dumps(json.loads(text), ensure_ascii=False)
            document.encode("utf-8")
            assert "\\ud800" in document  # shown, escaped, not dropped


@pytest.mark.parametrize("query", ["target=http://a.example/%00x/",
                                   "target=http://a.example/x%0d%0aX:%20y/",
                                   "target=http://a.example%00.evil/"])
def test_a_control_character_in_a_probe_target_is_400(query: str) -> None:
    """parse_qs decodes %00 to a NUL: refused as the target, one line, nothing crashes."""
    import structlog

    from probe.exporter import command as exporter

    app = exporter.build_app(manifest.parse('[instances.a]\nlabel = "a"\n'
                                            'urls = ["http://a.example/"]\n'),
                             exporter.ExporterOptions(), sweep=lambda *a, **k: Report(()))
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/probe", "QUERY_STRING": query}
    got: list[str] = []
    with structlog.testing.capture_logs() as logs:
        body = b"".join(app(environ, lambda status, headers: got.append(status)))
    assert got == ["400 Bad Request"], body
    assert one_line(body.decode("utf-8")).startswith("target: a control character in the URL")
    assert [e["event"] for e in logs] == []
