"""An IP-based VirtualHost beside the ``*:PORT`` ones, on real Apache + mod_wsgi, swept WITHOUT
``--config`` (tester T24 m2: ``<VirtualHost 127.0.0.1:31782>`` meant for ``[::1]``): it takes
every name sent to its address, so the URL of the ``*:PORT`` site gets its answer. The answers
cannot tell it from a default site claiming the name: the IP-based VirtualHost is named among
the candidates with ``apachectl -S`` the check, and no reordering is offered
(probe.diagnose.site_wording)."""

from __future__ import annotations

import json
import re
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

CONFIG = "Listen 127.0.0.1:@OTHER@\n" + daemons("project-1", "project-2") + """
<VirtualHost *:@OTHER@>
    ServerName site-1.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>

<VirtualHost 127.0.0.1:@OTHER@>
    ServerName site-2.example.com
    WSGIScriptAlias / @SITES@/project-2/wsgi.py process-group=project-2
</VirtualHost>
"""


def test_an_ip_based_virtualhost_is_a_candidate_without_the_configuration(
        apache: ApacheFactory, tmp_path: Path) -> None:
    other = free_port()
    apache(CONFIG, extra={"OTHER": str(other)})
    one, two = f"http://site-1.example.com:{other}/", f"http://site-2.example.com:{other}/"
    manifest = write_manifest(tmp_path, instance(1, one) + "\n" + instance(2, two))
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(manifest), "--connect", f"127.0.0.1:{other}",
         "--format", "json", "--timeout", "30"],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    report: dict[str, Any] = json.loads(done.stdout)
    assert target(report, two)["verdict"] == "ok", target(report, two)
    found = target(report, one)
    assert (found["verdict"], found["cause"]) == ("wrong_instance", None), \
        json.dumps(found, indent=1)
    at = f"127.0.0.1:{other}"
    assert (f"lists an IP-based <VirtualHost {at}> beside the *:{other} "
            f"ones, that site takes every name sent to {at}") in found["fix"], found["fix"]
    # re-tester R30: this Apache runs with -f, which a bare 'apachectl -S' does not read; the
    # command printed (its own command line, -S in place of -k) is run as printed
    printed = re.search(r"If '(\$\(ps -ww -o args= -p \d+ \| sed [^']*\) -S)'",
                        found["fix"])
    assert printed is not None, found["fix"]
    dump = subprocess.run(["sh", "-c", printed.group(1)], capture_output=True, text=True,
                          timeout=60, check=False, stdin=subprocess.DEVNULL)
    assert f"{at}" in dump.stdout + dump.stderr and "site-1.example.com" in \
        dump.stdout + dump.stderr, (dump.stdout, dump.stderr)
    assert "VirtualHost" not in found["explanation"], found["explanation"]  # none was read
    assert "list the site of project-1 before it" not in found["fix"], found["fix"]
    [fallback] = [c for c in found["candidates"] if c["cause"] == "vhost_fallback"]
    assert f"IP-based <VirtualHost {at}> takes every name there" in fallback["check"], fallback
