"""A name another site takes, on real Apache + mod_wsgi: a tester gave Trac's site
``ServerAlias *.example.com`` and enabled it first, so Review Board's URLs got Trac's
VirtualHost (a 403/404, no endpoint answer). The fix once printed mounted Trac's script at
Review Board's path; now the sweep names ``vhost_shadowed`` and the claiming line, and the
fix applied as printed (the wildcard narrowed) makes every URL ok."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import ApacheFactory
from .test_evidence_scenarios import line_of, target
from .test_scenarios import sweep

pytestmark = pytest.mark.apache

SITES = """\
<VirtualHost *:@PORT@>
    ServerName trac.example.com
    ServerAlias *.example.com
    WSGIDaemonProcess trac processes=1 threads=4 python-path=@SITES@
    WSGIScriptAlias /trac @SITES@/project-1/wsgi.py process-group=trac
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName rb.example.com
    WSGIDaemonProcess reviewboard processes=1 threads=4 python-path=@SITES@
    WSGIScriptAlias /reviews @SITES@/project-2/wsgi.py process-group=reviewboard
</VirtualHost>
"""

MANIFEST = """\
[instances.reviewboard]
label = "project-2"
settings = "mysite.settings_two"
urls = ["http://rb.example.com/reviews/", "http://rb.example.com/reviews/r/1/"]

[instances.trac]
label = "project-1"
settings = "mysite.settings"
process_group = "trac"
urls = ["http://trac.example.com/trac/"]
"""

RB = ("http://rb.example.com/reviews/", "http://rb.example.com/reviews/r/1/")


def test_a_wildcard_of_the_first_site_is_named_and_narrowing_it_fixes_the_other(
        apache: ApacheFactory, tmp_path: Path) -> None:
    server = apache(SITES)
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    _status, report, context = sweep(server, manifest, "--config", str(server.conf_path))
    assert target(report, "http://trac.example.com/trac/")["verdict"] == "ok", context
    claiming = line_of(server.conf_path, "ServerAlias *.example.com")
    rb_opening = f"{server.conf_path}:" \
        f"{int(line_of(server.conf_path, 'ServerName rb.example.com').rpartition(':')[2]) - 1}"
    for url in RB:
        found = target(report, url)
        assert (found["verdict"], found["cause"]) == ("no_endpoint", "vhost_shadowed"), context
        assert found["fix"].startswith(f"At {claiming}, stop claiming rb.example.com"), \
            found["fix"]
        assert f"(rb.example.com) at {rb_opening}" in found["fix"], found["fix"]
        assert "project-1/wsgi.py" not in found["fix"], found["fix"]
        assert "/trac/reviews" not in found["fix"], found["fix"]
        assert f"probe lint reports vhost_shadowed at {rb_opening}" in found["explanation"], \
            found["explanation"]

    # Applied as printed: the line named, narrowed to the site's own names.
    at = re.match(rf"At {re.escape(str(server.conf_path))}:(\d+), ", target(report, RB[0])["fix"])
    assert at is not None
    named = server.conf_path.read_text(encoding="utf-8").splitlines()[int(at.group(1)) - 1]
    assert named.strip() == "ServerAlias *.example.com", named
    server.stop()
    fixed = apache(SITES.replace("ServerAlias *.example.com", "ServerAlias *.trac.example.com"))
    _status, again, context = sweep(fixed, manifest, "--config", str(fixed.conf_path))
    assert [t["verdict"] for t in again["targets"]] == ["ok", "ok", "ok"], context
