"""Fixes of ``probe sweep --config`` for the configuration join, applied to a real Apache +
mod_wsgi as an operator would and swept again. A tester ran five public configurations
(openstack-helm's and quattor's keystone, an ognLogbook vhost, a CKAN image's vhosts) and
applied what the sweep said: a ServerAlias for a port no VirtualHost was written for, "keep
the path out of that rule" for an Alias to the site's own script, a <Location> at server
scope, a wildcard removed that another site's URL needed. Each broke a site further; each
test here applies the fix now given and asserts every URL ok."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .apache import ApacheServer, free_port
from .conftest import ApacheFactory
from .evidence_check import assert_sourced
from .test_evidence_scenarios import line_of, target
from .test_scenarios import probe_command

pytestmark = pytest.mark.apache


def _sweep(manifest: Path, connect: str, conf: Path) -> dict[str, Any]:
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(manifest), "--connect", connect, "--format",
         "json", "--timeout", "30", "--config", str(conf)],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    assert done.stdout.startswith("{"), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert_sourced(report)
    return report


def _verdicts(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(t["url"], t["verdict"]) for t in report["targets"]]


def _line(server: ApacheServer, fix: str) -> tuple[int, str]:
    """The line a fix starting "At FILE:N, ..." names, and its text."""
    found = re.match(rf"At {re.escape(str(server.conf_path))}:(\d+), ", fix)
    assert found is not None, fix
    number = int(found.group(1))
    return number, server.conf_path.read_text(encoding="utf-8").splitlines()[number - 1]


def _nth(template: str, server: ApacheServer, number: int, old: str, new: str,
         rendered_as: str | None = None) -> str:
    """``template`` with the occurrence of ``old`` (written ``rendered_as`` in the rendered
    file) that is rendered at line ``number`` replaced by ``new``."""
    shown = rendered_as or old.replace("@PORT@", str(server.port)).replace(
        "@SITES@", str(server.sites))
    rendered = server.conf_path.read_text(encoding="utf-8").splitlines()[:number]
    assert shown in rendered[-1], (shown, rendered[-1])
    nth = sum(1 for line in rendered if shown in line)
    parts = template.split(old)
    assert len(parts) > nth, (old, template)
    return old.join(parts[:nth]) + new + old.join(parts[nth:])


# openstack-helm's wsgi-keystone.conf: the admin VirtualHost copied from the public one and
# its port left unchanged, so no VirtualHost is written for the admin port.
KEYSTONE = """\
Listen 127.0.0.1:@ADMIN@

<VirtualHost *:@PORT@>
    WSGIDaemonProcess keystone-public processes=1 threads=4 python-path=@SITES@
    WSGIProcessGroup keystone-public
    WSGIScriptAlias / @SITES@/project-1/wsgi.py
    WSGIApplicationGroup %{GLOBAL}
</VirtualHost>

<VirtualHost *:@PORT@>
    WSGIDaemonProcess keystone-admin processes=1 threads=4 python-path=@SITES@
    WSGIProcessGroup keystone-admin
    WSGIScriptAlias / @SITES@/project-2/wsgi.py
    WSGIApplicationGroup %{GLOBAL}
</VirtualHost>
"""


def _keystone_manifest(tmp_path: Path, public: int, admin: int) -> Path:
    path = tmp_path / "keystone.toml"
    path.write_text(f"""\
[instances.keystone-public]
label = "project-1"
settings = "mysite.settings"
process_group = "keystone-public"
urls = ["http://keystone.example.com:{public}/"]

[instances.keystone-admin]
label = "project-2"
settings = "mysite.settings_two"
process_group = "keystone-admin"
urls = ["http://keystone.example.com:{admin}/"]
""", encoding="utf-8")
    return path


def test_a_port_no_virtualhost_is_written_for_gets_the_vhost_moved_to_it(
        apache: ApacheFactory, tmp_path: Path) -> None:
    admin = free_port()
    server = apache(KEYSTONE, extra={"ADMIN": str(admin)})
    manifest = _keystone_manifest(tmp_path, server.port, admin)
    report = _sweep(manifest, "127.0.0.1", server.conf_path)
    found = target(report, f"http://keystone.example.com:{admin}/")
    assert (found["verdict"], found["cause"]) == ("no_endpoint", None), found
    assert "(None)" not in found["explanation"] + found["fix"], found
    assert "ServerAlias" not in found["fix"], found["fix"]
    opening = line_of(server.conf_path, "WSGIDaemonProcess keystone-admin")
    number = int(opening.rpartition(":")[2]) - 1  # the <VirtualHost> line above it
    assert found["fix"].startswith(f"At {server.conf_path}:{number}, write <VirtualHost "
                                   f"*:{admin}> instead of <VirtualHost *:{server.port}>"), \
        found["fix"]
    assert "ServerName localhost" in found["explanation"], found["explanation"]
    assert f"the URL uses port {admin}" in found["explanation"], found["explanation"]

    admin_again = free_port()
    fixed = apache(_nth(KEYSTONE, server, number, "<VirtualHost *:@PORT@>",
                        "<VirtualHost *:@ADMIN@>"), extra={"ADMIN": str(admin_again)})
    again = _sweep(_keystone_manifest(tmp_path, fixed.port, admin_again), "127.0.0.1",
                   fixed.conf_path)
    assert [v for _, v in _verdicts(again)] == ["ok", "ok"], again
