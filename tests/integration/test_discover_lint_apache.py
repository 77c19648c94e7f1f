"""``probe discover``, ``probe lint`` and ``probe ps`` against the real Apache scenarios.

The manifest discovered from a running scenario's own httpd.conf, swept against that
server, must show the scenario's misroute with its cause (and nothing in "healthy");
lint must name the same cause; ps must see the server's daemon groups.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trustme
from click.testing import CliRunner

from probe.cli import main

from .apache import free_port, scenario_template
from .conftest import ApacheFactory

pytestmark = pytest.mark.apache

# scenario -> (URL path on site-1 that goes wrong or None, the cause sweep and lint report)
EXPECTED: dict[str, tuple[str | None, str | None]] = {
    "healthy": (None, None),
    "ordering": ("/suburl/", "alias_order"),
    "envleak": ("/suburl/", "environ_leak"),
    "fallback": (None, "vhost_fallback"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_discovered_manifest_sweeps_to_the_scenario_cause(apache: ApacheFactory,
                                                          name: str) -> None:
    server = apache(scenario_template(name))
    if name == "envleak":  # project-1 loads first, as in test_scenarios
        server.get("/", "site-1.example.com")
    runner = CliRunner()
    manifest = server.server_root / "discovered.toml"
    discovered = runner.invoke(main, ["discover", str(server.conf_path), "-o", str(manifest)])
    assert discovered.exit_code == 0, discovered.output
    assert f'connect = "127.0.0.1:{server.port}"' in manifest.read_text()

    swept = runner.invoke(main, ["sweep", "-m", str(manifest), "--format", "json"])
    report = json.loads(swept.output)
    causes = {t["cause"] for t in report["targets"] if t["verdict"] != "ok"}
    path, cause = EXPECTED[name]
    assert causes == ({cause} if cause else set()), report["targets"]
    if path:
        wrong = [t["url"] for t in report["targets"] if t["verdict"] != "ok"]
        assert any(url.endswith(path) for url in wrong)

    linted = runner.invoke(main, ["lint", "--format", "json", str(server.conf_path)])
    codes = {f["code"] for f in json.loads(linted.output)["findings"]
             if f["severity"] != "note"}
    assert codes == ({cause} if cause else set())
    assert linted.exit_code == (1 if cause else 0)


def test_ps_names_the_daemon_groups(apache: ApacheFactory) -> None:
    # No display-name: ps must find the daemons by their sockets, and name them by config.
    server = apache(scenario_template("healthy").replace(" display-name=%{GROUP}", ""))
    result = CliRunner().invoke(main, ["ps", "--format", "json",
                                       "--config", str(server.conf_path)])
    assert result.exit_code == 0, result.output
    rows = [p for p in json.loads(result.output)["processes"] if p["ppid"] == server.pid]
    daemons = sorted(p["process_group"] for p in rows if p["role"] == "wsgi daemon")
    assert daemons == ["project-1", "project-2"]
    assert any(p["role"] == "worker" for p in rows)


SINGLE_VHOST = """\
WSGIDaemonProcess project-1 processes=1 threads=4 python-path=@SITES@
<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>
"""
MAIN_SERVER_ONLY = """\
WSGIDaemonProcess project-1 processes=1 threads=4 python-path=@SITES@
ServerName site-1.example.com
WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
"""


@pytest.mark.parametrize("config", [SINGLE_VHOST, MAIN_SERVER_ONLY],
                         ids=["single-vhost", "main-server-only"])
def test_a_single_site_answering_every_host_name_is_clean_for_lint_and_sweep(
        apache: ApacheFactory, config: str) -> None:
    server = apache(config)
    assert server.get("/__probe__", "unknown.invalid").status_code == 200  # it does serve it
    runner = CliRunner()
    manifest = server.server_root / "discovered.toml"
    discovered = runner.invoke(main, ["discover", str(server.conf_path), "-o", str(manifest)])
    assert discovered.exit_code == 0, discovered.output
    assert "\n[refuse]" not in manifest.read_text()

    swept = runner.invoke(main, ["sweep", "-m", str(manifest), "--format", "json"])
    report = json.loads(swept.output)
    assert swept.exit_code == 0, report["targets"]
    assert [t["url"] for t in report["targets"]] == [
        f"http://site-1.example.com:{server.port}/"]

    linted = runner.invoke(main, ["lint", "--format", "json", str(server.conf_path)])
    assert [f for f in json.loads(linted.output)["findings"] if f["severity"] != "note"] == []
    assert linted.exit_code == 0


HTTP_AND_HTTPS = """\
LoadModule ssl_module "/usr/lib/apache2/modules/mod_ssl.so"
Listen 127.0.0.1:@TLS@
WSGIDaemonProcess project-1 processes=1 threads=4 python-path=@SITES@
<VirtualHost *:@PORT@>
    ServerName site-1.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>
<VirtualHost *:@TLS@>
    ServerName site-1.example.com
    SSLEngine on
    SSLCertificateFile @SITES@/tls/cert.pem
    SSLCertificateKeyFile @SITES@/tls/key.pem
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>
"""


def test_discovered_http_and_https_urls_sweep_ok(apache: ApacheFactory, tmp_path: Path) -> None:
    # One connect address without port: each URL keeps its own (the https one used to be
    # sent to the plain-http port and fail with a TLS error).
    ca = trustme.CA()
    cert = ca.issue_cert("site-1.example.com")
    tls_port = free_port()
    server = apache(HTTP_AND_HTTPS, extra={"TLS": str(tls_port)}, files={
        "tls/cert.pem": cert.cert_chain_pems[0].bytes().decode(),
        "tls/key.pem": cert.private_key_pem.bytes().decode()})
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    runner = CliRunner()
    manifest = server.server_root / "discovered.toml"
    discovered = runner.invoke(main, ["discover", str(server.conf_path), "-o", str(manifest)])
    assert discovered.exit_code == 0, discovered.output
    assert 'connect = "127.0.0.1"\n' in manifest.read_text()

    swept = runner.invoke(main, ["sweep", "-m", str(manifest), "--ca-file", str(ca_file),
                                 "--format", "json"])
    report = json.loads(swept.output)
    assert sorted((t["url"], t["verdict"]) for t in report["targets"]) == [
        (f"http://site-1.example.com:{server.port}/", "ok"),
        (f"https://site-1.example.com:{tls_port}/", "ok")]
    assert swept.exit_code == 0

    # Each address's only site is skipped for [refuse]; the URLs advised to check them
    # anyway are each address's own (https on the SSLEngine-on port): applied as written,
    # both reach the site there (it serves them), none fails to connect or to shake hands.
    text = manifest.read_text()
    advised = (f'# urls = ["http://unknown.invalid:{server.port}/", '
               f'"https://unknown.invalid:{tls_port}/"]')
    assert advised in text, text
    manifest.write_text(text + "\n[refuse]\n" + advised.removeprefix("# ") + "\n")
    swept = runner.invoke(main, ["sweep", "-m", str(manifest), "--ca-file", str(ca_file),
                                 "--format", "json"])
    refused = {t["url"]: t for t in json.loads(swept.output)["targets"]
               if t["url"].startswith(("http://unknown", "https://unknown"))}
    assert {u: t["verdict"] for u, t in refused.items()} == {
        f"http://unknown.invalid:{server.port}/": "served_unmapped",
        f"https://unknown.invalid:{tls_port}/": "served_unmapped"}, refused


ADDRESSES = """\
LoadModule macro_module "/usr/lib/apache2/modules/mod_macro.so"
Listen 127.0.0.2:@PORT@
Listen 127.0.0.1:@PORT2@
WSGIDaemonProcess project-1 processes=1 threads=4 python-path=@SITES@
WSGIDaemonProcess project-2 processes=1 threads=4 python-path=@SITES@
<VirtualHost *:@PORT@ *:@PORT2@>
    ServerName site-1.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>
<VirtualHost 127.0.0.2:@PORT@>
    ServerName site-2.example.com
    WSGIScriptAlias / @SITES@/project-2/wsgi.py process-group=project-2
</VirtualHost>
<Macro Site $name>
<VirtualHost *:@PORT@>
    ServerName $name.example.com
    WSGIScriptAlias / @SITES@/project-3/wsgi.py
</VirtualHost>
</Macro>
Use Site site-3
"""


def test_discovered_addresses_match_httpd_and_sweep_ok(apache: ApacheFactory) -> None:
    # A VirtualHost on two ports answers on both; an IP-based one only at its address (sent
    # to 127.0.0.1, site-2 lands in site-1's VirtualHost); a macro's site is expanded as
    # mod_macro expands it, and cites the Use line.
    from probe.apache.apachectl import parse_dump, run_dump

    port2 = free_port()
    server = apache(ADDRESSES, extra={"PORT2": str(port2)})
    assert server.get("/__probe__", "site-1.example.com").status_code == 200
    runner = CliRunner()
    manifest = server.server_root / "discovered.toml"
    discovered = runner.invoke(main, ["discover", str(server.conf_path), "-o", str(manifest)])
    assert discovered.exit_code == 0, discovered.output
    text = manifest.read_text()
    assert f'connect = "127.0.0.2:{server.port}"' in text
    lines = server.conf_path.read_text().splitlines()
    use = 1 + lines.index("Use Site site-3")
    mount = 1 + next(n for n, line in enumerate(lines) if "project-3/wsgi.py" in line)
    assert f"WSGIScriptAlias at {server.conf_path}:{mount} (macro Site used at " \
           f"{server.conf_path}:{use})" in text

    swept = runner.invoke(main, ["sweep", "-m", str(manifest), "--format", "json"])
    report = json.loads(swept.stdout)
    assert sorted((t["url"], t["address"], t["answered_by"], t["verdict"])
                  for t in report["targets"]) == sorted([
        (f"http://site-1.example.com:{port2}/", f"127.0.0.1:{port2}", "project-1", "ok"),
        (f"http://site-1.example.com:{server.port}/", f"127.0.0.1:{server.port}",
         "project-1", "ok"),
        (f"http://site-2.example.com:{server.port}/", f"127.0.0.2:{server.port}",
         "project-2", "ok"),
        (f"http://site-3.example.com:{server.port}/", f"127.0.0.1:{server.port}",
         "project-3", "ok"),
        # two name-based sites on *:PORT now that the macro's is read: an unknown name gets
        # the first, site-1, as httpd does
        (f"http://unknown.invalid:{server.port}/", f"127.0.0.1:{server.port}", "project-1",
         "served_unmapped")]), report["targets"]

    # httpd's own list: every (address, name) it has is a URL of the manifest, the macro's
    # site too, and lint's model agrees with it
    dump = parse_dump(run_dump(str(server.conf_path), str(server.server_root), (), {}))
    used = [v for v in dump if "used on line" in v.file]
    assert [v.name for v in used] == ["site-3.example.com"]
    linted = runner.invoke(main, ["lint", "--apachectl", "--format", "json",
                                  str(server.conf_path)])
    assert [f for f in json.loads(linted.output)["findings"] if f["code"] == "apachectl"] == []
    where = {(t["url"], t["address"]) for t in report["targets"]}
    for vhost in (v for v in dump if v.name != "localhost"):
        host, _, port = vhost.address.rpartition(":")
        address = f"{'127.0.0.1' if host == '*' else host}:{port}"
        assert (f"http://{vhost.name}:{port}/", address) in where, vhost


SITES_ON_THE_SECOND_LISTEN = """\
Listen 127.0.0.2:@PORT2@
WSGIDaemonProcess project-1 processes=1 threads=4 python-path=@SITES@
WSGIDaemonProcess project-2 processes=1 threads=4 python-path=@SITES@
<VirtualHost *:@PORT2@>
    ServerName site-1.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1
</VirtualHost>
<VirtualHost *:@PORT2@>
    ServerName site-2.example.com
    WSGIScriptAlias / @SITES@/project-2/wsgi.py process-group=project-2
</VirtualHost>
"""


def test_discover_connects_where_the_sites_listen_not_to_the_first_listen(
        apache: ApacheFactory) -> None:
    # The fixture's own Listen 127.0.0.1:PORT comes first; the sites are only on PORT2,
    # which only 127.0.0.2 opens: a connect to the first Listen's address reaches nothing.
    port2 = free_port()
    server = apache(SITES_ON_THE_SECOND_LISTEN, extra={"PORT2": str(port2)})
    runner = CliRunner()
    manifest = server.server_root / "discovered.toml"
    discovered = runner.invoke(main, ["discover", str(server.conf_path), "-o", str(manifest)])
    assert discovered.exit_code == 0, discovered.output
    assert 'connect = "127.0.0.2"\n' in manifest.read_text()
    swept = runner.invoke(main, ["sweep", "-m", str(manifest), "--format", "json"])
    report = json.loads(swept.stdout)
    assert sorted((t["url"], t["address"], t["answered_by"], t["verdict"])
                  for t in report["targets"]) == [
        (f"http://site-1.example.com:{port2}/", f"127.0.0.2:{port2}", "project-1", "ok"),
        (f"http://site-2.example.com:{port2}/", f"127.0.0.2:{port2}", "project-2", "ok"),
        (f"http://unknown.invalid:{port2}/", f"127.0.0.2:{port2}", "project-1",
         "served_unmapped")], report["targets"]
