"""A daemon group chosen per request from the Host (``RewriteCond %{HTTP_HOST}`` + ``RewriteRule
[E=PROCESS_GROUP:%1]``) on a real Apache + mod_wsgi, for a URL sent with its port (after
re-tester R33's a-aliasmatch-env swept with discover's manifest, 'Host: gamma.test:18633'):
the condition's ``...\\.test$`` fails for the port, PROCESS_GROUP stays unset and mod_wsgi
answers 500. The fix named no line and said "reload Apache"; now it names the RewriteCond and
the pattern that allows an optional port, and the running Apache's own restart line: applied
as printed, restarted by that line, the URL sweeps ok."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .applied_fix import SETTINGS, write_manifest
from .conftest import ApacheFactory
from .test_evidence_scenarios import target
from .test_own_group_applied import restart_as_printed, settled
from .test_scenarios import sweep

pytestmark = pytest.mark.apache

CONF = """\
LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so
WSGIDaemonProcess project-1 processes=1 threads=4 python-path=@SITES@
WSGIDaemonProcess project-2 processes=1 threads=4 python-path=@SITES@

<VirtualHost *:@PORT@>
    ServerName project-1.test
    RewriteEngine On
    RewriteCond %{HTTP_HOST} ^([a-z0-9-]+)\\.test$ [NC]
    RewriteRule ^/(.*)$ - [E=PROCESS_GROUP:%1]
    WSGIProcessGroup %{ENV:PROCESS_GROUP}
    WSGIScriptAlias / @SITES@/project-1/wsgi.py
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName site-2.example.com
    WSGIScriptAlias / @SITES@/project-2/wsgi.py process-group=project-2
</VirtualHost>
"""
_EDIT = re.compile(r"At (\S+):(\d+), RewriteCond %\{HTTP_HOST\} (\S+) \[NC\] does not match "
                   r"the Host '[^']+' this request sent .*? allow an optional port, (\S+) in "
                   r"place of (\S+) ")


def test_the_rewritecond_a_port_fails_is_fixed_as_printed_and_restarted_as_printed(
        apache: ApacheFactory, tmp_path: Path) -> None:
    server = apache(CONF)
    manifest = write_manifest(tmp_path, "".join(
        f'[instances.project-{n}]\nlabel = "project-{n}"\nsettings = "{SETTINGS[n]}"\n'
        f'process_group = "project-{n}"\nurls = ["http://{host}:{server.port}/"]\n'
        for n, host in ((1, "project-1.test"), (2, "site-2.example.com"))))
    _, report, context = sweep(server, manifest, "--config", str(server.conf_path))
    found = target(report, f"http://project-1.test:{server.port}/")
    assert found["verdict"] == "http_error", context
    fix = found["fix"]
    edit = _EDIT.search(fix)
    assert edit is not None, fix
    file, number, old, new, written = edit.groups()
    assert file == str(server.conf_path) and old == written, fix
    lines = server.conf_path.read_text(encoding="utf-8").splitlines()
    assert old in lines[int(number) - 1], (lines, fix)
    lines[int(number) - 1] = lines[int(number) - 1].replace(old, new)
    server.conf_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    restart_as_printed(fix, server)
    after, context = settled(server, manifest)
    assert [(t["url"], t["verdict"]) for t in after["targets"]] == [
        (f"http://project-1.test:{server.port}/", "ok"),
        (f"http://site-2.example.com:{server.port}/", "ok")], context
