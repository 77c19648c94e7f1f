"""The extra request for a ``.invalid`` name over HTTPS goes without the token (no certificate
names the host): behind nginx, an application answers it without the endpoint as well (a
tester's T22 chain: Django's 404 from Apache's first VirtualHost, read as "the default server
refuses"). Where the sweep's own requests carried a token, its status does not decide; a
closed connection (nginx's ``return 444``) still does, and so does any status where the
sweep sent no token. There the nginx side is decided (a block claims the name): ``wrong_upstream``
is that side's one reading, beside Apache's name matching, as the same Apache answered site1
and site3 through that address with the Host intact (the tester's typo was Apache's)."""

from __future__ import annotations

from probe.diagnose import diagnose
from probe.diagnose.discriminate import key_of
from probe.manifest import parse
from probe.model import Cause, Observation, Sample, TargetResult
from tests.nginx.test_chained_apache import HTTPS, MANIFEST, _one, _sweep


def _probed(obs: Observation, sample: Sample) -> dict[str, Sample]:
    return {key_of(obs)[0]: sample}


def _decided(found: TargetResult) -> bool:
    """nginx's side decided by the .invalid request, Apache's name matching still open."""
    return found.cause is None and [c.cause for c in found.candidates] == [
        Cause.WRONG_UPSTREAM, Cause.VHOST_FALLBACK, Cause.VHOST_SHADOWED]


def test_a_tokenless_404_for_the_invalid_name_does_not_decide() -> None:
    sweep = _sweep(intact=True, typo=True)
    https = next(o for o in sweep if o.target.url == f"https://site2.example:{HTTPS}/")
    refused = Sample(elapsed_ms=1.0, status_code=404, server="nginx/1.22.1")
    found = _one(diagnose(parse(MANIFEST), sweep, probed=_probed(https, refused),
                          token_sent=True), https.target.url)
    assert found.cause is None, found
    assert "the default server refuses" not in found.explanation
    assert "does not say whether nginx refused it" in " ".join(e.claim for e in found.evidence)
    assert "did not show whether nginx answered it" in found.candidates[0].check
    # Without a token the sweep's own URLs were answered as the .invalid one was sent: decides
    found = _one(diagnose(parse(MANIFEST), sweep, probed=_probed(https, refused)),
                 https.target.url)
    assert _decided(found), found
    # A closed connection (return 444) is nginx's own, token or not
    closed = Sample(elapsed_ms=1.0, error="connection closed")
    found = _one(diagnose(parse(MANIFEST), sweep, probed=_probed(https, closed),
                          token_sent=True), https.target.url)
    assert _decided(found), found
