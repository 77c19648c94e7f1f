"""The probe token sent back percent-encoded, as any URL builder would put it in a redirect's
query (``quote``, ``quote_plus``, upper- or lower-case hex), is the token too: replaced by
``<probe token>`` where answers enter (probe.token_redaction), like the exact text."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from probe.http_messages import Answer, Headers, sample_from_answer
from probe.manifest import load
from probe.sweep import run_sweep
from probe.token_redaction import PLACEHOLDER, forms, holds, may_hold, text
from tests.every_output import every_output
from tests.loopback_wsgi import serve

TOKEN = "s3cr3t+tökén/Ω=42"
"""The security test's token: a reserved character, non-ASCII letters, a slash, an '='."""

ENCODED = {
    "quote safe=''": quote(TOKEN, safe=""),
    "quote safe='/'": quote(TOKEN),
    "quote_plus": quote_plus(TOKEN + " x")[:-2],
    "lower-case hex": quote(TOKEN, safe="").lower(),  # the token's own letters are lower
}


@pytest.mark.parametrize("name", sorted(ENCODED))
def test_every_percent_form_is_replaced(name: str) -> None:
    echoed = f"http://evil.example/?t={ENCODED[name]}&next=1"
    assert holds(echoed, TOKEN), name
    assert text(echoed, TOKEN) == f"http://evil.example/?t={PLACEHOLDER}&next=1"


def test_quote_plus_of_a_token_with_a_space() -> None:
    token = "two words+x"
    echoed = f"/?t={quote_plus(token)}"
    assert echoed == "/?t=two+words%2Bx"
    assert text(echoed, token) == f"/?t={PLACEHOLDER}"


def test_a_token_url_builders_leave_as_it_is_has_one_form() -> None:
    # The tokens probe endpoint --install makes: nothing more to look for in every answer.
    assert forms("Ab0_-x.~Z") == ("Ab0_-x.~Z",)


def test_text_without_the_token_is_left_as_it_is() -> None:
    value = "http://evil.example/?t=s3cr3t%2Bt%C3%B6k"  # cut short: not the token
    assert not holds(value, TOKEN)
    assert text(value, TOKEN) is value


def _redirect(location: str) -> Answer:
    return Answer(302, Headers([("Location", location), ("Server", f"echo {location}")]),
                  b"", 1.0)


def test_a_redirect_echoing_the_token_percent_encoded_shows_the_placeholder() -> None:
    sample = sample_from_answer(_redirect(f"http://evil.example/?t={quote(TOKEN, safe='')}"),
                                TOKEN)
    assert sample.location == f"http://evil.example/?t={PLACEHOLDER}"
    assert sample.server == f"echo http://evil.example/?t={PLACEHOLDER}"


def test_an_answer_holding_the_token_percent_encoded_shows_the_placeholder() -> None:
    body = {"schema": 1, "label": f"x {quote(TOKEN).lower()}", "instance_id": "a" * 32,
            "settings_module": {"environ": quote_plus(TOKEN), "loaded": None}}
    raw = json.dumps(body).encode()
    assert b"\\" not in raw  # the escape check alone would not find it
    assert may_hold(raw, TOKEN)
    sample = sample_from_answer(Answer(200, Headers([("Content-Type", "application/json")]),
                                       raw, 1.0), TOKEN)
    assert sample.endpoint is not None
    assert sample.endpoint.label == f"x {PLACEHOLDER}"
    assert sample.endpoint.raw["settings_module"]["environ"] == PLACEHOLDER


def test_a_body_without_the_token_is_not_walked() -> None:
    assert not may_hold(b'{"schema": 1, "label": "s3cr3t%2B"}', TOKEN)


def _redirecting(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A redirect to another host with the token it was sent in the query, percent-encoded."""
    sent = environ.get("HTTP_X_PROBE_TOKEN", "").encode("latin-1").decode("utf-8")
    start_response("302 Found", [("Location", f"http://evil.example/?t={quote(sent, safe='')}"),
                                 ("Content-Length", "0")])
    return [b""]


def test_no_output_repeats_the_token_a_real_server_sent_back_encoded(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n", encoding="utf-8")
    token.chmod(0o600)
    with serve(_redirecting) as port:
        manifest = tmp_path / "m.toml"
        manifest.write_text(f'[probe]\ntoken_file = "{token}"\nsamples = 1\n[instances.pct]\n'
                            f'label = "pct"\nurls = ["http://127.0.0.1:{port}/pct/"]\n')
        report = run_sweep(load(str(manifest)), token=TOKEN, extra_probes=False)
    [target] = report.targets
    assert f"http://evil.example/?t={PLACEHOLDER}" in target.explanation
    for name, shown in every_output(report).items():
        assert ENCODED["quote safe=''"].encode() not in shown, name
