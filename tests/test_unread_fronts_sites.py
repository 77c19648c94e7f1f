"""Behind a front whose configuration this tool does not read (Caddy, lighttpd), the
no_endpoint reading of a host answered at another port (probe.diagnose.host_elsewhere) and
the site readings of another instance's answer (probe.diagnose.site_wording: claimed_or_passed,
default_site) are worded with that front's words (probe.diagnose.front_words): no Apache or
nginx directive or command, no 'sweep with --config PATH' (it refuses their files).

Answers: tester T35's gunicorn behind Caddy 2.6.2 and lighttpd 1.4.69 (tests/t35_answers.py)
for the port reading. The site readings are reached only by mod_wsgi's answers (an
application server's are reworded by probe.diagnose.app_server), so there tester T31's
mod_wsgi-express shop (tests/t31_answers.py) answers behind the same fronts' Server headers,
its request.host the URL's."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from probe.diagnose import diagnose
from probe.diagnose.discriminate import key_of
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target, parse
from probe.model import Observation, Sample, TargetResult
from tests import t31_answers as t31
from tests import t35_answers as t35
from tests.test_unread_fronts_t35 import FOREIGN

A, B = "127.0.0.1:18080", "127.0.0.1:18081"
# (answer of shop, its Server header, the front's own answer for a name no site serves)
FRONTS = {"caddy": (t35.CADDY_SHOP, "Caddy, gunicorn", 200, "Caddy"),
          "lighttpd": (t35.LIGHTTPD_SHOP, "gunicorn", 404, "lighttpd/1.4.69")}
NAMES = {"caddy": "the site in Caddy's configuration that serves",
         "lighttpd": "the $HTTP[\"host\"] conditional of lighttpd's configuration for"}
CHECKS = {"caddy": "'caddy adapt --config FILE'", "lighttpd": "'lighttpd -p -f FILE'"}


def _answer(data: dict[str, Any], server: str, at: str, host: str | None = None) -> Sample:
    if host is not None:
        data = copy.deepcopy(data)
        data["request"]["host"] = host
    return Sample(1.0, 200, EndpointAnswer.from_json(data), server=server, address=at)


def _bare(code: int, server: str, at: str) -> Sample:
    return Sample(1.0, code, None, server=server, address=at,
                  error="answer is untyped, not the endpoint's JSON")


def _report(manifest: str, urls: list[tuple[str, str, str, Sample]],
            extra: dict[str, Sample]) -> dict[str, TargetResult]:
    observations = [Observation(Target(url, expected, at), (sample,) * 3)
                    for url, expected, at, sample in urls]
    # the .invalid request at each address, keyed as the sweep keys it
    probed = {key_of(o)[0]: extra[at] for o, (_, _, at, _) in zip(observations, urls,
                                                                   strict=True)}
    return {t.url: t for t in diagnose(parse(manifest), observations, probed=probed,
                                       token_sent=True).targets}


def _no_foreign_words(text: str) -> None:
    for word in FOREIGN:
        assert word not in text, (word, text)


@pytest.mark.parametrize("front", sorted(FRONTS))
def test_a_host_answered_at_another_port_is_told_in_the_front_s_words(front: str) -> None:
    shop, server, code, own = FRONTS[front]
    manifest = ('[instances.shop]\nlabel = "shop"\n'
                'urls = ["http://shop.test:18080/", "http://shop.test:18081/"]\n')
    got = _report(manifest, [
        ("http://shop.test:18080/", "shop", A, _answer(shop, server, A)),
        ("http://shop.test:18081/", "shop", B, _bare(code, own, B))],
        {A: _bare(code, own, A), B: _bare(code, own, B)})["http://shop.test:18081/"]
    assert got.verdict.value == "no_endpoint", got.explanation
    assert got.fix.startswith(f"Check {NAMES[front]} shop.test at {B} ({CHECKS[front]}"), \
        got.fix
    assert "shop's endpoint answered shop.test at 127.0.0.1:18080, so none of" in got.fix
    assert f"port 18081 names shop.test (a request for wsgi-probe-check.invalid there got " \
           f"the same HTTP {code}" in got.fix, got.fix
    assert "installing it again changes nothing" in got.fix
    assert [c.cause.value for c in got.candidates] == ["vhost_fallback"]
    _no_foreign_words(" ".join([got.explanation, got.fix, *(c.check for c in got.candidates)]))
    assert "IP-based" not in got.fix


def _express(front: str, default: bool) -> TargetResult:
    """wiki.test answered by shop's mod_wsgi-express (daemon 127.0.0.1:18101) through the
    front at 127.0.0.1:18080; the .invalid request got the front's own answer (a site that
    is not the default took the name) or shop's too (the default site answered)."""
    server = "Caddy, Apache" if front == "caddy" else "Apache"
    own = FRONTS[front][3]
    invalid = _answer(t31.SHOP, server, A, "wsgi-probe-check.invalid") if default else \
        _bare(FRONTS[front][2], own, A)
    manifest = ('[instances.shop]\nlabel = "shop"\nurls = ["http://shop.test:18080/"]\n'
                '[instances.wiki]\nlabel = "wiki"\nurls = ["http://wiki.test:18080/"]\n')
    return _report(manifest, [
        ("http://shop.test:18080/", "shop", A, _answer(t31.SHOP, server, A, "shop.test:18080")),
        ("http://wiki.test:18080/", "wiki", A, _answer(t31.SHOP, server, A, "wiki.test:18080"))],
        {A: invalid})["http://wiki.test:18080/"]


@pytest.mark.parametrize("front", sorted(FRONTS))
def test_a_name_claimed_or_passed_on_is_looked_up_in_the_front_s_configuration(
        front: str) -> None:
    got = _express(front, default=False)
    assert got.verdict.value == "wrong_instance", got.explanation
    assert [c.cause.value for c in got.candidates] == ["vhost_shadowed", "wrong_upstream"]
    assert got.fix.startswith(f"Find which site takes 'wiki.test': {CHECKS[front]}"), got.fix
    assert f"point the line that passes this path on in {NAMES[front]} wiki.test at where " \
           f"wiki listens, not 127.0.0.1:18101" in got.fix, got.fix
    _no_foreign_words(" ".join([got.explanation, got.fix, *(c.check for c in got.candidates)]))


def test_the_default_site_behind_caddy_is_refused_with_caddy_s_catch_all() -> None:
    got = _express("caddy", default=True)
    assert [c.cause.value for c in got.candidates] == ["vhost_fallback", "vhost_shadowed"]
    assert got.fix.startswith("If none of Caddy's sites names 'wiki.test', give it to the one "
                              "meant for wiki, and give Caddy a catch-all site for the port "
                              "that refuses: the lines 'http://:18080 {', 'abort' and '}'"), \
        got.fix
    assert f"Which site takes 'wiki.test': {NAMES['caddy']} wiki.test" in got.fix
    assert all(c.check.startswith(CHECKS["caddy"]) for c in got.candidates), got.candidates
    text = " ".join([got.explanation, got.fix, *(c.check for c in got.candidates)])
    _no_foreign_words(text)
    assert "IP-based" not in text and "<VirtualHost" not in text


def test_the_candidates_of_gunicorn_behind_caddy_name_caddy_s_check() -> None:
    """T35's gunicorn through Caddy, the .invalid name reaching it too: the front's default
    site or its own site for the name, looked up with Caddy's command, not --config."""
    manifest = ('[instances.shop]\nlabel = "shop"\nurls = ["http://shop.test:18080/"]\n'
                '[instances.wiki]\nlabel = "wiki"\nurls = ["http://wiki.test:18080/"]\n')
    server = "Caddy, gunicorn"
    got = _report(manifest, [
        ("http://shop.test:18080/", "shop", A, _answer(t35.CADDY_SHOP, server, A)),
        ("http://wiki.test:18080/", "wiki", A,
         _answer(t35.CADDY_SHOP, server, A, "wiki.test:18080"))],
        {A: _answer(t35.CADDY_SHOP, server, A, "wsgi-probe-check.invalid")}
    )["http://wiki.test:18080/"]
    assert [c.cause.value for c in got.candidates] == ["vhost_fallback", "wrong_upstream"]
    assert all(c.check.startswith(CHECKS["caddy"]) for c in got.candidates), got.candidates
    _no_foreign_words(" ".join([got.explanation, got.fix, *(c.check for c in got.candidates)]))
