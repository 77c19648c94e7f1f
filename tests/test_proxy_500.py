"""A 500 under ``sweep --config`` whose route is decided elsewhere than in Python: through
mod_proxy (the ProxyPass line and mod_proxy's error log words, a trailing-slash mismatch or a
module not loaded as the likely cause), or to a daemon group the VirtualHost cannot use (no
guess of a settings module inherited in an embedded process). Real Apache:
tests/integration/test_apache_proxy_500.py."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

from probe import manifest
from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin, diagnose
from probe.lint import lint_paths
from probe.manifest import Target
from probe.model import Cause, Observation, Sample, TargetResult, Verdict

from .test_diagnose import answered, ep, status

AT = "127.0.0.1:8080"
LOADED = """\
LoadModule mpm_event_module modules/mod_mpm_event.so
LoadModule proxy_module modules/mod_proxy.so
{more}"""
BALANCED = """\
<VirtualHost *:8080>
    ServerName checkin.example.com
    <Proxy "balancer://mycluster">
        BalancerMember "http://127.0.0.1:8101"
        BalancerMember "http://127.0.0.1:8102"
    </Proxy>
    ProxyPass "/" "balancer://mycluster{slash}"
</VirtualHost>
"""
URL = "http://checkin.example.com/checkin/"
MANIFEST = f"""\
[probe]
connect = "{AT}"
[instances.checkin]
label = "checkin"
urls = ["{URL}"]
[instances.survey]
label = "survey"
urls = ["http://checkin.example.com/survey/"]
"""


def _obs(url: str, expected: str, *samples: Sample) -> Observation:
    return Observation(Target(url, expected, AT), samples)


def _swept(text: str) -> TargetResult:
    routes = ApacheRoutes(build_site(parse_text(textwrap.dedent(text), "t.conf"),
                                     read_scripts=False))
    joined = ConfigJoin(routes, {}, routes.divergence)
    error = dataclasses.replace(status(500), server="Apache/2.4.71 (Debian)")
    # Another instance of the host answers embedded: the answers alone would guess a leak.
    leak = answered(ep("survey", host="checkin.example.com", mount="/survey",
                       process_group="", settings="survey.settings"))
    m = manifest.parse(MANIFEST, "m.toml")
    report = diagnose(m, [_obs(URL, "checkin", error, error),
                          _obs("http://checkin.example.com/survey/", "survey", leak)],
                      config=joined)
    return next(t for t in report.targets if t.url == URL)


def test_a_balancer_target_without_the_paths_slash_is_the_likely_cause() -> None:
    more = "LoadModule proxy_http_module x.so\nLoadModule proxy_balancer_module x.so\n"
    found = _swept(LOADED.format(more=more) + BALANCED.format(slash=""))
    assert found.verdict is Verdict.HTTP_ERROR
    said = found.explanation
    assert "passes the probe request's path /checkin/__probe__ through mod_proxy: " \
           "ProxyPass / balancer://mycluster is the first ProxyPass" in said, said
    # the URL built names no balancer: the members are what the line meant, not where the
    # request went (t-retest18 m0 said 'to' them, then that no balancer was named)
    assert "(t.conf:11), meant for the members of balancer://mycluster, 127.0.0.1:8101 " \
           "(t.conf:8), 127.0.0.1:8102 (t.conf:9)." in said, said
    assert "No WSGI script of Apache's is on this route" in said
    assert "/checkin/__probe__ is passed as balancer://myclustercheckin/__probe__, a " \
           "balancer called 'myclustercheckin', which no <Proxy " \
           "balancer://myclustercheckin> defines" in said, said
    assert "A likely cause (not certain): survey runs embedded" not in said, said
    assert "setdefault" not in said + found.fix
    assert found.fix.startswith('At t.conf:11, write ProxyPass "/" "balancer://mycluster/"'), \
        found.fix
    assert "AH01144" in found.fix and "AH01114" in found.fix and "AH00898" in found.fix
    assert "WSGI0152" not in found.fix and "traceback" not in found.fix, found.fix


def test_uwsgi_members_are_named_by_mod_proxy_uwsgis_code() -> None:
    """t-retest18 m0: 'uwsgi://' members log AH10101 (mod_proxy_uwsgi), never AH01114."""
    more = "LoadModule proxy_uwsgi_module x.so\nLoadModule proxy_balancer_module x.so\n"
    found = _swept(LOADED.format(more=more) + BALANCED.format(slash="").replace(
        '"http://127.0.0.1:', '"uwsgi://127.0.0.1:'))
    assert "AH10101 ('failed to make connection to backend', mod_proxy_uwsgi)" in found.fix, \
        found.fix
    assert "AH01114" not in found.fix and "AH00898" not in found.fix, found.fix


def test_a_module_the_target_needs_not_loaded_is_the_likely_cause() -> None:
    found = _swept(LOADED.format(more="LoadModule proxy_http_module x.so\n")
                   + BALANCED.format(slash="/"))
    assert "A likely cause (not certain): no LoadModule line read loads " \
           "proxy_balancer_module, which balancer://mycluster/ needs" in found.explanation, \
        found.explanation
    assert found.fix.startswith("Load proxy_balancer_module (a LoadModule line for each, or "
                                "on Debian 'a2enmod proxy_balancer'), then reload Apache.")


def test_everything_loaded_names_the_lines_and_leaves_it_to_the_log() -> None:
    more = "LoadModule proxy_http_module x.so\nLoadModule proxy_balancer_module x.so\n"
    found = _swept(LOADED.format(more=more) + BALANCED.format(slash="/"))
    assert "The modules its target needs are loaded: LoadModule proxy_balancer_module " \
           "(t.conf:4); LoadModule proxy_http_module (t.conf:3)." in found.explanation, \
        found.explanation
    assert "likely cause" not in found.explanation
    assert found.fix.startswith("Whether mod_proxy or the backend made the 500, ") and \
        "at the time of this request tells: AH01144" in found.fix, found.fix


def test_a_fragment_does_not_say_what_is_loaded() -> None:
    found = _swept(BALANCED.format(slash="/"))
    assert "does not say whether proxy_balancer_module and proxy_http_module are loaded " \
           "('apachectl -M'" in found.explanation, found.explanation


HORIZON = """\
<VirtualHost *:8080>
    ServerName weblate.example.org
    WSGIDaemonProcess weblate python-path=/srv/weblate
    WSGIProcessGroup weblate
    WSGIScriptAlias / /srv/weblate.wsgi
</VirtualHost>
<VirtualHost *:8080>
    ServerName horizon.example.org
    WSGIScriptAlias / /srv/horizon.wsgi
    WSGIDaemonProcess horizon python-path=/srv/horizon
    WSGIProcessGroup weblate
</VirtualHost>
"""


def test_a_group_out_of_reach_drops_the_embedded_leak_guess(tmp_path: Path) -> None:
    for name in ("weblate.wsgi", "horizon.wsgi"):
        (tmp_path / name).write_text("")
    conf = tmp_path / "httpd.conf"
    conf.write_text(HORIZON.replace("/srv/", f"{tmp_path}/"))
    routes = ApacheRoutes(build_site(parse_text(HORIZON, "t.conf"), read_scripts=False))
    keyed = {("t.conf", f.line): (f.code, f.message) for f in lint_paths([conf]).findings}
    m = manifest.parse('[probe]\nconnect = "127.0.0.1:8080"\n[instances.horizon]\n'
                       'label = "horizon"\nurls = ["http://horizon.example.org/"]\n'
                       '[instances.dash]\nlabel = "dash"\n'
                       'urls = ["http://horizon.example.org/dash/"]\n', "m.toml")
    leak = answered(ep("dash", host="horizon.example.org", mount="/dash", process_group="",
                       settings="dash.settings"))
    url = "http://horizon.example.org/"
    observed = [_obs(url, "horizon", status(500)),
                _obs("http://horizon.example.org/dash/", "dash", leak)]
    alone = next(t for t in diagnose(m, observed).targets if t.url == url)
    assert "A likely cause (not certain): dash runs embedded" in alone.explanation
    found = next(t for t in diagnose(m, observed, config=ConfigJoin(
        routes, keyed, routes.divergence)).targets if t.url == url)
    assert found.cause is Cause.UNDEFINED_DAEMON, found
    assert "A likely cause (not certain)" not in found.explanation, found.explanation
    assert "setdefault" not in found.explanation + found.fix
    assert found.explanation.startswith(f"{url} answered HTTP 500 (no Server header). The "
                                        f"configuration given sends this request to daemon "
                                        f"process group 'weblate'"), found.explanation
