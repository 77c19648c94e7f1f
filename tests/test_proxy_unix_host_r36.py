"""A ProxyPass between a TCP address and a unix socket, from re-tester R36's case
apache-unix-h2 (real answers: :mod:`tests.r36_answers`; its httpd.conf reduced to the sites
that matter here):

* gammatcp.test's ProxyPass to alpha's TCP port while gamma listens on gamma.sock: the fix
  writes the whole target in mod_proxy's socket form (where gamma's answers show the socket)
  or says that form (where they do not), never 'replace 127.0.0.1:28371 with' a socket, which
  R36 did literally: ``http://unix:/.../gamma.sock/``, 500 on every request;
* that 500 (its error.log: 'AH00898: DNS lookup failure for: unix: returned by /__probe__'):
  the line read as a host named 'unix', the socket form at its line, and lint's
  ``proxy_unix_as_host``.
"""

from __future__ import annotations

from pathlib import Path

from probe.apache import load_site
from probe.apache.proxy_unix_host import unix_as_host
from probe.apache.route import ApacheRoutes
from probe.diagnose import ConfigJoin, diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.lint import lint_paths
from probe.manifest import Target, parse
from probe.model import Observation, Report, Sample, TargetResult
from tests.r36_answers import GAMMA_OWN, GAMMATCP_AT_ALPHA, RUN

FRONT = "127.0.0.1:28361"
APACHE = "Apache/2.4.71 (Debian) OpenSSL/3.0.19 mod_wsgi/6.1.1 Python/3.11"
MANIFEST = """[probe]
connect = "127.0.0.1"
samples = 10

[instances.alpha]
label = "alpha"
urls = ["http://alpha.test:28361/"]

[instances.gamma]
label = "gamma"
urls = ["http://gamma.test:28361/", "http://gammatcp.test:28361/"]
"""
HTTPD = f"""\
ServerName localhost
Listen 127.0.0.1:28361
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_http_module /usr/lib/apache2/modules/mod_proxy_http.so
ErrorLog "/tmp/t-retest36/cases/apache-unix-h2/sr/error.log"
<VirtualHost 127.0.0.1:28361>
    ServerName default.invalid
</VirtualHost>
<VirtualHost 127.0.0.1:28361>
    ServerName gamma.test
    ProxyPreserveHost On
    ProxyPass "/" "unix:{RUN}/gamma.sock|http://localhost/"
</VirtualHost>
<VirtualHost 127.0.0.1:28361>
    ServerName gammatcp.test
    ProxyPreserveHost On
    ProxyPass "/" "{{target}}"
</VirtualHost>
"""
GAMMA, GAMMATCP = "http://gamma.test:28361/", "http://gammatcp.test:28361/"
LINE = 18  # gammatcp.test's ProxyPass


def config(tmp: Path, target: str) -> ConfigJoin:
    conf = tmp / "httpd.conf"
    conf.write_text(HTTPD.format(target=target), encoding="utf-8")
    front = ApacheRoutes(load_site([conf]))
    return ConfigJoin(front, {}, front.divergence, front.intended, front.refuse_block)


def seen(url: str, observed: dict[str, object]) -> Observation:
    answer = EndpointAnswer.from_json(observed)
    return Observation(Target(url, "gamma", FRONT), tuple(
        Sample(elapsed_ms=2.0, status_code=200, endpoint=answer, address=FRONT,
               server="gunicorn") for _ in range(2)))


def failed(url: str) -> Observation:
    return Observation(Target(url, "gamma", FRONT), tuple(
        Sample(elapsed_ms=2.0, status_code=500, address=FRONT, server=APACHE)
        for _ in range(2)))


def sweep(observations: list[Observation], join: ConfigJoin) -> Report:
    probed = {f"http:28361@{FRONT}": Sample(elapsed_ms=1.0, status_code=404, address=FRONT,
                                            server=APACHE)}
    return diagnose(parse(MANIFEST), observations, config=join, probed=probed)


def one(report: Report, url: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url)


def test_a_tcp_target_for_an_instance_seen_on_a_socket_is_written_in_socket_form(
        tmp_path: Path) -> None:
    """out/sweep-config.txt [2] with gamma's own answer (out/sweep-applied.json: server.listen
    unix:.../gamma.sock): the line in socket form, not the address replaced."""
    join = config(tmp_path, "http://127.0.0.1:28371/")
    found = one(sweep([seen(GAMMATCP, GAMMATCP_AT_ALPHA), seen(GAMMA, GAMMA_OWN)], join),
                GAMMATCP)
    assert found.cause is not None and found.cause.value == "wrong_upstream", found.explanation
    assert found.fix.startswith(
        f"At {tmp_path}/httpd.conf:{LINE}, write 'ProxyPass / unix:{RUN}/gamma.sock|http://"
        f"localhost/' in place of 'ProxyPass / http://127.0.0.1:28371/'"), found.fix
    assert "http://unix:" not in found.fix, found.fix


def test_a_tcp_target_for_an_instance_not_seen_says_the_socket_form(tmp_path: Path) -> None:
    """out/sweep-config.txt [2]: 'replace 127.0.0.1:28371 with the address of gamma ... its
    application server's bind option gives it', done literally with gamma's socket."""
    found = one(sweep([seen(GAMMATCP, GAMMATCP_AT_ALPHA)], config(
        tmp_path, "http://127.0.0.1:28371/")), GAMMATCP)
    assert found.cause is not None and found.cause.value == "wrong_upstream", found.explanation
    assert found.fix.startswith(
        f"At {tmp_path}/httpd.conf:{LINE}, replace 127.0.0.1:28371 with the address of gamma"
        ), found.fix
    assert ("(where it listens on a unix socket instead, write the whole target in mod_proxy's "
            "socket form, unix:/path/to.sock|http://localhost/ in place of "
            "http://127.0.0.1:28371/: http://unix:/path/to.sock/ would be read as a host named "
            "'unix')") in found.fix, found.fix


def test_a_500_through_a_host_named_unix_names_the_line_and_the_dns_failure(
        tmp_path: Path) -> None:
    """out/sweep-applied.txt [1]: 'AH00898 ('Error reading from remote server') name a backend
    of unix:80 that did not answer'; sr/error.log had 'AH00898: DNS lookup failure for: unix:
    returned by /__probe__'."""
    wrong = f"http://unix:{RUN}/gamma.sock/"
    found = one(sweep([failed(GAMMATCP), seen(GAMMA, GAMMA_OWN)], config(tmp_path, wrong)),
                GAMMATCP)
    assert found.verdict.value == "http_error", found.explanation
    at = f"{tmp_path}/httpd.conf:{LINE}"
    assert (f"A likely cause (not certain): mod_proxy reads {wrong} ({at}) as a URL to a host "
            f"named 'unix', not as a unix socket: it looks that name up and, finding none, "
            f"answers 500 and logs 'AH00898: DNS lookup failure for: unix:'; its socket form "
            f"is unix:{RUN}/gamma.sock|http://localhost/.") in found.explanation, \
        found.explanation
    assert found.fix.startswith(
        f"At {at}, write 'ProxyPass / unix:{RUN}/gamma.sock|http://localhost/' in place of "
        f"'ProxyPass / {wrong}', then reload Apache."), found.fix
    assert "'AH00898: DNS lookup failure for: unix:' for it" in found.fix, found.fix
    assert "did not answer" not in found.fix, found.fix


def test_lint_says_a_host_named_unix_at_its_line(tmp_path: Path) -> None:
    """out/lint-applied.txt: nothing said of the line R36 wrote (apache2 -t: Syntax OK)."""
    wrong = f"http://unix:{RUN}/gamma.sock/"
    conf = tmp_path / "httpd.conf"
    conf.write_text(HTTPD.format(target=wrong), encoding="utf-8")
    found = [f for f in lint_paths([conf]).findings if f.code == "proxy_unix_as_host"]
    assert [(f.line, f.severity.value) for f in found] == [(LINE, "error")], found
    assert f"write 'ProxyPass / unix:{RUN}/gamma.sock|http://localhost/'" in (found[0].fix or "")
    conf.write_text(HTTPD.format(target=f"unix:{RUN}/gamma.sock|http://localhost/"),
                    encoding="utf-8")
    assert not [f for f in lint_paths([conf]).findings if f.code == "proxy_unix_as_host"]


def test_the_socket_form_keeps_the_path_after_the_socket_and_the_rules_slash() -> None:
    read = unix_as_host("uwsgi://unix:///run/u/app.sock/shop/")
    assert read is not None and read.socket_form == "unix:/run/u/app.sock|uwsgi://localhost/shop/"
    bare = unix_as_host("http://unix:/run/app.sock", slash=False)
    assert bare is not None and bare.socket_form == "unix:/run/app.sock|http://localhost"
    whole = unix_as_host("http://unix:/run/gunicorn/")
    assert whole is not None and not whole.by_name and whole.socket == "/run/gunicorn"
    assert unix_as_host(f"unix:{RUN}/gamma.sock|http://localhost/") is None
    assert unix_as_host("http://unix.example.com/") is None
