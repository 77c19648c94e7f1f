"""``probe discover`` given two separate httpd configurations on real Apache: two members
running the same sites, each its own httpd started with its own ``-f`` (tester T38's fleet,
there on 127.0.0.2-4). The manifest is one fleet's, a ``connect`` list of both members'
addresses, and its sweep is ok at each (discover used to read the two files as one httpd,
"httpd also listens on", with one ``connect``)."""

from __future__ import annotations

import json
import tomllib

import pytest
from click.testing import CliRunner

from probe.cli import main

from .apache import scenario_template
from .conftest import ApacheFactory

pytestmark = pytest.mark.apache


def test_two_httpd_members_discovered_together_sweep_ok_at_each(apache: ApacheFactory) -> None:
    a = apache(scenario_template("healthy"))
    # B: its own httpd with the same sites at A's port on 127.0.0.2 (its 127.0.0.1 port is
    # the test helper's, to see it started)
    b = apache(f"Listen 127.0.0.2:{a.port}\n"
               + scenario_template("healthy").replace("@PORT@", str(a.port)))
    runner = CliRunner()
    manifest = a.server_root / "fleet.toml"
    discovered = runner.invoke(main, ["discover", str(a.conf_path), str(b.conf_path),
                                      "-o", str(manifest)])
    assert discovered.exit_code == 0, discovered.output
    text = manifest.read_text()
    # (B alone listens on two addresses: its own comment says so, rightly)
    assert "2 separate servers, every URL probed at each" in text, text
    assert "no URL that can be probed" not in text, text
    written = tomllib.loads(text)
    assert written["probe"]["connect"] == [f"127.0.0.1:{a.port}", "127.0.0.2"], text
    assert set(written["instances"]) == {"project-1", "project-2"}

    swept = runner.invoke(main, ["sweep", "-m", str(manifest), "--format", "json"])
    report = json.loads(swept.output)
    assert swept.exit_code == 0, report["targets"]
    assert {t["address"] for t in report["targets"]} == {f"127.0.0.1:{a.port}",
                                                         f"127.0.0.2:{a.port}"}
    assert {t["verdict"] for t in report["targets"]} == {"ok"}
    assert report["findings"] == []
    # each member answered its own address: its own access log holds the sweep's requests
    assert "/__probe__" in (b.server_root / "access.log").read_text()
    assert "/__probe__" in (a.server_root / "access.log").read_text()
