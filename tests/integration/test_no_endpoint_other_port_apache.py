"""A site on one port of two, on real Apache + mod_wsgi, swept WITHOUT ``--config`` (tester
T24's m1: ``<VirtualHost *:31781>`` where ``*:31781 *:31782`` was meant): the URL on the other
port gets the default VirtualHost's answer while project-1's endpoint answered the same host
on the first port in the same sweep. The fix leads with the name on that port (the default
VirtualHost, or an IP-based one, with the running Apache's own ``-S`` the check) and quotes
the answer elsewhere; never "Install the endpoint" or the token (probe.diagnose.host_elsewhere).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .apache import free_port
from .apache_blocks import daemons
from .applied_fix import instance, write_manifest
from .conftest import ApacheFactory
from .test_evidence_scenarios import target
from .test_scenarios import probe_command

pytestmark = pytest.mark.apache

CONFIG = "Listen 127.0.0.1:@OTHER@\n" + daemons("project-1") + """
<VirtualHost *:@OTHER@>
    DocumentRoot @SITES@/static
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>
"""


def test_the_same_host_answered_on_another_port_leads_with_the_port(
        apache: ApacheFactory, tmp_path: Path) -> None:
    other = free_port()
    server = apache(CONFIG, extra={"OTHER": str(other)},
                    files={"static/index.html": "<h1>It works</h1>\n"})
    there, here = (f"http://site-1.example.com:{server.port}/",
                   f"http://site-1.example.com:{other}/")
    manifest = write_manifest(tmp_path, instance(1, there, here))
    done = subprocess.run(  # no port: each URL keeps its own
        [*probe_command(), "sweep", "-m", str(manifest), "--connect", "127.0.0.1",
         "--format", "json", "--timeout", "30"],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    report: dict[str, Any] = json.loads(done.stdout)
    assert target(report, there)["verdict"] == "ok", target(report, there)
    found = target(report, here)
    assert found["verdict"] == "no_endpoint", json.dumps(found, indent=1)
    fix = found["fix"]
    assert fix.startswith(
        f"Check which VirtualHost takes site-1.example.com at 127.0.0.1:{other} (probe sweep "
        f"--config PATH names it with its line; or the running Apache's own command line with "
        f"'-S' in place of its '-k start' ('ps -ww -o pid=,args= -C apache2,httpd' shows it; "
        f"its binary and -f, -d and -D options kept: 'apache2 -f FILE -S'; 'apachectl -S' "
        f"where it shows no -f, since apachectl reads the system's configuration)): "
        f"project-1's endpoint answered site-1.example.com at 127.0.0.1:{server.port}"), fix
    assert f"or an IP-based <VirtualHost 127.0.0.1:{other}> takes every name" in fix, fix
    assert "Install the endpoint" not in fix and "token" not in fix, fix
    assert f"project-1's endpoint answered {there} at 127.0.0.1:{server.port} in this sweep " \
           f"(label 'project-1', process_group 'project-1', script_file " in found["explanation"]
    assert any(e["kind"] == "observed" and e["source"] == f"GET {there}"
               for e in found["evidence"]), found["evidence"]
