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


def test_the_sweeps_catch_all_on_a_tls_address_carries_its_tls_lines(
        apache: ApacheFactory, tmp_path: Path) -> None:
    """``probe sweep --config``: a name no VirtualHost of the TLS port claims, answered by the
    first one; the catch-all in the fix carries SSLEngine on and the first site's certificate
    line as read (file:line), as lint's does."""
    import subprocess

    import trustme

    from .test_scenarios import probe_command

    ca = trustme.CA()
    # site-1's certificate also names www.site-2: the handshake succeeds and Apache's name
    # choice shows (no ServerAlias claims it: the first VirtualHost answers).
    one = ca.issue_cert("site-1.example.com", "www.site-2.example.com")
    two = ca.issue_cert("site-2.example.com")
    files = {"tls/site-1.pem": one.private_key_and_cert_chain_pem.bytes().decode(),
             "tls/site-2.pem": two.private_key_and_cert_chain_pem.bytes().decode()}
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    tls_port = free_port()
    server = apache(scenario_template("tlssni"), extra={"TLS_PORT": str(tls_port)},
                    files=files)
    manifest = tmp_path / "m.toml"
    manifest.write_text('[instances.project-1]\nlabel = "project-1"\n'
                        'urls = ["https://site-1.example.com/"]\n\n'
                        '[instances.project-2]\nlabel = "project-2"\n'
                        'urls = ["https://www.site-2.example.com/"]\n', encoding="utf-8")
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(manifest), "--connect", f"127.0.0.1:{tls_port}",
         "--ca-file", str(ca_file), "--config", str(server.conf_path), "--format", "json",
         "--no-extra-probes"],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    report = json.loads(done.stdout)
    [found] = [t for t in report["targets"] if t["url"] == "https://www.site-2.example.com/"]
    assert (found["verdict"], found["cause"]) == ("wrong_instance", "vhost_fallback"), found
    fix = found["fix"]
    assert f"<VirtualHost *:{tls_port}>\n    ServerName default.invalid" in fix, fix
    assert "    SSLEngine on\n" in fix, fix
    lines = server.conf_path.read_text(encoding="utf-8").splitlines()
    cert = next(i for i, line in enumerate(lines, 1) if "tls/site-1.pem" in line)
    assert f"{server.conf_path}:{cert}" in fix, fix


def test_the_default_site_of_a_tls_address_is_probed_without_checks_or_token(
        apache: ApacheFactory, tmp_path: Path) -> None:
    """No certificate names a host under .invalid: the extra request that finds the default
    site of an HTTPS address goes without certificate checks and without the token. The lab's
    endpoints answer loopback without one, so it decides: the first VirtualHost, the default,
    answered www.site-2 (before, the failed handshake left that unknown). The handshake's
    certificate is named."""
    import subprocess

    import trustme

    from .test_scenarios import probe_command

    ca = trustme.CA()
    one = ca.issue_cert("site-1.example.com", "www.site-2.example.com")
    two = ca.issue_cert("site-2.example.com")
    files = {"tls/site-1.pem": one.private_key_and_cert_chain_pem.bytes().decode(),
             "tls/site-2.pem": two.private_key_and_cert_chain_pem.bytes().decode()}
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    tls_port = free_port()
    apache(scenario_template("tlssni"), extra={"TLS_PORT": str(tls_port)}, files=files)
    manifest = tmp_path / "m.toml"
    manifest.write_text('[instances.project-1]\nlabel = "project-1"\n'
                        'urls = ["https://site-1.example.com/"]\n\n'
                        '[instances.project-2]\nlabel = "project-2"\n'
                        'urls = ["https://www.site-2.example.com/"]\n', encoding="utf-8")
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(manifest), "--connect", f"127.0.0.1:{tls_port}",
         "--ca-file", str(ca_file), "--format", "json", "-v"],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    report = json.loads(done.stdout)
    [found] = [t for t in report["targets"] if t["url"] == "https://www.site-2.example.com/"]
    # Without the configuration, whether the default site also claims the name is open.
    assert (found["verdict"], found["cause"]) == ("wrong_instance", None), found
    assert "it is the address's default site" in found["explanation"], found["explanation"]
    [probed] = [e for e in found["evidence"] if e["kind"] == "probed"]
    assert probed["source"].startswith(
        f"GET https://wsgi-probe-check.invalid/__probe__ at 127.0.0.1:{tls_port} "
        "(without certificate checks, so without the token); its handshake presented "), probed
    assert "site-1.example.com" in probed["source"], probed
    assert probed["claim"].startswith("answered by the same application (label 'project-1'"), \
        probed
