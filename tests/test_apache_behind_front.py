"""``--config APACHE_CONF`` where nginx stands in front of Apache (tester t-real22: nginx HTTP
and TLS -> Apache + mod_wsgi daemon mode, three name-based VirtualHosts): the URL's port is
nginx's, so Apache's route is taken for what arrived at Apache (``request.host``, its one
``Listen``), and never a fix moving a VirtualHost to nginx's port (applied, it broke
routing); without an answer, the route is said not to be joinable and nginx's --config named.
"""

from __future__ import annotations

import dataclasses
import textwrap

from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import Target, parse
from probe.model import Cause, Observation, Report, Sample, Verdict
from tests.test_diagnose import answered, ep

HTTPD = """\
ServerName localhost
Listen 127.0.0.1:34587
<VirtualHost *:34587>
    ServerName site1.example
    ServerAlias www.site1.example
    WSGIDaemonProcess site1 processes=1 threads=4
    WSGIProcessGroup site1
    WSGIApplicationGroup %{GLOBAL}
    WSGIScriptAlias / /srv/chain/site1.wsgi
</VirtualHost>
<VirtualHost *:34587>
    ServerName {site2}
    ServerAlias www.site2.example
    WSGIDaemonProcess site2 processes=1 threads=4
    WSGIProcessGroup site2
    WSGIApplicationGroup %{GLOBAL}
    WSGIScriptAlias / /srv/chain/site2.wsgi
</VirtualHost>
"""
MANIFEST = """
[instances.site1]
label = "site1"
process_group = "site1"
urls = ["http://site1.example:55051/", "https://site1.example:54737/"]

[instances.site2]
label = "site2"
process_group = "site2"
urls = ["http://site2.example:55051/"]
"""
NGINX = "nginx/1.22.1"


def _config(site2: str = "site2.example") -> ConfigJoin:
    text = textwrap.dedent(HTTPD).replace("{site2}", site2)
    routes = ApacheRoutes(build_site(parse_text(text, "httpd.conf"), read_scripts=False))
    return ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block,
                      routes.refuse_why)


def _answer(label: str, host: str, url: str, *, proto: str = "http") -> Observation:
    data = ep(label, host=host, process_group=label, application_group="")
    data["script_file"] = f"/srv/chain/{label}.wsgi"
    data["request"]["forwarded_proto"] = proto
    data["server"]["software"] = "Apache/2.4.71 (Debian) mod_wsgi/6.1.1 Python/3.11"
    at = f"127.0.0.1:{url.rsplit(':', 1)[1].strip('/')}"
    expected = url.split("//")[1].split(".")[0]
    sample = dataclasses.replace(answered(data), server=NGINX, address=at)
    return Observation(Target(url, expected, at), (sample, sample, sample))


def _unanswered(url: str) -> Observation:
    at = f"127.0.0.1:{url.rsplit(':', 1)[1].strip('/')}"
    sample = Sample(elapsed_ms=1.0, status_code=404, server=NGINX, address=at)
    return Observation(Target(url, url.split("//")[1].split(".")[0], at), (sample,) * 3)


def _swept(*observations: Observation, config: ConfigJoin) -> Report:
    return diagnose(parse(MANIFEST), list(observations), config=config)


def test_a_healthy_chain_is_ok_and_not_called_another_servers_configuration() -> None:
    report = _swept(_answer("site1", "site1.example", "http://site1.example:55051/"),
                    _answer("site1", "site1.example", "https://site1.example:54737/",
                            proto="https"),
                    _answer("site2", "site2.example", "http://site2.example:55051/"),
                    config=_config())
    for target in report.targets:
        assert target.verdict is Verdict.OK, target
        assert "opens no Listen" not in target.explanation, target.explanation


def test_a_servername_typo_is_the_first_virtualhost_answering_the_host_that_arrived() -> None:
    report = _swept(_answer("site1", "site1.example", "http://site1.example:55051/"),
                    _answer("site1", "site2.example", "http://site2.example:55051/"),
                    config=_config("site2.exmaple"))
    target = report.targets[1]
    assert target.verdict is Verdict.WRONG_INSTANCE
    text = f"{target.explanation} {target.fix}"
    assert target.cause is Cause.VHOST_FALLBACK, text
    assert "httpd.conf:3" in text and "with Host 'site2.example' (request.host)" in text, text
    assert "Listen at httpd.conf:2" in text and "127.0.0.1:34587" in text, text
    assert "55051" not in target.fix, target.fix


def test_the_servername_typo_is_named_at_its_line_first() -> None:
    """Re-tester R22: the answer's VirtualHost choice is known (site2's daemon group is the
    manifest's; the first VirtualHost answered), and ServerName site2.exmaple is one swap
    from the Host that arrived: that line is the likely typo, the ServerAlias the other way."""
    swept = (_answer("site1", "site1.example", "http://site1.example:55051/"),
             _answer("site1", "site2.example", "http://site2.example:55051/"))
    target = _swept(*swept, config=_config("site2.exmaple")).targets[1]
    assert target.cause is Cause.VHOST_FALLBACK, target
    typo = ("ServerName site2.exmaple (httpd.conf:12) is one edit from site2.example (two "
            "neighbouring letters swapped)")
    assert target.fix.startswith(f"{typo}: if that is a typo, write ServerName site2.example "
                                 "at httpd.conf:12; or add 'ServerAlias site2.example' inside "
                                 "<VirtualHost *:34587> (site2.exmaple) at httpd.conf:11; and "
                                 "list first"), target.fix
    assert f"{typo}: the likely typo." in target.explanation, target.explanation
    assert any(e.claim == "ServerName site2.exmaple" and e.source == "httpd.conf:12"
               for e in target.evidence), target.evidence
    # A name that is no near miss is no typo: the ServerAlias alone, as before
    far = _swept(*swept, config=_config("translate.example.net")).targets[1]
    assert far.cause is Cause.VHOST_FALLBACK, far
    assert far.fix.startswith("Add 'ServerAlias site2.example' inside"), far.fix
    assert "typo" not in far.fix and "typo" not in far.explanation


def test_no_answer_through_nginx_names_nginxs_config_never_nginxs_port_for_apache() -> None:
    report = _swept(_unanswered("http://site1.example:55051/"),
                    _unanswered("https://site1.example:54737/"), config=_config())
    for target in report.targets:
        assert target.verdict is Verdict.NO_ENDPOINT
        text = f"{target.explanation} {target.fix}"
        assert "<VirtualHost *:55051>" not in text and "<VirtualHost *:54737>" not in text, text
        assert "no <VirtualHost> address matches port" not in text, text
        assert "is a front's address, not Apache's: its Server header is 'nginx/1.22.1'" \
            in text, text
        assert "Listen 127.0.0.1:34587 at httpd.conf:2" in text, text
        assert "--config on that front's configuration" in text, text


def test_a_host_nginx_did_not_pass_is_fixed_at_nginx_not_by_a_serveralias() -> None:
    """The tester's no_host case: nginx without 'proxy_set_header Host $host' sends Apache's
    own address as Host; the first VirtualHost answers (Apache's part, at its line), and the
    fix is the front passing the URL's Host, the site it then reaches named at its line."""
    report = _swept(_answer("site1", "127.0.0.1:34587", "http://site1.example:55051/"),
                    _answer("site1", "127.0.0.1:34587", "http://site2.example:55051/"),
                    config=_config())
    target = report.targets[1]
    # re-tester R22: the cause is the one nginx's configuration and the answers alone give
    assert target.verdict is Verdict.WRONG_INSTANCE and target.cause is Cause.HOST_REWRITTEN
    assert target.candidates == (), target.candidates
    assert "the front in between sent '127.0.0.1:34587' (request.host), not 'site2.example'" \
        in target.explanation and "routes the request to <VirtualHost *:34587> " \
        "(site1.example) at httpd.conf:3." in target.explanation, target.explanation
    assert any(e.claim == "request.host = '127.0.0.1:34587'" for e in target.evidence)
    assert any(e.source == "httpd.conf:3" for e in target.evidence), target.evidence
    assert "no ServerName or ServerAlias of them matches '127.0.0.1': the first one answers" \
        in target.explanation and "(httpd.conf:3)" in target.explanation, target.explanation
    assert "sent Host '127.0.0.1:34587' (request.host), not the URL's 'site2.example'" \
        in target.fix and "'proxy_set_header Host $host;'" in target.fix, target.fix
    assert "(site2.example) at httpd.conf:11" in target.fix, target.fix
    assert "Add 'ServerAlias" not in target.fix, target.fix


OTHER_LISTEN = """\
Listen 127.0.0.1:47193
<VirtualHost *:47193>
    ServerName other1.example
    WSGIDaemonProcess other1 processes=1 threads=4
    WSGIProcessGroup other1
    WSGIApplicationGroup %{GLOBAL}
    WSGIScriptAlias / /srv/chain/other1.wsgi
</VirtualHost>
"""


def test_a_pass_to_apaches_other_listen_is_named_by_the_application_that_answered() -> None:
    """Re-tester R22's wrong_port: nginx's block for site2 passes to a second Listen whose
    VirtualHosts serve other sites; the answer's script_file is mounted on that port only,
    the URL's site on the other: the front chose the port, never a VirtualHost moved."""
    text = textwrap.dedent(HTTPD).replace("{site2}", "site2.example") + OTHER_LISTEN
    routes = ApacheRoutes(build_site(parse_text(text, "httpd.conf"), read_scripts=False))
    config = ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block,
                        routes.refuse_why)
    target = _swept(_answer("site1", "site1.example", "http://site1.example:55051/"),
                    _answer("other1", "site2.example", "http://site2.example:55051/"),
                    config=config).targets[1]
    assert (target.verdict, target.cause, target.candidates) == (
        Verdict.WRONG_INSTANCE, Cause.WRONG_UPSTREAM, ()), target
    assert "is mounted only in <VirtualHost *:47193> (other1.example) at httpd.conf:20 " \
        "(WSGIScriptAlias at httpd.conf:25), on Listen 127.0.0.1:47193 (httpd.conf:19)" \
        in target.explanation, target.explanation
    assert "claimed by <VirtualHost *:34587> (site2.example) at httpd.conf:11" \
        in target.explanation and "on Listen 127.0.0.1:34587 (httpd.conf:2)" \
        in target.explanation, target.explanation
    assert target.fix.startswith("Point the front's pass line for site2.example at Apache's "
                                 "port 34587"), target.fix
    assert "nginx's configuration names its line" in target.fix, target.fix
    assert "ServerAlias" not in target.fix and "<VirtualHost" not in target.fix, target.fix
