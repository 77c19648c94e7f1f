"""Apache httpd's mod_proxy in front of real gunicorn and waitress: which line really takes
a URL, and which setting really applies to it (``sweep --config``), and what a 503 of
mod_proxy's says when no configuration is given.

* a ``ProxyPassMatch`` above a ``ProxyPass`` in a VirtualHost: the first that matches wins,
  whichever of the two directives it is;
* a main-server ``ProxyPassMatch`` and a VirtualHost's ``ProxyPass``: httpd appends the
  VirtualHost's rules to the main server's, so the main server's come first;
* ``ProxyPreserveHost`` written inside a ``<Location>``: the setting of the URL's path;
* a 503 of mod_proxy's with no configuration given: what was observed, and what decides.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .apache import free_port
from .conftest import ApacheFactory
from .test_apache_proxy import (
    MODULES,
    Backends,
    _line,
    _manifest,
    _row,
    _sweep,
    backends,
)
from .test_scenarios import sweep

pytestmark = pytest.mark.apache
__all__ = ["backends"]  # the module's fixture, used here by name

MATCH_FIRST = """\
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPreserveHost On
    ProxyPassMatch "^/b/" "http://127.0.0.1:{a}"
    ProxyPass "/b/" "http://127.0.0.1:{bp}/b/"
    ProxyPass "/" "http://127.0.0.1:{a}/"
</VirtualHost>
"""


def _lines(fix: str, conf: Path) -> list[int]:
    return [int(n) for n in re.findall(rf"{re.escape(str(conf))}:(\d+)", fix)]


def test_a_proxypassmatch_above_a_proxypass_is_the_line_that_took_the_url(
        apache: ApacheFactory, backends: Backends, tmp_path: Path) -> None:
    site = MATCH_FIRST.format(a=backends.a.port, bp=backends.bp.port)
    manifest = _manifest(tmp_path, backends, ["http://a.test/"], ["http://a.test/b/"])
    report, conf = _sweep(apache, site, manifest)
    row = _row(report, "http://a.test/b/")
    assert (row["verdict"], row["cause"]) == ("wrong_instance", "url_mapping"), row
    match, narrow = _line(conf, "ProxyPassMatch"), _line(conf, 'ProxyPass "/b/"')
    assert _lines(row["fix"], conf)[:2] == [narrow, match], row["fix"]
    assert f"ProxyPassMatch ^/b/ http://127.0.0.1:{backends.a.port}" in row["explanation"], \
        row["explanation"]
    # the fix as written: the ProxyPass for /b/ moved above the ProxyPassMatch
    rows = site.splitlines()
    moved = [*rows[:3], rows[4], rows[3], *rows[5:]]
    again, _ = _sweep(apache, "\n".join(moved) + "\n", manifest)
    assert all(t["verdict"] == "ok" for t in again["targets"]), again["targets"]


MAIN_MATCH = """\
ProxyPassMatch "^/b/" "http://127.0.0.1:{a}"
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPreserveHost On
    ProxyPass "/b/" "http://127.0.0.1:{bp}/b/"
    ProxyPass "/" "http://127.0.0.1:{a}/"
</VirtualHost>
"""


def test_a_main_server_proxypassmatch_comes_before_the_virtualhost_proxypass(
        apache: ApacheFactory, backends: Backends, tmp_path: Path) -> None:
    site = MAIN_MATCH.format(a=backends.a.port, bp=backends.bp.port)
    manifest = _manifest(tmp_path, backends, ["http://a.test/"], ["http://a.test/b/"])
    report, conf = _sweep(apache, site, manifest)
    row = _row(report, "http://a.test/b/")
    assert (row["verdict"], row["cause"]) == ("wrong_instance", "url_mapping"), row
    match = _line(conf, "ProxyPassMatch")
    assert f"{conf}:{match}" in row["explanation"], row["explanation"]
    narrow = _line(conf, 'ProxyPass "/b/"')
    assert row["fix"].startswith(f"Move the main server's line at {conf}:{match} into the "
                                 f"VirtualHosts"), row["fix"]
    assert f"below the line at {conf}:{narrow}" in row["fix"], row["fix"]
    # the fix as written: the main server's line moved into the VirtualHost, below /b/'s
    rows = site.splitlines()
    fixed = "\n".join(rows[1:5] + rows[:1] + rows[5:]) + "\n"
    again, _ = _sweep(apache, fixed, manifest)
    assert all(t["verdict"] == "ok" for t in again["targets"]), again["targets"]


LOCATION_HOST = """\
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPreserveHost On
    ProxyPass "/b/" "http://127.0.0.1:{bp}/b/"
    ProxyPass "/" "http://127.0.0.1:{a}/"
    <Location /b/>
        ProxyPreserveHost Off
    </Location>
</VirtualHost>
"""


def test_a_proxypreservehost_inside_a_location_is_the_line_named(
        apache: ApacheFactory, backends: Backends, tmp_path: Path) -> None:
    site = LOCATION_HOST.format(a=backends.a.port, bp=backends.bp.port)
    manifest = _manifest(tmp_path, backends, ["http://a.test/"], ["http://a.test/b/"])
    report, conf = _sweep(apache, site, manifest)
    assert _row(report, "http://a.test/")["verdict"] == "ok", report["targets"]
    row = _row(report, "http://a.test/b/")
    assert row["verdict"] in ("host_mismatch", "host_rejected"), row
    off = _line(conf, "ProxyPreserveHost Off")
    assert row["fix"].startswith(f"At {conf}:{off}, write 'ProxyPreserveHost On'"), row["fix"]
    assert "<Location /b/>" in row["fix"], row["fix"]
    fixed = site.replace("ProxyPreserveHost Off", "ProxyPreserveHost On")
    again, _ = _sweep(apache, fixed, manifest)
    assert all(t["verdict"] == "ok" for t in again["targets"]), again["targets"]


LOCATION_ON = """\
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPass "/b/" "http://127.0.0.1:{bp}/b/"
    <LocationMatch "^/b/">
        ProxyPreserveHost On
    </LocationMatch>
</VirtualHost>
"""


def test_a_proxypreservehost_on_inside_a_locationmatch_is_in_force(
        apache: ApacheFactory, backends: Backends, tmp_path: Path) -> None:
    site = LOCATION_ON.format(bp=backends.bp.port)
    manifest = _manifest(tmp_path, backends, [], ["http://a.test/b/"])
    report, _ = _sweep(apache, site, manifest)
    # the Host reaches the application: no fix says to add what is already in force
    assert all(t["verdict"] == "ok" for t in report["targets"]), report["targets"]


DOWN = """\
<VirtualHost *:@PORT@>
    ServerName b.test
    ProxyPass "/" "http://127.0.0.1:{down}/"
</VirtualHost>
"""


def test_a_mod_proxy_503_without_config_says_what_was_seen_and_what_decides(
        apache: ApacheFactory, backends: Backends, tmp_path: Path) -> None:
    server = apache(MODULES + DOWN.format(down=free_port()))
    manifest = _manifest(tmp_path, backends, [], ["http://b.test/"])
    _, report, _ = sweep(server, manifest)
    row = _row(report, "http://b.test/")
    assert (row["verdict"], row["cause"]) == ("http_error", "upstream_down"), row
    words = row["explanation"] + " " + row["fix"]
    assert "503" in row["explanation"] and "Server: Apache" in row["explanation"], words
    assert "--config" in row["fix"], row["fix"]
    assert "no configuration was read" in row["explanation"], row["explanation"]
    # the check that tells: the error log line of the module that answered
    assert "AH00957" in row["fix"], row["fix"]
    # nothing nobody saw: no front "to find", no health checks
    for unread in ("Find the server in front", "health checks"):
        assert unread not in words, words
    observed = [e for e in row["evidence"] if e["kind"] == "observed"]
    assert any("503" in e["claim"] and "Apache" in e["claim"] for e in observed), row
