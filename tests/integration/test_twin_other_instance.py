"""certbot's :80 VirtualHost of a site mounting another instance's script while its
``-le-ssl.conf`` twin mounts the expected one (tester T16's a6), on real Apache + mod_wsgi +
mod_ssl with ``--config``: the fix is the twin's WSGI lines in place of its own, and applied
it makes the plain URL answer right. Said before: "the site meant is on another address",
list the https URL (listed already) or give it "a plain VirtualHost of its own" (one
existed; the copy added was never reached)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .apache import free_port
from .conftest import ApacheFactory
from .test_evidence_scenarios import line_of, target
from .test_scenarios import probe_command

pytestmark = pytest.mark.apache

CONFIG = """\
LoadModule socache_shmcb_module /usr/lib/apache2/modules/mod_socache_shmcb.so
LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so
Listen 127.0.0.1:@TLS_PORT@
SSLSessionCache shmcb:@SERVER_ROOT@/run/ssl_scache(512000)
WSGIDaemonProcess project-1 processes=1 threads=4 python-path=@SITES@ display-name=%{GROUP}
WSGIDaemonProcess project-3 processes=1 threads=4 python-path=@SITES@ display-name=%{GROUP}

<VirtualHost *:@PORT@>
    ServerName site-a.example.com
    WSGIProcessGroup project-1
    WSGIScriptAlias / @SITES@/project-1/wsgi.py
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName site-c.example.com
    WSGIProcessGroup project-1
    WSGIScriptAlias / @SITES@/project-1/wsgi.py
</VirtualHost>

<VirtualHost *:@TLS_PORT@>
    ServerName site-c.example.com
    WSGIProcessGroup project-3
    WSGIScriptAlias / @SITES@/project-3/wsgi.py
    SSLEngine on
    SSLCertificateFile @SITES@/tls/site-c.pem
</VirtualHost>
"""


def _sweep(manifest: Path, *options: str) -> dict[str, Any]:
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(manifest), "--format", "json", "--timeout",
         "30", *options],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    assert done.stdout.startswith("{"), done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def test_the_twins_wsgi_lines_replace_the_ones_mounting_another_instance(
        apache: ApacheFactory, tmp_path: Path) -> None:
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("site-c.example.com")
    files = {"tls/site-c.pem": cert.private_key_and_cert_chain_pem.bytes().decode()}
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    tls_port = free_port()
    server = apache(CONFIG, extra={"TLS_PORT": str(tls_port)}, files=files)
    conf = server.conf_path
    port = server.connect.rpartition(":")[2]
    plain = f"http://site-c.example.com:{port}/"
    manifest = tmp_path / "m.toml"
    manifest.write_text(
        f'[probe]\nconnect = "127.0.0.1"\nca_file = "{ca_file}"\n\n'
        f'[instances.project-1]\nlabel = "project-1"\nprocess_group = "project-1"\n'
        f'urls = ["http://site-a.example.com:{port}/"]\n\n'
        f'[instances.project-3]\nlabel = "project-3"\nprocess_group = "project-3"\n'
        f'urls = ["{plain}", "https://site-c.example.com:{tls_port}/"]\n', encoding="utf-8")
    found = target(_sweep(manifest, "--config", str(conf)), plain)
    assert found["verdict"] == "wrong_instance", json.dumps(found, indent=1)
    assert "on another address" not in found["explanation"], found["explanation"]
    fix = found["fix"]
    lines = conf.read_text(encoding="utf-8").splitlines()
    own = [i for i, line in enumerate(lines, 1) if "project-1" in line and "WSGI" in line
           and "Daemon" not in line][2:]  # site-c's :80 lines, after site-a's two
    assert "list the URL" not in fix and "a plain VirtualHost of its own" not in fix, fix
    assert f"in place of 'WSGIProcessGroup project-1' ({conf}:{own[0]})" in fix, fix
    assert f"({conf}:{own[1]})" in fix, fix
    assert line_of(conf, "WSGIProcessGroup project-3") in fix, fix
    assert line_of(conf, "project-3/wsgi.py") in fix, fix

    # The fix applied: the twin's two lines in place of the :80 VirtualHost's own.
    at = CONFIG.index("ServerName site-c")
    fixed_config = CONFIG[:at] + CONFIG[at:].replace("project-1", "project-3", 2)
    second = apache(fixed_config, extra={"TLS_PORT": str(free_port())}, files=files)
    again_port = second.connect.rpartition(":")[2]
    again = tmp_path / "again.toml"
    again.write_text(
        f'[instances.project-3]\nlabel = "project-3"\nprocess_group = "project-3"\n'
        f'urls = ["http://site-c.example.com:{again_port}/"]\n', encoding="utf-8")
    result = _sweep(again, "--connect", second.connect)
    assert target(result, f"http://site-c.example.com:{again_port}/")["verdict"] == "ok", \
        result
