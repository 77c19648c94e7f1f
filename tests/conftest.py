"""Shared test set-up."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
import structlog

from probe import logs
from tests import reaper


def pytest_sessionstart(session: pytest.Session) -> None:
    """Servers an earlier, killed run left behind are stopped before this one starts its own;
    a SIGTERM (CI timeout, kill) unwinds like Ctrl-C, so fixtures stop what they started."""
    for record in reaper.reap_orphans():
        print(f"reaped {record.what} (process group {record.pgid}) left by a killed run")

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Every fixture has stopped its servers by now; one of ours still recorded (an interrupt
    that hit a start-up or a stop halfway) is stopped here rather than by the next run."""
    for record in reaper.reap_orphans():
        print(f"reaped {record.what} (process group {record.pgid}) left running by this run")


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
