"""One exit map for every command (probe.exits): a bug is never "a problem found".

A renderer is made to raise on purpose; each command must then end with one
line and its documented internal-error status, not a traceback or a verdict's code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from probe.cli import main
from probe.errors import ManifestError, ProbeError
from probe.exits import ExitStatus, outcome
from probe.report.nagios import PluginOutput

MANIFEST = """\
[probe]
samples = 1
timeout = 2
connect = "127.0.0.1:9"
[instances.a]
label = "a"
urls = ["http://a.example/"]
"""


class Boom(RuntimeError):
    pass


def explode(*args: object, **kwargs: object) -> str:
    raise Boom("renderer broke")


@pytest.fixture
def manifest_file(tmp_path: Path) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(MANIFEST, encoding="utf-8")
    return path


@pytest.mark.parametrize(("exc", "command", "status", "internal"), [
    (ManifestError("m.toml: bad"), "sweep", ExitStatus.ERROR, False),
    (ManifestError("m.toml: bad"), "check", ExitStatus.PLUGIN_UNKNOWN, False),
    (Boom("x"), "sweep", ExitStatus.INTERNAL_ERROR, True),
    (Boom("x"), "lint", ExitStatus.INTERNAL_ERROR, True),
    (Boom("x"), "check", ExitStatus.PLUGIN_UNKNOWN, True),
    (KeyboardInterrupt(), "sweep", ExitStatus.INTERRUPTED, False),
    (KeyboardInterrupt(), "check", ExitStatus.PLUGIN_UNKNOWN, False),
])
def test_the_map(exc: BaseException, command: str, status: ExitStatus, internal: bool) -> None:
    result = outcome(exc, command)
    assert (result.status, result.internal) == (status, internal)
    assert "\n" not in result.message


def test_internal_error_is_distinct_from_every_verdict_code() -> None:
    assert ExitStatus.INTERNAL_ERROR not in (0, 1, 2, 3, 130)


def test_a_user_error_message_is_one_line_with_controls_escaped() -> None:
    assert str(ProbeError("key 'a\nb\x1b[31m'")) == "key 'a\\x0ab\\x1b[31m'"


def test_sweep_with_a_raising_renderer_exits_internal_error(
        manifest_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import probe.report

    monkeypatch.setattr(probe.report, "render", explode)
    result = CliRunner().invoke(main, ["sweep", "-m", str(manifest_file)])
    assert result.exit_code == 70
    assert ExitStatus.INTERNAL_ERROR.value == 70
    assert result.stderr.splitlines()[-1] == "probe: internal error: Boom: renderer broke"
    assert "Traceback" not in result.output


def test_check_with_a_raising_renderer_is_unknown(
        manifest_file: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from probe.check import plugin as check
    from probe.report.nagios import render as real_render

    calls: list[PluginOutput] = []

    def render_once_broken(output: PluginOutput) -> str:
        calls.append(output)
        if len(calls) == 1:
            raise Boom("renderer broke")
        return real_render(output)

    monkeypatch.setattr(check, "render", render_once_broken)
    code = check.main(check.CheckOptions(str(manifest_file), timeout=5))
    assert code == 3
    assert capsys.readouterr().out == (
        "WSGI-PROBE UNKNOWN - internal error: Boom: renderer broke\n")


def test_check_with_a_renderer_that_always_raises_still_prints_its_line(
        manifest_file: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from probe.check import plugin as check

    monkeypatch.setattr(check, "render", explode)
    assert check.main(check.CheckOptions(str(manifest_file), timeout=5)) == 3
    assert capsys.readouterr().out == (
        "WSGI-PROBE UNKNOWN - internal error: Boom: renderer broke\n")


def test_every_command_runs_inside_the_map(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    """lint's renderer raising: the same one line and status as sweep's."""
    import probe.lint.report

    monkeypatch.setattr(probe.lint.report, "render_text", explode)
    conf = tmp_path / "httpd.conf"
    conf.write_text("ServerName a.example\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", str(conf)])
    assert result.exit_code == 70
    assert result.stderr == "probe: internal error: Boom: renderer broke\n"


def test_traceback_on_request_for_a_bug_report(tmp_path: Path) -> None:
    """In a real process: one line by default, the traceback with WSGI_PROBE_TRACEBACK=1."""
    code = ("import sys, probe.report, probe.cli\n"
            "def boom(*a, **k): raise RuntimeError('renderer broke')\n"
            "probe.report.render = boom\n"
            "sys.argv = ['probe', 'sweep', '-m', sys.argv[1]]\n"
            "probe.cli.main()\n")
    path = tmp_path / "site.toml"
    path.write_text(MANIFEST, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "WSGI_PROBE_TRACEBACK"}
    quiet = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                           text=True, env=env, timeout=60)
    assert quiet.returncode == 70
    assert quiet.stderr.strip().splitlines()[-1] == (
        "probe: internal error: RuntimeError: renderer broke")
    assert "Traceback" not in quiet.stderr
    loud = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          text=True, env={**env, "WSGI_PROBE_TRACEBACK": "1"}, timeout=60)
    assert loud.returncode == 70
    assert "Traceback" in loud.stderr
