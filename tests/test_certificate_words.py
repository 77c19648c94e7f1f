"""An https URL whose requests failed on the certificate's names: the certificate the decision
request was shown (probed) and the site and certificate line the configuration names
(configured), with built outcomes; the plain fix where nothing decides it."""

from __future__ import annotations

from pathlib import Path

from probe import manifest
from probe.apache import load_site
from probe.apache.route import ApacheRoutes
from probe.diagnose import diagnose
from probe.diagnose.config_join import ConfigJoin
from probe.diagnose.discriminate import certificate_key, extra_probes
from probe.errors import ErrorKind
from probe.model import EvidenceKind, Observation, Report, Sample, TargetResult, TlsInfo, Verdict
from probe.nginx import load_nginx

SITES = """
[probe]
connect = "127.0.0.1:443"

[instances.project-2]
label = "project-2"
urls = ["https://site-b.example.com/"]
"""
URL = "https://site-b.example.com/"
MISMATCH = Sample(elapsed_ms=1.0, error_kind=ErrorKind.TLS, address="127.0.0.1:443", error=(
    "https://site-b.example.com/__probe__: TLS failed: SSL: no alternative certificate subject "
    "name matches target hostname 'site-b.example.com'"))
SITE_A = TlsInfo(sni="site-b.example.com", subject="CN = site-a.example.com",
                 names=("site-a.example.com", "www.site-a.example.com"), issuer="CN = Lab CA")
PLAIN_FIX = "Check the server's certificate for this host name (and --ca-file / ca_file)."


def _one(report: Report) -> TargetResult:
    [found] = [t for t in report.targets if t.url == URL]
    return found


def _observed() -> tuple[manifest.Manifest, Observation]:
    m = manifest.parse(SITES, "m.toml")
    [target] = m.targets()
    return m, Observation(target, (MISMATCH, MISMATCH))


def test_a_certificate_failure_asks_for_one_unverified_request_to_the_same_url() -> None:
    m, seen = _observed()
    [extra] = extra_probes(m, [seen])
    assert (extra.key, extra.url) == (certificate_key(seen), f"{URL}__probe__")
    assert extra.address == seen.target.address  # where the URL's own requests went


def test_the_certificate_presented_is_named_with_the_request_that_showed_it() -> None:
    m, seen = _observed()
    again = Sample(elapsed_ms=1.0, status_code=403, tls=SITE_A)
    found = _one(diagnose(m, [seen], probed={certificate_key(seen): again}))
    assert found.verdict is Verdict.UNREACHABLE
    assert ("the server at 127.0.0.1:443 presented a certificate for site-a.example.com, "
            "www.site-a.example.com (subject CN = site-a.example.com, issuer CN = Lab CA), "
            "which does not name site-b.example.com") in found.explanation
    [probed] = [e for e in found.evidence if e.kind is EvidenceKind.PROBED]
    assert "without certificate checks, so without the token" in probed.source
    assert "--config" in found.fix and found.fix != PLAIN_FIX  # undecided, and what decides


def test_a_chain_failure_whose_certificate_names_the_host_is_its_chain() -> None:
    m, _ = _observed()
    chain = Sample(elapsed_ms=1.0, error_kind=ErrorKind.TLS, error=(
        "TLS failed: SSL certificate problem: unable to get local issuer certificate"))
    seen = Observation(m.targets()[0], (chain,))
    own = TlsInfo("site-b.example.com", "CN = site-b.example.com", ("site-b.example.com",),
                  "CN = Other CA")
    found = _one(diagnose(m, [seen], probed={
        certificate_key(seen): Sample(elapsed_ms=1.0, status_code=200, tls=own)}))
    assert "which names site-b.example.com: what fails is its chain" in found.explanation
    assert "--ca-file" in found.fix


def test_without_the_decision_request_the_plain_fix_stays() -> None:
    m, seen = _observed()
    found = _one(diagnose(m, [seen]))
    assert found.fix == PLAIN_FIX
    assert "presented" not in found.explanation


def _apache(tmp_path: Path, site_b_cert: str, extra: str = "") -> ConfigJoin:
    conf = tmp_path / "httpd.conf"
    conf.write_text(f"""Listen 443
<VirtualHost *:443>
    ServerName site-a.example.com
    SSLEngine on
    SSLCertificateFile /etc/tls/site-a.pem
</VirtualHost>
<VirtualHost *:443>
    ServerName site-b.example.com
    SSLEngine on
    SSLCertificateFile {site_b_cert}
</VirtualHost>
{extra}""", encoding="utf-8")
    return ConfigJoin(ApacheRoutes(load_site([conf])))


def test_config_names_the_certificate_line_that_is_another_sites(tmp_path: Path) -> None:
    m, seen = _observed()
    config = _apache(tmp_path, "/etc/tls/site-a.pem")
    again = Sample(elapsed_ms=1.0, status_code=403, tls=SITE_A)
    found = _one(diagnose(m, [seen], config=config, probed={certificate_key(seen): again}))
    conf = tmp_path / "httpd.conf"
    assert f"its certificate line 'SSLCertificateFile /etc/tls/site-a.pem' ({conf}:10)" \
        in found.explanation
    assert f"names the same file as the certificate line of <VirtualHost *:443> " \
           f"(site-a.example.com) at {conf}:2, at {conf}:5" in found.fix
    # the configuration in force, not a claim about what was presented
    assert f"({conf}:10) is the one in force there" in found.explanation, found.explanation
    assert {e.source for e in found.evidence if e.kind is EvidenceKind.CONFIGURED} == \
        {f"{conf}:8", f"{conf}:10"}
    # The key line goes with it: a re-tester changed the certificate line alone and Apache's
    # graceful restart exited (AH02565).
    keyed = _one(diagnose(m, [seen], config=_apache(
        tmp_path, "/etc/tls/site-a.pem\n    SSLCertificateKeyFile /etc/tls/site-a.key"),
        probed={certificate_key(seen): again}))
    assert f"and its key line 'SSLCertificateKeyFile /etc/tls/site-a.key' at {conf}:11 to " \
           f"that certificate's key" in keyed.fix, keyed.fix
    assert "the configuration read writes no key line for this site" in found.fix, found.fix


def test_config_says_the_certificate_of_the_claiming_site_lacks_the_name(
        tmp_path: Path) -> None:
    m, seen = _observed()
    found = _one(diagnose(m, [seen], config=_apache(tmp_path, "/etc/tls/site-b.pem")))
    conf = tmp_path / "httpd.conf"
    assert "the certificate at that line must name site-b.example.com" in found.fix
    assert f"'SSLCertificateFile /etc/tls/site-b.pem' at {conf}:10" in found.fix


def test_config_gives_a_site_served_on_another_port_only_its_tls_twin(tmp_path: Path) -> None:
    m = manifest.parse(SITES.replace("site-b", "site-c"), "m.toml")
    seen = Observation(m.targets()[0], (MISMATCH,))
    twin = """Listen 80
<VirtualHost *:80>
    ServerName site-c.example.com
    ServerAlias www.site-c.example.com
    WSGIDaemonProcess project-3
    WSGIScriptAlias / /srv/project-3/wsgi.py
    WSGIProcessGroup project-3
</VirtualHost>
"""
    found = diagnose(m, [seen], config=_apache(tmp_path, "/etc/tls/site-b.pem", twin))
    [result] = found.targets
    conf = tmp_path / "httpd.conf"
    assert f"site-c.example.com is claimed by <VirtualHost *:80> (site-c.example.com) at " \
           f"{conf}:13 only, on another port" in result.fix
    # its WSGI lines written out, each after a comment of its own (httpd takes none after a
    # directive); the daemon's definition is not copied (the same name shares it)
    assert "<VirtualHost *:443>\n    ServerName site-c.example.com\n    ServerAlias " \
           f"www.site-c.example.com\n    # {conf}:17\n    WSGIScriptAlias / " \
           f"/srv/project-3/wsgi.py\n    # {conf}:18\n    WSGIProcessGroup project-3\n" \
        in result.fix, result.fix
    assert "    WSGIDaemonProcess" not in result.fix
    assert "    SSLEngine on\n" in result.fix
    assert f"'SSLCertificateFile /etc/tls/site-a.pem' at {conf}:5" in result.fix


def test_nginx_default_server_and_the_block_of_the_sibling_name(tmp_path: Path) -> None:
    m = manifest.parse(SITES.replace("site-b", "www.site-a"), "m.toml")
    seen = Observation(m.targets()[0], (MISMATCH,))
    conf = tmp_path / "nginx.conf"
    conf.write_text("""events {}
http {
    server {
        server_name site-a.example.com;
        listen 127.0.0.1:443 ssl;
        ssl_certificate /etc/tls/site-a.pem;
    }
    server {
        server_name site-b.example.com;
        listen 127.0.0.1:443 ssl default_server;
        ssl_certificate /etc/tls/site-b.pem;
    }
    server {
        listen 127.0.0.1:80;
        server_name site-a.example.com www.site-a.example.com;
        return 301 https://$host$request_uri;
    }
}
""", encoding="utf-8")
    found = diagnose(m, [seen], config=ConfigJoin(load_nginx(str(conf))))
    [result] = found.targets
    assert f"the default_server of 127.0.0.1:443 answered), and its certificate line " \
           f"'ssl_certificate /etc/tls/site-b.pem' ({conf}:11)" in result.explanation
    assert f"add www.site-a.example.com to its names (the server_name line at {conf}:4)" \
        in result.fix
