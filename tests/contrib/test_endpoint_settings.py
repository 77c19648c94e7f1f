"""A bad wrap() setting never takes the application down.

``application = wsgi_endpoint.wrap(application, ...)`` runs while the server loads the
application: a tester's ``segment='a/b'``, ``''``, ``None`` or ``b'__probe__'`` raised
ValueError, and ``token_file=123`` or a list TypeError, so gunicorn's worker failed to boot.
Others were taken silently: ``token=b'secret'`` became the token ``"b'secret'"``, and
``segment=' __probe__'`` or ``'.'`` never matched a request. Now each keeps the application
serving, the endpoint answering nobody, with one line on stderr naming the setting and why.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from tests.contrib.test_wsgi_endpoint import Inner, answered, call, environ_for, load_endpoint


@pytest.fixture
def we(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    for name in ("WSGI_PROBE_TOKEN", "WSGI_PROBE_TOKEN_FILE", "WSGI_PROBE_DIRECT_ONLY"):
        monkeypatch.delenv(name, raising=False)  # a developer's shell must not matter
    return load_endpoint("wsgi_endpoint_settings")


def wrapped_with(we: ModuleType, capsys: pytest.CaptureFixture[str], **settings: Any
                 ) -> tuple[Inner, Any, list[str]]:
    """The application wrapped with ``settings`` (which must not raise), and the endpoint's
    stderr lines."""
    inner = Inner()
    app = we.wrap(inner, **settings)
    lines = [line for line in capsys.readouterr().err.splitlines() if line]
    return inner, app, lines


def assert_serves_and_answers_nobody(inner: Inner, app: Any, **headers: str) -> None:
    for remote in ("127.0.0.1", "203.0.113.9"):
        assert not answered(call(app, environ_for("/__probe__", remote=remote,
                                                  extra=dict(headers))))
    assert not answered(call(app, environ_for("/", remote="127.0.0.1")))
    assert inner.calls == 3


@pytest.mark.parametrize("segment", ["a/b", "", None, b"__probe__", " __probe__", "__probe__ ",
                                     ".", "..", "__probe__\n", "a%2Fb", 7])
def test_a_bad_segment_keeps_the_application_and_says_why(
        we: ModuleType, capsys: pytest.CaptureFixture[str], segment: object) -> None:
    inner, app, lines = wrapped_with(we, capsys, segment=segment)
    assert_serves_and_answers_nobody(inner, app)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"wsgi_endpoint: wrap(segment={segment!r}) is "), lines
    assert lines[0].endswith("; the probe endpoint answers nobody"), lines


@pytest.mark.parametrize("segment", ["health-x", "probe.v1", "__probe__", "~me", "a:b@c"])
def test_a_good_segment_still_selects_the_endpoint(
        we: ModuleType, capsys: pytest.CaptureFixture[str], segment: str) -> None:
    inner, app, lines = wrapped_with(we, capsys, segment=segment)
    assert lines == []
    assert answered(call(app, environ_for("/app/" + segment)))
    assert inner.calls == 0


@pytest.mark.parametrize(("token_file", "kind"), [(123, "int"), (["/etc/hostname"], "list"),
                                                  (object(), "object"), (1.5, "float")])
def test_a_token_file_that_is_not_a_path_answers_nobody(
        we: ModuleType, capsys: pytest.CaptureFixture[str], token_file: object,
        kind: str) -> None:
    inner, app, lines = wrapped_with(we, capsys, token_file=token_file)
    assert_serves_and_answers_nobody(inner, app)
    assert lines == [f"wsgi_endpoint: wrap(token_file=...) is of type {kind}, not a path; "
                     "the probe endpoint answers nobody"]


@pytest.mark.parametrize(("token", "kind"), [(12345, "int"), (object(), "object"),
                                             (["secret"], "list")])
def test_a_token_that_is_not_text_answers_nobody(
        we: ModuleType, capsys: pytest.CaptureFixture[str], token: object, kind: str) -> None:
    inner, app, lines = wrapped_with(we, capsys, token=token)
    assert_serves_and_answers_nobody(inner, app, HTTP_X_PROBE_TOKEN=str(token))
    assert lines == [f"wsgi_endpoint: wrap(token=...) is of type {kind}, not str; "
                     "the probe endpoint answers nobody"]


def test_a_bytes_token_is_its_utf8_text_never_its_repr(
        we: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    inner, app, lines = wrapped_with(we, capsys, token="sécret-tøken".encode())
    assert lines == []
    assert not answered(call(app, environ_for(HTTP_X_PROBE_TOKEN="b's\\xc3\\xa9cret-t\\xc3"
                                                                 "\\xb8ken'")))
    assert not answered(call(app, environ_for()))  # a token: loopback alone is not enough
    # WSGI gives header values as latin-1 text of the bytes on the wire
    wire = "sécret-tøken".encode().decode("latin-1")
    assert answered(call(app, environ_for(HTTP_X_PROBE_TOKEN=wire)))
    assert inner.calls == 2


def test_bytes_that_are_not_utf8_answer_nobody(
        we: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    inner, app, lines = wrapped_with(we, capsys, token=b"\xff\xfe")
    assert_serves_and_answers_nobody(inner, app, HTTP_X_PROBE_TOKEN="\xff\xfe")
    assert lines == ["wsgi_endpoint: wrap(token=...) is bytes that are not UTF-8; "
                     "the probe endpoint answers nobody"]


def test_a_misspelt_setting_answers_nobody(
        we: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    # tokenfile= for token_file=: a token was meant, so not even loopback is answered
    inner, app, lines = wrapped_with(we, capsys, tokenfile="/x", lable="a")
    assert_serves_and_answers_nobody(inner, app)
    assert lines == ["wsgi_endpoint: wrap() has no setting lable, tokenfile; "
                     "the probe endpoint answers nobody"]


def test_any_failure_while_wrapping_leaves_the_application(
        we: ModuleType, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a bug in the endpoint")

    monkeypatch.setattr(we, "_Copy", broken)
    inner = Inner()
    assert we.wrap(inner) is inner
    assert capsys.readouterr().err == (
        "wsgi_endpoint: wrap() failed (RuntimeError); the probe endpoint answers nobody\n")
