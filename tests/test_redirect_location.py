"""A redirect whose ``Location`` is no usable URL: said so in the fix, never an internal
error, never a fix listing it (probe.diagnose.redirected)."""

from __future__ import annotations

import pytest

from probe.model import Verdict
from tests.test_diagnose import SITE1, healthy, obs, result, run, status


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
