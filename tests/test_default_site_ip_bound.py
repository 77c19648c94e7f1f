"""wrong_instance / served_unmapped without --config where the default site of the address
answered (tester T24 m2: ``<VirtualHost 127.0.0.1:31782>`` beside the ``*:31782`` sites took
every name sent to 127.0.0.1:31782): the candidates include that IP-based VirtualHost, with
``apachectl -S`` the check, and the fix never offers listing a site before it (no order changes
which sites httpd considers for an address). The answers are project-4's real ones from that
sweep (out/m2.noconf.json)."""

from __future__ import annotations

import copy
from typing import Any

from probe import manifest
from probe.diagnose import diagnose
from probe.diagnose.discriminate import key_of
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target
from probe.model import Cause, Liveness, Observation, Sample, TargetResult
from tests.t24_answers import m2_manifest, m2_project_4
from tests.test_diagnose import result

# project-4's answer to http://a.example.test:31782/ at 127.0.0.1:31782 in T24's m2 sweep
M2_ANSWER: dict[str, Any] = m2_project_4()
MANIFEST = m2_manifest(settings=True, refuse=True)
AT = "127.0.0.1:31782"


def _answer(host: str) -> Sample:
    data = copy.deepcopy(M2_ANSWER)
    data["request"]["host"] = f"{host}:31782"
    data["request"]["server_name"] = host
    return Sample(elapsed_ms=20.0, status_code=200, server="Apache/2.4.71 (Debian)",
                  endpoint=EndpointAnswer.from_json(data), address=AT,
                  liveness=Liveness.UNSIGNED)


def _m2(url: str, expected: str | None, at: str = AT) -> TargetResult:
    host = url.split("/")[2].split(":")[0]
    observation = Observation(Target(url, expected, at), (_answer(host), _answer(host)))
    key, _ = key_of(observation)
    report = diagnose(manifest.parse(MANIFEST, "m.toml"), [observation],
                      probed={key: _answer("wsgi-probe-check.invalid")})
    return result(report, url)


def test_the_ip_based_virtualhost_is_a_candidate_and_no_order_is_offered() -> None:
    found = _m2("http://a.example.test:31782/", "project-1")
    assert found.cause_text == "cause undetermined: vhost_fallback or vhost_shadowed"
    # Nothing was read of the configuration: the explanation names no VirtualHost of it.
    assert "VirtualHost" not in found.explanation, found.explanation
    # the Apache the answers name (ppid 14347), its own command line with -S (re-tester R30)
    assert ("If '$(ps -ww -o args= -p 14347 | sed \"s/ -k [a-z-]*//g\") -S' (the command "
            "line of the Apache pid 14347, the answers' ppid, with -S in place of its -k; "
            "'apachectl -S' where it shows no -f) lists an IP-based <VirtualHost "
            "127.0.0.1:31782> beside the "
            "*:31782 ones, that site takes every name sent to 127.0.0.1:31782, whatever the "
            "*:31782 sites claim or their order: give it the address *:31782, or the address "
            "it is meant for.") in found.fix, found.fix
    assert "before it." not in found.fix.replace("listed before it claims", ""), found.fix
    assert "list the site of project-1" not in found.fix, found.fix
    (fallback,) = [c for c in found.candidates if c.cause is Cause.VHOST_FALLBACK]
    assert "or an IP-based <VirtualHost 127.0.0.1:31782> takes every name there " \
           "('apachectl -S')" in fallback.check, fallback.check


def test_a_refuse_url_gets_the_ip_based_virtualhost_too() -> None:
    found = _m2("http://unknown.invalid:31782/", None)
    assert found.verdict.value == "served_unmapped"
    assert "-S' (the command line of the Apache pid 14347, the answers' ppid, with -S in " \
           "place of its -k; 'apachectl -S' where it shows no -f) lists an IP-based " \
           "<VirtualHost 127.0.0.1:31782>" in found.fix, found.fix


def test_an_ipv6_address_is_bracketed() -> None:
    found = _m2("http://a.example.test:31782/", "project-1", "[::1]:31782")
    assert "IP-based <VirtualHost [::1]:31782>" in found.fix, found.fix
