"""A real Apache with mod_ssl whose VirtualHost for site-2 names site-1's certificate file
(certbot's -le-ssl.conf copied and not edited): the sweep names the certificate presented
(asked again without checks and without the token) and, with --config, the certificate line
and the other VirtualHost's line naming the same file. Before, it said only "TLS failed"."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .apache import free_port, scenario_template
from .conftest import ApacheFactory

pytestmark = pytest.mark.apache


def test_a_vhost_presenting_another_sites_certificate_is_named_at_its_line(
        apache: ApacheFactory, tmp_path: Path) -> None:
    import trustme

    from .test_scenarios import probe_command

    ca = trustme.CA()
    one = ca.issue_cert("site-1.example.com")
    files = {"tls/site-1.pem": one.private_key_and_cert_chain_pem.bytes().decode()}
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    tls_port = free_port()
    template = scenario_template("tlssni").replace("tls/site-2.pem", "tls/site-1.pem")
    server = apache(template, extra={"TLS_PORT": str(tls_port)}, files=files)
    manifest = tmp_path / "m.toml"
    manifest.write_text('[instances.project-2]\nlabel = "project-2"\n'
                        'urls = ["https://site-2.example.com/"]\n', encoding="utf-8")
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(manifest), "--connect", f"127.0.0.1:{tls_port}",
         "--ca-file", str(ca_file), "--config", str(server.conf_path), "--format", "json"],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    [found] = json.loads(done.stdout)["targets"]
    assert found["verdict"] == "unreachable", found
    text = found["explanation"]
    assert (f"the server at 127.0.0.1:{tls_port} presented a certificate for "
            "site-1.example.com") in text, text
    assert "which does not name site-2.example.com" in text, text
    lines = server.conf_path.read_text(encoding="utf-8").splitlines()
    first, second = [i for i, line in enumerate(lines, 1) if "tls/site-1.pem" in line]
    assert f"({server.conf_path}:{second}) is the one in force there" in text, text
    fix = found["fix"]
    assert f"names the same file as the certificate line of <VirtualHost *:{tls_port}> " \
           f"(site-1.example.com)" in fix, fix
    assert f"at {server.conf_path}:{first}" in fix, fix
    # one PEM with the key: no key line to change, and the fix says so
    assert "writes no key line for this site" in fix, fix
    kinds = {e["kind"] for e in found["evidence"]}
    assert kinds == {"probed", "configured"}, found["evidence"]
