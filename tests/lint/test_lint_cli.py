"""``probe lint`` on the command line: line format, exit statuses, JSON."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from probe.cli import main

SHADOWED = """\
<VirtualHost *:80>
    ServerName a.example
    WSGIScriptAlias / {root}/a.wsgi
    WSGIScriptAlias /sub {root}/b.wsgi
</VirtualHost>
"""


def write(tmp_path: Path, text: str) -> Path:
    for name in ("a.wsgi", "b.wsgi"):
        (tmp_path / name).write_text("")
    conf = tmp_path / "site.conf"
    conf.write_text(text.format(root=tmp_path))
    return conf


def test_findings_exit_1_in_file_line_format(tmp_path: Path) -> None:
    conf = write(tmp_path, SHADOWED)
    result = CliRunner().invoke(main, ["lint", str(conf)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{conf}:4: error alias_order: WSGIScriptAlias /sub ")
    assert lines[1].startswith("    fix: list the longer mount first")
    assert lines[-1] == "1 error (1 configuration file read)"


def test_clean_exit_0(tmp_path: Path) -> None:
    conf = write(tmp_path, SHADOWED.replace("/sub", "/").replace("WSGIScriptAlias / {root}/a",
                                                                 "WSGIScriptAlias /sub {root}/a"))
    result = CliRunner().invoke(main, ["lint", str(conf)])
    assert result.exit_code == 0, result.output
    assert result.output == "clean: no findings (1 configuration file read)\n"


def test_unreadable_exit_2_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["lint", str(tmp_path / "absent.conf")])
    assert result.exit_code == 2
    assert result.output.strip() == f"probe: {tmp_path / 'absent.conf'}: cannot read: " \
                                    "No such file or directory"


def test_json_format(tmp_path: Path) -> None:
    conf = write(tmp_path, SHADOWED)
    result = CliRunner().invoke(main, ["lint", "--format", "json", str(conf)])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["status"] == "findings" and data["files"] == [str(conf)]
    [finding] = data["findings"]
    assert (finding["code"], finding["severity"], finding["line"]) == ("alias_order", "error", 4)
