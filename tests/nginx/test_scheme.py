"""https URLs whose application received plain HTTP (``request.scheme`` 'http'): a tester's
Django behind nginx with SECURE_SSL_REDIRECT answered every page with a 301 to itself while
the sweep said ``ok``. It stays ``ok`` (the right instance answered; whether Django believes
the request secure the answers do not show) with the finding ``scheme_not_passed``: a warning
where the configuration read shows nginx sends no header naming the scheme, else a note
(Django's documented setup looks the same in the answers)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import parse
from probe.model import Observation, Report, Status, Verdict
from probe.nginx import load_nginx
from tests.test_diagnose import ep, thrice

MANIFEST = """
[instances.alpha]
label = "alpha"
urls = ["https://alpha.test/", "https://alpha.test/shop/"]
"""
CONF = """events {}
http {
    server { listen 127.0.0.1:18443 ssl; server_name alpha.test;
        ssl_certificate /srv/cert.pem; ssl_certificate_key /srv/key.pem;
        proxy_set_header Host $host;
        location / { proxy_pass http://127.0.0.1:18101; }
    }
}
"""


def _answer(url: str, scheme: str, secure: bool | None = None,
            proto: str | None = None) -> Observation:
    data = ep("alpha", host="alpha.test", mount="", process_group="", application_group="")
    if secure is not None:
        data["request"]["is_secure"] = secure
        data["request"]["forwarded_proto"] = proto
    data["server"] = {"software": "waitress", "mod_wsgi_version": None,
                      "listen": "127.0.0.1:18101"}
    data["request"]["scheme"] = scheme
    observed = thrice(url, "alpha", data)
    return dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:18443")
        for s in observed.samples))


def _sweep(scheme: str, config: ConfigJoin | None = None, secure: bool | None = None,
           proto: str | None = None) -> Report:
    return diagnose(parse(MANIFEST), [_answer("https://alpha.test/", scheme, secure, proto),
                                      _answer("https://alpha.test/shop/", scheme, secure, proto)],
                    config=config)


def test_an_https_url_received_as_http_is_a_warning_and_stays_ok() -> None:
    report = _sweep("http")
    assert {t.verdict for t in report.targets} == {Verdict.OK}
    [found] = [f for f in report.findings if f.code == "scheme_not_passed"]
    # the answers alone cannot tell it from Django reading X-Forwarded-Proto: a note
    assert found.severity is Status.OK and found.instances == ("alpha",)
    text = found.explanation
    assert "2 https URLs of alpha" in text and "request.scheme 'http'" in text
    assert "If it is false: where SECURE_SSL_REDIRECT is on, every page redirects" in text
    assert "nginx sends it with 'proxy_set_header X-Forwarded-Proto $scheme;'" in text
    assert "waitress: --trusted-proxy=ADDRESS" in text and "SECURE_PROXY_SSL_HEADER" in text


def test_https_received_as_https_has_no_finding() -> None:
    assert not [f for f in _sweep("https").findings if f.code == "scheme_not_passed"]


def test_the_configuration_read_names_where_the_header_goes(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text(CONF)
    report = _sweep("http", ConfigJoin(load_nginx(str(path))))
    [found] = [f for f in report.findings if f.code == "scheme_not_passed"]
    assert (f"nginx sends no header naming the scheme for https://alpha.test/: location / "
            f"({path}:6) passes with proxy_pass http://127.0.0.1:18101 ({path}:6)") in \
        found.explanation
    assert (f"Add 'proxy_set_header X-Forwarded-Proto $scheme;' beside the proxy_set_header "
            f"lines in force there, at {path}:3") in found.explanation
    assert found.severity is Status.WARNING and "request.is_secure() is false" in \
        found.explanation
    sent = CONF.replace("proxy_set_header Host $host;",
                        "proxy_set_header Host $host; proxy_set_header X-Forwarded-Proto $scheme;")
    path.write_text(sent)
    report = _sweep("http", ConfigJoin(load_nginx(str(path))))
    [found] = [f for f in report.findings if f.code == "scheme_not_passed"]
    assert f"'proxy_set_header X-Forwarded-Proto $scheme' ({path}:5)" in found.explanation
    assert "the application server does not take it" in found.explanation
    assert found.severity is Status.OK  # whether Django reads it, the answers do not show


def test_the_endpoints_is_secure_decides_without_the_configuration() -> None:
    """An endpoint reporting request.is_secure: false is a warning from the answers alone,
    naming the X-Forwarded-Proto that arrived; true (Django reads the header) is no finding."""
    report = _sweep("http", secure=False, proto="https")
    [found] = [f for f in report.findings if f.code == "scheme_not_passed"]
    assert found.severity is Status.WARNING
    assert ("Django's request.is_secure() is false for them (request.is_secure; "
            "X-Forwarded-Proto 'https' arrived (request.forwarded_proto))") in found.explanation
    assert "If it is false" not in found.explanation
    # T16 n1: the settings these consequences need the answers do not report (a project
    # without SECURE_SSL_REDIRECT or CsrfViewMiddleware was told both as facts)
    assert ("request.is_secure() is false for them (request.is_secure; X-Forwarded-Proto "
            "'https' arrived (request.forwarded_proto)): where SECURE_SSL_REDIRECT is on, "
            "every page redirects to its https URL") in found.explanation
    assert "where CsrfViewMiddleware runs, Django compares a posted form's Origin (https) " \
        "with the scheme it sees (http)" in found.explanation
    assert "The answers report neither setting: the project's settings (SECURE_SSL_REDIRECT, " \
        "MIDDLEWARE) tell which applies." in found.explanation
    assert not [f for f in _sweep("http", secure=True, proto="https").findings
                if f.code == "scheme_not_passed"]


def test_the_fix_is_worded_for_the_front_its_server_header_names() -> None:
    """Without a configuration read: Apache's words only where the Server header names
    Apache, nginx's only where nginx, both where none names a front."""
    def fix_for(server: str | None) -> str:
        observed = [dataclasses.replace(o, samples=tuple(
            dataclasses.replace(s, server=server) for s in o.samples))
            for o in (_answer("https://alpha.test/", "http"),
                      _answer("https://alpha.test/shop/", "http"))]
        [found] = [f for f in diagnose(parse(MANIFEST), observed).findings
                   if f.code == "scheme_not_passed"]
        return found.explanation

    apache = fix_for("Apache/2.4.62 (Debian)")
    assert "Apache sends it with 'RequestHeader set X-Forwarded-Proto \"https\"' " \
           "(mod_headers) in the TLS VirtualHost" in apache, apache
    assert "proxy_set_header" not in apache and "nginx" not in apache
    nginx = fix_for("nginx/1.22.1")
    assert "RequestHeader" not in nginx and "proxy_set_header X-Forwarded-Proto" in nginx
    both = fix_for(None)
    assert "RequestHeader set X-Forwarded-Proto \"https\"" in both
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in both


def _mod_wsgi(report: Report) -> str:
    [found] = [f for f in report.findings if f.code == "scheme_not_passed"]
    return found.explanation


def test_a_header_that_arrived_is_not_asked_for_again_and_mod_wsgi_can_read_it() -> None:
    """Tester t-real22's no_secure_header: nginx -> Apache + mod_wsgi, X-Forwarded-Proto
    'https' arrived, Django without SECURE_PROXY_SSL_HEADER. The words said to add the header
    nginx already sent, and 'Then have it read: or Django: ...'."""
    data = ep("alpha", host="alpha.test", mount="", process_group="", application_group="")
    data["request"].update(scheme="http", is_secure=False, forwarded_proto="https")
    data["server"]["software"] = "Apache/2.4.71 (Debian) mod_wsgi/6.1.1 Python/3.11"
    apache = thrice("https://alpha.test/", "alpha", data)
    apache = dataclasses.replace(apache, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:18443")
        for s in apache.samples))
    text = _mod_wsgi(diagnose(parse(MANIFEST), [apache]))
    assert "proxy_set_header X-Forwarded-Proto $scheme" not in text, text
    assert "X-Forwarded-Proto 'https' arrived (request.forwarded_proto): the front sends it, " \
        "and neither the application server nor Django reads it" in text, text
    assert "'WSGITrustedProxyHeaders X-Forwarded-Proto' with 'WSGITrustedProxies ADDRESS'" \
        in text and "'SetEnvIf X-Forwarded-Proto https HTTPS=on'" in text, text
    assert "read it: or" not in text and "), or Django: SECURE_PROXY_SSL_HEADER = " in text, text


def test_django_alone_is_one_sentence_behind_an_unknown_server() -> None:
    data = ep("alpha", host="alpha.test", mount="", process_group="", application_group="")
    data["request"].update(scheme="http", is_secure=False, forwarded_proto=None)
    data["server"] = {"software": "hypercorn", "mod_wsgi_version": None}
    observed = thrice("https://alpha.test/", "alpha", data)
    observed = dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1") for s in observed.samples))
    text = _mod_wsgi(diagnose(parse(MANIFEST), [observed]))
    assert "Then have Django read it: SECURE_PROXY_SSL_HEADER = " in text, text
    assert "proxy_set_header X-Forwarded-Proto $scheme" in text, text  # none arrived
