"""A ``[refuse]`` https URL that nginx refuses the way its documentation recommends for TLS
(a default server with ``ssl_reject_handshake on``: the handshake ends with the
``unrecognized_name`` alert) is refused, not ``unreachable`` with a certificate fix (a tester
got CRITICAL for the set-up lint calls clean). A name the server does serve over TLS still
answers; a URL meant to be served whose name is refused so is told why."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import trustme

from probe.discover import discover_nginx, render
from probe.manifest import parse
from tests.integration.apache import ApacheUnavailable, free_port
from tests.integration.nginx import start_nginx
from tests.integration.test_scenarios import probe_command

SITE = "site.example.com"


def sweep(manifest: Path, port: int, ca_file: Path) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [*probe_command(), "sweep", "-m", str(manifest), "--connect", f"127.0.0.1:{port}",
         "--ca-file", str(ca_file), "--format", "json", "--no-extra-probes"],
        capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    assert done.stdout.startswith("{"), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return done.returncode, report


def test_an_unrecognized_name_alert_is_a_refusal(tmp_path: Path) -> None:
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    issued = ca.issue_cert(SITE)
    port = free_port()
    body = f"""
    server {{
        listen 127.0.0.1:{port} ssl default_server;
        ssl_reject_handshake on;
    }}
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name {SITE};
        ssl_certificate site.pem;
        ssl_certificate_key site.key;
        location / {{ return 404; }}
    }}
    """
    try:
        nginx = start_nginx(body, [port], workdir=tmp_path / "nginx", files={
            "site.pem": b"".join(b.bytes() for b in issued.cert_chain_pems).decode(),
            "site.key": issued.private_key_pem.bytes().decode()})
    except ApacheUnavailable as why:
        pytest.skip(str(why))
    try:
        manifest = tmp_path / "m.toml"
        manifest.write_text(f'[refuse]\nurls = ["https://unknown.invalid/", '
                            f'"https://{SITE}/"]\n', encoding="utf-8")
        status, report = sweep(manifest, port, ca_file)
    finally:
        nginx.stop()
    found = {t["url"]: t for t in report["targets"]}
    refused = found["https://unknown.invalid/"]
    assert refused["verdict"] == "ok", refused
    assert "unrecognized_name alert" in refused["explanation"], refused
    # The site's own name is served (404 is one of the refusing statuses): refused by
    # status, through a handshake that succeeded.
    assert found[f"https://{SITE}/"]["verdict"] == "ok"
    assert "HTTP 404" in found[f"https://{SITE}/"]["explanation"]
    assert status == 0


def test_a_url_whose_name_is_refused_in_tls_is_told_so(tmp_path: Path) -> None:
    """A URL meant to be served, whose name nginx refuses in the handshake: unreachable, and
    the fix says the name is claimed by no TLS site there (not "check the certificate")."""
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    port = free_port()
    body = (f"server {{ listen 127.0.0.1:{port} ssl default_server; "
            f"ssl_reject_handshake on; }}\n")
    try:
        nginx = start_nginx(body, [port], workdir=tmp_path / "nginx")
    except ApacheUnavailable as why:
        pytest.skip(str(why))
    try:
        manifest = tmp_path / "m.toml"
        manifest.write_text(f'[instances.shop]\nlabel = "shop"\nurls = ["https://{SITE}/"]\n',
                            encoding="utf-8")
        status, report = sweep(manifest, port, ca_file)
    finally:
        nginx.stop()
    (target,) = report["targets"]
    assert (status, target["verdict"]) == (1, "unreachable"), target
    assert "refused this name in the TLS handshake" in target["fix"], target
    assert "certificate" not in target["fix"].split("(")[0]


def test_discover_writes_the_refuse_url_this_default_refuses(tmp_path: Path) -> None:
    """Re-tester R36: discover called such a default (``server_name _``, a certificate,
    ``ssl_reject_handshake on``) a catch-all serving files and advised
    ``http://unknown.invalid/``. Its own manifest now has ``https://unknown.invalid:PORT/``
    under ``[refuse]``, and the sweep of it against this nginx is ok."""
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    issued = ca.issue_cert(SITE)
    port = free_port()
    body = f"""
    server {{
        listen 127.0.0.1:{port} ssl default_server;
        server_name _;
        ssl_certificate site.pem;
        ssl_certificate_key site.key;
        ssl_reject_handshake on;
    }}
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name {SITE};
        ssl_certificate site.pem;
        ssl_certificate_key site.key;
        location / {{ return 404; }}
    }}
    """
    try:
        nginx = start_nginx(body, [port], workdir=tmp_path / "nginx", files={
            "site.pem": b"".join(b.bytes() for b in issued.cert_chain_pems).decode(),
            "site.key": issued.private_key_pem.bytes().decode()})
    except ApacheUnavailable as why:
        pytest.skip(str(why))
    try:
        text = render(discover_nginx(str(nginx.conf)))
        assert parse(text).refuse_urls == (f"https://unknown.invalid:{port}/",), text
        manifest = tmp_path / "m.toml"
        manifest.write_text(text, encoding="utf-8")
        status, report = sweep(manifest, port, ca_file)
    finally:
        nginx.stop()
    (target,) = report["targets"]
    assert target["verdict"] == "ok", target
    assert "unrecognized_name alert" in target["explanation"], target
    assert status == 0
