"""Without a token, the endpoint answers nobody under waitress.

waitress removes X-Forwarded-For, X-Forwarded-Host/-Proto/-Port/-By and Forwarded from the
request of every peer it does not trust before the application runs
(``clear_untrusted_proxy_headers``, on by default): a tester's nginx in front of waitress
added X-Forwarded-For, the endpoint never saw it, and every client got the answer. The real
servers are in tests/integration/test_endpoint_waitress_nginx.py; here, how waitress is known
and what the opt-in ``WSGI_PROBE_DIRECT_ONLY=1`` changes.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from tests.contrib.test_wsgi_endpoint import Inner, answered, call, environ_for, load_endpoint

BLIND = ("wsgi_endpoint: the server is waitress, which removes X-Forwarded-For, "
         "X-Forwarded-Host/-Proto/-Port/-By and Forwarded")


@pytest.fixture
def we(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    for name in ("WSGI_PROBE_TOKEN", "WSGI_PROBE_TOKEN_FILE", "WSGI_PROBE_DIRECT_ONLY"):
        monkeypatch.delenv(name, raising=False)  # a developer's shell must not matter
    return load_endpoint("wsgi_endpoint_waitress_proxy")


class ReadOnlyFileBasedBuffer:
    """What waitress puts in ``wsgi.file_wrapper`` (waitress.buffers), whatever its ident."""


ReadOnlyFileBasedBuffer.__module__ = "waitress.buffers"


def check_client_disconnected() -> bool:
    return False


WAITRESS_ENVIRONS: dict[str, dict[str, Any]] = {
    "software": {"SERVER_SOFTWARE": "waitress"},
    "client_disconnected": {"SERVER_SOFTWARE": "shop",
                            "waitress.client_disconnected": check_client_disconnected},
    "file_wrapper": {"SERVER_SOFTWARE": "shop", "wsgi.file_wrapper": ReadOnlyFileBasedBuffer},
}


@pytest.mark.parametrize("known_by", list(WAITRESS_ENVIRONS))
def test_no_token_under_waitress_answers_nobody_and_says_why_once(
        we: ModuleType, capsys: pytest.CaptureFixture[str], known_by: str) -> None:
    inner = Inner()
    app = we.wrap(inner)
    for _ in range(3):
        assert not answered(call(app, environ_for(extra=WAITRESS_ENVIRONS[known_by])))
    assert inner.calls == 3
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(BLIND), lines
    assert "Configure a token" in lines[0] and "WSGI_PROBE_DIRECT_ONLY=1" in lines[0]


def test_other_servers_keep_loopback_only(we: ModuleType,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    app = we.wrap(Inner())
    for software in ("gunicorn/23.0.0", "Apache/2.4.62 (Debian) mod_wsgi/5.0.0", "shop"):
        assert answered(call(app, environ_for(SERVER_SOFTWARE=software)))
    assert capsys.readouterr().err == ""


def test_a_token_is_answered_under_waitress(we: ModuleType,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    app = we.wrap(Inner(), token="waitress-token-0123456789")
    assert answered(call(app, environ_for(SERVER_SOFTWARE="waitress",
                                          HTTP_X_PROBE_TOKEN="waitress-token-0123456789",
                                          remote="203.0.113.9")))
    assert not answered(call(app, environ_for(SERVER_SOFTWARE="waitress")))
    assert capsys.readouterr().err == ""


def test_direct_only_opts_in_and_proxy_headers_still_close(
        we: ModuleType, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WSGI_PROBE_DIRECT_ONLY", "1")
    app = we.wrap(Inner())
    for extra in WAITRESS_ENVIRONS.values():
        assert answered(call(app, environ_for(extra=extra)))
        # X-Real-IP and Via survive waitress: still a proxy
        assert not answered(call(app, environ_for(HTTP_X_REAL_IP="203.0.113.9", extra=extra)))
        assert not answered(call(app, environ_for(remote="203.0.113.9", extra=extra)))
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("value", ["yes", "true", "0", "11"])
def test_direct_only_is_1_or_nothing(we: ModuleType, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str], value: str) -> None:
    monkeypatch.setenv("WSGI_PROBE_DIRECT_ONLY", value)
    app = we.wrap(Inner())
    assert capsys.readouterr().err == (
        f"wsgi_endpoint: $WSGI_PROBE_DIRECT_ONLY is {value!r}, not 1; ignored\n")
    assert not answered(call(app, environ_for(SERVER_SOFTWARE="waitress")))


def test_direct_only_does_not_open_a_token_that_failed(
        we: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WSGI_PROBE_DIRECT_ONLY", "1")
    monkeypatch.setenv("WSGI_PROBE_TOKEN", "")
    app = we.wrap(Inner())
    assert not answered(call(app, environ_for(SERVER_SOFTWARE="waitress")))
    assert not answered(call(app, environ_for(SERVER_SOFTWARE="gunicorn/23.0.0")))
