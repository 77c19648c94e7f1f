"""Daemon groups chosen per request by ``WSGIProcessGroup %{ENV:PROCESS_GROUP}`` on a real
Apache + mod_wsgi (after tester T33's a-aliasmatch-env): the fixes printed (move the SetEnvIf
line that a catch-all read after it overrides; add the line that sets the variable nothing set
for a path) are applied as written and the URLs swept again. T33 applied the old fix, an alias
the RewriteRule [L] never let the request reach: nothing changed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .applied_fix import instance, swept, url_verdicts, write_manifest
from .conftest import ApacheFactory
from .test_evidence_scenarios import target

pytestmark = pytest.mark.apache

CONF = """\
LoadModule setenvif_module /usr/lib/apache2/modules/mod_setenvif.so
LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so
WSGIDaemonProcess project-1 processes=1 threads=4 python-path=@SITES@
WSGIDaemonProcess project-2 processes=1 threads=4 python-path=@SITES@
WSGIDaemonProcess project-3 processes=1 threads=4 python-path=@SITES@

<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    ServerAlias *.example.com
    SetEnvIfNoCase Host "^site-2\\." PROCESS_GROUP=project-2
    SetEnvIfNoCase Host "example\\.com" PROCESS_GROUP=project-1
    WSGIProcessGroup %{ENV:PROCESS_GROUP}
    RewriteEngine On
    RewriteCond %{HTTP_HOST} ^site-([0-9])\\.example\\.com$ [NC]
    RewriteRule ^/(.*)$ @SITES@/project-%1/wsgi.py/$1 [L]
    <Directory "@SITES@">
        <Files wsgi.py>
            SetHandler wsgi-script
        </Files>
        Options +ExecCGI
    </Directory>
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName apps.example.org
    SetEnvIf Request_URI "^/(project-1)(/|$)" PROCESS_GROUP=$1
    WSGIProcessGroup %{ENV:PROCESS_GROUP}
    WSGIScriptAliasMatch "^/(project-[0-9])" "@SITES@/$1/wsgi.py"
</VirtualHost>
"""
MANIFEST = instance(1, "http://site-1.example.com/") + "\n" + \
    instance(2, "http://site-2.example.com/") + "\n" + instance(3, "http://apps.example.org/project-3/")


def _rendered(conf: Path, where: str) -> str:
    """The line ``FILE:N`` names, as the template writes it (no placeholder on these)."""
    number = int(where.rpartition(":")[2])
    return conf.read_text(encoding="utf-8").splitlines()[number - 1]


def test_the_setenvif_lines_printed_are_applied_and_the_urls_answer_in_their_groups(
        apache: ApacheFactory, tmp_path: Path) -> None:
    server = apache(CONF)
    manifest = write_manifest(tmp_path, MANIFEST)
    report = swept(server, manifest)
    moved = target(report, "http://site-2.example.com/")
    assert moved["verdict"] == "wrong_instance", moved
    assert "WSGIScriptAlias" not in moved["fix"], moved["fix"]
    move = re.match(r"Move '[^']+' \((\S+)\) below (\S+), ", moved["fix"])
    assert move is not None, moved["fix"]
    added = target(report, "http://apps.example.org/project-3/")
    assert added["verdict"] == "http_error", added
    assert "WSGI0151: No WSGI daemon process called '%{ENV:PROCESS_GROUP}'" in \
        added["explanation"], added["explanation"]
    add = re.match(r"Add '([^']+)' above (\S+) ", added["fix"])
    assert add is not None, added["fix"]

    lines = CONF.splitlines()
    line, below = _rendered(server.conf_path, move.group(1)), \
        _rendered(server.conf_path, move.group(2))
    lines.remove(line)
    lines.insert(lines.index(below) + 1, line)
    number = int(add.group(2).rpartition(":")[2])
    rendered = server.conf_path.read_text(encoding="utf-8").splitlines()
    nth = rendered[:number].count(rendered[number - 1])  # the same text is in both sites
    at = [i for i, text in enumerate(lines) if text == rendered[number - 1]][nth - 1]
    lines.insert(at, "    " + add.group(1))
    fixed = apache("\n".join(lines) + "\n")
    assert url_verdicts(swept(fixed, manifest)) == [
        ("http://site-1.example.com/", "ok"), ("http://site-2.example.com/", "ok"),
        ("http://apps.example.org/project-3/", "ok")]
