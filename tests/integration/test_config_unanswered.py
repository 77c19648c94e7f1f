"""--config on real Apache + mod_wsgi where no endpoint answer says why: an Alias that takes a
WSGIScriptAlias's path (mod_alias maps before mod_wsgi), a daemon group defined in another
VirtualHost (mod_wsgi's WSGI0152, a 500 without a traceback), and a shared interpreter whose
WSGIApplicationGroup line is cited for every URL and the finding it applies to."""

from __future__ import annotations

from typing import Any

import pytest

from .apache import ApacheServer
from .apache_blocks import CATCH_ALL, daemons
from .conftest import ApacheFactory
from .test_scenarios import sweep

pytestmark = pytest.mark.apache

CONFIG = """\
LoadModule alias_module /usr/lib/apache2/modules/mod_alias.so
""" + daemons("project-1") + "\n" + CATCH_ALL + """
<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    Alias /media @SITES@/mysite
    WSGIScriptAlias /media @SITES@/project-2/wsgi.py
    WSGIScriptAlias /suburl @SITES@/project-2/wsgi.py process-group=project-1
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
    WSGIApplicationGroup %{GLOBAL}
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName site-2.example.com
    WSGIDaemonProcess project-3 processes=1 threads=2 python-path=@SITES@
    WSGIScriptAlias / @SITES@/project-3/wsgi.py process-group=project-3
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName site-3.example.com
    ErrorLog site-3_error.log
    WSGIScriptAlias / @SITES@/project-3/wsgi.py process-group=project-3
</VirtualHost>
"""

MANIFEST = """\
[instances.project-1]
label = "project-1"
settings = "mysite.settings"
urls = ["http://site-1.example.com/"]

[instances.project-2]
label = "project-2"
settings = "mysite.settings_two"
urls = ["http://site-1.example.com/suburl/", "http://site-1.example.com/media/"]

[instances.project-3]
label = "project-3"
settings = "mysite.settings_three"
urls = ["http://site-2.example.com/", "http://site-3.example.com/"]
"""


@pytest.fixture(scope="module")
def report(apache_module: ApacheFactory, tmp_path_factory: pytest.TempPathFactory
           ) -> tuple[ApacheServer, dict[str, Any]]:
    server = apache_module(CONFIG)
    # project-1 loads first in the shared interpreter: project-2 then runs its settings.
    server.get("/", "site-1.example.com")
    manifest = tmp_path_factory.mktemp("unanswered") / "manifest.toml"
    manifest.write_text(MANIFEST)
    _status, swept, _context = sweep(server, manifest, "--config", str(server.conf_path))
    return server, swept


def _target(report: dict[str, Any], url: str) -> dict[str, Any]:
    found: dict[str, Any] = next(t for t in report["targets"] if t["url"] == url)
    return found


def test_an_alias_before_the_mount_is_named_not_the_endpoint(
        report: tuple[ApacheServer, dict[str, Any]]) -> None:
    server, swept = report
    media = _target(swept, "http://site-1.example.com/media/")
    line = f"{server.conf_path}:"
    assert (media["verdict"], media["cause"]) == ("no_endpoint", "url_mapping")
    assert "Alias /media" in media["explanation"] and line in media["fix"]
    assert "Install the endpoint" not in media["fix"]


def test_a_500_from_another_vhosts_daemon_group_is_undefined_daemon(
        report: tuple[ApacheServer, dict[str, Any]]) -> None:
    server, swept = report
    refused = _target(swept, "http://site-3.example.com/")
    assert (refused["verdict"], refused["cause"]) == ("http_error", "undefined_daemon")
    # what mod_wsgi really logs for it, in the VirtualHost's own ErrorLog (relative to
    # ServerRoot), not the server's: the explanation names that file and its line
    own = server.server_root / "site-3_error.log"
    assert "WSGI0152" in own.read_text(encoding="utf-8", errors="replace")
    assert "WSGI0152" not in server.error_log()
    line = next(n for n, text in enumerate(server.conf_path.read_text().splitlines(), 1)
                if "ErrorLog site-3_error.log" in text)
    assert (f"for it to the ErrorLog of this URL's VirtualHost, {own} ({server.conf_path}:"
            f"{line}; ServerRoot at {server.conf_path}:") in refused["explanation"], refused
    assert refused["fix"].startswith("Move WSGIDaemonProcess project-3")
    assert "traceback of this request" not in refused["fix"]


def test_the_shared_group_line_is_cited_for_each_url_and_the_finding(
        report: tuple[ApacheServer, dict[str, Any]]) -> None:
    _server, swept = report
    suburl = _target(swept, "http://site-1.example.com/suburl/")
    assert (suburl["verdict"], suburl["cause"]) == ("settings_mismatch", "shared_interpreter")
    assert suburl["fix"].startswith("Run project-2")
    assert any(e["claim"].startswith("WSGIApplicationGroup %{GLOBAL}")
               for e in suburl["evidence"])
    [finding] = [f for f in swept["findings"] if f["code"] == "shared_interpreter"]
    assert finding["instances"] == ["project-1", "project-2"]
    assert "set by WSGIApplicationGroup %{GLOBAL} at" in finding["explanation"]
    assert "its own daemon process group" in finding["explanation"]
