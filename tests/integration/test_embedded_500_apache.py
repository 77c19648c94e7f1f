"""Real Apache + mod_wsgi: devstack's horizon with its ``WSGIProcessGroup`` moved into a
``<Directory>`` of a relative path, next to an empty ``conf-enabled/``. httpd runs the site
embedded, where the module only the daemon's ``python-path=`` finds is missing: a 500. Lint
must say the site runs embedded (the empty directory read nothing, it hides nothing), and
``sweep --config`` must name the line that names the group and why it does not apply."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from probe.cli import main

from .conftest import ApacheFactory
from .test_scenarios import sweep

pytestmark = pytest.mark.apache

CONFIG = """\
IncludeOptional @SITES@/conf-enabled/*.conf
<VirtualHost *:@PORT@>
    ServerName horizon.example.org
    WSGIScriptAlias / @SITES@/horizon/wsgi.py
    WSGIDaemonProcess horizon processes=1 threads=2 python-path=@SITES@/horizon-lib
    <Directory horizon>
        WSGIProcessGroup horizon
    </Directory>
</VirtualHost>
"""

FILES = {
    "conf-enabled/README": "no .conf here: httpd reads nothing from this directory\n",
    "horizon-lib/dashboard_only.py": "LOADED = True\n",
    "horizon/wsgi.py": (
        "import dashboard_only  # found through WSGIDaemonProcess python-path= only\n\n\n"
        "def application(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'horizon']\n"),
}

MANIFEST = """\
[instances.horizon]
label = "horizon"
process_group = "horizon"
urls = ["http://horizon.example.org/"]
"""


def test_a_group_in_a_directory_that_holds_no_script_is_named_for_the_500(
        apache: ApacheFactory) -> None:
    server = apache(CONFIG, files=FILES)
    assert server.get("/", "horizon.example.org").status_code == 500
    assert "dashboard_only" in server.error_log()  # the ImportError, embedded

    linted = CliRunner().invoke(main, ["lint", "--format", "json", str(server.conf_path)])
    [finding] = [f for f in json.loads(linted.output)["findings"]
                 if f["code"] == "unused_daemon"]
    assert finding["severity"] == "warning" and "runs embedded" in finding["message"]
    assert "not checked" not in finding["message"]

    manifest = server.server_root / "manifest.toml"
    manifest.write_text(MANIFEST)
    _status, report, context = sweep(server, manifest, "--config", str(server.conf_path))
    [target] = report["targets"]
    assert (target["verdict"], target["cause"]) == ("http_error", "daemon_group_unused"), \
        context
    lines = server.conf_path.read_text().splitlines()
    number = lines.index("        WSGIProcessGroup horizon") + 1
    group_line = f"{server.conf_path}:{number}"
    assert f"WSGIProcessGroup horizon at {group_line} is inside <Directory horizon> " \
           f"({server.conf_path}:{number - 1}), which does not hold" in target["explanation"]
    assert "process_group 'horizon'" in target["explanation"]
    assert "python-path=" in target["explanation"]
    assert target["fix"].startswith(f"Move WSGIProcessGroup horizon ({group_line})")
    assert "Sweep with --config" not in target["fix"]
