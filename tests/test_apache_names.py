"""Apache/mod_wsgi naming and matching shared by the lab, lint, discover and the diagnosis."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from probe.apache.config import parse_text
from probe.apache.names import (
    EMBEDDED,
    GLOBAL,
    RESOURCE,
    SERVER,
    application_group,
    catch_all_vhost,
    is_per_request,
    is_shorter_mount,
    mount_matches,
    mount_url_path,
    process_group,
    vhost_of,
)
from probe.apache.site_build import build_site


@pytest.mark.parametrize(("setting", "host", "port", "script", "name"), [
    (RESOURCE, "site-1.example.com", 80, "", "site-1.example.com|"),
    (RESOURCE, "site-1.example.com", 443, "/suburl", "site-1.example.com|/suburl"),
    (RESOURCE, "site-1.example.com", None, "/suburl", "site-1.example.com|/suburl"),
    (RESOURCE, "site-1.example.com", 8080, "/suburl", "site-1.example.com:8080|/suburl"),
    (SERVER, "site-1.example.com", 8080, "/suburl", "site-1.example.com:8080"),
    (GLOBAL, "site-1.example.com", 8080, "/suburl", ""),
    # what real mod_wsgi does: names are case-sensitive, nothing is lower-cased
    ("%{global}", "site-1.example.com", 80, "", "%{global}"),
    (RESOURCE, "Site-1.Example.COM", 80, "/SubUrl", "Site-1.Example.COM|/SubUrl"),
    ("shared", "site-1.example.com", 80, "/x", "shared"),
])
def test_application_group(setting: str, host: str, port: int | None, script: str,
                           name: str) -> None:
    assert application_group(setting, host, port, script) == name


def test_process_group_and_per_request_settings() -> None:
    assert process_group(GLOBAL) == EMBEDDED
    assert process_group("%{global}") == "%{global}"  # a daemon group of that name
    assert process_group("project-1") == "project-1"
    assert is_per_request("%{ENV:GROUP}") and not is_per_request("%{env:GROUP}")


@pytest.mark.parametrize(("group", "vhost"), [
    ("site-1.example.com|/suburl", "site-1.example.com"),
    ("Site-1.Example.com:8080|", "site-1.example.com"),
    ("", None),
    (None, None),
    ("shared", None),
])
def test_vhost_of_inverts_resource_names(group: str | None, vhost: str | None) -> None:
    assert vhost_of(group) == vhost


def test_lint_names_groups_like_mod_wsgi() -> None:
    site = build_site(parse_text(
        "<VirtualHost *:8080>\n"
        "    ServerName Site-1.Example.COM\n"
        "    WSGIScriptAlias /SubUrl/ /srv/a.wsgi application-group=%{global}\n"
        "    WSGIScriptAlias //x//y /srv/b.wsgi\n"
        "    WSGIScriptAlias / /srv/c.wsgi application-group=%{GLOBAL} process-group=%{GLOBAL}\n"
        "    WSGIScriptAlias /d /srv/d.wsgi process-group=%{global}\n"
        "</VirtualHost>\n"), read_scripts=False)
    assert [a.application_group() for a in site.apps] == [
        "%{global}", "Site-1.Example.COM:8080|/x/y", "", "Site-1.Example.COM:8080|/d"]
    assert [a.process_group for a in site.apps] == ["", "", "", "%{global}"]
    assert site.vhosts[0].server_name == "site-1.example.com"  # for comparing with Hosts


@pytest.mark.parametrize(("mount", "path", "matches"), [
    ("/", "/anything", True),
    ("", "/suburl", True),
    ("/suburl", "/suburl", True),
    ("/suburl", "/suburl/x", True),
    ("/suburl", "/suburlx", False),
    ("//suburl/", "/suburl/", True),
    ("/suburl", "/", False),
    ("/SubUrl", "/suburl", False),
])
def test_mount_matches(mount: str, path: str, matches: bool) -> None:
    assert mount_matches(mount, path) is matches


def test_is_shorter_mount() -> None:
    assert is_shorter_mount("", "/suburl") and is_shorter_mount("/", "/suburl")
    assert is_shorter_mount("/a", "/a/b")
    assert not is_shorter_mount("/a", "/a") and not is_shorter_mount("/a/b", "/a")
    assert not is_shorter_mount("/app", "/apps")


def test_mount_url_path() -> None:
    assert [mount_url_path(m) for m in ("/", "", "/suburl", "//a//b/")] == [
        "/", "/", "/suburl/", "/a/b/"]


def test_catch_all_vhost_text() -> None:
    assert catch_all_vhost("*:8080") == (
        "<VirtualHost *:8080>\n"
        "    ServerName default.invalid\n"
        "    <Location />\n"
        "        Require all denied\n"
        "    </Location>\n"
        "</VirtualHost>")


MODULES = Path("/usr/lib/apache2/modules")


def test_real_apache_accepts_the_catch_all(tmp_path: Path) -> None:
    binary = shutil.which("apache2") or shutil.which("apache2", path="/usr/sbin")
    if binary is None or not (MODULES / "mod_authz_core.so").is_file():
        pytest.skip("apache2 (Debian package apache2) is not installed")
    conf = tmp_path / "httpd.conf"
    conf.write_text(f"""\
ServerRoot "{tmp_path}"
ServerName localhost
Listen 127.0.0.1:8080
LoadModule mpm_event_module {MODULES}/mod_mpm_event.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
PidFile "{tmp_path}/httpd.pid"
ErrorLog "{tmp_path}/error.log"
{catch_all_vhost("*:8080")}
""")
    checked = subprocess.run([binary, "-t", "-f", str(conf)], capture_output=True, text=True,
                             timeout=30, check=False)
    assert checked.returncode == 0, checked.stderr
