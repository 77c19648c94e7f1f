"""Shared test set-up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog

from probe import logs


@pytest.fixture(autouse=True)
def _fresh_structlog() -> Iterator[None]:
    """Commands run in-process configure structlog for the whole process; undo it per test."""
    yield
    structlog.reset_defaults()
    logs.reset()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's shell must not decide a test: token, settings and proxy variables."""
    for name in ("WSGI_PROBE_TOKEN", "WSGI_PROBE_TOKEN_FILE", "DJANGO_SETTINGS_MODULE",
                 "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
