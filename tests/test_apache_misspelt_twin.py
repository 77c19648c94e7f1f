"""A misspelt ServerName in the plain VirtualHost of a site whose :443 twin is right
(puppetlabs-apache vhosts, tester R21's b1: ``ServerName shop.exmple.com``).

The plain URL falls to the port's first VirtualHost: the fix is the misspelt line, not "the
site serves HTTPS only" (a plain VirtualHost on the port runs the site's script). The https
URLs answer 500: mod_wsgi lets the :443 VirtualHost use the daemon group defined in the plain
one only while both ServerNames are the same, so the same line is their fix too, before
moving the group out. The configuration is the case's four vhosts, their WSGI and SSL lines
as puppet wrote them; the real-Apache check is tests/integration/test_misspelt_twin_apache.py.
"""

from __future__ import annotations

from pathlib import Path

from probe import manifest
from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin, diagnose
from probe.lint import lint_paths
from probe.manifest import Target
from probe.model import Cause, Observation, Report, Sample, TargetResult, Verdict

from .test_diagnose import answered, ep, status

SHOP = """\
<VirtualHost *:8080>
  ServerName default
  DocumentRoot "/srv/www/default"
</VirtualHost>
<VirtualHost *:8080>
  ServerName shop.exmple.com
  DocumentRoot "/srv/www/shop"
  ServerAlias www.shop.example.com
  WSGIApplicationGroup %{GLOBAL}
  WSGIDaemonProcess shop display-name=%{GROUP} processes=2 python-path=/srv/shop threads=15
  WSGIProcessGroup shop
  WSGIScriptAlias / "/srv/shop/wsgi.py"
</VirtualHost>
<VirtualHost *:8443>
  ServerName default-ssl
  SSLEngine on
  SSLCertificateFile "/srv/cert.pem"
</VirtualHost>
<VirtualHost *:8443>
  ServerName shop.example.com
  ServerAlias www.shop.example.com
  SSLEngine on
  SSLCertificateFile "/srv/cert.pem"
  WSGIApplicationGroup %{GLOBAL}
  WSGIProcessGroup shop
  WSGIScriptAlias / "/srv/shop/wsgi.py"
</VirtualHost>
"""

MANIFEST = """\
[instances.shop]
label = "shop"
process_group = "shop"
urls = ["https://shop.example.com:8443/", "https://www.shop.example.com:8443/",
        "http://shop.example.com:8080/", "http://www.shop.example.com:8080/"]
"""

PLAIN, HTTPS = "http://shop.example.com:8080/", "https://shop.example.com:8443/"
WWW_HTTPS = "https://www.shop.example.com:8443/"


def _sweep(tmp_path: Path) -> Report:
    """The case's answers: the plain shop URL 404 from the default site, the https ones
    500, www on the plain port answered by shop; lint's findings keyed to ``t.conf``."""
    (tmp_path / "shop").mkdir(parents=True)
    (tmp_path / "shop" / "wsgi.py").write_text("")
    conf = tmp_path / "httpd.conf"
    conf.write_text(SHOP.replace("/srv/", f"{tmp_path}/"))
    keyed = {("t.conf", f.line): (f.code, f.message)
             for f in lint_paths([conf]).findings}
    routes = ApacheRoutes(build_site(parse_text(SHOP, "t.conf"), read_scripts=False))
    joined = ConfigJoin(routes, keyed, routes.divergence, routes.intended, routes.refuse_block)
    www = answered(ep("shop", host="www.shop.example.com", process_group="shop",
                      application_group=""))
    seen = [_at(PLAIN, "8080", status(404)), _at(HTTPS, "8443", status(500)),
            _at(WWW_HTTPS, "8443", status(500)),
            _at("http://www.shop.example.com:8080/", "8080", www)]
    return diagnose(manifest.parse(MANIFEST, "m.toml"), seen, config=joined)


def _at(url: str, port: str, *samples: Sample) -> Observation:
    return Observation(Target(url, "shop", f"127.0.0.1:{port}"), samples)


def _one(report: Report, url: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url)


def test_the_plain_url_is_told_the_misspelt_servername_not_https_only(
        tmp_path: Path) -> None:
    found = _one(_sweep(tmp_path), PLAIN)
    assert found.verdict is Verdict.NO_ENDPOINT, found
    fix = found.fix or ""
    assert fix.startswith("ServerName shop.exmple.com (t.conf:6) is one edit from "
                          "shop.example.com: if that is a typo, write ServerName "
                          "shop.example.com at t.conf:6"), fix
    assert "HTTPS only" not in fix and "remove " not in fix, fix


def test_the_https_500_is_told_the_misspelt_servername_before_the_move(
        tmp_path: Path) -> None:
    report = _sweep(tmp_path)
    for url in (HTTPS, WWW_HTTPS):
        found = _one(report, url)
        assert found.cause is Cause.UNDEFINED_DAEMON, found
        fix = found.fix or ""
        assert fix.startswith(
            "ServerName shop.exmple.com (t.conf:6), of the VirtualHost that defines "
            "WSGIDaemonProcess shop, is one edit from ServerName shop.example.com (t.conf:20) "
            "of the one that uses it, and mod_wsgi lets a VirtualHost use a daemon group "
            "defined in another only when both ServerNames are the same: if it is a typo, "
            "write ServerName shop.example.com at t.conf:6 (the manifest's URLs name "
            "shop.example.com, none shop.exmple.com); else move WSGIDaemonProcess shop "
            "(t.conf:10) outside the VirtualHost"), fix


def test_lint_names_both_lines_when_no_request_tells_which_name_is_meant(
        tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir(parents=True)
    (tmp_path / "shop" / "wsgi.py").write_text("")
    conf = tmp_path / "httpd.conf"
    conf.write_text(SHOP.replace("/srv/", f"{tmp_path}/"))
    [fix] = [f.fix or "" for f in lint_paths([conf]).findings if f.code == "undefined_daemon"]
    assert f"write ServerName shop.example.com at {conf}:6 (or ServerName shop.exmple.com " \
           f"at {conf}:20, whichever name is meant)" in fix, fix


def test_near_servernames_of_two_applications_are_not_told_a_typo(tmp_path: Path) -> None:
    """site-1 and site-2 running two scripts are two sites one edit apart: renaming one
    would put both applications in one daemon group, so no ServerName is offered."""
    (tmp_path / "shop").mkdir()
    for name in ("wsgi.py", "other.py"):
        (tmp_path / "shop" / name).write_text("")
    text = SHOP.replace("shop.exmple.com", "shop.example.co").replace(
        '  WSGIScriptAlias / "/srv/shop/wsgi.py"\n</VirtualHost>\n<VirtualHost *:8443>',
        '  WSGIScriptAlias / "/srv/shop/other.py"\n</VirtualHost>\n<VirtualHost *:8443>', 1)
    conf = tmp_path / "httpd.conf"
    conf.write_text(text.replace("/srv/", f"{tmp_path}/"))
    [fix] = [f.fix or "" for f in lint_paths([conf]).findings if f.code == "undefined_daemon"]
    assert "ServerName" not in fix and "would not do" in fix, fix
