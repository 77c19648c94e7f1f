"""Fixes of ``probe sweep --config`` for the configuration join, applied to a real Apache +
mod_wsgi as an operator would and swept again. A tester ran five public configurations
(openstack-helm's and quattor's keystone, an ognLogbook vhost, a CKAN image's vhosts) and
applied what the sweep said: a ServerAlias for a port no VirtualHost was written for, "keep
the path out of that rule" for an Alias to the site's own script, a <Location> at server
scope, a wildcard removed that another site's URL needed. Each broke a site further; each
test here applies the fix now given and asserts every URL ok."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .apache import ApacheServer, free_port
from .conftest import ApacheFactory
from .evidence_check import assert_sourced
from .test_evidence_scenarios import line_of, target
from .test_scenarios import probe_command

pytestmark = pytest.mark.apache


def _sweep(manifest: Path, connect: str, conf: Path) -> dict[str, Any]:
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(manifest), "--connect", connect, "--format",
         "json", "--timeout", "30", "--config", str(conf)],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    assert done.stdout.startswith("{"), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert_sourced(report)
    return report


def _verdicts(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(t["url"], t["verdict"]) for t in report["targets"]]


def _line(server: ApacheServer, fix: str) -> tuple[int, str]:
    """The line a fix starting "At FILE:N, ..." names, and its text."""
    found = re.match(rf"At {re.escape(str(server.conf_path))}:(\d+), ", fix)
    assert found is not None, fix
    number = int(found.group(1))
    return number, server.conf_path.read_text(encoding="utf-8").splitlines()[number - 1]


def _nth(template: str, server: ApacheServer, number: int, old: str, new: str,
         rendered_as: str | None = None) -> str:
    """``template`` with the occurrence of ``old`` (written ``rendered_as`` in the rendered
    file) that is rendered at line ``number`` replaced by ``new``."""
    shown = rendered_as or old.replace("@PORT@", str(server.port)).replace(
        "@SITES@", str(server.sites))
    rendered = server.conf_path.read_text(encoding="utf-8").splitlines()[:number]
    assert shown in rendered[-1], (shown, rendered[-1])
    nth = sum(1 for line in rendered if shown in line)
    parts = template.split(old)
    assert len(parts) > nth, (old, template)
    return old.join(parts[:nth]) + new + old.join(parts[nth:])


# openstack-helm's wsgi-keystone.conf: the admin VirtualHost copied from the public one and
# its port left unchanged, so no VirtualHost is written for the admin port.
KEYSTONE = """\
Listen 127.0.0.1:@ADMIN@

<VirtualHost *:@PORT@>
    WSGIDaemonProcess keystone-public processes=1 threads=4 python-path=@SITES@
    WSGIProcessGroup keystone-public
    WSGIScriptAlias / @SITES@/project-1/wsgi.py
    WSGIApplicationGroup %{GLOBAL}
</VirtualHost>

<VirtualHost *:@PORT@>
    WSGIDaemonProcess keystone-admin processes=1 threads=4 python-path=@SITES@
    WSGIProcessGroup keystone-admin
    WSGIScriptAlias / @SITES@/project-2/wsgi.py
    WSGIApplicationGroup %{GLOBAL}
</VirtualHost>
"""


def _keystone_manifest(tmp_path: Path, public: int, admin: int) -> Path:
    path = tmp_path / "keystone.toml"
    path.write_text(f"""\
[instances.keystone-public]
label = "project-1"
settings = "mysite.settings"
process_group = "keystone-public"
urls = ["http://keystone.example.com:{public}/"]

[instances.keystone-admin]
label = "project-2"
settings = "mysite.settings_two"
process_group = "keystone-admin"
urls = ["http://keystone.example.com:{admin}/"]
""", encoding="utf-8")
    return path


def test_a_port_no_virtualhost_is_written_for_gets_the_vhost_moved_to_it(
        apache: ApacheFactory, tmp_path: Path) -> None:
    admin = free_port()
    server = apache(KEYSTONE, extra={"ADMIN": str(admin)})
    manifest = _keystone_manifest(tmp_path, server.port, admin)
    report = _sweep(manifest, "127.0.0.1", server.conf_path)
    found = target(report, f"http://keystone.example.com:{admin}/")
    assert (found["verdict"], found["cause"]) == ("no_endpoint", None), found
    assert "(None)" not in found["explanation"] + found["fix"], found
    assert "ServerAlias" not in found["fix"], found["fix"]
    opening = line_of(server.conf_path, "WSGIDaemonProcess keystone-admin")
    number = int(opening.rpartition(":")[2]) - 1  # the <VirtualHost> line above it
    assert found["fix"].startswith(f"At {server.conf_path}:{number}, write <VirtualHost "
                                   f"*:{admin}> instead of <VirtualHost *:{server.port}>"), \
        found["fix"]
    assert "ServerName localhost" in found["explanation"], found["explanation"]
    assert f"the URL uses port {admin}" in found["explanation"], found["explanation"]

    admin_again = free_port()
    fixed = apache(_nth(KEYSTONE, server, number, "<VirtualHost *:@PORT@>",
                        "<VirtualHost *:@ADMIN@>"), extra={"ADMIN": str(admin_again)})
    again = _sweep(_keystone_manifest(tmp_path, fixed.port, admin_again), "127.0.0.1",
                   fixed.conf_path)
    assert [v for _, v in _verdicts(again)] == ["ok", "ok"], again


def test_a_name_taken_from_a_site_that_claims_none_is_shadowed_and_fixed(
        apache: ApacheFactory, tmp_path: Path) -> None:
    """The ServerAlias once proposed for the admin port, applied: the public site (no
    ServerName, the first of its port) loses its URL to the admin one."""
    admin = free_port()
    aliased = KEYSTONE.replace("    WSGIProcessGroup keystone-admin\n",
                               "    ServerAlias keystone.example.com\n"
                               "    WSGIProcessGroup keystone-admin\n")
    server = apache(aliased, extra={"ADMIN": str(admin)})
    manifest = _keystone_manifest(tmp_path, server.port, admin)
    found = target(_sweep(manifest, "127.0.0.1", server.conf_path),
                   f"http://keystone.example.com:{server.port}/")
    assert (found["verdict"], found["cause"]) == ("wrong_instance", "vhost_shadowed"), found
    alias = line_of(server.conf_path, "ServerAlias keystone.example.com")
    assert found["fix"].startswith(f"At {alias}, stop claiming keystone.example.com"), \
        found["fix"]
    public = line_of(server.conf_path, "<VirtualHost")  # the first: keystone-public's
    assert public in found["explanation"], found["explanation"]
    _, text = _line(server, found["fix"])
    assert text.strip() == "ServerAlias keystone.example.com", text
    admin_again = free_port()
    fixed = apache(aliased.replace("    ServerAlias keystone.example.com\n", ""),
                   extra={"ADMIN": str(admin_again)})
    again = _sweep(_keystone_manifest(tmp_path, fixed.port, admin_again), "127.0.0.1",
                   fixed.conf_path)
    assert _verdicts(again)[0] == (f"http://keystone.example.com:{fixed.port}/", "ok"), again


# A CKAN image's vhosts: the pycsw VirtualHost copied from CKAN's, both with ServerAlias *;
# CKAN's own wildcard takes csw, and also gives CKAN a name no other line does. Each in its
# own daemon group here, so that the sub interpreters of one child do not share
# DJANGO_SETTINGS_MODULE (another finding, not this test's).
CKAN = """\
<VirtualHost 0.0.0.0:@PORT@>
    ServerName ckan
    ServerAlias *
    WSGIDaemonProcess ckan processes=1 threads=4 python-path=@SITES@
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=ckan
</VirtualHost>

<VirtualHost 0.0.0.0:@PORT@>
    ServerName csw
    ServerAlias *
    WSGIDaemonProcess pycsw processes=1 threads=4 python-path=@SITES@
    WSGIScriptAlias / @SITES@/project-2/wsgi.py process-group=pycsw
</VirtualHost>
"""

CKAN_MANIFEST = """\
[instances.ckan]
label = "project-1"
settings = "mysite.settings"
urls = ["http://ckan/", "http://ckan.example.org/"]

[instances.pycsw]
label = "project-2"
settings = "mysite.settings_two"
urls = ["http://csw/"]
"""


def test_a_wildcard_an_ok_url_needs_is_narrowed_to_its_names_not_removed(
        apache: ApacheFactory, tmp_path: Path) -> None:
    server = apache(CKAN)
    manifest = tmp_path / "ckan.toml"
    manifest.write_text(CKAN_MANIFEST, encoding="utf-8")
    report = _sweep(manifest, server.connect, server.conf_path)
    assert [v for _, v in _verdicts(report)].count("ok") == 2, _verdicts(report)
    found = target(report, "http://csw/")
    assert (found["verdict"], found["cause"]) == ("wrong_instance", "vhost_shadowed"), found
    assert "remove" not in found["fix"], found["fix"]
    number, text = _line(server, found["fix"])
    assert text.strip() == "ServerAlias *", text
    assert "http://ckan.example.org/ (answered by its own instance in this sweep) reaches " \
        in found["fix"], found["fix"]
    csw = line_of(server.conf_path, "ServerName csw")
    assert f"Without that line <VirtualHost 0.0.0.0:{server.port}> (csw) " \
           f"at {server.conf_path}:{int(csw.rpartition(':')[2]) - 1} would take it" \
        in found["fix"], found["fix"]
    names = re.search(r"\(ServerAlias ([^;]+);", found["fix"])
    assert names is not None and names.group(1) == "ckan.example.org", found["fix"]
    fixed = apache(_nth(CKAN, server, number, "    ServerAlias *\n",
                        f"    ServerAlias {names.group(1)}\n", rendered_as="ServerAlias *"))
    again = _sweep(manifest, fixed.connect, fixed.conf_path)
    assert [v for _, v in _verdicts(again)] == ["ok", "ok", "ok"], again


# quattor's keystone profile: server-scope Alias + <Location> per path, the admin one cloned
# from the public one and its WSGIProcessGroup left unchanged.
QUATTOR = """\
LoadModule alias_module /usr/lib/apache2/modules/mod_alias.so
Listen 127.0.0.1:@ADMIN@

<VirtualHost *:@PORT@>
    WSGIProcessGroup keystone-public
    WSGIApplicationGroup %{GLOBAL}
    WSGIDaemonProcess keystone-public processes=1 threads=4 python-path=@SITES@
    WSGIScriptAlias / @SITES@/project-1/wsgi.py
</VirtualHost>

<VirtualHost *:@ADMIN@>
    WSGIProcessGroup keystone-admin
    WSGIApplicationGroup %{GLOBAL}
    WSGIDaemonProcess keystone-admin processes=1 threads=4 python-path=@SITES@
    WSGIScriptAlias / @SITES@/project-2/wsgi.py
</VirtualHost>

Alias /identity @SITES@/project-1/wsgi.py
Alias /identity_admin @SITES@/project-2/wsgi.py

<Location /identity>
    SetHandler wsgi-script
    Options +ExecCGI
    WSGIProcessGroup keystone-public
    WSGIApplicationGroup %{GLOBAL}
</Location>

<Location /identity_admin>
    SetHandler wsgi-script
    Options +ExecCGI
    WSGIProcessGroup keystone-public
    WSGIApplicationGroup %{GLOBAL}
</Location>
"""


def test_an_alias_to_the_sites_own_script_blames_the_group_line_after_it(
        apache: ApacheFactory, tmp_path: Path) -> None:
    admin = free_port()
    server = apache(QUATTOR, extra={"ADMIN": str(admin)})
    manifest = tmp_path / "quattor.toml"

    def write(public: int, admin: int) -> Path:
        manifest.write_text(f"""\
[instances.keystone-public]
label = "project-1"
settings = "mysite.settings"
process_group = "keystone-public"
urls = ["http://keystone.example.com:{public}/", "http://keystone.example.com:{public}/identity/"]

[instances.keystone-admin]
label = "project-2"
settings = "mysite.settings_two"
process_group = "keystone-admin"
urls = ["http://keystone.example.com:{admin}/",
        "http://keystone.example.com:{public}/identity_admin/"]
""", encoding="utf-8")
        return manifest

    url = f"http://keystone.example.com:{server.port}/identity_admin/"
    found = target(_sweep(write(server.port, admin), "127.0.0.1", server.conf_path), url)
    assert (found["verdict"], found["cause"]) == ("wrong_instance", "process_group_scope"), \
        found
    assert "keep /identity_admin/ out" not in found["fix"], found["fix"]
    number, text = _line(server, found["fix"])
    assert text.strip() == "WSGIProcessGroup keystone-public", text
    lines = server.conf_path.read_text(encoding="utf-8").splitlines()
    assert lines[number - 4].startswith("<Location /identity_admin>"), lines[number - 4]
    assert "name the group meant for keystone-admin: WSGIProcessGroup keystone-admin" \
        in found["fix"], found["fix"]
    admin_again = free_port()
    fixed = apache(_nth(QUATTOR, server, number, "    WSGIProcessGroup keystone-public\n",
                        "    WSGIProcessGroup keystone-admin\n",
                        rendered_as="WSGIProcessGroup keystone-public"),
                   extra={"ADMIN": str(admin_again)})
    again = _sweep(write(fixed.port, admin_again), "127.0.0.1", fixed.conf_path)
    assert [v for _, v in _verdicts(again)] == ["ok"] * 4, _verdicts(again)


# An ognLogbook vhost: server-scope WSGIProcessGroup; a second site added later with its own
# WSGIDaemonProcess and no WSGIProcessGroup of its own.
OGN = """\
WSGIApplicationGroup %{GLOBAL}
WSGIDaemonProcess ognLogbook processes=1 threads=4 python-path=@SITES@
WSGIProcessGroup ognLogbook

<VirtualHost *:@PORT@>
    ServerName logbook.example.com
    ServerAlias www.ognlogbook.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName tracker.example.com
    WSGIDaemonProcess tracker processes=1 threads=4 python-path=@SITES@
    WSGIScriptAlias / @SITES@/project-2/wsgi.py
</VirtualHost>
"""

OGN_MANIFEST = """\
[instances.logbook]
label = "project-1"
settings = "mysite.settings"
process_group = "ognLogbook"
urls = ["http://logbook.example.com/", "http://www.ognlogbook.example.com/"]

[instances.tracker]
label = "project-2"
settings = "mysite.settings_two"
process_group = "tracker"
urls = ["http://tracker.example.com/"]
"""


def test_a_server_scope_group_is_narrowed_inside_the_sites_virtualhost(
        apache: ApacheFactory, tmp_path: Path) -> None:
    server = apache(OGN)
    manifest = tmp_path / "ogn.toml"
    manifest.write_text(OGN_MANIFEST, encoding="utf-8")
    found = target(_sweep(manifest, server.connect, server.conf_path),
                   "http://tracker.example.com/")
    assert (found["verdict"], found["cause"]) == ("wrong_instance", "process_group_scope"), \
        found
    opening = line_of(server.conf_path, "ServerName tracker.example.com")
    vhost = f"{server.conf_path}:{int(opening.rpartition(':')[2]) - 1}"
    assert found["fix"].startswith(f"Inside <VirtualHost *:{server.port}> "
                                   f"(tracker.example.com) at {vhost}, "), found["fix"]
    # the restart of the running Apache before the block, which stays whole and last
    assert ". Then restart Apache, " in found["fix"].partition("\n")[0], found["fix"]
    block = re.search(r"\n(    <Location />\n.*\n    </Location>)$", found["fix"])
    assert block is not None, found["fix"]
    applied = OGN.replace("    ServerName tracker.example.com\n",
                          f"    ServerName tracker.example.com\n{block.group(1)}\n")
    fixed = apache(applied)
    again = _sweep(manifest, fixed.connect, fixed.conf_path)
    assert [v for _, v in _verdicts(again)] == ["ok"] * 3, _verdicts(again)


def test_a_wildcard_of_a_later_site_names_the_first_one_it_shadows(
        apache: ApacheFactory, tmp_path: Path) -> None:
    """The CKAN vhosts with CKAN's wildcard removed (as the old fix said): csw's wildcard now
    takes ckan.example.org from CKAN's site, which answers it only as the first of the port."""
    narrowed = CKAN.replace("    ServerName ckan\n    ServerAlias *\n", "    ServerName ckan\n")
    server = apache(narrowed)
    manifest = tmp_path / "ckan.toml"
    manifest.write_text(CKAN_MANIFEST, encoding="utf-8")
    found = target(_sweep(manifest, server.connect, server.conf_path),
                   "http://ckan.example.org/")
    assert (found["verdict"], found["cause"]) == ("wrong_instance", "vhost_shadowed"), found
    _, text = _line(server, found["fix"])
    assert text.strip() == "ServerAlias *", text


# puppetlabs-apache's _wsgi.epp: one VirtualHost with two daemons, a VirtualHost-wide
# WSGIProcessGroup for the site and /api mounted without its process-group=. Renaming the
# VirtualHost's line, as once told, put / into /api's daemon too: both answered 500.
BLOG = """\
<VirtualHost *:@PORT@>
    ServerName blog.example.com
    WSGIApplicationGroup %{GLOBAL}
    WSGIDaemonProcess blog processes=1 threads=4 python-path=@SITES@
    WSGIDaemonProcess blogapi processes=1 threads=4 python-path=@SITES@
    WSGIProcessGroup blog
    WSGIScriptAlias /api @SITES@/project-2/wsgi.py application-group=%{GLOBAL}
    WSGIScriptAlias / @SITES@/project-1/wsgi.py
</VirtualHost>
"""

BLOG_MANIFEST = """\
[instances.blog]
label = "project-1"
settings = "mysite.settings"
process_group = "blog"
urls = ["http://blog.example.com/"]

[instances.blogapi]
label = "project-2"
settings = "mysite.settings_two"
process_group = "blogapi"
urls = ["http://blog.example.com/api/"]
"""


def test_a_vhost_group_line_another_url_needs_is_kept_and_the_mount_fixed(
        apache: ApacheFactory, tmp_path: Path) -> None:
    server = apache(BLOG)
    manifest = tmp_path / "blog.toml"
    manifest.write_text(BLOG_MANIFEST, encoding="utf-8")
    report = _sweep(manifest, server.connect, server.conf_path)
    assert _verdicts(report)[0] == ("http://blog.example.com/", "ok"), _verdicts(report)
    found = target(report, "http://blog.example.com/api/")
    assert (found["verdict"], found["cause"]) == ("wrong_instance", "process_group_scope"), \
        found
    mount = line_of(server.conf_path, "WSGIScriptAlias /api")
    group = line_of(server.conf_path, "WSGIProcessGroup blog")
    assert found["fix"].startswith(f"Put process-group=blogapi on the mount of blogapi "
                                   f"({mount}); "), found["fix"]
    assert "WSGIProcessGroup blogapi" not in found["fix"], found["fix"]
    assert f"Do not rename the group at {group}: that line applies to its whole " \
           f"VirtualHost, and http://blog.example.com/ (answered by blog in this sweep, " \
           f"through WSGIScriptAlias / at " in found["fix"], found["fix"]
    number = int(mount.rpartition(":")[2])
    fixed = apache(_nth(BLOG, server, number, "application-group=%{GLOBAL}\n",
                        "application-group=%{GLOBAL} process-group=blogapi\n",
                        rendered_as="WSGIScriptAlias /api"))
    again = _sweep(manifest, fixed.connect, fixed.conf_path)
    assert [v for _, v in _verdicts(again)] == ["ok", "ok"], _verdicts(again)
