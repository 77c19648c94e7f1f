"""Apache mod_proxy_uwsgi in front of uWSGI, from tester T30's Emperor case (real answers:
:mod:`tests.t30_apache_answers`; the tester's httpd.conf.orig and its later states):

* host_rejected on ``ProxyPass /app/ uwsgi://...``: the answers show the URL's Host arrived
  (request.host 'site1.test'), so the fix is ALLOWED_HOSTS and the reload, never
  'ProxyPreserveHost On' (applied, it changed nothing: mod_proxy_uwsgi passes the client's
  Host as HTTP_HOST either way);
* the mount fix of a stripping ``uwsgi://`` ProxyPass passes the URL's path as the target's
  (mod_proxy_uwsgi hands the target's path to uWSGI as PATH_INFO, from which
  --manage-script-name picks the mount), not the old target path with the prefix appended;
* site3.test's VirtualHost passing to site2's port, without --config: undecided between a
  name another site claims and a ProxyPass to another backend, with the checks named.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from probe.apache import load_site
from probe.apache.route import ApacheRoutes
from probe.diagnose import ConfigJoin, diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target, parse
from probe.model import Observation, Report, Sample, TargetResult
from tests.t30_answers import manifest
from tests.t30_apache_answers import FRONT, SITE1, SITE2_AT_SITE3, SITE3_APP

MANIFEST = manifest(FRONT, "http://site1.test/app/", "http://site3.test/",
                    "http://site3.test/shop/")

HTTPD = """\
Listen 127.0.0.1:18481
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_uwsgi_module /usr/lib/apache2/modules/mod_proxy_uwsgi.so
{catch_all}
<VirtualHost 127.0.0.1:18481>
    ServerName site1.test
    ServerAlias www.site1.test
{preserve}    ProxyPass /app/ {app}
    ProxyPass / unix:{run}/site1.sock|uwsgi://site1/
</VirtualHost>
<VirtualHost 127.0.0.1:18481>
    ServerName site2.test
    ServerAlias www.site2.test
    ProxyPass / uwsgi://127.0.0.1:18402/
</VirtualHost>
<VirtualHost 127.0.0.1:18481>
    # copied from site2's VirtualHost: the backend port left as site2's
    ServerName site3.test
    ProxyPass /shop/ uwsgi://127.0.0.1:18403/shop/
    ProxyPass / uwsgi://127.0.0.1:{site3_port}/
</VirtualHost>
"""
CATCH_ALL = """\
<VirtualHost 127.0.0.1:18481>
    ServerName default.invalid
    <Location />
        Require all denied
    </Location>
</VirtualHost>"""


def config(tmp: Path, *, preserve: bool = False, app: str = "uwsgi://127.0.0.1:18403/shop/",
           catch_all: bool = False, site3_port: int = 18402) -> ConfigJoin:
    conf = tmp / "httpd.conf"
    conf.write_text(HTTPD.format(
        catch_all=CATCH_ALL if catch_all else "", app=app, run=tmp, site3_port=site3_port,
        preserve="    ProxyPreserveHost On\n" if preserve else ""))
    front = ApacheRoutes(load_site([conf]))
    return ConfigJoin(front, {}, front.divergence, front.intended, front.refuse_block)


def answer(observed: dict[str, Any], script_file: str | None = None,
           **request: Any) -> EndpointAnswer:
    """A real answer with request fields changed; ``script_file``: mod_proxy_uwsgi's
    SCRIPT_FILENAME, the target with the rest of the path."""
    data = {**observed, "request": {**observed["request"], **request}}
    if script_file is not None:
        data["script_file"] = script_file
    return EndpointAnswer.from_json(data)


def seen(url: str, expected: str | None, observed: EndpointAnswer) -> Observation:
    return Observation(Target(url, expected, FRONT), tuple(
        Sample(elapsed_ms=2.0, status_code=200, endpoint=observed, address=FRONT,
               server="Apache/2.4.71 (Debian)") for _ in range(2)))


def invalid() -> dict[str, Sample]:
    """The .invalid request: site1's VirtualHost, the address's first, answered it."""
    return {f"http:80@{FRONT}": Sample(
        elapsed_ms=1.0, status_code=200, address=FRONT, server="Apache/2.4.71 (Debian)",
        endpoint=answer(SITE1, host="wsgi-probe-check.invalid",
                        server_name="wsgi-probe-check.invalid", host_allowed=False))}


def sweep(observations: list[Observation], join: ConfigJoin | None) -> Report:
    return diagnose(parse(MANIFEST), observations, config=join, probed=invalid())


def one(report: Report, url: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url)


APP = "http://site1.test/app/"


def test_host_rejected_through_uwsgi_proxy_is_allowed_hosts_not_preserve_host(
        tmp_path: Path) -> None:
    """out-apache-config.txt [1]: request.host arrived 'site1.test'; the fix said to add
    ProxyPreserveHost, which the tester applied (out-apache-after-preservehost.txt): no
    change. The no-config fix (ALLOWED_HOSTS, then the reload) is the one that worked."""
    for preserve in (False, True):
        join = config(tmp_path, preserve=preserve)
        found = one(sweep([seen(APP, "site3", EndpointAnswer.from_json(SITE3_APP))], join), APP)
        assert found.verdict.value == "host_rejected", found.explanation
        assert "ProxyPreserveHost" not in found.fix, found.fix
        assert found.fix.startswith("Add 'site1.test' to ALLOWED_HOSTS in the settings of "
                                    "this application (site3.settings)"), found.fix
        assert "send HUP to its master, pid 10170" in found.fix, found.fix


def after_fixes(tmp: Path, app: str) -> ConfigJoin:
    """The tester's httpd.conf once the catch-all and site3's port were fixed (and
    ProxyPreserveHost On left in), with ``app`` the /app/ ProxyPass target."""
    return config(tmp, preserve=True, app=app, catch_all=True, site3_port=18403)


def test_a_stripping_uwsgi_proxypass_is_fixed_with_the_urls_path_and_a_uwsgi_mount(
        tmp_path: Path) -> None:
    """out-apache-after-fixes.txt: SCRIPT_NAME '/shop', PATH_INFO '/__probe__' (the vassal's
    mount /shop took the target's path). The printed fix wrote the target '.../shop/app/'
    (applied: SCRIPT_NAME '/shop', PATH_INFO '/app/__probe__'); what answered right was
    '.../app/' and a uWSGI mount /app."""
    join = after_fixes(tmp_path, "uwsgi://127.0.0.1:18403/shop/")
    site3 = answer(SITE3_APP, host_allowed=True)
    found = one(sweep([seen(APP, "site3", site3)], join), APP)
    assert found.verdict.value == "mount_mismatch", found.explanation
    assert f"At {tmp_path}/httpd.conf:" in found.fix and \
        "'ProxyPass /app/ uwsgi://127.0.0.1:18403/app/'" in found.fix, found.fix
    assert "/shop/app/" not in found.fix, found.fix
    assert "'mount = /app=<its WSGI file>'" in found.fix and "--manage-script-name" in found.fix
    assert "script_file 'proxy:uwsgi://127.0.0.1:18403/shop/__probe__'" in found.fix, found.fix
    assert "nginx" not in found.fix and "ProxyPreserveHost" not in found.fix, found.fix


def test_the_path_passed_under_another_mount_is_read_whole_not_as_a_prefix_taken_off(
        tmp_path: Path) -> None:
    """out-apache-after-mountfix.txt: '.../shop/app/' gave SCRIPT_NAME '/shop', PATH_INFO
    '/app/__probe__': nothing was taken off (the sweep said 'the front took /app off the
    path'), and the fix spoke of nginx locations behind Apache."""
    join = after_fixes(tmp_path, "uwsgi://127.0.0.1:18403/shop/app/")
    site3 = answer(SITE3_APP, "proxy:uwsgi://127.0.0.1:18403/shop/app/__probe__",
                   host_allowed=True, path_info="/app/__probe__")
    assert site3.script_name == "/shop"
    found = one(sweep([seen(APP, "site3", site3),
                       seen("http://site3.test/", "site3",
                            answer(SITE3_APP, "proxy:uwsgi://127.0.0.1:18403/__probe__",
                                   host="site3.test", server_name="site3.test",
                                   script_name="", request_uri="/__probe__",
                                   host_allowed=True))], join), APP)
    assert found.verdict.value == "mount_mismatch", found.explanation
    assert "took /app off" not in found.explanation, found.explanation
    assert "received the whole path /app/__probe__ with SCRIPT_NAME '/shop'" in \
        found.explanation, found.explanation
    assert "'ProxyPass /app/ uwsgi://127.0.0.1:18403/app/'" in found.fix, found.fix
    assert "script_file 'proxy:uwsgi://127.0.0.1:18403/shop/app/__probe__'" in found.fix
    assert "nginx" not in found.fix, found.fix


def test_without_config_a_uwsgi_mount_behind_apache_is_not_worded_as_nginx() -> None:
    """out-apache-after-mountfix.txt said 'not of one nginx location' with 'Server: Apache'
    and no nginx anywhere: behind Apache, no nginx words."""
    site3 = answer(SITE3_APP, "proxy:uwsgi://127.0.0.1:18403/shop/app/__probe__",
                   host_allowed=True, path_info="/app/__probe__")
    root = answer(SITE3_APP, "proxy:uwsgi://127.0.0.1:18403/__probe__", host="site3.test",
                  server_name="site3.test", script_name="", request_uri="/__probe__",
                  host_allowed=True)
    found = one(sweep([seen(APP, "site3", site3), seen("http://site3.test/", "site3", root)],
                      None), APP)
    assert found.verdict.value == "mount_mismatch", found.explanation
    assert "nginx" not in found.fix and "nginx" not in found.explanation, found.fix


SITE3 = "http://site3.test/"


def test_a_site_passing_to_another_backend_is_not_called_a_name_claimed_elsewhere(
        tmp_path: Path) -> None:
    """out-apache.txt [2]: site3.test answered by site2 through mod_proxy_uwsgi (server.listen
    127.0.0.1:18402, the request sent to 127.0.0.1:18481), the .invalid name by site1. The
    sweep said site2's site claims 'site3.test'; it claims no such name: site3's own
    VirtualHost passes to site2's port. Without --config that is undecided, both named with
    their checks, in Apache's words (Server: Apache); with it, the evidence claims neither."""
    observations = [seen(SITE3, "site3", EndpointAnswer.from_json(SITE2_AT_SITE3)),
                    seen(APP, "site3", answer(SITE3_APP, host_allowed=True))]
    found = one(sweep(observations, None), SITE3)
    assert found.verdict.value == "wrong_instance", found.explanation
    assert found.cause is None, found.cause
    assert {c.cause.value for c in found.candidates} == {"vhost_shadowed", "wrong_upstream"}
    assert "listens on 127.0.0.1:18402 (server.listen) while the request went to " \
           "127.0.0.1:18481" in found.explanation, found.explanation
    # re-tester R30: Apache runs with -f; a bare 'apachectl -S' reads the system's files
    assert found.fix.startswith("Find which VirtualHost takes 'site3.test': the running "
                                "Apache's own command line with '-S' in place of its '-k "
                                "start'"), found.fix
    assert "its ProxyPass for this path" in found.fix, found.fix
    assert "site3 answers its own URL http://site1.test/app/ on server.listen " \
           "127.0.0.1:18403" in found.fix, found.fix
    assert "nginx" not in found.fix and "Find the name of that site" not in found.fix, found.fix
    join = config(tmp_path)
    for result in (found, one(sweep(observations, join), SITE3)):
        claims = [e.claim for e in result.evidence]
        assert not any("so it claims the URL's name" in c for c in claims), claims
    configured = one(sweep(observations, join), SITE3)
    assert configured.cause is not None and configured.cause.value == "wrong_upstream"


def test_a_refused_name_answered_through_apache_gets_apaches_words_only() -> None:
    """out-apache.txt [3]: unknown.test answered by site1, the address's default (the .invalid
    name too), 'Server: Apache': the fix said "lists an site bound ... (Apache: <VirtualHost
    127.0.0.1:18481>; nginx: listen 127.0.0.1:18481)"."""
    url = "http://unknown.test/"
    found = one(sweep([seen(url, None, answer(SITE1, host="unknown.test",
                                              server_name="unknown.test",
                                              host_allowed=False))], None), url)
    assert found.verdict.value == "served_unmapped", found.explanation
    assert "If the running Apache's own command line with '-S' in place of its '-k start' " \
           "('ps -ww -o pid=,args= -C apache2,httpd' shows it" in found.fix, found.fix
    assert "apachectl reads the system's configuration) lists an IP-based <VirtualHost " \
           "127.0.0.1:18481> beside the *:18481 ones" in found.fix, found.fix
    assert "nginx" not in found.fix and "an site" not in found.fix, found.fix
    assert all("nginx" not in c.check for c in found.candidates), found.candidates
