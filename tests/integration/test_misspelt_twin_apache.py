"""A misspelt ServerName in the plain VirtualHost of a site whose TLS twin is right, on real
Apache + mod_wsgi + mod_ssl, laid out as puppetlabs-apache writes it (tester R21's puppet
b1): the daemon group is defined in the plain VirtualHost only, the TLS one uses it.

The plain URL falls to the port's first VirtualHost and the https URLs answer 500
(WSGI0152: the two ServerNames differ). Each fix leads with the misspelt line, never "the
site serves HTTPS only"; applied (that one line), every URL is answered by the site."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .apache import ApacheServer, free_port
from .conftest import ApacheFactory
from .test_evidence_scenarios import line_of, target
from .test_scenarios import probe_command

pytestmark = pytest.mark.apache

CONFIG = """\
LoadModule socache_shmcb_module /usr/lib/apache2/modules/mod_socache_shmcb.so
LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so
Listen 127.0.0.1:@TLS_PORT@
SSLSessionCache shmcb:@SERVER_ROOT@/run/ssl_scache(512000)

<VirtualHost *:@PORT@>
  ServerName default
</VirtualHost>

<VirtualHost *:@PORT@>
  ServerName site-1.exmple.com
  ServerAlias www.site-1.example.com
  WSGIApplicationGroup %{GLOBAL}
  WSGIDaemonProcess shop display-name=%{GROUP} processes=1 python-path=@SITES@ threads=4
  WSGIProcessGroup shop
  WSGIScriptAlias / "@SITES@/project-1/wsgi.py"
</VirtualHost>

<VirtualHost *:@TLS_PORT@>
  ServerName default-ssl
  SSLEngine on
  SSLCertificateFile @SITES@/tls/site-1.pem
</VirtualHost>

<VirtualHost *:@TLS_PORT@>
  ServerName site-1.example.com
  ServerAlias www.site-1.example.com
  SSLEngine on
  SSLCertificateFile @SITES@/tls/site-1.pem
  WSGIApplicationGroup %{GLOBAL}
  WSGIProcessGroup shop
  WSGIScriptAlias / "@SITES@/project-1/wsgi.py"
</VirtualHost>
"""

HOSTS = ("site-1.example.com", "www.site-1.example.com")


def _sweep(server: ApacheServer, tls_port: int, ca_file: Path, tmp_path: Path,
           ) -> tuple[dict[str, Any], list[str]]:
    port = server.connect.rpartition(":")[2]
    urls = [f"https://{h}:{tls_port}/" for h in HOSTS] + [f"http://{h}:{port}/" for h in HOSTS]
    manifest = tmp_path / f"m-{port}.toml"
    manifest.write_text(
        f'[probe]\nconnect = "127.0.0.1"\nca_file = "{ca_file}"\n\n'
        f'[instances.project-1]\nlabel = "project-1"\nprocess_group = "shop"\n'
        f'urls = {json.dumps(urls)}\n', encoding="utf-8")
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(manifest), "--config", str(server.conf_path),
         "--format", "json", "--timeout", "30"],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    assert done.stdout.startswith("{"), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report, urls


def test_a_misspelt_plain_twin_is_told_its_servername_and_the_fix_applied_answers(
        apache: ApacheFactory, tmp_path: Path) -> None:
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert(*HOSTS)
    files = {"tls/site-1.pem": cert.private_key_and_cert_chain_pem.bytes().decode()}
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    tls_port = free_port()
    server = apache(CONFIG, extra={"TLS_PORT": str(tls_port)}, files=files)
    conf = server.conf_path
    typo = line_of(conf, "ServerName site-1.exmple.com")
    report, urls = _sweep(server, tls_port, ca_file, tmp_path)
    https, www_https, plain, _ = urls

    found = target(report, plain)
    assert (found["verdict"], found["cause"]) == ("no_endpoint", "vhost_fallback"), found
    fix = found["fix"]
    assert fix.startswith(f"ServerName site-1.exmple.com ({typo}) is one edit from "
                          f"site-1.example.com: if that is a typo, write ServerName "
                          f"site-1.example.com at {typo}"), fix
    assert "HTTPS only" not in fix and "remove " not in fix, fix
    for url in (https, www_https):
        found = target(report, url)
        assert (found["verdict"], found["cause"]) == ("http_error", "undefined_daemon"), found
        assert found["fix"].startswith(f"ServerName site-1.exmple.com ({typo}), of the "
                                       f"VirtualHost that defines WSGIDaemonProcess shop"), found
        assert f"write ServerName site-1.example.com at {typo} " in found["fix"], found

    # The fix applied: the line it names written as it says, on a server of its own.
    written = re.search(r"write (ServerName \S+) at ", fix)
    assert written is not None, fix
    number = int(typo.rpartition(":")[2])
    lines = conf.read_text(encoding="utf-8").splitlines()
    assert lines[number - 1].strip() == "ServerName site-1.exmple.com", lines[number - 1]
    applied = CONFIG.replace("  ServerName site-1.exmple.com", f"  {written.group(1)}")
    tls_port = free_port()
    second = apache(applied, extra={"TLS_PORT": str(tls_port)}, files=files)
    again, urls = _sweep(second, tls_port, ca_file, tmp_path)
    assert [target(again, u)["verdict"] for u in urls] == ["ok"] * 4, json.dumps(
        again["targets"], indent=1)
