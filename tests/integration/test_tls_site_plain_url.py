"""A site that exists only as an HTTPS VirtualHost (``<VirtualHost *:443>`` with ``SSLEngine
on``), wanted for a plain-HTTP URL, on real Apache + mod_wsgi + mod_ssl with ``--config``:
the fix says the site is served with TLS on its port (the VirtualHost's file:line and its
SSLEngine line) and that the URL should be https, or that a plain VirtualHost is needed;
never "add the plain address to its <VirtualHost> line"."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .apache import free_port
from .conftest import ApacheFactory
from .test_evidence_scenarios import line_of, sweep, target
from .test_scenarios import probe_command

pytestmark = pytest.mark.apache

CONFIG = """\
LoadModule socache_shmcb_module /usr/lib/apache2/modules/mod_socache_shmcb.so
LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so
Listen 127.0.0.1:@TLS_PORT@
SSLSessionCache shmcb:@SERVER_ROOT@/run/ssl_scache(512000)
WSGIDaemonProcess project-1 processes=1 threads=4 python-path=@SITES@ display-name=%{GROUP}
WSGIDaemonProcess project-2 processes=1 threads=4 python-path=@SITES@ display-name=%{GROUP}

<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>

<VirtualHost *:@TLS_PORT@>
    ServerName site-2.example.com
    SSLEngine on
    SSLCertificateFile @SITES@/tls/site-2.pem
    WSGIScriptAlias / @SITES@/project-2/wsgi.py process-group=project-2
</VirtualHost>
"""


def test_a_tls_only_site_wanted_on_a_plain_port_is_told_to_be_https(
        apache: ApacheFactory, tmp_path: Path) -> None:
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("site-2.example.com")
    files = {"tls/site-2.pem": cert.private_key_and_cert_chain_pem.bytes().decode()}
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    tls_port = free_port()
    server = apache(CONFIG, extra={"TLS_PORT": str(tls_port)}, files=files)
    conf = server.conf_path
    manifest = tmp_path / "m.toml"
    manifest.write_text(
        '[instances.project-1]\nlabel = "project-1"\nurls = ["http://site-1.example.com/"]\n\n'
        '[instances.project-2]\nlabel = "project-2"\n'
        'urls = ["http://site-2.example.com/"]\n', encoding="utf-8")
    report = sweep(server, manifest, "--config", str(conf))
    plain = target(report, "http://site-2.example.com/")
    assert (plain["verdict"], plain["cause"]) == ("wrong_instance", "vhost_fallback"), \
        json.dumps(plain, indent=1)
    fix = plain["fix"]
    assert line_of(conf, f"<VirtualHost *:{tls_port}>") in fix, fix
    assert line_of(conf, "SSLEngine on") in fix, fix
    assert line_of(conf, "SSLEngine on") in [e["source"] for e in plain["evidence"]], plain
    https = f"https://site-2.example.com:{tls_port}/"
    assert f"list the URL as {https} " in fix, fix
    plain_port = server.connect.rpartition(":")[2]
    assert f"add *:{plain_port}" not in fix, fix  # the TLS VirtualHost's line is not the fix
    assert "to its <VirtualHost> line" not in fix, fix

    # The https URL the fix gives, probed where a Listen opens its port: project-2 answers.
    fixed = tmp_path / "https.toml"
    fixed.write_text(
        f'[probe]\nconnect = "127.0.0.1"\nca_file = "{ca_file}"\n\n'
        f'[instances.project-2]\nlabel = "project-2"\nurls = ["{https}"]\n',
        encoding="utf-8")
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(fixed), "--format", "json", "--timeout", "30"],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    assert target(json.loads(done.stdout), https)["verdict"] == "ok", done.stdout

    # The other way: the plain VirtualHost of the fix, its WSGI line copied in, on a server
    # of its own: the plain URL reaches project-2.
    block = fix[fix.index(f"<VirtualHost *:{plain_port}>"):]
    wsgi = "    WSGIScriptAlias / @SITES@/project-2/wsgi.py process-group=project-2"
    applied = block.replace(f"*:{plain_port}", "*:@PORT@").replace(
        block.splitlines()[2], wsgi)
    second = apache(CONFIG + "\n" + applied + "\n", extra={"TLS_PORT": str(free_port())},
                    files=files)
    again = sweep(second, manifest)
    assert target(again, "http://site-2.example.com/")["verdict"] == "ok", again
