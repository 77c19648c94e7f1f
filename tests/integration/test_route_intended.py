"""The route to the intended application read from the configuration on real Apache +
mod_wsgi: an instance that never answered any URL right (its mounts just added) still gets
its misroutes named with lines, and a daemon group that applies nowhere near the script is
said so, not blamed on a broader group that does not exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from .apache_blocks import CATCH_ALL, daemons
from .conftest import ApacheFactory
from .test_evidence_scenarios import line_of, sources, sweep, target

pytestmark = pytest.mark.apache

CONFIG = daemons("project-1", "project-2") + "\n" + CATCH_ALL + """
<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    WSGIScriptAliasMatch ^/(api|shop) @SITES@/project-1/wsgi.py process-group=project-1
    WSGIScriptAlias /shop @SITES@/project-2/wsgi.py process-group=project-2
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName site-2.example.com
    WSGIScriptAlias /shop @SITES@/project-2/wsgi.py
    WSGIScriptAlias / @SITES@/project-1/wsgi.py
    <Directory @SITES@/project-1>
        WSGIProcessGroup project-1
    </Directory>
</VirtualHost>
"""

SHOP1, SHOP2 = "http://site-1.example.com/shop/", "http://site-2.example.com/shop/"


def test_a_new_mount_and_a_group_that_applies_elsewhere(apache: ApacheFactory,
                                                        tmp_path: Path) -> None:
    server = apache(CONFIG)
    manifest = tmp_path / "m.toml"
    manifest.write_text(
        '[instances.project-1]\nlabel = "project-1"\nsettings = "mysite.settings"\n'
        'urls = ["http://site-1.example.com/"]\n\n'
        '[instances.project-2]\nlabel = "project-2"\nsettings = "mysite.settings_two"\n'
        f'process_group = "project-2"\nurls = ["{SHOP1}", "{SHOP2}"]\n', encoding="utf-8")
    without = sweep(server, manifest)
    report = sweep(server, manifest, "--config", str(server.conf_path))
    conf = server.conf_path

    # project-2 never answered right: its mount comes from the configuration.
    shop = target(report, SHOP1)
    assert (shop["verdict"], shop["cause"]) == ("wrong_instance", "alias_order"), shop
    mount = line_of(conf, "WSGIScriptAlias /shop " + str(server.sites) + "/project-2/wsgi.py "
                      "process-group")
    assert mount in shop["fix"] and line_of(conf, "WSGIScriptAliasMatch") in shop["fix"]
    assert shop["candidates"] == []
    assert "--config" not in shop["fix"]

    # Beta's script runs embedded: no WSGIProcessGroup applies to it (the <Directory> holds
    # project-1's script only); its mount line is where the group goes.
    embedded = target(report, SHOP2)
    assert (embedded["verdict"], embedded["cause"]) == ("wrong_instance",
                                                        "daemon_group_unused"), embedded
    assert "None" not in embedded["explanation"] + embedded["fix"]
    bare = next(f"{conf}:{i}" for i, line in enumerate(
        conf.read_text(encoding="utf-8").splitlines(), 1)
        if "WSGIScriptAlias /shop" in line and "process-group" not in line)
    assert f"process-group=project-2 to the mount at {bare}" in embedded["fix"]
    assert bare in sources(embedded)
    # Without the configuration: the candidates follow the observed SCRIPT_NAME, and the
    # daemon group cause carries the fields it is named from.
    alone = target(without, SHOP1)
    assert {c["cause"] for c in alone["candidates"]} >= {"alias_order", "url_mapping"}
    assert target(without, SHOP2)["evidence"]
