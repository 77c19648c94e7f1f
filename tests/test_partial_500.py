"""A 500 on some samples of a URL while the others were answered, swept with ``--config``:
the words use the configuration read (the BalancerMember lines and the members the answers
came from; the daemon process group the route sends the path to, and the group the answers
show) or name the check that decides, and never ask for the --config that was given (a
re-tester's balancer got 'Sweep with --config ...' although it was)."""

from __future__ import annotations

import dataclasses
import textwrap

from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import parse
from probe.model import Observation, Sample, TargetResult, Verdict
from tests.test_diagnose import answered, ep, status
from tests.test_express_balancer import CHECKIN, FRONT, MANIFEST, ONE, TWO, express, through

BALANCER = f"""\
Listen {FRONT}
<VirtualHost *:42427>
    ServerName checkin.example.com
    <Proxy "balancer://mycluster">
       BalancerMember "http://{ONE}"
       BalancerMember "http://{TWO}"
    </Proxy>
    ProxyPass        "/" "balancer://mycluster/"
</VirtualHost>
"""
ERROR = dataclasses.replace(status(500), server="Apache/2.4.62 (Debian)")


def _routes(text: str) -> ConfigJoin:
    site = build_site(parse_text(textwrap.dedent(text), "site.conf"), read_scripts=False)
    front = ApacheRoutes(site)
    return ConfigJoin(front, {}, front.divergence, front.intended, front.refuse_block)


def _checkin(*samples: Sample | None, config: str | None) -> TargetResult:
    obs = through(CHECKIN, "checkin")
    obs = Observation(obs.target, tuple(
        s if s is not None else ERROR for s in samples))
    report = diagnose(parse(MANIFEST), [obs],
                      config=_routes(config) if config is not None else None)
    return report.targets[0]


def _answer(at: str, pid: int) -> Sample:
    [sample] = through(CHECKIN, "checkin", express(
        at, script_name="/checkin", path_info="/__probe__", pid=pid)).samples
    return sample


def test_without_the_config_a_partial_500_asks_for_it() -> None:
    found = _checkin(_answer(ONE, 1), None, _answer(ONE, 1), None, config=None)
    assert found.verdict is Verdict.HTTP_ERROR, found
    assert "Sweep with --config" in found.fix, found.fix


def test_with_the_config_a_partial_500_names_the_member_no_answer_came_from() -> None:
    found = _checkin(_answer(ONE, 1), None, _answer(ONE, 1), None, config=BALANCER)
    assert found.verdict is Verdict.HTTP_ERROR, found
    for text in (found.explanation, found.fix):
        assert "--config" not in text, text
        assert "no configuration was read" not in text, text
    assert "through mod_proxy: ProxyPass / balancer://mycluster/ is the first ProxyPass" \
        in found.explanation, found.explanation
    assert f"The other samples reached the endpoint: pid 1 (process_group '{ONE}', " \
        f"BalancerMember {ONE} at site.conf:5). None came from {TWO} (site.conf:6)." \
        in found.explanation, found.explanation
    assert f"the member none of the other samples came from, {TWO} (site.conf:6)" \
        in found.fix, found.fix
    assert "AH01144" in found.fix and "AH01114" in found.fix, found.fix


def test_with_every_member_answering_the_check_that_decides_is_named() -> None:
    found = _checkin(_answer(ONE, 1), None, _answer(TWO, 2), None, config=BALANCER)
    assert "--config" not in found.fix, found.fix
    assert f"pid 1 (process_group '{ONE}', BalancerMember {ONE} at site.conf:5) and pid 2 " \
        f"(process_group '{TWO}', BalancerMember {TWO} at site.conf:6)" in found.explanation
    assert "The answers do not say which member made the 500s" in found.explanation, \
        found.explanation
    assert "None came from" not in found.explanation, found.explanation


DAEMON = """\
<VirtualHost *:80>
    ServerName www.example.com
    WSGIDaemonProcess site processes=2
    WSGIProcessGroup site
    WSGIScriptAlias / /srv/site/wsgi.py
</VirtualHost>
"""
SITE = """\
[instances.site]
label = "site"
urls = ["http://www.example.com/"]
"""


def _site(group: str, config: str | None) -> TargetResult:
    ok = answered(ep("site", host="www.example.com", process_group=group, pid=7,
                     application_group="www.example.com|"))
    error = dataclasses.replace(status(500), server="Apache/2.4.62 (Debian)")
    obs = Observation(parse(SITE).targets()[0], (ok, error, ok, error))
    return diagnose(parse(SITE), [obs],
                    config=_routes(config) if config is not None else None).targets[0]


def test_a_partial_500_of_a_daemon_group_names_the_group_the_route_and_answers_show() -> None:
    found = _site("site", DAEMON)
    assert found.verdict is Verdict.HTTP_ERROR, found
    assert "--config" not in found.fix, found.fix
    assert "The configuration given sends the probe request's path /__probe__ to daemon " \
        "process group 'site' (WSGIProcessGroup site" in found.explanation, found.explanation
    assert "WSGI0152" not in found.fix, found.fix  # the group answers: it is in reach
    assert "site.conf:4" in found.explanation, found.explanation
    assert "the other samples were answered by that group (process_group 'site', pid 7)" \
        in found.explanation, found.explanation
    assert "a Python traceback" in found.fix, found.fix


def test_answers_from_another_group_than_the_routes_are_said() -> None:
    found = _site("other", DAEMON)
    assert "--config" not in found.fix, found.fix
    # the configuration read is not the one running: said by the join, no line blamed
    assert "it predicts process_group 'site' (site.conf:4), the answer shows 'other'" \
        in found.explanation, found.explanation


def test_without_the_config_a_partial_502_claims_no_several_backends() -> None:
    # Re-tester R31: one express server short of workers once behind the front answered one
    # 502 in ten; "passes this URL to several backends, some did not answer" was more than the
    # samples show (they show the URL answered at other moments, not how many backends).
    gateway = dataclasses.replace(status(502), server="Apache/2.4.62 (Debian)")
    obs = through(CHECKIN, "checkin")
    obs = Observation(obs.target, (_answer(ONE, 1), gateway, _answer(ONE, 1)))
    found = diagnose(parse(MANIFEST), [obs]).targets[0]
    assert found.verdict is Verdict.HTTP_ERROR, found
    assert "several backends" not in found.explanation, found.explanation
    assert "the same URL was answered at other moments, so what answered 502 could not " \
           "reach a backend at that moment" in found.explanation, found.explanation
