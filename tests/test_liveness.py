"""probe.liveness: nonces, signatures and cache headers, checked against the real endpoint."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest

from probe.endpoint_answer import EndpointAnswer
from probe.endpoint_source import load_module
from probe.errors import ErrorKind
from probe.liveness import (
    cache_evidence,
    cache_hit,
    judge,
    new_nonce,
    signature,
    with_liveness,
)
from probe.model import Liveness, Sample, TlsInfo

TOKEN = "s3cr3t-tökén"


def endpoint_answer(*, token: str | None, nonce: str | None) -> EndpointAnswer:
    """What the real contrib endpoint answers (called as WSGI, from loopback)."""
    module = load_module("liveness_endpoint")
    app = module.wrap(lambda environ, start_response: [], label="x", token=token)
    environ: dict[str, Any] = {"REQUEST_METHOD": "GET", "PATH_INFO": "/__probe__",
                               "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http"}
    if token is not None:
        environ["HTTP_X_PROBE_TOKEN"] = token.encode("utf-8").decode("latin-1")
    if nonce is not None:
        environ["HTTP_X_PROBE_NONCE"] = nonce
    body = b"".join(app(environ, lambda status, headers: None))
    return EndpointAnswer.from_json(json.loads(body))


def test_nonces_are_fresh_and_in_the_endpoints_form() -> None:
    nonces = {new_nonce() for _ in range(1000)}
    assert len(nonces) == 1000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16,128}", n) for n in nonces)


def test_signature_matches_the_endpoints() -> None:
    nonce = new_nonce()
    answer = endpoint_answer(token=TOKEN, nonce=nonce)
    assert answer.signature == signature(TOKEN, nonce, answer.instance_id or "")
    assert judge(answer, nonce, TOKEN) is Liveness.LIVE


def test_another_requests_nonce_is_cached() -> None:
    old = endpoint_answer(token=TOKEN, nonce=new_nonce())
    assert judge(old, new_nonce(), TOKEN) is Liveness.CACHED


def test_a_null_nonce_from_an_endpoint_that_knows_the_field_is_cached() -> None:
    answer = endpoint_answer(token=None, nonce=None)
    assert answer.sends_nonce and answer.nonce is None
    assert judge(answer, new_nonce(), None) is Liveness.CACHED


def test_wrong_token_signature_is_forged() -> None:
    nonce = new_nonce()
    answer = endpoint_answer(token="another-token", nonce=nonce)
    assert judge(answer, nonce, TOKEN) is Liveness.FORGED


def test_without_a_token_the_echo_is_enough() -> None:
    nonce = new_nonce()
    assert judge(endpoint_answer(token=None, nonce=nonce), nonce, None) is Liveness.UNSIGNED
    # Signed, but the probe has no token to check it with: the echo still proves it live.
    assert judge(endpoint_answer(token=TOKEN, nonce=nonce), nonce, None) is Liveness.LIVE


def test_unsigned_although_the_probe_has_a_token_is_forged() -> None:
    """A loopback-mode endpoint (no token) answers a probe that holds one: no proof, forged."""
    nonce = new_nonce()
    assert judge(endpoint_answer(token=None, nonce=nonce), nonce, TOKEN) is Liveness.FORGED


def older_endpoint() -> EndpointAnswer:
    raw = dict(endpoint_answer(token=None, nonce=None).raw)
    del raw["nonce"], raw["signature"]
    return EndpointAnswer.from_json(raw)


def test_an_endpoint_older_than_the_nonce_field_is_not_accused_without_a_token() -> None:
    assert judge(older_endpoint(), new_nonce(), None) is Liveness.UNPROVEN


def downgraded(nonce: str, change: str) -> EndpointAnswer:
    """A real signed answer to ``nonce`` with its proof taken apart the way ``change`` says."""
    raw = dict(endpoint_answer(token=TOKEN, nonce=nonce).raw)
    assert raw["signature"]
    if change == "signature null":
        raw["signature"] = None
    elif change == "no signature field":
        del raw["signature"]
    elif change == "signature, nonce null":
        raw["nonce"] = None
    elif change == "signature, no nonce field":
        del raw["nonce"]
    elif change == "neither field":
        del raw["nonce"], raw["signature"]
    elif change == "both null":
        raw["nonce"] = raw["signature"] = None
    return EndpointAnswer.from_json(raw)


DOWNGRADES = ["signature null", "no signature field", "signature, nonce null",
              "signature, no nonce field", "neither field", "both null"]


@pytest.mark.parametrize("change", DOWNGRADES)
def test_with_a_token_a_missing_part_of_the_proof_is_forged(change: str) -> None:
    nonce = new_nonce()
    assert judge(downgraded(nonce, ""), nonce, TOKEN) is Liveness.LIVE  # the real one
    answer = downgraded(nonce, change)
    assert answer.problems == ()  # a valid answer: only its proof is missing
    assert judge(answer, nonce, TOKEN) is Liveness.FORGED
    # with a cache header too: a header anyone can add does not make it less than forged
    assert judge(answer, nonce, TOKEN, cache_evidence({"Age": "5"})) is Liveness.FORGED


HOSTILE = ["é" * 40, "x" * 5000, "\ud800" * 20, "\x00" * 32, "ｎｏｎｃｅ" * 8, "💥" * 64]


@pytest.mark.parametrize("field", ["nonce", "signature", "instance_id"])
@pytest.mark.parametrize("value", HOSTILE, ids=["latin", "5000", "surrogate", "nul", "wide",
                                                "astral"])
@pytest.mark.parametrize("token", [TOKEN, None])
def test_any_text_in_the_proof_gets_a_verdict(field: str, value: str,
                                              token: str | None) -> None:
    nonce = new_nonce()
    raw = dict(endpoint_answer(token=TOKEN, nonce=nonce).raw)
    raw[field] = value
    answer = EndpointAnswer.from_json(raw)
    # compare_digest raises TypeError on non-ASCII str: the judge must not
    verdict = judge(answer, nonce, token)
    if field == "nonce":
        assert verdict is Liveness.CACHED
    elif token is None:
        assert verdict is Liveness.LIVE
    else:
        assert verdict is Liveness.FORGED


def test_a_token_with_bytes_that_are_not_utf_8_signs_as_the_endpoint_does() -> None:
    # os.environ gives undecodable bytes as lone surrogates (surrogateescape)
    token = b"t\xffk".decode("utf-8", "surrogateescape")
    import hashlib
    import hmac

    mine = signature(token, "n" * 32, "id")
    assert mine == hmac.new(b"t\xffk", b"n" * 32 + b"\nid", hashlib.sha256).hexdigest()


@pytest.mark.parametrize("headers", [{"Age": "12"}, {"X-Cache": "HIT from cdn"},
                                     {"CF-Cache-Status": "HIT"}, {"x-cache-status": "hit"}])
def test_an_older_endpoint_with_a_cache_hit_header_is_cached(headers: dict[str, str]) -> None:
    assert judge(older_endpoint(), new_nonce(), None, cache_evidence(headers)) is Liveness.CACHED


@pytest.mark.parametrize("headers", [{"Age": "0"}, {"X-Cache": "MISS"}, {"Via": "1.1 varnish"},
                                     {"Age": "²"}, {"CF-Cache-Status": "DYNAMIC"}])
def test_no_hit(headers: dict[str, str]) -> None:
    assert not cache_hit(cache_evidence(headers))
    assert judge(older_endpoint(), new_nonce(), None, cache_evidence(headers)) \
        is Liveness.UNPROVEN


def test_cache_evidence_names_headers_canonically_and_safely() -> None:
    evidence = cache_evidence({"age": "5", "VIA": "1.1 a\x1b[2J", "Server": "x",
                               "cf-cache-status": "HIT"})
    assert evidence == ("Age: 5", "Via: 1.1 a\\x1b[2J", "CF-Cache-Status: HIT")


@pytest.mark.parametrize("field", ["nonce", "signature"])
def test_a_non_ascii_nonce_or_signature_is_judged_not_raised(field: str) -> None:
    """hmac.compare_digest raises TypeError on non-ASCII text: a hostile answer's nonce or
    signature once stopped the whole sweep; it is an answer not made for this request."""
    nonce = "n" * 32
    fields = {"schema": 1, "instance_id": "i", "pid": 1, "nonce": nonce,
              "signature": signature("tok", nonce, "i")}
    fields[field] = "é" * 32
    answer = EndpointAnswer.from_json(fields)
    expected = Liveness.CACHED if field == "nonce" else Liveness.FORGED
    assert judge(answer, nonce, "tok") is expected


def test_with_liveness_is_replace_of_liveness_alone() -> None:
    # Every field set, each to a value of its own: one put in another's place shows.
    sample = Sample(elapsed_ms=1.5, status_code=200, endpoint=EndpointAnswer.from_json({}),
                    location="/l", error="e", error_kind=ErrorKind.TIMEOUT,
                    liveness=Liveness.UNPROVEN, cache=("Age: 1",),
                    tls=TlsInfo("sni", "CN = x", ("x",)), address="127.0.0.1:80",
                    server="Apache")
    for liveness in Liveness:
        assert with_liveness(sample, liveness) == replace(sample, liveness=liveness)
