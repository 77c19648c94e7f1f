"""The refusing catch-all of ``probe sweep --config`` for IP-based VirtualHosts (hestiacp's
templates write ``<VirtualHost IP:PORT>``), applied to a real Apache as printed and swept
again. A tester applied the ``<VirtualHost *:PORT>`` the sweep used to print there: httpd
never considers a ``*:PORT`` VirtualHost for an IP with VirtualHosts of its own, so unknown
names were still served by the first site, and the next sweep printed the same block. The
fix printed now is written with the sites' own address; applied, unknown.invalid is refused.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from .apache_blocks import CATCH_ALL, daemons
from .conftest import ApacheFactory
from .test_evidence_scenarios import line_of, sweep, target

pytestmark = pytest.mark.apache

IP_SITES = daemons("project-1", "project-2") + """
<VirtualHost 127.0.0.1:@PORT@>
    ServerName site-1.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>

<VirtualHost 127.0.0.1:@PORT@>
    ServerName site-2.example.com
    WSGIScriptAlias / @SITES@/project-2/wsgi.py process-group=project-2
</VirtualHost>
"""

MANIFEST = """\
[instances.project-1]
label = "project-1"
settings = "mysite.settings"
process_group = "project-1"
urls = ["http://site-1.example.com/"]
[instances.project-2]
label = "project-2"
settings = "mysite.settings_two"
process_group = "project-2"
urls = ["http://site-2.example.com/"]
[refuse]
urls = ["http://unknown.invalid/"]
"""

UNKNOWN = "http://unknown.invalid/"


def _block(fix: str, port: int) -> str:
    """The catch-all printed at the end of ``fix``, as a template (``@PORT@``)."""
    lines = fix.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("<VirtualHost"))
    block = textwrap.dedent("\n".join(lines[start:]))
    assert block.rstrip().endswith("</VirtualHost>"), fix
    return block.replace(f":{port}>", ":@PORT@>") + "\n"


def test_the_printed_ip_catch_all_refuses_unknown_names(apache: ApacheFactory,
                                                        tmp_path: Path) -> None:
    manifest = tmp_path / "m.toml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    server = apache(IP_SITES)
    found = target(sweep(server, manifest, "--config", str(server.conf_path)), UNKNOWN)
    assert found["verdict"] == "served_unmapped", found
    block = _block(found["fix"], server.port)
    assert block.startswith("<VirtualHost 127.0.0.1:@PORT@>\n"), found["fix"]
    assert f"a <VirtualHost *:{server.port}> is never considered" in found["fix"], found["fix"]

    # What the sweep used to print, applied: httpd still gives unknown names to site-1, and
    # the sweep names that catch-all's line instead of printing it again.
    star = apache(CATCH_ALL + IP_SITES)
    assert star.get("/__probe__", "unknown.invalid").status_code == 200
    again = target(sweep(star, manifest, "--config", str(star.conf_path)), UNKNOWN)
    assert again["verdict"] == "served_unmapped", again
    assert _block(again["fix"], star.port).startswith("<VirtualHost 127.0.0.1:@PORT@>\n")
    catch_all = line_of(star.conf_path, "<VirtualHost *:")
    assert (f"<VirtualHost *:{star.port}> (default.invalid) at {catch_all} refuses, but is "
            f"such a one: write 127.0.0.1:{star.port} instead of *:{star.port} on its line"
            ) in again["fix"], again["fix"]

    # The printed one, listed first: refused, and every URL of the manifest as meant.
    groups = daemons("project-1", "project-2")
    fixed = apache(groups + block + IP_SITES.removeprefix(groups))
    assert fixed.get("/__probe__", "unknown.invalid").status_code == 403
    report = sweep(fixed, manifest, "--config", str(fixed.conf_path))
    assert [(t["url"], t["verdict"]) for t in report["targets"]] == [
        ("http://site-1.example.com/", "ok"), ("http://site-2.example.com/", "ok"),
        (UNKNOWN, "ok")], report
