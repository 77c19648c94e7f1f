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
from probe.model import Observation, Report, Sample, TargetResult, Verdict

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

