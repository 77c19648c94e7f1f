"""``probe lint --format sarif``: the shape SARIF 2.1.0 requires, checked field by field
(the parts code scanning services read)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from probe.cli import main

CONFIG = """\
WSGIDaemonProcess idle
<VirtualHost *:80>
    ServerName site-1.example.com
    WSGIScriptAlias / {root}/p1.wsgi
    WSGIScriptAlias /suburl {root}/p2.wsgi
</VirtualHost>
<VirtualHost *:80>
    ServerName site-2.example.com
    WSGIScriptAlias / {root}/p2.wsgi
</VirtualHost>
"""


def sarif(tmp_path: Path, config: str) -> tuple[int, dict[str, Any]]:
    for name in ("p1.wsgi", "p2.wsgi"):
        (tmp_path / name).write_text("")
    conf = tmp_path / "httpd.conf"
    conf.write_text(config.format(root=tmp_path))
    result = CliRunner().invoke(main, ["lint", "--format", "sarif", str(conf)])
    return result.exit_code, json.loads(result.output)


def test_sarif_shape(tmp_path: Path) -> None:
    status, log = sarif(tmp_path, CONFIG)
    assert status == 1
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert isinstance(driver["name"], str) and driver["name"]
    rule_ids = [r["id"] for r in driver["rules"]]
    assert rule_ids == sorted(set(rule_ids))
    for rule in driver["rules"]:
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert rule["shortDescription"]["text"]
    found = []
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note", "none")
        assert isinstance(result["message"]["text"], str) and result["message"]["text"]
        [location] = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == (tmp_path / "httpd.conf").as_uri()
        assert isinstance(physical["region"]["startLine"], int)
        assert physical["region"]["startLine"] >= 1
        found.append((result["ruleId"], result["level"], physical["region"]["startLine"]))
    assert sorted(found) == [("alias_order", "error", 5), ("unused_daemon", "warning", 1),
                             ("vhost_fallback", "warning", 2)]
    assert [a["location"]["uri"] for a in run["artifacts"]] == [
        (tmp_path / "httpd.conf").as_uri()]


def test_clean_configuration_is_an_empty_run(tmp_path: Path) -> None:
    status, log = sarif(tmp_path, "WSGIScriptAlias / {root}/p1.wsgi\n")
    assert status == 0
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []
