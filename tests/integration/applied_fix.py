"""What the tests that apply a printed fix to a real Apache and sweep again write alike
(test_applied_fixes, test_applied_slash_ip, test_applied_ip_catch_all): the test sites'
VirtualHosts and manifest entries, the sweep with ``--config``, and the (URL, verdict)
pairs a sweep after the fix is judged by.

Site N is ``site-N.example.com``, served by project N of tests/integration/sites in the daemon
group ``project-N`` (see ``apache_blocks.daemons``). The text is what the tests wrote
inline, so the ``file:line`` their assertions read (``line_of``) is where it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .apache import ApacheServer
from .test_evidence_scenarios import sweep

SETTINGS = {1: "mysite.settings", 2: "mysite.settings_two", 3: "mysite.settings_three"}
"""Each project's Django settings module (the instance its endpoint reports)."""

IP_VHOST = "<VirtualHost 127.0.0.1:@PORT@>"
"""The opening of an IP-based VirtualHost on the test's port (the fixes make it ``*``)."""


def site_vhost(n: int, address: str = "*:@PORT@") -> str:
    """The VirtualHost of site-N at ``address``, mounting project N at / in its group."""
    return (f"<VirtualHost {address}>\n"
            f"    ServerName site-{n}.example.com\n"
            f"    WSGIScriptAlias / @SITES@/project-{n}/wsgi.py process-group=project-{n}\n"
            "</VirtualHost>\n")


def instance(n: int, *urls: str) -> str:
    """The manifest's entry for project N: its settings, its daemon group, ``urls``."""
    shown = ", ".join(f'"{u}"' for u in urls)
    return (f'[instances.project-{n}]\nlabel = "project-{n}"\nsettings = "{SETTINGS[n]}"\n'
            f'process_group = "project-{n}"\nurls = [{shown}]\n')


def write_manifest(tmp_path: Path, text: str, name: str = "m.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def swept(server: ApacheServer, manifest: Path) -> dict[str, Any]:
    """``probe sweep`` of ``server`` told its configuration (``--config``), JSON report."""
    return sweep(server, manifest, "--config", str(server.conf_path))


def url_verdicts(report: dict[str, Any]) -> list[tuple[str, str]]:
    """Each target's URL and verdict, in the report's order."""
    return [(t["url"], t["verdict"]) for t in report["targets"]]
