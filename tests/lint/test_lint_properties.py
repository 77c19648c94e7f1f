"""Property tests: any configuration text, however broken, gets findings or one clear line from
``probe lint`` and ``probe discover``, never a traceback (issue 9)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probe.apache.config import ConfigUnreadable
from probe.cli import main
from probe.lint import Httpd, lint_paths

DIRECTIVES = ["WSGIScriptAlias", "WSGIDaemonProcess", "WSGIProcessGroup", "WSGIApplicationGroup",
              "WSGIImportScript", "WSGIScriptAliasMatch", "WSGIHandlerScript", "ServerName",
              "ServerAlias", "Listen", "Include", "IncludeOptional", "Define", "LoadModule",
              "SetHandler", "AddHandler", "Alias", "Redirect", "RewriteRule", "Require",
              "WSGIPythonHome", "SSLEngine", "UseCanonicalName", "ServerRoot"]
SECTIONS = ["VirtualHost", "Directory", "Location", "IfModule", "IfDefine", "IfVersion",
            "Files", "LocationMatch", "Macro"]
WORD = st.text(alphabet=st.sampled_from(list("abc/*:.%{}=-_ 1\\\"'$|#<>")), max_size=12)


@st.composite
def config_text(draw: st.DrawFn) -> str:
    """Lines shaped like httpd configuration: directives, sections (balanced or not), noise."""
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.integers(0, 4))
        if kind == 0:
            lines.append(f"<{draw(st.sampled_from(SECTIONS))} {draw(WORD)}>")
        elif kind == 1:
            lines.append(f"</{draw(st.sampled_from(SECTIONS))}>")
        elif kind == 2:
            lines.append(draw(st.text(max_size=40)))
        else:
            args = " ".join(draw(st.lists(WORD, max_size=4)))
            lines.append(f"{draw(st.sampled_from(DIRECTIVES))} {args}")
    return "\n".join(lines)


SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(config_text())
def test_any_configuration_lints_and_discovers_without_a_traceback(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "httpd.conf"
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        try:
            result = lint_paths([path], httpd=Httpd())
        except ConfigUnreadable as exc:
            assert "\n" not in str(exc)
        else:
            assert result.exit_status in (0, 1)
            assert all(f.file and f.line >= 0 for f in result.findings)
        for command in (["lint", str(path)], ["discover", str(path)]):
            done = CliRunner().invoke(main, command)
            assert done.exit_code in (0, 1, 2), (command, done.output)
            assert done.exception is None or isinstance(done.exception, SystemExit), (
                command, done.exception)
            assert "Traceback" not in done.output


@SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes_lint_without_a_traceback(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "httpd.conf"
        path.write_bytes(data)
        done = CliRunner().invoke(main, ["lint", str(path)])
        assert done.exit_code in (0, 1, 2), done.output
        assert done.exception is None or isinstance(done.exception, SystemExit), done.exception


def test_an_include_of_the_whole_file_system_is_refused_at_once(tmp_path: Path) -> None:
    # Found by the property test above: "Include /" walked every file and, as root in a
    # container, hit /proc/1/cwd (PermissionError from realpath).
    path = tmp_path / "httpd.conf"
    path.write_text("Include /\n", encoding="utf-8")
    result = lint_paths([path], httpd=Httpd())
    (finding,) = [f for f in result.findings if "Include /" in f.message]
    assert "matches more than" in finding.message and result.exit_status == 1
