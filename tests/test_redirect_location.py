"""A redirect whose ``Location`` is no usable URL: said so in the fix, never an internal
error, never a fix listing it; one to another host (or scheme, or port): listed only if that
host is the user's own, since the probe token would go there (probe.diagnose.redirected)."""

from __future__ import annotations

import pytest

from probe.manifest import Manifest
from probe.model import Verdict
from tests.test_diagnose import SITE1, SITE2, SITES, WWW1, healthy, obs, result, run, sites, status


@pytest.mark.parametrize("location", [
    "http://[evil]/", "http://[::1/", "http://a:99999/", "http://a:xy/\x1b[31m",
])
def test_an_unusable_location_is_named_not_listed(location: str) -> None:
    report = run(healthy(**{SITE1: obs(SITE1, "project-1", status(302, location=location))}))
    found = result(report, SITE1)
    assert found.verdict is Verdict.NO_ENDPOINT
    shown = location.replace("\x1b", "\\x1b")  # as observed, escaped
    # The reason is Python's words (urllib.parse's ValueError), which vary by version.
    assert found.fix.startswith(f"The answer's Location, '{shown}', is not a usable URL ("), \
        found.fix
    assert "), so there is no URL to probe instead: correct the redirect's target" in found.fix
    assert "list http" not in found.fix and "\x1b" not in found.fix


def test_a_usable_location_is_still_the_url_to_list() -> None:
    moved = obs(SITE1, "project-1", status(302, location="https://site-1.example.com:8443/"))
    found = result(run(healthy(**{SITE1: moved})), SITE1)
    assert found.fix.startswith("Probe the URL the redirect leads to: list "
                                "https://site-1.example.com:8443/ for project-1")


def _fix(location: str, m: Manifest | None = None, *, token_sent: bool = False) -> str:
    moved = obs(SITE1, "project-1", status(302, location=location))
    fix = result(run(healthy(**{SITE1: moved}), m, token_sent=token_sent), SITE1).fix
    assert fix is not None
    return fix


def test_a_redirect_to_another_host_is_not_simply_the_url_to_list() -> None:
    fix = _fix("http://evil.example/t/", token_sent=True)
    assert fix.startswith("The redirect leads to another host, http://evil.example:80, not "
                          "http://site-1.example.com:80: listed in the manifest, "
                          "http://evil.example/t/ would be probed on every sweep and the "
                          "probe token (X-Probe-Token) this sweep sent would go there too. "
                          "List it for project-1 instead of http://site-1.example.com/ only if "
                          "http://evil.example:80 is one of your own servers"), fix
    assert "Probe the URL the redirect leads to" not in fix
    # Without a token, no token is said to be sent.
    assert "the probe's requests would go there (and the probe token, once one is " \
        "configured)" in _fix("http://evil.example/")


def test_a_location_with_a_query_is_never_offered_for_listing() -> None:
    # The manifest refuses a probe URL with a query or fragment (a tester was told to list
    # a login page's ?next= URL).
    for location in ("http://evil.example/?t=x", "/login/?next=/x", "/a/#b"):
        fix = _fix(location, token_sent=True)
        assert "list http" not in fix and "List it" not in fix, fix
        assert "a probe URL takes no query or fragment: there is no URL to list" in fix, fix


def test_another_scheme_or_port_of_the_same_name_is_listed_only_if_it_is_the_users() -> None:
    fix = _fix("https://site-1.example.com:8443/", token_sent=True)
    assert " (the probe follows no redirect) if https://site-1.example.com:8443, the same host " \
        "name on another scheme or port than http://site-1.example.com:80, is one of your own " \
        "servers: the probe token (X-Probe-Token) this sweep sent would go there too; or, " in \
        fix, fix


def test_the_same_origin_or_a_connect_address_needs_no_caveat() -> None:
    assert "your own servers" not in _fix("/other/", token_sent=True)
    assert "your own servers" not in _fix("HTTP://Site-1.example.com:80/x/", token_sent=True)
    # With connect, the URL listed goes to the configured server, as this one did.
    m = sites("[probe]\nconnect = \"10.0.0.5:80\"\n" + SITES)
    assert "your own servers" not in _fix("http://evil.example/", m=m, token_sent=True)


def _redirected(url: str, expected: str, location: str) -> str:
    moved = obs(url, expected, status(301, location=location))
    fix = result(run(healthy(**{url: moved})), url).fix
    assert fix is not None
    return fix


def test_a_redirect_to_a_url_listed_for_another_instance_is_the_redirect_s_mistake() -> None:
    """T16 a5: site-b's http redirect led to site-a, another instance's listed URL; the fix
    said to list it for site-b's instance, which the manifest refuses as a duplicate."""
    fix = _redirected(SITE2, "project-2", "http://site-1.example.com/__probe__")
    assert fix.startswith("The answer's Location, http://site-1.example.com/__probe__, leads to "
                          "http://site-1.example.com/, which the manifest lists for project-1, "
                          "not project-2: the redirect sends this site's requests to another "
                          "site. Correct the target host of the redirect, site-1.example.com, "
                          "to this site's own; listing http://site-1.example.com/ for project-2 "
                          "instead would be refused as a duplicate."), fix
    assert "list http://site-1.example.com/ for project-2" not in fix
    # listed on another port only: both ports said, and the request that decides
    other_port = _redirected(SITE2, "project-2", "http://site-1.example.com:8080/__probe__")
    assert other_port.startswith(
        "The answer's Location, http://site-1.example.com:8080/__probe__, leads to "
        "http://site-1.example.com:8080/, the host and path the manifest lists for project-1 as "
        "http://site-1.example.com/, not for project-2 (on port 80; the Location's is 8080): "
        "the redirect sends"), other_port
    assert other_port.endswith("A request to http://site-1.example.com:8080/ tells whether it "
                               "reaches project-1's site."), other_port
    assert "duplicate" not in other_port


def test_a_redirect_to_a_url_listed_for_the_same_instance_is_probed_already() -> None:
    fix = _redirected(WWW1, "project-1", "http://site-1.example.com/__probe__")
    assert fix.startswith("The redirect's target, http://site-1.example.com/, is probed "
                          "already: the manifest lists it for project-1, and project-1's "
                          "endpoint answered there in this sweep. http://www.site-1.example.com/ "
                          "is a redirect by design"), fix
    assert "list http" not in fix
    other_port = _redirected(WWW1, "project-1", "http://site-1.example.com:8080/__probe__")
    assert other_port.startswith(
        "The redirect leads to the host and path the manifest lists for project-1 as "
        "http://site-1.example.com/ (on port 80; the Location's is 8080), and project-1's "
        "endpoint answered there in this sweep."), other_port
    assert "a request to http://site-1.example.com:8080/ decides" in other_port
