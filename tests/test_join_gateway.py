"""A gateway status (502, 503, 504) under ``sweep --config`` where Apache's mod_proxy takes the
URL (probe/diagnose/join_gateway.py): a tester's balancer of two mod_wsgi-express members, one
of which closed 2 of 8 requests without an answer (AH01102), was told "no configuration was
read" and "Sweep again with --config" although --config was given, because other samples of
the URL had reached the endpoint. Real Apache: tests/integration/test_apache_balancer_express.py.
"""

from __future__ import annotations

from probe.diagnose import diagnose
from probe.diagnose.server_errors import APACHE_LOG, with_log
from probe.manifest import Target, parse
from probe.model import Cause, EvidenceKind, Observation, Sample, TargetResult, Verdict
from tests.test_express_balancer import (
    CHECKIN,
    FRONT,
    MANIFEST,
    ONE,
    TWO,
    express,
    routes,
)

SITE = f"""\
ServerRoot /srv/front
ErrorLog logs/error.log
Listen {FRONT}
<VirtualHost *:42427>
    ServerName checkin.example.com
    ProxyPreserveHost On
    <Proxy "balancer://mycluster">
       BalancerMember "http://{ONE}"
       BalancerMember "http://{TWO}"
    </Proxy>
    ProxyPass /checkin/ balancer://mycluster/checkin/
</VirtualHost>
"""
APACHE = "Apache/2.4.71 (Debian)"


def _bad(code: int) -> Sample:
    return Sample(elapsed_ms=1.0, status_code=code, server=APACHE, address=FRONT)


def _ok(at: str, pid: int) -> Sample:
    return Sample(elapsed_ms=2.0, status_code=200, server=APACHE, address=FRONT,
                  endpoint=express(at, pid=pid, host="checkin.example.com"))


def _swept(*samples: Sample, configured: bool = True) -> TargetResult:
    observed = Observation(Target(CHECKIN, "checkin", FRONT), samples)
    config = routes(SITE) if configured else None
    return diagnose(parse(MANIFEST, "m.toml"), [observed], config=config).targets[0]


def _no_ask(found: TargetResult) -> None:
    words = found.explanation + (found.fix or "")
    assert "no configuration was read" not in words, words
    assert "--config" not in words, words


def test_a_502_of_some_samples_through_a_balancer_names_its_lines_not_the_ask() -> None:
    # The re-tester's order: answers, then the two 502s, then answers (the last answered).
    found = _swept(*(_ok(ONE, 15439) for _ in range(3)), _bad(502), _bad(502),
                   *(_ok(ONE, 15439) for _ in range(3)))
    assert (found.verdict, found.cause) == (Verdict.HTTP_ERROR, Cause.UPSTREAM_DOWN), found
    _no_ask(found)
    said = found.explanation
    assert said.startswith(f"{CHECKIN}: 502 (2 of 8 samples), not the endpoint's "
                           f"answer."), said
    assert ("passes /checkin/ through mod_proxy: ProxyPass /checkin/ "
            "balancer://mycluster/checkin/ is the first ProxyPass") in said, said
    assert "(site.conf:11), to" in said, said
    assert f"to {ONE} (site.conf:8), {TWO} (site.conf:9)." in said, said
    assert (f"The other samples reached the endpoint: pid 15439 (process_group '{ONE}', "
            f"BalancerMember {ONE} at site.conf:8).") in said, said
    assert f"None came from {TWO} (site.conf:9)." in said, said
    fix = found.fix or ""
    assert fix.startswith("Which backend failed the 502 requests, and how, the server's "
                          "ErrorLog, /srv/front/logs/error.log (site.conf:2; "), fix
    for code in ("AH01102", "AH00898", "AH00957", "AH00959"):
        assert code in fix, (code, fix)
    assert "(site.conf:8, site.conf:9, site.conf:11)" in fix, fix
    assert any(e.kind is EvidenceKind.CONFIGURED and e.source == "site.conf:11"
               for e in found.evidence), found.evidence


def test_a_502_of_every_sample_starts_the_backends_at_their_lines() -> None:
    found = _swept(_bad(503), _bad(503))
    assert (found.verdict, found.cause) == (Verdict.HTTP_ERROR, Cause.UPSTREAM_DOWN), found
    _no_ask(found)
    assert "No sample reached the endpoint" in found.explanation, found.explanation
    fix = found.fix or ""
    assert fix.startswith(f"Start the application server at {ONE} (site.conf:8), {TWO} "
                          f"(site.conf:9), or at site.conf:11 point the ProxyPass where it "
                          f"listens. The server's ErrorLog,"), fix


def test_a_route_without_a_proxypass_drops_the_ask_and_starts_its_fix_in_capitals() -> None:
    observed = Observation(Target(CHECKIN, "checkin", FRONT), (_bad(503),))
    text = SITE.replace("ProxyPass /checkin/ balancer://mycluster/checkin/",
                        "WSGIScriptAlias /checkin /srv/checkin/wsgi.py")
    found = diagnose(parse(MANIFEST, "m.toml"), [observed], config=routes(text)).targets[0]
    _no_ask(found)
    assert "takes /checkin/__probe__ through no ProxyPass" in found.explanation, \
        found.explanation
    assert (found.fix or "").startswith("The server's ErrorLog, /srv/front/logs/error.log"), \
        found.fix


def test_without_config_the_ask_stays() -> None:
    found = _swept(_ok(ONE, 15439), _bad(502), configured=False)
    assert "no configuration was read" in found.explanation, found.explanation
    assert (found.fix or "").startswith("Sweep again with --config PATH"), found.fix


def test_the_log_starts_a_sentence_in_capitals_only_where_it_starts_one() -> None:
    log = "the server's ErrorLog, /x.log (h.conf:2)"
    assert with_log(f"{APACHE_LOG} says.", log) == "The server's ErrorLog, /x.log (h.conf:2) says."
    assert with_log(f"Reload. {APACHE_LOG} says.", log).startswith("Reload. The server's")
    assert with_log(f"Read {APACHE_LOG}.", log) == f"Read {log}."


def test_the_500_checks_are_a_sentence_of_their_own() -> None:
    from tests.test_proxy_500 import BALANCED, LOADED
    from tests.test_proxy_500 import _swept as swept_500

    found = swept_500(LOADED.format(more="") + BALANCED.format(slash=""))
    fix = found.fix or ""
    assert ", then reload Apache. Whether mod_proxy or the backend made the 500, " in fix, fix


def test_uwsgi_members_are_checked_by_mod_proxy_uwsgis_code() -> None:
    """t-retest18 m0: a balancer of 'uwsgi://' members logs AH10101 when a member refuses,
    never mod_proxy_http's AH01114 (nor its AH01102/AH00898 for a reply not read)."""
    observed = Observation(Target(CHECKIN, "checkin", FRONT), (_bad(503), _bad(503)))
    text = SITE.replace('"http://', '"uwsgi://')
    found = diagnose(parse(MANIFEST, "m.toml"), [observed], config=routes(text)).targets[0]
    fix = found.fix or ""
    assert "AH00957 ('attempt to connect to ADDRESS failed') or AH10101 ('failed to make " \
           "connection to backend', mod_proxy_uwsgi)" in fix, fix
    for code in ("AH01114", "AH01102", "AH00898"):
        assert code not in fix, (code, fix)
