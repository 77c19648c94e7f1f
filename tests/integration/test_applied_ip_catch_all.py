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
from .applied_fix import IP_VHOST, instance, site_vhost, swept, url_verdicts, write_manifest
from .conftest import ApacheFactory
from .test_evidence_scenarios import line_of, target

pytestmark = pytest.mark.apache

IP_SITES = (daemons("project-1", "project-2") + "\n" + site_vhost(1, "127.0.0.1:@PORT@") + "\n"
            + site_vhost(2, "127.0.0.1:@PORT@"))

UNKNOWN = "http://unknown.invalid/"

MANIFEST = (instance(1, "http://site-1.example.com/") + instance(2, "http://site-2.example.com/")
            + f'[refuse]\nurls = ["{UNKNOWN}"]\n')


def _block(fix: str, port: int) -> str:
    """The catch-all printed at the end of ``fix``, as a template (``@PORT@``)."""
    lines = fix.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("<VirtualHost"))
    block = textwrap.dedent("\n".join(lines[start:]))
    assert block.rstrip().endswith("</VirtualHost>"), fix
    return block.replace(f":{port}>", ":@PORT@>") + "\n"


def test_the_printed_ip_catch_all_refuses_unknown_names(apache: ApacheFactory,
                                                        tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, MANIFEST)
    server = apache(IP_SITES)
    found = target(swept(server, manifest), UNKNOWN)
    assert found["verdict"] == "served_unmapped", found
    block = _block(found["fix"], server.port)
    assert block.startswith(f"{IP_VHOST}\n"), found["fix"]
    assert f"a <VirtualHost *:{server.port}> is never considered" in found["fix"], found["fix"]

    # What the sweep used to print, applied: httpd still gives unknown names to site-1, and
    # the sweep names that catch-all's line instead of printing it again.
    star = apache(CATCH_ALL + IP_SITES)
    assert star.get("/__probe__", "unknown.invalid").status_code == 200
    again = target(swept(star, manifest), UNKNOWN)
    assert again["verdict"] == "served_unmapped", again
    assert _block(again["fix"], star.port).startswith(f"{IP_VHOST}\n")
    catch_all = line_of(star.conf_path, "<VirtualHost *:")
    assert (f"<VirtualHost *:{star.port}> (default.invalid) at {catch_all} refuses, but is "
            f"such a one: write 127.0.0.1:{star.port} instead of *:{star.port} on its line"
            ) in again["fix"], again["fix"]

    # The printed one, listed first: refused, and every URL of the manifest as meant.
    groups = daemons("project-1", "project-2")
    fixed = apache(groups + block + IP_SITES.removeprefix(groups))
    assert fixed.get("/__probe__", "unknown.invalid").status_code == 403
    report = swept(fixed, manifest)
    assert url_verdicts(report) == [
        ("http://site-1.example.com/", "ok"), ("http://site-2.example.com/", "ok"),
        (UNKNOWN, "ok")], report
