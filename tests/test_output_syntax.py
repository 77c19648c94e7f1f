"""Every output is valid in its own syntax and strict UTF-8, whatever the input.

File names are any bytes (Linux allows all but ``/`` and NUL; Python hands the others
back as surrogates), configuration is any bytes (ESC and BEL included), and an endpoint
may put terminal escapes in ``script_file``. Lint's text, JSON and SARIF, and the
sweep's JSON, JUnit and exporter page must each decode as strict UTF-8 and parse.
"""

from __future__ import annotations

import json
import os
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probe.exporter.page import render_page
from probe.lint import Httpd, LintResult, lint_paths
from probe.lint.report import render_json, render_text
from probe.lint.sarif import render_sarif
from probe.model import Cause
from probe.report import render
from probe.safe_text import os_text
from tests.test_diagnose import SITE1, SUB, result, run, thrice
from tests.test_diagnose_causes import PG, p1, p2_sub, sites

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
NAME = st.binary(min_size=1, max_size=16).filter(
    lambda name: b"/" not in name and b"\0" not in name and name not in (b".", b".."))
ARGUMENT = st.binary(max_size=24).filter(lambda arg: not set(arg) & set(b"\r\n\0\"<>"))
CONTROLS = set(range(0x20)) - {0x0A} | {0x7F}


def strict(data: str) -> str:
    """``data`` as written (UTF-8, strictly), decoded back: raises on a lone surrogate."""
    return data.encode("utf-8").decode("utf-8")


def uri_bytes(uri: str) -> bytes:
    """The path bytes a SARIF URI names; it must be ASCII without spaces or controls."""
    assert uri.isascii() and uri.isprintable() and " " not in uri, uri
    parts = urlsplit(uri)
    assert parts.scheme in ("", "file") and not parts.query and not parts.fragment, uri
    return unquote_to_bytes(parts.path)


def parsed(data: str) -> Any:
    """JSON text parsed; its strings too must be strict UTF-8 (no ``\\udcff`` escapes)."""
    document = json.loads(strict(data))
    strict(json.dumps(document, ensure_ascii=False))
    return document


def lint_outputs(result: LintResult) -> None:
    text = strict(render_text(result))
    assert not any(ord(c) in CONTROLS or 0x80 <= ord(c) < 0xA0 for c in text), repr(text)
    assert len(text.splitlines()) == sum(2 if f.fix else 1 for f in result.findings) + 1
    document = parsed(render_json(result))
    assert [f["file"] for f in document["findings"]] == [
        os_text(f.file) for f in result.findings]
    sarif = parsed(render_sarif(result))
    run = sarif["runs"][0]
    for artifact, name in zip(run["artifacts"], result.files, strict=True):
        assert uri_bytes(artifact["location"]["uri"]) == os.fsencode(name)
    for found, finding in zip(run["results"], result.findings, strict=True):
        uri = found["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri_bytes(uri) == os.fsencode(finding.file)


@SETTINGS
@given(NAME, NAME, NAME, ARGUMENT, st.binary(max_size=200))
def test_lint_outputs_parse_whatever_the_names_and_bytes(
        main_name: bytes, include_name: bytes, script_name: bytes, argument: bytes,
        noise: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = os.fsencode(tmp)
        include = os.path.join(root, b"sub dir", include_name)
        os.makedirs(os.path.dirname(include))
        with open(include, "wb") as file:
            file.write(b"ServerName \x1b]0;owned\x07" + argument + b"\n" + noise)
        script = os.path.join(root, script_name)  # never created: script_unreadable
        config = os.path.join(root, main_name)
        with open(config, "wb") as file:
            file.write(b'Include "' + include + b'"\n<VirtualHost *:80>\nServerName '
                       + argument + b"\nWSGIScriptAlias / \"" + script
                       + b'"\nWSGIProcessGroup \x1b[31m' + argument + b"\n</VirtualHost>\n")
        for path in (config, os.path.relpath(config, os.getcwdb())):
            try:
                result = lint_paths([os.fsdecode(path)], httpd=Httpd())
            except Exception as exc:  # ConfigUnreadable: one line, and strict UTF-8
                assert "\n" not in str(exc)
                continue
            assert result.findings, "the undefined daemon group and the script are findings"
            lint_outputs(result)


def test_a_non_utf8_file_name_in_lint_json_and_sarif(tmp_path: Path) -> None:
    """The example behind the property: a byte 0xff and a line break in a file name."""
    name = os.path.join(os.fsencode(tmp_path), b"odd \xff\nname.conf")
    with open(name, "wb") as file:
        file.write(b"<VirtualHost *:80>\nServerName a\x1bb\x07\nWSGIProcessGroup g\n"
                   b"</VirtualHost>\n")
    result = lint_paths([os.fsdecode(name)], httpd=Httpd())
    lint_outputs(result)
    text = render_text(result)
    assert "odd \\xff\\x0aname.conf" in text
    assert "\x1b" not in text and "\x07" not in text
    relative = os.fsdecode(b"odd \xff\nname.conf")
    sarif = render_sarif(LintResult(result.findings, (relative,)))
    assert json.loads(sarif)["runs"][0]["artifacts"][0]["location"]["uri"] == (
        "odd%20%FF%0Aname.conf")


SCRIPT = st.text(min_size=1, max_size=30) | st.sampled_from(
    ["/srv/\x1b]0;owned\x07wsgi.py", "/srv/\x1b[2J\x1b[31mred.wsgi", "/srv/a\u202eb.py"])


@SETTINGS
@given(SCRIPT)
def test_script_file_controls_never_reach_a_fix_or_the_page_raw(script: str) -> None:
    """A process-group misroute's fix quotes the endpoint's script_file."""
    one = {**p1(), "process_group": "project-1"}
    sub = {**p2_sub(process_group="project-1", settings="mysite.settings"),
           "script_file": script}
    report = run([thrice(SITE1, "project-1", one), thrice(SUB, "project-2", sub)], sites(*PG))
    found = result(report, SUB)
    assert found.cause is Cause.PROCESS_GROUP_SCOPE
    document = parsed(render(report, "json"))
    fix = next(t["fix"] for t in document["targets"] if t["url"] == SUB)
    assert fix == found.fix and fix.startswith("Delegate the mount explicitly")
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or c == "\u202e" for c in fix), fix
    ET.fromstring(strict(render(report, "junit")))  # noqa: S314 - our own output
    page = strict(render_page(report, 1.0, manifest="m.toml", version="t"))
    assert "\x1b" not in page and "\x07" not in page and "\u202e" not in page


def test_the_page_escapes_control_characters_from_anywhere() -> None:
    """html.escape leaves ESC and BEL: a manifest's file name, or any text a report
    carries, must not reach the page raw (a terminal showing the HTML would obey them)."""
    one = {**p1(), "process_group": "project-1"}
    report = run([thrice(SITE1, "project-1", one)], sites(*PG))
    page = strict(render_page(report, 1.0, manifest="m\x1b]0;owned\x07.toml", version="t\x9b"))
    assert "m\\x1b]0;owned\\x07.toml" in page
    assert not any((ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) < 0xA0 for c in page)
