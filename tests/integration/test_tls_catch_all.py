"""The catch-all lint suggests for an HTTPS address, applied to a real Apache with mod_ssl:
every site of the port must still answer over TLS (a first VirtualHost without
``SSLEngine on`` makes the whole port plain HTTP), and an unknown name is refused."""

from __future__ import annotations

import json
import re
import socket
import ssl
from pathlib import Path

import pytest
from click.testing import CliRunner

from probe.cli import main

from .apache import free_port, scenario_template
from .conftest import ApacheFactory

pytestmark = pytest.mark.apache


def _status(port: int, ca_file: Path, host: str) -> int:
    """The status of GET / at ``127.0.0.1:port`` over TLS, with SNI and Host ``host``."""
    context = ssl.create_default_context(cafile=str(ca_file))
    context.check_hostname = False  # the unknown name has no certificate; TLS must still work
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw, \
            context.wrap_socket(raw, server_hostname=host) as tls:
        tls.sendall(f"GET / HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
        head = tls.recv(64).decode("latin-1")
    return int(head.split()[1])


def test_the_suggested_tls_catch_all_keeps_every_site_on_tls(apache: ApacheFactory,
                                                             tmp_path: Path) -> None:
    import trustme

    ca = trustme.CA()
    names = ("site-1.example.com", "site-2.example.com")
    certs = {n: ca.issue_cert(n).private_key_and_cert_chain_pem.bytes().decode() for n in names}
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    files = {"tls/site-1.pem": certs[names[0]], "tls/site-2.pem": certs[names[1]]}
    template = scenario_template("tlssni")
    tls_port = free_port()
    first = apache(template, extra={"TLS_PORT": str(tls_port)}, files=files)
    linted = CliRunner().invoke(main, ["lint", "--format", "json", str(first.conf_path)])
    [fix] = [f["fix"] for f in json.loads(linted.output)["findings"]
             if f["code"] == "vhost_fallback" and f"*:{tls_port}" in f["fix"]]
    block = re.search(r"<VirtualHost \*:\d+> ServerName default\.invalid .*?</VirtualHost>",
                      fix)
    assert block is not None, fix
    assert "SSLEngine on" in block.group(0), fix
    # Applied as given, before the first site of the TLS port, on a server of its own.
    # Lint gives it on one line: one directive a line, as httpd reads it.
    lines = re.sub(r" (?=ServerName|SSL|<|Require)", "\n", block.group(0))
    applied = lines.replace(f"*:{tls_port}", "*:@TLS_PORT@")
    at = template.index("<VirtualHost *:@TLS_PORT@>")
    second_port = free_port()
    apache(template[:at] + applied + "\n\n" + template[at:],
           extra={"TLS_PORT": str(second_port)}, files=files)
    before = [_status(tls_port, ca_file, n) for n in names]
    assert 403 not in before
    assert [_status(second_port, ca_file, n) for n in names] == before
    assert _status(second_port, ca_file, "unknown.example.net") == 403
