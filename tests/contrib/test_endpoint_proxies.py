"""contrib/wsgi_endpoint.py without a token, behind a reverse proxy on the same machine.

Such a proxy connects from loopback on behalf of anyone: a request that carries a header by
which a proxy says it forwarded it is not authorised by its loopback address alone, in any
spelling a server may give the header in the environ. The same request with the token is.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

from tests.contrib.test_wsgi_endpoint import (
    INNER_BODY,
    Inner,
    answered,
    call,
    environ_for,
    load_endpoint,
    serving,
)


@pytest.fixture
def we(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    for name in ("WSGI_PROBE_TOKEN", "WSGI_PROBE_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)  # a developer's shell must not change the tests
    return load_endpoint()


# Every proxy header, each in the spellings servers really produce: the CGI key (dash or
# underscore on the wire map to it), and the odd ones (lower case, dashes kept, no prefix).
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
                 "X-Forwarded-Port", "X-Forwarded-Server", "X-Real-IP", "Via", "X-Client-IP",
                 "X-Cluster-Client-IP", "True-Client-IP", "CF-Connecting-IP")


def spellings(header: str) -> list[str]:
    cgi = "HTTP_" + header.upper().replace("-", "_")
    return [cgi, cgi.lower(), "HTTP_" + header, "http-" + header.lower(),
            header.upper().replace("-", "_")]


SPELLED = [key for header in PROXY_HEADERS for key in spellings(header)]


@pytest.mark.parametrize("value", ["203.0.113.9", "", "127.0.0.1"])
@pytest.mark.parametrize("key", SPELLED)
def test_a_proxy_header_makes_loopback_not_enough(we: ModuleType, key: str, value: str) -> None:
    inner = Inner()
    response = call(we.wrap(inner), environ_for(remote="127.0.0.1", extra={key: value}))
    assert not answered(response)
    assert inner.calls == 1


@pytest.mark.parametrize("key", SPELLED)
def test_with_the_token_a_proxied_request_is_answered(we: ModuleType, key: str) -> None:
    app = we.wrap(Inner(), token="s3cret-token")
    environ = environ_for(remote="127.0.0.1", extra={key: "203.0.113.9"},
                          HTTP_X_PROBE_TOKEN="s3cret-token")
    assert answered(call(app, environ))


@pytest.mark.parametrize("key", [
    "HTTP_X_FORWARDED", "HTTP_FORWARDED_FOR", "HTTP_VIAX", "HTTP_X_REAL_IPV6", "HTTP_XVIA",
    "HTTP_X_PROBE_NONCE", "HTTP_ACCEPT", "HTTP_X_REQUEST_ID", "SERVER_NAME",
])
def test_other_headers_do_not_count(we: ModuleType, key: str) -> None:
    # Names that merely contain a proxy header's name are not one (HTTP_X_FORWARDED is
    # the only exception: any X-Forwarded* is a proxy's).
    expected = key == "HTTP_X_FORWARDED"
    environ = environ_for(remote="127.0.0.1", extra={key: "x"})
    assert answered(call(we.wrap(Inner()), environ)) is not expected


def test_a_key_with_a_line_break_cannot_hide_a_proxy_header(we: ModuleType) -> None:
    extra: dict[str, Any] = {"HTTP_A\nB": "x", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert not answered(call(we.wrap(Inner()), environ_for(extra=extra)))


def test_a_non_string_key_is_no_error(we: ModuleType) -> None:
    # PEP 3333 says str keys; a server that breaks that must still get an answer, not a raise.
    environ = environ_for()
    environ[1] = "odd"  # type: ignore[index]  # the point: a key of the wrong type
    assert answered(call(we.wrap(Inner()), environ))


def test_wsgiref_maps_the_underscore_spellings_onto_the_same_keys(we: ModuleType) -> None:
    """Why a front proxy must strip X_Probe_Token as well as X-Probe-Token: a server like
    wsgiref gives both the same environ key. (And a client's X_Forwarded_For counts.)"""
    with requests.Session() as http:
        http.trust_env = False
        with serving(we.wrap(Inner(), token="t0ken")) as base:
            underscore = http.get(f"{base}/__probe__", headers={"X_Probe_Token": "t0ken"},
                                  timeout=10)
            assert underscore.status_code == 200 and underscore.json()["hits"] == 1
        with serving(we.wrap(Inner())) as base:
            assert http.get(f"{base}/__probe__", timeout=10).status_code == 200
            proxied = http.get(f"{base}/__probe__", headers={"X_Forwarded_For": "203.0.113.9"},
                               timeout=10)
            assert (proxied.status_code, proxied.content) == (404, INNER_BODY)


# A variable set but empty (envvars' ``export WSGI_PROBE_TOKEN=$TOKEN`` with TOKEN unset)
# made the endpoint loopback-only: open to everyone behind a proxy that adds no header.
@pytest.mark.parametrize("empty", [("WSGI_PROBE_TOKEN",), ("WSGI_PROBE_TOKEN_FILE",),
                                   ("WSGI_PROBE_TOKEN", "WSGI_PROBE_TOKEN_FILE")])
@pytest.mark.parametrize("value", ["", " \n"])
def test_a_token_variable_set_but_empty_authorises_nobody(
        we: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        empty: tuple[str, ...], value: str) -> None:
    for name in empty:
        monkeypatch.setenv(name, value)
    inner = Inner()
    app = we.wrap(inner)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("wsgi_endpoint: ")
    assert all(f"${name}" in err for name in empty) and "answers nobody" in err
    for extra in ({}, {"HTTP_X_PROBE_TOKEN": ""}, {"HTTP_X_PROBE_TOKEN": value}):
        assert not answered(call(app, environ_for(remote="127.0.0.1", extra=extra)))
    assert inner.calls == 3


def test_an_empty_token_variable_leaves_the_token_file_variable_in_charge(
        we: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "token").write_text("from-the-file\n", encoding="utf-8")
    (tmp_path / "token").chmod(0o640)
    monkeypatch.setenv("WSGI_PROBE_TOKEN", "")
    monkeypatch.setenv("WSGI_PROBE_TOKEN_FILE", str(tmp_path / "token"))
    app = we.wrap(Inner())
    assert capsys.readouterr().err == ""
    assert not answered(call(app, environ_for(remote="127.0.0.1")))
    assert answered(call(app, environ_for(remote="203.0.113.9",
                                          HTTP_X_PROBE_TOKEN="from-the-file")))
