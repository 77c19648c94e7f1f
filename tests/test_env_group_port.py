"""The 500 of a group variable a Host with its port leaves unset, and the restart said with the
running Apache's own command (re-tester R33, case a-aliasmatch-env on real Apache 2.4.71 +
mod_wsgi 6.1.1, with every printed fix applied and swept with discover's manifest, which sends
'Host: gamma.test:18633'): ``RewriteCond %{HTTP_HOST} ^([a-z]+)\\.test$`` (:71) does not match
it, PROCESS_GROUP stays unset and mod_wsgi answered 500 (WSGI0151 '%{ENV:PROCESS_GROUP}' in
error.log). The fix said "Make a line of this VirtualHost set PROCESS_GROUP" and "reload
Apache", naming neither the line nor a command."""

from __future__ import annotations

from dataclasses import replace

from probe import manifest
from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import Target
from probe.model import Observation, Report

from .test_apache_env_group import CONF, MANIFEST, _answer, _failed, _ok

APPLIED = CONF.replace("[E=PROCESS_GROUP:$1]", "[E=PROCESS_GROUP:%1]")  # R33's fix [4] applied
DISCOVERED = """\
[probe]
connect = "127.0.0.1:18433"
[instances.alpha]
label = "alpha"
settings = "alpha.settings"
urls = ["http://apps.test:18433/alpha/"]
[instances.gamma]
label = "gamma"
settings = "gamma.settings"
urls = ["http://gamma.test:18433/"]
"""


def _report(conf: str) -> Report:
    routes = ApacheRoutes(build_site(parse_text(conf, "t.conf"), read_scripts=False))
    config = ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)
    at = "127.0.0.1:18433"  # where each answer came from: the other URL's names the Apache
    alpha = replace(_ok(_answer("alpha", 11690, "alpha", "alpha.settings", "apps.test",
                                "/alpha")), address=at)
    failed = replace(_failed(), address=at)
    m = manifest.parse(DISCOVERED, "m.toml")
    return diagnose(m, [
        Observation(Target("http://apps.test:18433/alpha/", "alpha", "127.0.0.1:18433"),
                    (alpha, alpha)),
        Observation(Target("http://gamma.test:18433/", "gamma", "127.0.0.1:18433"),
                    (failed, failed))], config=config)


def test_r33_10_a_host_with_its_port_names_the_rewritecond_and_the_restart() -> None:
    gamma = next(t for t in _report(APPLIED).targets if t.url == "http://gamma.test:18433/")
    fix = gamma.fix or ""
    assert "Make a line of this VirtualHost" not in fix, fix
    assert ("At t.conf:32, RewriteCond %{HTTP_HOST} ^([a-z]+)\\.test$ [NC] does not match the "
            "Host 'gamma.test:18433' this request sent") in fix, fix
    assert "so the RewriteRule at t.conf:33 never sets PROCESS_GROUP" in fix
    assert "^([a-z]+)\\.test(:\\d+)?$ in place of ^([a-z]+)\\.test$" in fix
    # the running Apache's own command, from the other URL's answer (its ppid)
    assert "reload Apache" not in fix
    assert "ps -ww -o args= -p 11688" in fix and "-k graceful" in fix, fix


def test_r33_10_an_application_group_from_mods_wsgi_default_names_the_virtualhost() -> None:
    # every fix applied: gamma.test reaches daemon gamma, in mod_wsgi's default application
    # group 'gamma.test|' where T33's manifest declares '' (the VirtualHost has no
    # WSGIApplicationGroup)
    routes = ApacheRoutes(build_site(parse_text(APPLIED, "t.conf"), read_scripts=False))
    config = ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)
    data = _answer("gamma", 11692, "gamma", "gamma.settings", "gamma.test", "")
    data["application_group"] = "gamma.test|"
    seen = replace(_ok(data), address="127.0.0.1:18433")
    m = manifest.parse(MANIFEST, "m.toml")
    [gamma] = [t for t in diagnose(m, [Observation(Target(
        "http://gamma.test/", "gamma", "127.0.0.1:18433"), (seen, seen))], config=config).targets]
    why, fix = gamma.explanation or "", gamma.fix or ""
    assert "no step of its route shows" not in why, why
    assert ("no WSGIApplicationGroup or application-group= applies to this URL in "
            "<VirtualHost *:18433> (gamma.test) at t.conf:29 nor at server scope, so "
            "mod_wsgi's default %{RESOURCE} gives 'gamma.test|'") in why, why
    assert fix.startswith("If gamma is meant to run in '', add 'WSGIApplicationGroup %{GLOBAL}' "
                          "inside <VirtualHost *:18433> (gamma.test) at t.conf:29"), fix
    assert "correct application_group for gamma in the manifest to 'gamma.test|'" in fix
