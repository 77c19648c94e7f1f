"""mod_macro on real Apache 2.4 + mod_wsgi: the VirtualHosts a ``Use`` makes are in lint's
model where httpd has them (``apache2 -S`` agrees), ``probe discover`` writes their URLs,
and a fault inside the macro's body is reported citing the body's line and the ``Use``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from probe.cli import main

from .conftest import ApacheFactory

pytestmark = pytest.mark.apache

CONFIG = """\
LoadModule macro_module "/usr/lib/apache2/modules/mod_macro.so"
WSGIDaemonProcess project-1 processes=1 threads=2 python-path=@SITES@
WSGIDaemonProcess project-2 processes=1 threads=2 python-path=@SITES@
WSGIDaemonProcess project-3 processes=1 threads=2 python-path=@SITES@
<Macro Site $name $project>
<VirtualHost *:@PORT@>
    # the site of $name, a comment and a blank line in the body

    ServerName $name.example.com
    WSGIScriptAlias / @SITES@/$project/wsgi.py process-group=$project
    WSGIScriptAlias /suburl @SITES@/project-3/wsgi.py process-group=project-3
</VirtualHost>
</Macro>
Use Site site-1 project-1
Use Site site-2 project-2
"""


def test_a_macros_sites_are_read_served_and_cited(apache: ApacheFactory) -> None:
    server = apache(CONFIG)
    conf = server.conf_path
    lines = conf.read_text().splitlines()
    use = 1 + lines.index("Use Site site-1 project-1")
    suburl = 1 + next(n for n, line in enumerate(lines) if "WSGIScriptAlias /suburl" in line)
    # what httpd does: each Use is a site; /suburl is shadowed by / inside the macro
    for host, label in (("site-1.example.com", "project-1"), ("site-2.example.com",
                                                              "project-2")):
        assert server.get("/__probe__", host).json()["label"] == label
        assert server.get("/suburl/__probe__", host).json()["label"] == label

    runner = CliRunner()
    linted = runner.invoke(main, ["lint", "--apachectl", "--format", "json", str(conf)])
    findings = json.loads(linted.output)["findings"]
    assert [f for f in findings if f["code"] == "apachectl"] == []  # httpd -S agrees
    [order] = [f for f in findings if f["code"] == "alias_order"]
    assert (order["file"], order["line"]) == (str(conf), suburl)
    assert f"(macro Site used at {conf}:{use})" in order["message"]

    manifest = server.server_root / "discovered.toml"
    discovered = runner.invoke(main, ["discover", str(conf), "-o", str(manifest)])
    assert discovered.exit_code == 0, discovered.output
    assert "not expanded" not in manifest.read_text()
    swept = runner.invoke(main, ["sweep", "-m", str(manifest), "--format", "json"])
    report = json.loads(swept.stdout)
    port = server.port
    assert sorted((t["url"], t["verdict"], t["cause"]) for t in report["targets"]) == [
        (f"http://site-1.example.com:{port}/", "ok", None),
        (f"http://site-1.example.com:{port}/suburl/", "wrong_instance", "alias_order"),
        (f"http://site-2.example.com:{port}/", "ok", None),
        (f"http://site-2.example.com:{port}/suburl/", "wrong_instance", "alias_order"),
        (f"http://unknown.invalid:{port}/", "served_unmapped", "vhost_fallback")], \
        report["targets"]
