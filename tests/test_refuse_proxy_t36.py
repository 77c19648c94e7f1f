"""A ``[refuse]`` URL that Apache's first TLS VirtualHost passes on with a ProxyPass (tester
T36's apache-unix-h2: https://unknown.invalid:18362/, gunicorn and Django answered 400 through
``ProxyPass "/" "unix:.../alpha.sock|http://localhost/"`` at httpd.conf:114). With the
configuration read the fix led with nginx ("in nginx, a default server that refuses names ...
ssl_reject_handshake on"): it is worded by Apache only, at the site that took the name, and
the refusal's sentences are joined without a doubled stop."""

from __future__ import annotations

import textwrap

from probe import manifest
from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin, diagnose
from probe.diagnose.discriminate import refuse_key
from probe.errors import ErrorKind
from probe.manifest import Target
from probe.model import Observation, Sample, Verdict

RUN = "/srv/t36/run"
TLS = "/srv/t36/tls"
# httpd.conf:103-124 of the case (the TLS VirtualHosts), its Listen lines kept
HTTPD = f"""\
Listen 127.0.0.1:18361
Listen 127.0.0.1:18362
<VirtualHost 127.0.0.1:18362>
    ServerName alpha.test
    Protocols h2 http/1.1
    SSLEngine on
    SSLCertificateFile {TLS}/leaf.pem
    SSLCertificateKeyFile {TLS}/leaf.key
    ProxyPreserveHost On
    ProxyPass "/blog/" "unix:{RUN}/blog.sock|http://localhost/blog/"
    ProxyPass "/" "unix:{RUN}/alpha.sock|http://localhost/"
</VirtualHost>
<VirtualHost 127.0.0.1:18362>
    ServerName beta.test
    SSLEngine on
    SSLCertificateFile {TLS}/leaf.pem
    SSLCertificateKeyFile {TLS}/leaf.key
    ProxyPass "/" "unix:{RUN}/beta.sock|uwsgi://localhost/"
</VirtualHost>
"""
MANIFEST = """\
[probe]
connect = "127.0.0.1"
[instances.wsgiapp]
label = "wsgiapp"
urls = ["http://wsgi.test:18361/"]
[refuse]
urls = ["https://unknown.invalid:18362/"]
"""
URL = "https://unknown.invalid:18362/"
AT = "127.0.0.1:18362"
TLS_FAILED = ("https://unknown.invalid:18362/__probe__: TLS failed: SSL: no alternative "
              "certificate subject name matches target hostname 'unknown.invalid'")


def _config() -> ConfigJoin:
    routes = ApacheRoutes(build_site(parse_text(textwrap.dedent(HTTPD), "httpd.conf"),
                                     read_scripts=False))
    return ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block,
                      routes.refuse_why)


def _swept(config: ConfigJoin | None) -> tuple[str, str]:
    m = manifest.parse(MANIFEST, "m.toml")
    failed = Sample(elapsed_ms=5.0, error=TLS_FAILED, error_kind=ErrorKind.TLS, address=AT)
    obs = Observation(Target(URL, None, AT), (failed, failed, failed))
    # the GET sent again without certificate checks: Django's 400 through gunicorn
    again = Sample(elapsed_ms=3.0, status_code=400, address=AT, server="gunicorn")
    report = diagnose(m, [obs], config=config, probed={refuse_key(obs): again})
    found = next(t for t in report.targets if t.url == URL)
    assert found.verdict is Verdict.NO_ENDPOINT
    return found.explanation or "", found.fix or ""


def test_with_the_apache_configuration_the_fix_is_apaches_at_the_site_that_took_it() -> None:
    explanation, fix = _swept(_config())
    assert "nginx" not in fix and "ssl_reject_handshake" not in fix, fix
    assert fix.startswith("Refuse this host name in Apache: <VirtualHost 127.0.0.1:18362> is "
                          "the first of the 2 VirtualHosts"), fix
    assert "(httpd.conf:3)" in fix, fix
    assert "list 400 under [refuse] statuses" in fix, fix
    assert "<VirtualHost 127.0.0.1:18362>\n" in fix and "SSLEngine on" in fix, fix
    assert "ProxyPass / unix:/srv/t36/run/alpha.sock|http://localhost/" in explanation
    assert "the answer (Server: gunicorn) is the application server's there" in explanation
    assert "the endpoint must answer" not in explanation, explanation


def test_the_refusals_sentences_have_one_stop_each() -> None:
    for explanation, fix in (_swept(None), _swept(_config())):
        assert "no wsgi-probe endpoint answered. 3 of 3 requests failed" in explanation
        assert ".." not in explanation and ".." not in fix, (explanation, fix)
