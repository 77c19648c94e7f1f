"""Fixes of ``probe sweep`` for Apache + mod_wsgi wording, applied to a real Apache as an
operator would and swept again. A re-test tester applied what the sweep said for a settings
leak between two embedded sites (CKAN's and pycsw's vhosts in one Apache child): the fix named
pycsw's script only; once pycsw assigned its settings, ckan's setdefault() kept pycsw's value
whenever pycsw loaded first. The fix now names every script the process loads."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .apache import SITES_SRC, ApacheServer, free_port
from .apache_blocks import CATCH_ALL, ONE_CHILD
from .conftest import ApacheFactory
from .evidence_check import assert_sourced
from .test_evidence_scenarios import line_of, target
from .test_scenarios import probe_command, sweep

pytestmark = pytest.mark.apache

# Two sites embedded in the one Apache child (default application groups: one sub
# interpreter each), both WSGI scripts with os.environ.setdefault(), as Django writes them.
EMBEDDED_PAIR = ONE_CHILD + "\n" + CATCH_ALL + """
<VirtualHost *:@PORT@>
    ServerName ckan.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName csw.example.com
    WSGIScriptAlias / @SITES@/project-2/wsgi.py
</VirtualHost>
"""

CKAN, CSW = "http://ckan.example.com/", "http://csw.example.com/"


def _manifest(tmp_path: Path) -> Path:
    path = tmp_path / "ckan.toml"
    path.write_text(f"""\
[instances.ckan]
label = "project-1"
settings = "mysite.settings"
urls = ["{CKAN}"]

[instances.pycsw]
label = "project-2"
settings = "mysite.settings_two"
urls = ["{CSW}"]
""", encoding="utf-8")
    return path


_ASSIGN = re.compile(r"\((/[^()]+\.py)\),? (?:assign )?os\.environ\['DJANGO_SETTINGS_MODULE'\]"
                     r" = '([^']+)'")


def _applied(fix: str, server: ApacheServer) -> dict[str, str]:
    """The scripts the fix says to change, relative to the sites, each assigning the
    settings the fix gives it instead of its setdefault()."""
    changed = {}
    for script, settings in _ASSIGN.findall(fix):
        relative = Path(script).relative_to(server.sites)
        text = (SITES_SRC / relative).read_text(encoding="utf-8")
        line = re.search(r"os\.environ\.setdefault\(\"DJANGO_SETTINGS_MODULE\", \"[^\"]+\"\)",
                         text)
        assert line is not None, relative
        changed[str(relative)] = text.replace(
            line.group(0), f"os.environ[\"DJANGO_SETTINGS_MODULE\"] = {settings!r}")
    assert changed, fix
    return changed


def test_the_settings_leak_fix_names_every_script_of_the_process_and_holds_in_either_order(
        apache: ApacheFactory, tmp_path: Path) -> None:
    manifest = _manifest(tmp_path)
    server = apache(EMBEDDED_PAIR)
    assert server.get("/", "ckan.example.com").status_code == 404  # ckan loads first
    _, report, context = sweep(server, manifest)
    found = target(report, CSW)
    assert (found["verdict"], found["cause"]) == ("settings_mismatch", "environ_leak"), context
    fix = found["fix"]
    for script in ("project-1/wsgi.py", "project-2/wsgi.py"):
        assert str(server.sites / script) in fix, fix
    assert fix.startswith("Run each instance in its own daemon process group"), fix

    # Applied as written, then loaded in the other order: pycsw first, which is where a fix
    # of pycsw's script alone left ckan running pycsw's settings.
    fixed = apache(EMBEDDED_PAIR, files=_applied(fix, server))
    assert fixed.get("/", "csw.example.com").status_code == 404
    assert fixed.get("/", "ckan.example.com").status_code == 404
    _, again, context = sweep(fixed, manifest)
    assert [(t["url"], t["verdict"]) for t in again["targets"]] == [
        (CKAN, "ok"), (CSW, "ok")], context


# A public "noisebox" vhost: WSGIProcessGroup inside a <Directory> of another path than the
# script's, so the script runs embedded; no URL of the sweep is served from the group.
NOISEBOX = """\
<VirtualHost *:@PORT@>
    ServerName noisebox.example.com
    ServerAlias tunnel.example.org
    WSGIDaemonProcess noisebox threads=5 python-path=@SITES@
    WSGIScriptAlias /api @SITES@/project-1/wsgi.py
    <Directory @SERVER_ROOT@/noisebox>
        WSGIProcessGroup noisebox
        WSGIApplicationGroup %{GLOBAL}
        Require all granted
    </Directory>
</VirtualHost>
"""

NOISE, TUNNEL = "http://noisebox.example.com/api/", "http://tunnel.example.org/api/"


def _noisebox_manifest(tmp_path: Path) -> Path:
    path = tmp_path / "noisebox.toml"
    path.write_text(f"""\
[instances.noisebox]
label = "project-1"
settings = "mysite.settings"
process_group = "noisebox"
urls = ["{NOISE}", "{TUNNEL}"]
""", encoding="utf-8")
    return path


def test_a_group_line_in_a_directory_without_the_script_is_named_and_moved(
        apache: ApacheFactory, tmp_path: Path) -> None:
    manifest = _noisebox_manifest(tmp_path)
    server = apache(NOISEBOX)
    _, plain, context = sweep(server, manifest)
    for url in (NOISE, TUNNEL):
        found = target(plain, url)
        assert (found["verdict"], found["cause"]) == ("wrong_instance", "daemon_group_unused")
        # No URL of the sweep ran in 'noisebox': no place where it is right to point at.
        assert "where it is right" not in found["fix"] and " as the site" not in found["fix"], \
            found["fix"]

    _, configured, context = sweep(server, manifest, "--config", str(server.conf_path))
    found = target(configured, NOISE)
    assert (found["verdict"], found["cause"]) == ("wrong_instance", "daemon_group_unused")
    group_line = line_of(server.conf_path, "WSGIProcessGroup noisebox")
    assert group_line in found["explanation"], found["explanation"]
    assert "probe lint reports unused_daemon" in found["explanation"], found["explanation"]
    home = server.sites / "project-1"
    assert found["fix"].startswith(f"Move WSGIProcessGroup noisebox ({group_line}) into "
                                   f"<Directory {home}>"), found["fix"]

    # Moved as said: out of the <Directory> of another path, into one of the script's.
    moved = NOISEBOX.replace("        WSGIProcessGroup noisebox\n", "").replace(
        "</VirtualHost>", "    <Directory @SITES@/project-1>\n        WSGIProcessGroup "
                          "noisebox\n    </Directory>\n</VirtualHost>")
    fixed = apache(moved)
    _, again, context = sweep(fixed, manifest, "--config", str(fixed.conf_path))
    assert [(t["url"], t["verdict"]) for t in again["targets"]] == [
        (NOISE, "ok"), (TUNNEL, "ok")], context


# The same application in two VirtualHosts, the second copied without its WSGIProcessGroup.
TWINS = """\
<VirtualHost *:@PORT@>
    ServerName noisebox.example.com
    WSGIDaemonProcess noisebox threads=5 python-path=@SITES@
    WSGIProcessGroup noisebox
    WSGIScriptAlias /api @SITES@/project-1/wsgi.py
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName tunnel.example.org
    WSGIScriptAlias /api @SITES@/project-1/wsgi.py
</VirtualHost>
"""


def test_a_site_copied_without_its_group_is_told_the_url_served_from_it(
        apache: ApacheFactory, tmp_path: Path) -> None:
    server = apache(TWINS)
    _, report, context = sweep(server, _noisebox_manifest(tmp_path))
    assert (target(report, NOISE)["verdict"]) == "ok", context
    found = target(report, TUNNEL)
    assert (found["verdict"], found["cause"]) == ("wrong_instance", "daemon_group_unused")
    assert found["fix"].endswith(f"as the site serving {NOISE} does (it answered from "
                                 f"'noisebox')."), found["fix"]


# A TLS address whose first VirtualHost refuses every name no other claims, with a certificate
# for the served site only: a refused name fails certificate checks before any refusal shows.
TLS_REFUSING = """\
LoadModule socache_shmcb_module /usr/lib/apache2/modules/mod_socache_shmcb.so
LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so
Listen 127.0.0.1:@TLS_PORT@
SSLSessionCache shmcb:@SERVER_ROOT@/run/ssl_scache(512000)

<VirtualHost *:@TLS_PORT@>
    ServerName default.invalid
    SSLEngine on
    SSLCertificateFile @SITES@/tls/site.pem
    <Location />
        Require all denied
    </Location>
</VirtualHost>

<VirtualHost *:@TLS_PORT@>
    ServerName site-1.example.com
    SSLEngine on
    SSLCertificateFile @SITES@/tls/site.pem
    WSGIScriptAlias / @SITES@/project-1/wsgi.py
</VirtualHost>
"""


def _sweep_tls(manifest: Path, *options: str) -> tuple[dict[str, Any], str]:
    """A sweep to each URL's own port on loopback (the TLS port is not the server's first)."""
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(manifest), "--connect", "127.0.0.1", "--format",
         "json", "--timeout", "30", *options],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    assert done.stdout.startswith("{"), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert_sourced(report)
    return report, done.stdout[-3000:]


def test_a_refused_https_name_the_certificate_cannot_name_is_judged_by_its_status(
        apache: ApacheFactory, tmp_path: Path) -> None:
    import trustme

    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    pem = ca.issue_cert("site-1.example.com").private_key_and_cert_chain_pem.bytes().decode()
    port = free_port()
    apache(TLS_REFUSING, extra={"TLS_PORT": str(port)}, files={"tls/site.pem": pem})
    invalid, other = f"https://unknown.invalid:{port}/", f"https://unknown.example.net:{port}/"
    manifest = tmp_path / "tls.toml"
    manifest.write_text(f"""\
[probe]
ca_file = "{ca_file}"

[instances.site-1]
label = "project-1"
urls = ["https://site-1.example.com:{port}/"]

[refuse]
urls = ["{invalid}", "{other}"]
""", encoding="utf-8")
    report, context = _sweep_tls(manifest)
    for url in (invalid, other):
        found = target(report, url)
        assert found["verdict"] == "ok", (url, context)
        assert found["explanation"].startswith("refused (HTTP 403)."), found["explanation"]
        assert "without certificate checks, so without the token" in found["explanation"]
    assert target(report, f"https://site-1.example.com:{port}/")["verdict"] == "ok", context

    unsent, context = _sweep_tls(manifest, "--no-extra-probes")
    found = target(unsent, invalid)
    assert found["verdict"] == "unreachable", context
    assert "Check the server's certificate" not in found["fix"], found["fix"]
    assert "no certificate can name a .invalid host" in found["fix"], found["fix"]
