"""A 503 no Server header names and no sample escaped, as a tester (T14) met it behind
HAProxy 2.6 with nens/serverscripts' example_haproxy.cfg (host ACLs, use_backend, no
default_backend): HAProxy's page for a name it routes nowhere is byte for byte its page for a
backend whose servers are all down, so no cause is given and both readings are said, with the
log line that decides (``FRONTEND/<NOSRV>`` or ``BACKEND/<NOSRV>``, measured with HAProxy
2.6.12). The sweep's clue: a [refuse] name at the same address got the same 503 while others
were served through it."""

from __future__ import annotations

import dataclasses

from probe.diagnose import diagnose
from probe.manifest import parse
from probe.model import Cause, Observation, Sample, TargetResult, Verdict
from tests.test_diagnose import ep, obs, thrice

AT = "127.0.0.1:18143"
MANIFEST = """
[instances.nxt]
label = "nxt"
urls = ["http://demo.lizard.net/", "http://ggmn.un-igrac.org/"]

[refuse]
urls = ["http://unknown.lizard.invalid/"]
"""


def _503(url: str, expected: str | None) -> Observation:
    sample = Sample(1.0, status_code=503, address=AT, error="not JSON")
    return obs(url, expected, sample, sample, sample)


def _served() -> Observation:
    observed = thrice("http://demo.lizard.net/", "nxt", ep("nxt", host="demo.lizard.net"))
    return dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, address=AT) for s in observed.samples))


def _sweep(*observations: Observation, manifest: str = MANIFEST) -> dict[str, TargetResult]:
    return {t.url: t for t in diagnose(parse(manifest), list(observations)).targets}


def test_a_host_missing_its_acl_is_not_said_to_have_its_backends_down() -> None:
    found = _sweep(_served(), _503("http://ggmn.un-igrac.org/", "nxt"),
                   _503("http://unknown.lizard.invalid/", None))["http://ggmn.un-igrac.org/"]
    assert found.verdict is Verdict.HTTP_ERROR and found.cause is None
    assert "start the ones that are down" not in found.fix
    assert "what a proxy or balancer answers when the backend" not in found.explanation
    assert ("it chose no backend for the name ggmn.un-igrac.org (in HAProxy: no acl and "
            "use_backend matched it, and there is no default_backend), or every server of the "
            "backend it chose is down") in found.explanation
    assert (f"At {AT}, http://unknown.lizard.invalid/ (a name meant to be refused) got the same "
            f"503 while http://demo.lizard.net/ was served through the same front") \
        in found.explanation
    # no lean: backends all down look the same (a re-tester stopped every member)
    assert "not being routed" not in found.explanation
    assert "That fits both readings for ggmn.un-igrac.org: the answers do not decide it." \
        in found.explanation
    assert "FRONTEND/<NOSRV>" in found.fix and "BACKEND/<NOSRV>" in found.fix
    assert "use_backend line" in found.fix
    assert "[refuse] statuses" not in found.explanation


def test_the_refuse_urls_503_says_the_statuses_that_would_count_it() -> None:
    found = _sweep(_served(), _503("http://unknown.lizard.invalid/", None))[
        "http://unknown.lizard.invalid/"]
    assert found.verdict is Verdict.HTTP_ERROR and found.cause is None
    assert "start the ones that are down" not in found.fix
    assert ("the manifest's [refuse] statuses (403, 404, 421) do not count it; adding 503 to "
            "them makes this answer a refusal") in found.explanation
    assert "statuses = [403, 404, 421, 503]" in found.fix
    # with 503 among the statuses, it is a refusal (the tester's manifest-503.toml)
    counted = _sweep(_served(), _503("http://unknown.lizard.invalid/", None),
                     manifest=MANIFEST + "statuses = [403, 404, 421, 503]\n")
    assert counted["http://unknown.lizard.invalid/"].verdict is Verdict.OK


def test_without_the_clue_both_readings_are_said_and_nothing_more() -> None:
    found = _sweep(_503("http://ggmn.un-igrac.org/", "nxt"))["http://ggmn.un-igrac.org/"]
    assert found.cause is None and "points at" not in found.explanation
    assert "or every server of the backend it chose is down" in found.explanation


def test_a_503_some_samples_escaped_or_a_named_server_keeps_upstream_down() -> None:
    down = _503("http://ggmn.un-igrac.org/", "nxt")
    some = dataclasses.replace(_served(), target=down.target,
                               samples=(*down.samples, *_served().samples[:1]))
    assert _sweep(some)["http://ggmn.un-igrac.org/"].cause is Cause.UPSTREAM_DOWN
    named = dataclasses.replace(down, samples=tuple(
        dataclasses.replace(s, server="Varnish") for s in down.samples))
    assert _sweep(named)["http://ggmn.un-igrac.org/"].cause is Cause.UPSTREAM_DOWN
