"""A misspelt ServerName on real Apache + mod_wsgi, swept WITHOUT ``--config`` (a re-tester's
puppet b1): the port's first VirtualHost is a static default page without the application,
so site-2.example.com gets its 404, while site-1.example.com's endpoint answered at the same
address. The fix leads with the name not matched, in Apache's words only (VirtualHost,
ServerName, the running Apache's own command line with ``-S``, run here as printed; no
``server_name``), installing last, ``vhost_fallback`` the candidate
(probe.diagnose.address_answered).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from .apache_blocks import daemons
from .applied_fix import instance, write_manifest
from .conftest import ApacheFactory
from .test_evidence_scenarios import sweep, target

pytestmark = pytest.mark.apache

CONFIG = daemons("project-1", "project-2") + """
<VirtualHost *:@PORT@>
    ServerName default.test
    DocumentRoot @SITES@/static
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName site-2.exmple.com
    WSGIScriptAlias / @SITES@/project-2/wsgi.py process-group=project-2
</VirtualHost>
"""
SITE1, SITE2 = "http://site-1.example.com/", "http://site-2.example.com/"


def test_a_url_unanswered_where_another_answered_leads_with_the_virtualhost(
        apache: ApacheFactory, tmp_path: Path) -> None:
    server = apache(CONFIG, files={"static/index.html": "<h1>It works</h1>\n"})
    report = sweep(server, write_manifest(tmp_path, instance(1, SITE1) + "\n"
                                          + instance(2, SITE2)))
    assert target(report, SITE1)["verdict"] == "ok", target(report, SITE1)
    found = target(report, SITE2)
    assert found["verdict"] == "no_endpoint", found
    address = f"127.0.0.1:{server.port}"
    fix = found["fix"]
    assert fix.startswith(f"Check which VirtualHost takes site-2.example.com at {address} "
                          "(probe sweep --config PATH names it with its line; or "
                          "'$(ps -ww -o args= -p "), fix
    # re-tester R30: this Apache runs with -f, which a bare 'apachectl -S' does not read; the
    # command printed (its own command line by site-1's answer's ppid, -S in place of -k) is
    # run as printed and lists the misspelt name at the address
    printed = re.search(r"; or '(\$\(ps -ww -o args= -p \d+ \| sed [^']*\) -S)' \(the "
                        r"command line of the Apache pid \d+, the answers' ppid", fix)
    assert printed is not None, fix
    dump = subprocess.run(["sh", "-c", printed.group(1)], capture_output=True, text=True,
                          timeout=60, check=False, stdin=subprocess.DEVNULL)
    assert f"port {server.port} namevhost site-2.exmple.com" in dump.stdout + dump.stderr, \
        (dump.stdout, dump.stderr)
    assert "server_name" not in fix and "nginx" not in fix, fix
    assert fix.index("Install the endpoint") > fix.index("ServerName or ServerAlias"), fix
    assert "vhost_fallback" in [c["cause"] for c in found["candidates"]], found["candidates"]
    assert any(e["kind"] == "observed" and e["source"] == f"GET {SITE1}"
               for e in found["evidence"]), found["evidence"]
