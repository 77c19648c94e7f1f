"""Apache's mod_proxy to gunicorn on unix sockets (``ProxyPass / unix:/x.sock|http://localhost/``),
from tester T36's case apache-unix-h2 (real answers: :mod:`tests.t36_answers`; its httpd.conf,
reduced to the sites that matter here):

* gamma.test, copied from alpha and still naming alpha.sock, answered by alpha whose
  server.listen is that socket: ``wrong_undetermined`` before ("no step of its route shows
  where it leaves"), now ``wrong_upstream`` at the ProxyPass, as over TCP;
* eps.test, a 503 from a socket Apache's user may not open: neither "start the application
  server at unix:...|http://localhost/" nor "nothing accepted the connection"; both readings
  with AH02454's error and the checks;
* scheme_not_passed over a unix socket: no --forwarded-allow-ips, and mod_headers loaded
  first where the configuration read does not load it;
* delta.test, the ProxyPass still naming the old server's socket: the line is named.
"""

from __future__ import annotations

from pathlib import Path

from probe.apache import load_site
from probe.apache.proxy_rule import target_at
from probe.apache.route import ApacheRoutes
from probe.diagnose import ConfigJoin, diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target, parse
from probe.model import Observation, Report, Sample, TargetResult
from tests.t36_answers import ALPHA_TLS, DELTA_V1, GAMMA_AT_ALPHA, RUN

FRONT = "127.0.0.1:18361"
TLS = "127.0.0.1:18362"
APACHE = "Apache/2.4.71 (Debian) OpenSSL/3.0.19 mod_wsgi/6.1.1 Python/3.11"
MANIFEST = """[probe]
connect = "127.0.0.1"
samples = 10

[instances.alpha]
label = "alpha"
urls = ["https://alpha.test:18362/"]

[instances.gamma]
label = "gamma"
urls = ["http://gamma.test:18361/"]

[instances.delta]
label = "delta"
code_version = "2"
urls = ["http://delta.test:18361/"]

[instances.eps]
label = "eps"
urls = ["http://eps.test:18361/"]
"""
HTTPD = f"""\
ServerName localhost
Listen 127.0.0.1:18361
Listen 127.0.0.1:18362
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_http_module /usr/lib/apache2/modules/mod_proxy_http.so
LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so
{{headers}}
User www-data
Group www-data
<VirtualHost 127.0.0.1:18361>
    ServerName default.invalid
</VirtualHost>
<VirtualHost 127.0.0.1:18361>
    ServerName gamma.test
    ProxyPreserveHost On
    ProxyPass "/" "unix:{RUN}/alpha.sock|http://localhost/"
</VirtualHost>
<VirtualHost 127.0.0.1:18361>
    ServerName delta.test
    ProxyPreserveHost On
    ProxyPass "/" "unix:{RUN}/delta-old.sock|http://localhost/"
</VirtualHost>
<VirtualHost 127.0.0.1:18361>
    ServerName eps.test
    ProxyPreserveHost On
    ProxyPass "/" "unix:{RUN}/eps.sock|http://localhost/"
</VirtualHost>
<VirtualHost 127.0.0.1:18362>
    ServerName alpha.test
    SSLEngine on
    ProxyPreserveHost On
    ProxyPass "/" "unix:{RUN}/alpha.sock|http://localhost/"
</VirtualHost>
"""
HEADERS = "LoadModule headers_module /usr/lib/apache2/modules/mod_headers.so"


def config(tmp: Path, headers: bool = False) -> ConfigJoin:
    conf = tmp / "httpd.conf"
    conf.write_text(HTTPD.format(headers=HEADERS if headers else ""))
    front = ApacheRoutes(load_site([conf]))
    return ConfigJoin(front, {}, front.divergence, front.intended, front.refuse_block)


def seen(url: str, expected: str, observed: dict[str, object],
         address: str = FRONT) -> Observation:
    answer = EndpointAnswer.from_json(observed)
    return Observation(Target(url, expected, address), tuple(
        Sample(elapsed_ms=2.0, status_code=200, endpoint=answer, address=address,
               server="gunicorn/27.0.1") for _ in range(2)))


def failed(url: str, expected: str) -> Observation:
    return Observation(Target(url, expected, FRONT), tuple(
        Sample(elapsed_ms=2.0, status_code=503, address=FRONT, server=APACHE)
        for _ in range(2)))


def sweep(observations: list[Observation], join: ConfigJoin | None) -> Report:
    # the .invalid name at the same address: the first VirtualHost's 404, no endpoint
    probed = {f"http:18361@{FRONT}": Sample(elapsed_ms=1.0, status_code=404, address=FRONT,
                                            server=APACHE)}
    return diagnose(parse(MANIFEST), observations, config=join, probed=probed)


def one(report: Report, url: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url)


GAMMA = "http://gamma.test:18361/"


def test_a_copied_proxypass_to_another_socket_is_wrong_upstream_at_its_line(
        tmp_path: Path) -> None:
    """out/sweep-config.txt [1]: 'cause undetermined: vhost_shadowed or wrong_upstream ... no
    step of its route shows where it leaves the intended one', though server.listen
    unix:.../alpha.sock is the socket the ProxyPass at :66 names."""
    found = one(sweep([seen(GAMMA, "gamma", GAMMA_AT_ALPHA)], config(tmp_path)), GAMMA)
    assert found.verdict.value == "wrong_instance", found.explanation
    assert found.cause is not None and found.cause.value == "wrong_upstream", found.explanation
    assert "no step of its route" not in found.explanation, found.explanation
    assert f"(server.listen unix:{RUN}/alpha.sock)" in found.explanation, found.explanation
    assert found.fix.startswith(f"At {tmp_path}/httpd.conf:17, replace unix:{RUN}/alpha.sock "
                                f"with the socket of gamma"), found.fix
    assert "|http://localhost/ with" not in found.fix, found.fix


EPS = "http://eps.test:18361/"


def test_a_503_from_a_socket_names_both_readings_and_never_a_url_to_start_at(
        tmp_path: Path) -> None:
    """out/sweep-config.txt [4]: 'Start the application server at unix:.../eps.sock|http://
    localhost/' (gunicorn listened there: out/ss-xlp.txt) and AH01114 read as 'nothing
    accepted the connection'; error.log had '(13)Permission denied: AH02454'."""
    found = one(sweep([failed(EPS, "eps")], config(tmp_path)), EPS)
    assert found.verdict.value == "http_error", found.explanation
    sock = f"{RUN}/eps.sock"
    assert "|http://localhost/" not in found.fix, found.fix
    assert "Start the application server at" not in found.fix, found.fix
    assert "where nothing accepted the connection" not in found.fix, found.fix
    assert f"either nothing listens there, or Apache's user (User www-data at {tmp_path}" \
        in found.explanation, found.explanation
    assert "AH02454" in found.fix and "'(13)Permission denied'" in found.fix, found.fix
    assert f"'ls -l {sock}'" in found.fix and "gunicorn --umask" in found.fix, found.fix
    assert "AH01114" in found.fix and "AH10101" not in found.fix, found.fix
    assert f"gunicorn --bind unix:{sock}" in found.fix, found.fix
    plain = one(sweep([failed(EPS, "eps")], None), EPS)
    assert "AH02454" in plain.fix and "'(13)Permission denied'" in plain.fix, plain.fix
    assert "check that something listens there" not in plain.fix, plain.fix


ALPHA = "https://alpha.test:18362/"


def test_scheme_over_a_unix_socket_needs_no_forwarded_allow_ips_but_mod_headers(
        tmp_path: Path) -> None:
    """out/sweep-config.txt's scheme_not_passed: '--forwarded-allow-ips=ADDRESS (it trusts
    the header only from those addresses...)', false for a unix-socket client (the
    RequestHeader alone gave https: out/sweep-applied.json); and the RequestHeader line
    made Apache refuse to restart: mod_headers was not loaded."""
    for join in (config(tmp_path), None):
        report = sweep([seen(ALPHA, "alpha", ALPHA_TLS, TLS)], join)
        text = next(f.explanation for f in report.findings if f.code == "scheme_not_passed")
        assert "--forwarded-allow-ips=ADDRESS" not in text, text
        assert f"gunicorn listens on a unix socket (unix:{RUN}/alpha.sock" in text, text
        assert "nothing more is needed of it" in text, text
        if join is not None:
            assert ("load it first, with 'LoadModule headers_module "
                    "/usr/lib/apache2/modules/mod_headers.so'") in text, text
            assert "'a2enmod headers'" in text, text
    loaded = sweep([seen(ALPHA, "alpha", ALPHA_TLS, TLS)], config(tmp_path, headers=True))
    text = next(f.explanation for f in loaded.findings if f.code == "scheme_not_passed")
    assert "a2enmod" not in text and "Add 'RequestHeader set" in text, text


DELTA = "http://delta.test:18361/"


def test_stale_code_behind_a_proxypass_names_the_line_and_the_socket(tmp_path: Path) -> None:
    """out/sweep-config.txt [3]: 'if it still holds '1', the deploy of '2' did not reach that
    backend: deploy it there'; the ProxyPass at :80 still named delta-old.sock while v2 ran
    on delta.sock, which no answer of the sweep showed."""
    found = one(sweep([seen(DELTA, "delta", DELTA_V1)], config(tmp_path)), DELTA)
    assert found.verdict.value == "stale", found.explanation
    assert found.fix.startswith(
        f"At {tmp_path}/httpd.conf:22, 'ProxyPass / unix:{RUN}/delta-old.sock|http://"
        f"localhost/' passes this URL to unix:{RUN}/delta-old.sock, where these processes "
        f"listen (server.listen)"), found.fix
    assert "No answer of this sweep came from a process running '2'" in found.fix, found.fix
    assert "delta.sock" not in found.fix.replace("delta-old.sock", ""), found.fix
    assert "stop the old server (ppid 31725, the parent of pid 31730)" in found.fix
    assert "check file:/tmp/t-real36/cases/common/projects/delta-v1/VERSION" in found.fix
    plain = one(sweep([seen(DELTA, "delta", DELTA_V1)], None), DELTA)
    assert "ProxyPass" not in plain.fix, plain.fix


def test_a_target_moved_between_a_socket_and_an_address_is_written_whole() -> None:
    """'replace unix:/a.sock with 127.0.0.1:8000' would leave '127.0.0.1:8000|http://...',
    and the reverse 'http://unix:/g.sock/': the whole target is written instead."""
    assert target_at("unix:/a.sock|http://localhost/", "127.0.0.1:8000") == \
        "http://127.0.0.1:8000/"
    assert target_at("http://127.0.0.1:18371/", "unix:/g.sock") == \
        "unix:/g.sock|http://localhost/"
    assert target_at("unix:/a.sock|http://localhost/", "unix:/g.sock", "/app/") == \
        "unix:/g.sock|http://localhost/app/"
    assert target_at("http://127.0.0.1:18371/", "0.0.0.0:8000") is None
