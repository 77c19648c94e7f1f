"""``no_endpoint`` when the probe sent its token: an endpoint with another token passes the
request to the application, which answers as if no endpoint were installed. The fix must not
tell the operator to "give the probe its token" when it was given (a tester's capture showed
the token sent); it says to compare the two. Without a token, the old advice stands."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from probe.endpoint_source import load_module
from probe.manifest import Instance, Manifest, ProbeSettings, Target
from probe.model import Observation, Sample, Verdict
from probe.sweep import run_sweep
from tests.loopback_wsgi import serve

URL = "http://shop.example.com/"


def site(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"no such page"]


def manifest(port: int) -> Manifest:
    return Manifest(probe=ProbeSettings(connect=f"127.0.0.1:{port}", samples=2),
                    instances={"shop": Instance("shop", label="shop", urls=(URL,))})


def test_a_token_sent_is_not_asked_for_again(tmp_path: Path) -> None:
    endpoint = load_module("no_endpoint_token_endpoint")
    with serve(endpoint.wrap(site, label="shop", token="the-servers-token")) as port:
        sent = run_sweep(manifest(port), token="another-token", extra_probes=False)
        unsent = run_sweep(manifest(port), extra_probes=False)
    (with_token,) = sent.targets
    assert with_token.verdict is Verdict.NO_ENDPOINT, with_token
    assert with_token.fix is not None
    assert "give the probe its token" not in with_token.fix
    assert "carried its token (X-Probe-Token)" in with_token.fix
    assert "compare the two" in with_token.fix
    # Without a token the endpoint (token configured) refuses too, and then the advice is
    # to give one.
    (without,) = unsent.targets
    assert without.verdict is Verdict.NO_ENDPOINT, without
    assert without.fix is not None and "give the probe its token" in without.fix


def test_diagnosis_words_it_from_what_was_sent() -> None:
    from probe.diagnose import diagnose

    m = manifest(80)
    target = Target(URL, "shop")
    observation = Observation(target, (Sample(3.0, status_code=404),))
    (told,) = diagnose(m, [observation], token_sent=True).targets
    (asked,) = diagnose(m, [observation]).targets
    assert told.fix is not None and "compare the two" in told.fix
    # an endpoint that cannot read its token file answers nobody, and logs that it cannot
    assert "log has the line 'wsgi_endpoint: cannot read the probe token file" in told.fix
    assert "'chgrp GROUP FILE' with mod_wsgi's WSGIDaemonProcess group=" in told.fix
    assert "cannot read the probe token file" not in (asked.fix or "")
    assert asked.fix is not None and "give the probe its token" in asked.fix
