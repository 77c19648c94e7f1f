"""A mass-hosting VirtualHost (``VirtualDocumentRoot`` + ``AddHandler wsgi-script``) whose
hosts share one interpreter, on a real Apache + mod_wsgi (after re-tester R33's b-mass-macro).

Lint used to say that removing ``WSGIApplicationGroup %{GLOBAL}`` gives each host's script a
sub interpreter of its own (%{RESOURCE}); R33 applied it and error_log showed every host
loaded "into sub-interpreter 'mass.test|/app.wsgi'" (%{RESOURCE} is the VirtualHost's
ServerName and the mount, one for all its hosts). Here: with the line removed, the sweep
says the shared group is that default and never that removing a line separates them; lint's
fix now, applied as printed, loads each host into a sub interpreter of its own name (error
log) and sweeps ok."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from probe.cli import main

from .applied_fix import SETTINGS, swept, url_verdicts, write_manifest
from .conftest import ApacheFactory

pytestmark = pytest.mark.apache

CONF = """\
LoadModule vhost_alias_module /usr/lib/apache2/modules/mod_vhost_alias.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
TypesConfig /etc/mime.types
<VirtualHost *:@PORT@>
    ServerName mass.test
    ServerAlias *.mass.test
    VirtualDocumentRoot "@SITES@/vhosts/%0"
    WSGIApplicationGroup %{GLOBAL}
    <Directory "@SITES@/vhosts">
        Options +ExecCGI
        AddHandler wsgi-script .wsgi
        DirectoryIndex app.wsgi
        Require all granted
    </Directory>
</VirtualHost>
"""
HOSTS = {1: "one.mass.test", 2: "two.mass.test", 3: "three.mass.test"}
# mysite.settings_three's other TIME_ZONE would leak between sub interpreters of one process
# (time_zone_leak, a cause of its own): the third site differs in its settings module only
SETTINGS_OF = {**SETTINGS, 3: "masssite.settings"}
# each script assigns its settings (as lint's fix asks) and wraps the endpoint
APP = """\
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
os.environ["DJANGO_SETTINGS_MODULE"] = "{settings}"
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
import wsgi_endpoint
application = wsgi_endpoint.wrap(application, label="mass-{n}")
"""
FILES = {**{f"vhosts/{host}/app.wsgi": APP.format(settings=SETTINGS_OF[n], n=n)
            for n, host in HOSTS.items()},
         "masssite/__init__.py": "",
         "masssite/settings.py": "from mysite.settings_two import *  # noqa: F403\n"}
MANIFEST = "\n".join(
    f'[instances.mass-{n}]\nlabel = "mass-{n}"\nsettings = "{SETTINGS_OF[n]}"\n'
    f'process_group = ""\nurls = ["http://{host}/app.wsgi/"]\n' for n, host in HOSTS.items())
GLOBAL_LINE = "    WSGIApplicationGroup %{GLOBAL}"


def test_lint_fix_for_shared_mass_hosts_is_applied_and_each_host_gets_its_own_interpreter(
        apache: ApacheFactory, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, MANIFEST)
    # R33's applied fix: the %{GLOBAL} line removed, the default %{RESOURCE} left
    removed = apache(CONF.replace(GLOBAL_LINE + "\n", ""), files=FILES)
    report = swept(removed, manifest)
    said = " ".join(t["fix"] or "" for t in report["targets"]) + " ".join(
        f["explanation"] for f in report["findings"])
    assert "'mass.test|/app.wsgi'" in said, said
    assert "does not separate them" in said and "alone gives each" not in said, said
    removed.stop()

    server = apache(CONF, files=FILES)
    linted = CliRunner().invoke(main, ["lint", "--format", "json", str(server.conf_path)])
    found = [f for f in json.loads(linted.output)["findings"]
             if f["code"] == "shared_interpreter"]
    assert len(found) == 1, linted.output
    fix = found[0]["fix"]
    assert "%{RESOURCE}" not in fix and not fix.startswith("remove"), fix
    edit = re.match(r"replace (WSGIApplicationGroup %\{GLOBAL\}) at \S+:(\d+) by "
                    r"(WSGIApplicationGroup \S+) with '(SetEnvIfNoCase [^']+)' above it", fix)
    assert edit is not None, fix
    assert "no LoadModule setenvif_module is read: add one" in fix, fix
    rendered = server.conf_path.read_text(encoding="utf-8").splitlines()
    assert rendered[int(edit.group(2)) - 1].strip() == edit.group(1)
    server.stop()

    # applied as printed: the SetEnvIfNoCase line above the new group line, and the module
    fixed_conf = ("LoadModule setenvif_module /usr/lib/apache2/modules/mod_setenvif.so\n"
                  + CONF.replace(GLOBAL_LINE, f"    {edit.group(4)}\n    {edit.group(3)}"))
    fixed = apache(fixed_conf, files=FILES)
    for host in HOSTS.values():
        # Django's 404 for '/' of mysite: the script ran
        assert requests.get(fixed.url("/app.wsgi/"), headers={"Host": host},
                            timeout=10).status_code < 500
    time.sleep(0.3)  # the log line is written by the child that loaded the script
    log = fixed.error_log()
    for host in HOSTS.values():
        assert re.search(rf"Loading WSGI script '[^']*/vhosts/{re.escape(host)}/app\.wsgi' "
                         rf"into sub-interpreter '{re.escape(host)}'", log), log
    after = swept(fixed, manifest)
    assert url_verdicts(after) == [
        (f"http://{host}/app.wsgi/", "ok") for host in HOSTS.values()], after["targets"]
