"""Fixes of ``probe sweep --config`` applied to a real Apache + mod_wsgi, then swept again:
each must make the URL ok (a tester applied the old ones and broke the sites: "stop claiming"
a name the VirtualHost owns, "install the endpoint" for a redirect, a daemon group moved out
of a VirtualHost so that two applications shared it). Configurations after Weblate's
apache-path.conf, graphite-web's https rewrite, a certbot http twin, devstack horizon."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .apache import ApacheServer
from .apache_blocks import CATCH_ALL, daemons
from .applied_fix import IP_VHOST, instance, site_vhost, swept, url_verdicts, write_manifest
from .conftest import ApacheFactory
from .test_evidence_scenarios import line_of, sweep, target

pytestmark = pytest.mark.apache

MODULES = """\
LoadModule alias_module /usr/lib/apache2/modules/mod_alias.so
LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so
"""

ROUTES = MODULES + daemons("project-1") + "\n" + CATCH_ALL + """
<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    WSGIScriptAlias /weblate @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName app.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName site-2.example.com
    Redirect / http://app.example.com/
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName site-3.example.com
    RewriteEngine on
    RewriteCond %{HTTPS} off
    RewriteRule ^(.*)$ http://app.example.com%{REQUEST_URI} [R=301,L]
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>
"""

ROUTES_MANIFEST = instance(1, "http://site-1.example.com/", "http://site-2.example.com/",
                           "http://site-3.example.com/")


def _listed(fix: str) -> str:
    found = re.search(r"list (\S+) for project-1", fix)
    assert found is not None, fix
    return found.group(1)


def test_a_mount_and_redirects_are_fixed_in_the_manifest(apache: ApacheFactory,
                                                        tmp_path: Path) -> None:
    server = apache(ROUTES)
    conf = server.conf_path
    manifest = write_manifest(tmp_path, ROUTES_MANIFEST)
    report = swept(server, manifest)
    owned = target(report, "http://site-1.example.com/")
    assert "stop claiming" not in owned["fix"], owned
    mount = line_of(conf, "WSGIScriptAlias /weblate")
    assert f"at /weblate ({mount})" in owned["fix"], owned["fix"]
    redirected = target(report, "http://site-2.example.com/")
    assert (redirected["verdict"], redirected["cause"]) == ("no_endpoint", "url_mapping")
    assert "stop claiming" not in redirected["fix"], redirected["fix"]
    assert line_of(conf, "Redirect /") in redirected["explanation"]
    rewritten = target(report, "http://site-3.example.com/")
    assert (rewritten["verdict"], rewritten["cause"]) == ("no_endpoint", "url_mapping")
    assert not rewritten["fix"].startswith("Install"), rewritten["fix"]
    assert line_of(conf, "RewriteRule") in rewritten["explanation"]
    # Without the configuration: the redirect's target leads, not "install the endpoint".
    plain = target(sweep(server, manifest), "http://site-3.example.com/")
    assert plain["fix"].startswith("Probe the URL the redirect leads to"), plain["fix"]

    # Applied: the URLs the fixes name, swept again.
    urls = [_listed(t["fix"]) for t in (owned, redirected, rewritten)]
    assert urls == ["http://site-1.example.com/weblate/", "http://app.example.com/",
                    "http://app.example.com/"]
    again = swept(server, write_manifest(tmp_path, instance(1, *urls[:2]), "fixed.toml"))
    assert url_verdicts(again) == [(urls[0], "ok"), (urls[1], "ok")]


IP_FIRST = daemons("project-1") + f"""
{IP_VHOST}
    DocumentRoot @SITES@/mysite
</VirtualHost>

""" + site_vhost(1)


def test_an_ip_vhost_is_given_the_wildcard_address(apache: ApacheFactory,
                                                   tmp_path: Path) -> None:
    server = apache(IP_FIRST)
    manifest = write_manifest(tmp_path, instance(1, "http://site-1.example.com/"))
    found = target(swept(server, manifest), "http://site-1.example.com/")
    assert found["verdict"] == "no_endpoint", found
    opening = line_of(server.conf_path, "<VirtualHost 127.0.0.1:")
    assert found["fix"].startswith(f"At {opening}, write <VirtualHost *:{server.port}> "
                                   f"instead of <VirtualHost 127.0.0.1:{server.port}>"), \
        found["fix"]
    fixed = apache(IP_FIRST.replace(IP_VHOST, "<VirtualHost *:@PORT@>"))
    again = target(swept(fixed, manifest), "http://site-1.example.com/")
    assert again["verdict"] == "ok", again


GROUPS = daemons("shared") + """
<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    WSGIDaemonProcess project-1 processes=1 threads=4 python-path=@SITES@
    WSGIScriptAlias / @SITES@/project-1/wsgi.py
    WSGIProcessGroup project-1
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName site-2.example.com
    WSGIScriptAlias / @SITES@/project-2/wsgi.py
    WSGIDaemonProcess project-2 processes=1 threads=4 python-path=@SITES@
    WSGIProcessGroup project-1
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName site-3.example.com
    WSGIScriptAlias / @SITES@/project-3/wsgi.py
    WSGIDaemonProcess project-3 processes=1 threads=4 python-path=@SITES@
    WSGIProcessGroup shared
</VirtualHost>
"""

GROUPS_MANIFEST = "\n".join(instance(n, f"http://site-{n}.example.com/") for n in (1, 2, 3))


def _applied(template: str, server: ApacheServer, fix: str, group: str) -> str:
    """``template`` with the line the fix names ("At FILE:N, ...") set to
    ``WSGIProcessGroup group``, as an operator would."""
    found = re.match(rf"At {re.escape(str(server.conf_path))}:(\d+), ", fix)
    assert found is not None, fix
    line = server.conf_path.read_text(encoding="utf-8").splitlines()[int(found.group(1)) - 1]
    assert line.strip().startswith("WSGIProcessGroup"), line
    old = line.strip()
    count = template.count(old)
    assert count >= 1, (old, template)
    # The n-th occurrence in the rendered file is the n-th in the template.
    rendered = server.conf_path.read_text(encoding="utf-8").splitlines()
    nth = sum(1 for t in rendered[:int(found.group(1))] if t.strip() == old)
    parts = template.split(old)
    return old.join(parts[:nth]) + f"WSGIProcessGroup {group}" + old.join(parts[nth:])


def test_group_fixes_name_the_sites_own_group_and_make_it_ok(apache: ApacheFactory,
                                                             tmp_path: Path) -> None:
    server = apache(GROUPS)
    manifest = write_manifest(tmp_path, GROUPS_MANIFEST)
    report = swept(server, manifest)
    refused = target(report, "http://site-2.example.com/")
    assert (refused["verdict"], refused["cause"]) == ("http_error", "undefined_daemon")
    assert "name the group this VirtualHost defines" in refused["fix"], refused["fix"]
    assert "WSGIProcessGroup project-2" in refused["fix"]
    scoped = target(report, "http://site-3.example.com/")
    assert (scoped["verdict"], scoped["cause"]) == ("wrong_instance", "process_group_scope")
    assert "<Location>" not in scoped["fix"] and "WSGIProcessGroup project-3" in scoped["fix"]
    fixed_template = _applied(_applied(GROUPS, server, refused["fix"], "project-2"), server,
                              scoped["fix"], "project-3")
    fixed = apache(fixed_template)
    again: dict[str, Any] = swept(fixed, manifest)
    assert url_verdicts(again) == [
        ("http://site-1.example.com/", "ok"), ("http://site-2.example.com/", "ok"),
        ("http://site-3.example.com/", "ok")], again
    assert not [f for f in again["findings"] if f["code"] == "shared_interpreter"]


TLS = """\
LoadModule socache_shmcb_module /usr/lib/apache2/modules/mod_socache_shmcb.so
LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so
Listen 127.0.0.1:@TLS_PORT@
SSLSessionCache shmcb:@SERVER_ROOT@/run/ssl_scache(512000)
""" + daemons("project-1", "project-2") + """
<VirtualHost *:@TLS_PORT@>
    ServerName site-1.example.com
    SSLEngine on
    SSLCertificateFile @SITES@/tls/site-1.pem
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName site-2.example.com
    WSGIScriptAlias / @SITES@/project-2/wsgi.py process-group=project-2
</VirtualHost>
"""


def _tls_sweep(server: ApacheServer, port: int, ca_file: Path, manifest: Path
               ) -> dict[str, Any]:
    import json
    import subprocess

    from .evidence_check import assert_sourced
    from .test_scenarios import probe_command

    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(manifest), "--connect", f"127.0.0.1:{port}",
         "--ca-file", str(ca_file), "--config", str(server.conf_path), "--format", "json",
         "--no-extra-probes", "--timeout", "30"],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    assert done.stdout.startswith("{"), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert_sourced(report)
    return report


def test_a_site_wanted_on_a_tls_port_gets_a_tls_vhost_that_works(apache: ApacheFactory,
                                                                 tmp_path: Path) -> None:
    import trustme

    from .apache import free_port

    ca = trustme.CA()
    cert = ca.issue_cert("site-1.example.com", "site-2.example.com")
    files = {"tls/site-1.pem": cert.private_key_and_cert_chain_pem.bytes().decode()}
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    tls_port = free_port()
    server = apache(TLS, extra={"TLS_PORT": str(tls_port)}, files=files)
    manifest = tmp_path / "m.toml"
    manifest.write_text('[instances.project-1]\nlabel = "project-1"\n'
                        'urls = ["https://site-1.example.com/"]\n\n'
                        '[instances.project-2]\nlabel = "project-2"\n'
                        'urls = ["https://site-2.example.com/"]\n', encoding="utf-8")
    found = target(_tls_sweep(server, tls_port, ca_file, manifest),
                   "https://site-2.example.com/")
    assert (found["verdict"], found["cause"]) == ("wrong_instance", "vhost_fallback"), found
    assert "add that address to its <VirtualHost> line" not in found["fix"], found["fix"]
    block = re.search(r"<VirtualHost \*:\d+>\n.*?</VirtualHost>", found["fix"], re.S)
    assert block is not None, found["fix"]
    assert "    SSLEngine on\n" in block.group(0), block.group(0)
    # Applied as given; the operator puts site-2's WSGI line where the comment says.
    wsgi = "WSGIScriptAlias / @SITES@/project-2/wsgi.py process-group=project-2"
    applied = re.sub(r"    # the WSGI lines of .*", f"    {wsgi}", block.group(0))
    applied = applied.replace(f"*:{tls_port}", "*:@TLS_PORT@")
    assert str(server.sites) in applied  # the certificate line as read
    applied = applied.replace(str(server.sites), "@SITES@")
    second = free_port()
    fixed = apache(TLS + "\n" + applied + "\n", extra={"TLS_PORT": str(second)}, files=files)
    again = _tls_sweep(fixed, second, ca_file, manifest)
    assert url_verdicts(again) == [
        ("https://site-1.example.com/", "ok"), ("https://site-2.example.com/", "ok")], again
