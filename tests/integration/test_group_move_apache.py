"""A daemon group named in a VirtualHost other than the one defining it, on real Apache +
mod_wsgi, where both mounts run the same script: one application mounted twice (a tester's
graphite + weblate set-up, weblate's apache-path.conf copied under graphite's host name).
The fix offers moving the WSGIDaemonProcess outside the VirtualHost, which does not put two
applications in one interpreter here; applied as an operator would, every URL is ok."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .apache_blocks import CATCH_ALL
from .conftest import ApacheFactory
from .evidence_check import assert_sourced
from .test_evidence_scenarios import line_of, target
from .test_scenarios import probe_command

pytestmark = pytest.mark.apache

WEBLATE_DAEMON = ("WSGIDaemonProcess weblate processes=1 threads=4 python-path=@SITES@ "
                  "display-name=%{GROUP}\n")

# weblate's own VirtualHost defines its group; graphite's mounts the same script under
# /weblate naming that group (listed first, so that the alias order is not this test's).
SITES = CATCH_ALL + """\
<VirtualHost *:@PORT@>
    ServerName graphite.example.org
    WSGIDaemonProcess graphite processes=1 threads=4 python-path=@SITES@
    WSGIProcessGroup graphite
    WSGIApplicationGroup %{GLOBAL}
    WSGIScriptAlias /weblate @SITES@/project-2/wsgi.py process-group=weblate
    WSGIScriptAlias / @SITES@/project-1/wsgi.py
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName weblate.example.org
    @WEBLATE_DAEMON@
    WSGIProcessGroup weblate
    WSGIApplicationGroup %{GLOBAL}
    WSGIScriptAlias /weblate @SITES@/project-2/wsgi.py process-group=weblate
</VirtualHost>
"""

MANIFEST = """\
[instances.graphite]
label = "project-1"
settings = "mysite.settings"
process_group = "graphite"
urls = ["http://graphite.example.org/"]

[instances.weblate]
label = "project-2"
settings = "mysite.settings_two"
process_group = "weblate"
urls = ["http://weblate.example.org/weblate/", "http://graphite.example.org/weblate/"]
"""

MOUNTED_TWICE = "http://graphite.example.org/weblate/"


def _sweep(manifest: Path, connect: str, conf: Path) -> dict[str, Any]:
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(manifest), "--connect", connect, "--format",
         "json", "--timeout", "30", "--config", str(conf)],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    assert done.stdout.startswith("{"), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert_sourced(report)
    return report


def test_one_script_mounted_twice_gets_its_daemon_moved_out_and_all_is_ok(
        apache: ApacheFactory, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    server = apache(SITES.replace("@WEBLATE_DAEMON@\n", WEBLATE_DAEMON))
    report = _sweep(manifest, server.connect, server.conf_path)
    found = target(report, MOUNTED_TWICE)
    assert (found["verdict"], found["cause"]) == ("http_error", "undefined_daemon"), found
    daemon = line_of(server.conf_path, "WSGIDaemonProcess weblate")
    script = server.sites / "project-2" / "wsgi.py"
    assert found["fix"].startswith(
        f"Move WSGIDaemonProcess weblate ({daemon}) outside the VirtualHost: both mounts run "
        f"the same script ({script}) in application group %{{GLOBAL}}"), found["fix"]
    assert "would not do" not in found["fix"], found["fix"]

    # Applied: the same line at server level, none in weblate's VirtualHost.
    fixed = apache(WEBLATE_DAEMON + SITES.replace("    @WEBLATE_DAEMON@\n", ""))
    again = _sweep(manifest, fixed.connect, fixed.conf_path)
    assert [(t["url"], t["verdict"]) for t in again["targets"]] == [
        ("http://graphite.example.org/", "ok"), ("http://weblate.example.org/weblate/", "ok"),
        (MOUNTED_TWICE, "ok")], again
    answers = {t["url"]: t["observed"]["process_group"] for t in again["targets"]}
    assert answers[MOUNTED_TWICE] == answers["http://weblate.example.org/weblate/"] == "weblate"
