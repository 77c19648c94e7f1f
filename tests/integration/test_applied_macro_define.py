"""Mass virtual hosting and a mod_macro site whose group comes from a ``Define`` read before
it, on a real Apache + mod_wsgi (after tester T33's b-mass-macro): the mass host's URLs,
served by the ``wsgi-script`` handler under ``VirtualDocumentRoot`` (and its DirectoryIndex),
are judged against that script, never "no WSGI mount"; site-3's ``Use`` writes ``${GROUP}``
with no Define of its own, so it takes site-2's: the fix printed names that Use and Define,
not the macro body (T33 applied "process-group= on the body" and all three sites answered
500), and applied as written it sweeps ok."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .applied_fix import instance, swept, url_verdicts, write_manifest
from .conftest import ApacheFactory
from .test_evidence_scenarios import target

pytestmark = pytest.mark.apache

CONF = """\
LoadModule macro_module /usr/lib/apache2/modules/mod_macro.so
LoadModule vhost_alias_module /usr/lib/apache2/modules/mod_vhost_alias.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
TypesConfig /etc/mime.types
WSGIDaemonProcess project-1 processes=1 threads=4 python-path=@SITES@
WSGIDaemonProcess project-2 processes=1 threads=4 python-path=@SITES@
WSGIDaemonProcess project-3 processes=1 threads=4 python-path=@SITES@

<VirtualHost *:@PORT@>
    ServerName mass.test
    ServerAlias *.mass.test
    VirtualDocumentRoot "@SITES@/vhosts/%1"
    <Directory "@SITES@/vhosts">
        Options +ExecCGI
        AddHandler wsgi-script .wsgi
        DirectoryIndex app.wsgi
        Require all granted
    </Directory>
</VirtualHost>

<Macro Site $host $number $group>
<VirtualHost *:@PORT@>
    ServerName $host
    WSGIScriptAlias / @SITES@/project-$number/wsgi.py process-group=$group
</VirtualHost>
</Macro>
Define GROUP project-1
Use Site site-1.example.com 1 ${GROUP}
Define GROUP project-2
Use Site site-2.example.com 2 ${GROUP}
Use Site site-3.example.com 3 ${GROUP}
"""
# vhosts/one/app.wsgi: puts the sites' directory on sys.path itself, as T33's did
APP = """\
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
import wsgi_endpoint
application = wsgi_endpoint.wrap(application, label="mass-one")
"""
MANIFEST = (instance(1, "http://site-1.example.com/") + "\n"
            + instance(2, "http://site-2.example.com/") + "\n"
            + instance(3, "http://site-3.example.com/") + "\n"
            + '[instances.mass-one]\nlabel = "mass-one"\nsettings = "mysite.settings"\n'
              'process_group = ""\n'
              'urls = ["http://one.mass.test/app.wsgi/"]\n')
# (not http://one.mass.test/: DirectoryIndex serves "/" only, its /__probe__ is a 404)


def test_the_define_printed_for_a_macro_site_is_applied_and_every_url_answers_ok(
        apache: ApacheFactory, tmp_path: Path) -> None:
    files = {"vhosts/one/app.wsgi": APP}
    server = apache(CONF, files=files)
    manifest = write_manifest(tmp_path, MANIFEST)
    report = swept(server, manifest)
    for found in report["targets"]:
        assert "no WSGI mount" not in found["explanation"], found["explanation"]
    mass = target(report, "http://one.mass.test/app.wsgi/")
    assert mass["verdict"] == "ok", mass
    site_3 = target(report, "http://site-3.example.com/")
    assert (site_3["verdict"], site_3["cause"]) == ("wrong_instance", "process_group_scope")
    fix = site_3["fix"]
    assert "Put process-group=" not in fix and "Do not rename" not in fix, fix
    add = re.search(r"Add '(Define GROUP project-3)' on the line before (\S+) ", fix)
    assert add is not None, fix

    number = int(add.group(2).rpartition(":")[2])
    rendered = server.conf_path.read_text(encoding="utf-8").splitlines()
    lines = CONF.splitlines()
    lines.insert(lines.index(rendered[number - 1]), add.group(1))
    fixed = apache("\n".join(lines) + "\n", files=files)
    assert url_verdicts(swept(fixed, manifest)) == [
        ("http://site-1.example.com/", "ok"), ("http://site-2.example.com/", "ok"),
        ("http://site-3.example.com/", "ok"), ("http://one.mass.test/app.wsgi/", "ok")]
