"""A tester's nginx (answers alone): sentry's URLs and the [refuse] name unknown.invalid at
the same address got the same 301 to https://$host$request_uri. The default server's
redirect: the name missing from a server_name leads, not the https URL (which served
nothing); a redirect the .invalid name did not get keeps the redirect's own fix."""

from __future__ import annotations

from probe.diagnose import diagnose
from probe.manifest import Target, parse
from probe.model import Cause, Observation, Sample, TargetResult, Verdict

MANIFEST = """[probe]
connect = ["127.0.0.1"]

[instances.sentry]
label = "sentry"
urls = ["http://sentry.example.com:57773/", "http://sentry.example.com:57773/api/1/store/"]

[refuse]
urls = ["http://unknown.invalid:57773/"]
"""
ROOT, STORE = "http://sentry.example.com:57773/", "http://sentry.example.com:57773/api/1/store/"
UNKNOWN = "http://unknown.invalid:57773/"


def _moved(url: str, location: str) -> Observation:
    sample = Sample(1.0, 301, location=location, address="127.0.0.1:57773",
                    server="nginx/1.22.1")
    return Observation(Target(url, "sentry" if "sentry" in url else None,
                              address="127.0.0.1:57773"), (sample,))


def _report(invalid_location: str) -> dict[str, TargetResult]:
    observations = [_moved(ROOT, "https://sentry.example.com/__probe__"),
                    _moved(STORE, "https://sentry.example.com/api/1/store/__probe__"),
                    _moved(UNKNOWN, invalid_location)]
    return {t.url: t for t in diagnose(parse(MANIFEST), observations).targets}


def test_the_same_redirect_as_the_invalid_name_leads_with_the_missing_server_name() -> None:
    found = _report("https://unknown.invalid/__probe__")
    for url in (ROOT, STORE):
        target = found[url]
        assert target.verdict is Verdict.NO_ENDPOINT and target.cause is None, target
        assert [c.cause for c in target.candidates] == [Cause.DEFAULT_SERVER,
                                                        Cause.URL_MAPPING], target
        assert target.fix.startswith(
            "If no server_name matches sentry.example.com, add it to the server_name of the "
            "server block meant for sentry"), target.fix
        assert target.fix.index("server_name") < target.fix.index("list https://"), target.fix
        assert "HTTP 301 to https://$host$request_uri" in target.explanation, target


def test_another_redirect_of_the_invalid_name_keeps_the_redirect_fix() -> None:
    found = _report("https://elsewhere.example.com/")
    target = found[ROOT]
    assert target.candidates == (), target
    assert target.fix.startswith("Probe the URL the redirect leads to: list "
                                 "https://sentry.example.com/ for sentry"), target.fix
