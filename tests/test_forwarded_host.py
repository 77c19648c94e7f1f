"""The ``forwarded_host_undecided`` finding (probe/diagnose/forwarded_host.py): an ``ok`` URL
whose application received a Host and an X-Forwarded-Host naming different hosts, one the
URL's, while ``request.host_allowed`` is null or true, so which one Django uses is not known (a
tester's Seahub behind nginx without ``proxy_set_header Host``, its www alias with
``X-Forwarded-Host $server_name``, a mod_proxy balancer without ``ProxyPreserveHost``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from probe.diagnose import ConfigJoin, diagnose
from probe.front_config import load_front
from probe.manifest import Target, parse
from probe.model import Finding, Observation, Report, Sample, Status, Verdict
from tests.test_diagnose import answered, ep

MANIFEST = """
[instances.seahub]
label = "seahub"
urls = ["http://seafile.test/", "http://www.seafile.test/"]
"""
URL, WWW = "http://seafile.test/", "http://www.seafile.test/"
AT = "127.0.0.1:18080"
CODE = "forwarded_host_undecided"


def _gunicorn(url: str, *, host: str, forwarded: str | None,
              allowed: bool | None = None, server: str = "nginx/1.22.1") -> Observation:
    data: dict[str, Any] = ep("seahub", host=host, mount="", process_group="",
                              application_group="", settings="seahub.settings")
    data["process_group"] = data["application_group"] = None
    data["server"] = {"software": "gunicorn/23.0.0", "mod_wsgi_version": None,
                      "listen": "127.0.0.1:8001"}
    data["request"].update(forwarded_host=forwarded, host_allowed=allowed)
    samples = tuple(dataclasses.replace(answered(data), server=server, address=AT)
                    for _ in range(3))
    return Observation(Target(url, "seahub", AT), samples)


def _swept(*observations: Observation, config: ConfigJoin | None = None,
           manifest: str = MANIFEST) -> Report:
    return diagnose(parse(manifest), list(observations), config=config)


def _found(report: Report) -> Finding:
    [found] = [f for f in report.findings if f.code == CODE]
    return found


def test_a_forwarded_host_alone_is_undecided_not_ok_and_not_host_mismatch() -> None:
    report = _swept(_gunicorn(URL, host="127.0.0.1:8001", forwarded="seafile.test"))
    assert report.targets[0].verdict is Verdict.OK  # the verdict's meaning stays
    found = _found(report)
    assert found.severity is Status.WARNING and found.instances == ("seahub",)
    text = found.explanation
    for said in ("Host '127.0.0.1:8001' (request.host)",
                 "X-Forwarded-Host 'seafile.test' (request.forwarded_host)",
                 "request.host_allowed null", "USE_X_FORWARDED_HOST = True",
                 "USE_X_FORWARDED_HOST in the settings module seahub.settings",
                 "400 Bad Request (DisallowedHost)", "'proxy_set_header Host $host;'"):
        assert said in text, (said, text)
    assert "ProxyPreserveHost" not in text, text


def test_django_accepting_its_name_does_not_say_which_name_it_is() -> None:
    """startproject's DEBUG with empty ALLOWED_HOSTS accepts 127.0.0.1: host_allowed true
    then holds whether Django uses the Host or the X-Forwarded-Host."""
    accepted = _swept(_gunicorn(URL, host="127.0.0.1:8001", forwarded="seafile.test",
                                allowed=True))
    assert accepted.targets[0].verdict is Verdict.OK
    text = _found(accepted).explanation
    assert "request.host_allowed true: Django accepts the name it uses, whichever it is" \
        in text, text
    assert "uses '127.0.0.1:8001': Django accepts it (request.host_allowed true)" in text, text
    assert "400" not in text, text


def test_what_django_refused_decides_and_no_finding_is_added() -> None:
    rejected = _swept(_gunicorn(URL, host="127.0.0.1:8001", forwarded="seafile.test",
                                allowed=False))
    assert rejected.targets[0].verdict is Verdict.HOST_MISMATCH
    assert not [f for f in rejected.findings if f.code == CODE]
    for allowed in (None, True):
        right = _swept(_gunicorn(URL, host="seafile.test", forwarded="seafile.test",
                                 allowed=allowed))
        assert not [f for f in right.findings if f.code == CODE]
    alone = _swept(_gunicorn(URL, host="seafile.test", forwarded=None))
    assert not [f for f in alone.findings if f.code == CODE]


def test_a_forwarded_host_of_another_name_beside_the_right_host_is_undecided() -> None:
    report = _swept(_gunicorn(WWW, host="www.seafile.test", forwarded="seafile.test"))
    assert report.targets[0].verdict is Verdict.OK
    text = _found(report).explanation
    assert ("Host 'www.seafile.test' (request.host) received by pid 101 at server.listen "
            "127.0.0.1:8001, the URL's name") in text, text
    assert "with it Django uses 'seafile.test'" in text, text
    assert "'proxy_set_header X-Forwarded-Host $host;'" in text, text


SEAFILE = """events {{}}
http {{
    server {{
        listen 127.0.0.1:18080;
        server_name seafile.test www.seafile.test;
        location / {{
            proxy_pass http://127.0.0.1:8001;
            {host}
            proxy_set_header X-Forwarded-Host $server_name;
        }}
    }}
}}
"""


def test_nginx_without_host_names_the_location_and_lints_finding(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(SEAFILE.format(host="proxy_set_header X-Real-IP $remote_addr;"))
    report = _swept(_gunicorn(URL, host="127.0.0.1:8001", forwarded="seafile.test"),
                    config=load_front(str(conf), {}))
    assert report.targets[0].verdict is Verdict.OK
    text = _found(report).explanation
    assert f"In the nginx 'location /' at {conf}:6, add 'proxy_set_header Host $host;'" \
        in text, text
    assert f"probe lint reports it too: nginx_host_not_forwarded at {conf}:7." in text, text


def test_nginx_names_the_forwarded_host_line_for_an_alias(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(SEAFILE.format(host="proxy_set_header Host $host;"))
    report = _swept(_gunicorn(URL, host="seafile.test", forwarded="seafile.test"),
                    _gunicorn(WWW, host="www.seafile.test", forwarded="seafile.test"),
                    config=load_front(str(conf), {}))
    assert [t.verdict for t in report.targets] == [Verdict.OK, Verdict.OK]
    text = _found(report).explanation
    assert text.startswith(f"{WWW} of seahub"), text
    assert (f"At {conf}:9, replace 'proxy_set_header X-Forwarded-Host $server_name;' "
            f"($server_name is the server block's first server_name") in text, text


BALANCER = """LoadModule proxy_module modules/mod_proxy.so
LoadModule proxy_http_module modules/mod_proxy_http.so
LoadModule proxy_balancer_module modules/mod_proxy_balancer.so
Listen 127.0.0.1:18080
<VirtualHost 127.0.0.1:18080>
    ServerName seafile.test
    <Proxy "balancer://mycluster">
       BalancerMember "http://127.0.0.1:8001"
    </Proxy>
    ProxyPass        "/" "balancer://mycluster/"
</VirtualHost>
"""


def test_apache_balancer_without_preserve_host_names_lints_proxy_host(tmp_path: Path) -> None:
    conf = tmp_path / "httpd.conf"
    conf.write_text(BALANCER)
    observed = _gunicorn(URL, host="127.0.0.1:8001", forwarded="seafile.test",
                         server="Apache/2.4.62 (Debian)")
    report = _swept(observed, config=load_front(str(conf), {}),
                    manifest=MANIFEST.replace(', "http://www.seafile.test/"', ""))
    assert report.targets[0].verdict is Verdict.OK
    text = _found(report).explanation
    assert "add 'ProxyPreserveHost On': the ProxyPass at" in text, text
    assert f"probe lint reports it too: proxy_host at {conf}:10." in text, text


def test_every_host_a_balancers_members_received_is_named_whatever_the_sample_order() -> None:
    """Two mod_wsgi-express members behind mod_proxy without ProxyPreserveHost each receive
    their own address as Host: the finding named only the one of the sample kept (a
    re-tester's express-balancer), so the order of the samples changed the words."""
    from tests.test_express_balancer import FRONT, ONE, TWO, express

    root = "http://checkin.example.com/"
    manifest = f"""
[instances.checkin]
label = "checkin"
urls = ["{root}"]
"""

    def swept(*order: str) -> str:
        samples = tuple(Sample(elapsed_ms=2.0, status_code=200, server="Apache",
                               address=FRONT,
                               endpoint=express(at, pid=1 if at == ONE else 2))
                        for at in order)
        report = _swept(Observation(Target(root, "checkin", FRONT), samples),
                        manifest=manifest)
        return _found(report).explanation

    one_first, two_first = swept(ONE, TWO, ONE), swept(TWO, ONE, TWO)
    assert one_first == two_first
    assert (f"reached the application with Host '{TWO}' (request.host) received by pid 2, "
            f"process_group '{TWO}', Host '{ONE}' (request.host) received by pid 1, "
            f"process_group '{ONE}', not the URL's name") in one_first, one_first
    assert (f"without it Django uses '{TWO}' or '{ONE}' (each process the Host it "
            f"received)") in one_first, one_first
