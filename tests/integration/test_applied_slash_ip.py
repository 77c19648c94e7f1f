"""Two fixes of ``probe sweep --config`` applied to a real Apache and swept again: a
WSGIScriptAlias whose URL-path ends in '/' before a file target (only that exact path
reaches the script: the rest is appended to the file's name), and an IP-based VirtualHost
hiding the name-based sites of its port (its address made '*'; adding the IP to one
name-based VirtualHost instead is not offered: it makes that VirtualHost answer the other
names of the port)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .apache_blocks import daemons
from .applied_fix import IP_VHOST, instance, site_vhost, swept, url_verdicts, write_manifest
from .conftest import ApacheFactory
from .test_evidence_scenarios import line_of, target

pytestmark = pytest.mark.apache

SLASHED = daemons("project-1") + """
<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    WSGIScriptAlias /weblate/ @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>
"""


def test_a_slashed_alias_is_modelled_and_its_fix_works(apache: ApacheFactory,
                                                       tmp_path: Path) -> None:
    server = apache(SLASHED)
    below = server.get("/weblate/accounts/", "site-1.example.com")
    assert below.status_code in (403, 404), below.status_code
    assert "wsgi.pyaccounts" in server.error_log(), server.error_log()[-2000:]
    url = "http://site-1.example.com/weblate/"
    manifest = write_manifest(tmp_path, instance(1, url))
    found = target(swept(server, manifest), url)
    assert found["verdict"] == "no_endpoint", found
    assert "maps to the file " in found["explanation"], found
    assert "/project-1/wsgi.py__" in found["explanation"], found  # the probe's segment after
    alias = line_of(server.conf_path, "WSGIScriptAlias /weblate/")
    assert found["fix"].startswith(f"At {alias}, write the URL-path without its trailing "
                                   f"slash: WSGIScriptAlias /weblate "), found["fix"]
    fixed = apache(SLASHED.replace("/weblate/ ", "/weblate "))
    again = target(swept(fixed, manifest), url)
    assert again["verdict"] == "ok", again


IP_FIRST = daemons("project-1", "project-2") + f"""
{IP_VHOST}
    ServerName weblate.example.org
    DocumentRoot @SITES@/mysite
</VirtualHost>

""" + site_vhost(1) + "\n" + site_vhost(2)

TWO = instance(1, "http://site-1.example.com/") + instance(2, "http://site-2.example.com/")


def test_an_ip_vhost_fix_offers_no_address_added_to_one_site(apache: ApacheFactory,
                                                             tmp_path: Path) -> None:
    server = apache(IP_FIRST)
    manifest = write_manifest(tmp_path, TWO)
    report = swept(server, manifest)
    found = target(report, "http://site-1.example.com/")
    assert found["verdict"] == "no_endpoint", found
    assert f"or add 127.0.0.1:{server.port}" not in found["fix"], found["fix"]
    assert "every name-based VirtualHost of the port would need that address" in found["fix"]
    # What the fix says of the alternative, on real Apache: with the IP added to site-1's
    # VirtualHost alone, site-1 becomes the default of that IP and answers site-2's name.
    alone = apache(IP_FIRST.replace(
        "<VirtualHost *:@PORT@>\n    ServerName site-1",
        "<VirtualHost 127.0.0.1:@PORT@ *:@PORT@>\n    ServerName site-1"))
    broken = swept(alone, manifest)
    assert target(broken, "http://site-2.example.com/")["verdict"] != "ok", broken
    # The fix as given: every URL ok.
    fixed = apache(IP_FIRST.replace(IP_VHOST, "<VirtualHost *:@PORT@>"))
    again = swept(fixed, manifest)
    assert url_verdicts(again) == [
        ("http://site-1.example.com/", "ok"), ("http://site-2.example.com/", "ok")], again
