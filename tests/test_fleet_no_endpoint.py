"""A ``no_endpoint`` at one address of a fleet swept without --config (a tester's case: a
token-less endpoint behind nginx, which rightly declines proxied requests; the balancer and
its three members in one connect list): the comparison is made at the same address, the
same URL answered at the other addresses makes this address the odd one out, and a login
redirect whose next= is the probe URL is the application answering, never a URL to list
(probe.diagnose.redirected, probe.diagnose.odd_address)."""

from __future__ import annotations

import dataclasses

from probe import manifest
from probe.diagnose import diagnose
from probe.manifest import Target
from probe.model import Observation, Report, Sample, TargetResult, Verdict

from .test_diagnose import answered, ep, status

FRONT, M1, M2, M3 = "127.0.0.1:38725", "127.0.0.1:47175", "127.0.0.1:59741", "127.0.0.1:42053"
ROOT, ADMIN = "http://shop.example.com/", "http://shop.example.com/admin/"
LOGIN = "/admin/login/?next=/admin/__probe__"

SHOP = f"""\
[probe]
connect = ["{FRONT}", "{M1}", "{M2}", "{M3}"]

[instances.shop]
label = "shop"
urls = ["{ROOT}", "{ADMIN}"]
"""


def _at(url: str, address: str, *samples: Sample) -> Observation:
    return Observation(Target(url, "shop", address), samples)


def _nginx(sample: Sample) -> Sample:
    return dataclasses.replace(sample, server="nginx/1.22.1")


def _fleet(front_root: Sample, front_admin: Sample, *, admin_answered_at_front: bool = False
           ) -> Report:
    shop = answered(ep("shop", host="shop.example.com"))
    observations = [_at(ROOT, FRONT, front_root, front_root)]
    observations += [_at(ROOT, a, shop, shop) for a in (M1, M2, M3)]
    observations.append(_at(ADMIN, FRONT, *((shop,) if admin_answered_at_front
                                            else (front_admin, front_admin))))
    observations += [_at(ADMIN, a, shop, shop) for a in (M1, M2, M3)]
    return diagnose(manifest.parse(SHOP, "m.toml"), observations)


def _one(report: Report, url: str, address: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url and t.address == address)


def test_another_url_answered_only_at_other_addresses_is_not_said_installed_here() -> None:
    found = _one(_fleet(_nginx(status(404)), _nginx(status(302, location=LOGIN))), ROOT, FRONT)
    assert found.verdict is Verdict.NO_ENDPOINT
    assert found.fix is not None
    assert "is installed in shop" not in found.fix, found.fix
    assert "Check which application the server routes this path to" not in found.fix
    # Observed, per address: the same URL answered at the members, not here.
    assert found.fix.startswith(
        f"{ROOT} got shop's endpoint answer at {M1}, {M2} and {M3} in this sweep, not at "
        f"{FRONT}: this address is the odd one out, not the path."), found.fix
    assert "Server header nginx/1.22.1" in found.fix
    assert "declines" in found.fix and "docs/security.md" in found.fix
    assert "--config" in found.fix  # the check that decides which


def test_another_url_answered_at_the_same_address_still_says_installed() -> None:
    found = _one(_fleet(status(404), status(404), admin_answered_at_front=True), ROOT, FRONT)
    assert found.fix is not None and found.fix.startswith(
        f"The endpoint is installed in shop: {ADMIN}, on the same host and address"), found.fix


def test_a_login_redirect_back_to_the_probe_url_is_not_a_url_to_list() -> None:
    found = _one(_fleet(_nginx(status(404)), _nginx(status(302, location=LOGIN))), ADMIN, FRONT)
    assert found.verdict is Verdict.NO_ENDPOINT
    assert found.fix is not None
    assert "list http" not in found.fix and "in the manifest instead" not in found.fix, found.fix
    assert found.fix.startswith(
        f"The request went past the endpoint into the application: HTTP 302 to {LOGIN}, a "
        f"login page whose next= is the probe URL's path (/admin/__probe__), as Django's "
        f"login_required redirects"), found.fix
    assert "not installed in the application that answered here, or it declined" in found.fix
    assert "this address is the odd one out, not the path" in found.fix


def test_a_login_redirect_without_other_addresses_says_install_or_token() -> None:
    report = diagnose(manifest.parse(SHOP.replace(f', "{M1}", "{M2}", "{M3}"', ""), "m.toml"),
                      [_at(ADMIN, FRONT, status(302, location=LOGIN))])
    found = _one(report, ADMIN, FRONT)
    assert found.fix is not None and "list http" not in found.fix, found.fix
    assert "odd one out" not in found.fix
    assert "Install the endpoint" in found.fix


def test_a_location_with_a_query_is_never_offered_for_listing() -> None:
    report = diagnose(manifest.parse(SHOP.replace(f', "{M1}", "{M2}", "{M3}"', ""), "m.toml"),
                      [_at(ADMIN, FRONT, status(302, location="/sso/?from=x"))])
    found = _one(report, ADMIN, FRONT)
    assert found.fix is not None and "list http" not in found.fix, found.fix
    assert "takes no query or fragment" in found.fix
