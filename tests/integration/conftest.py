"""Fixtures for the real Apache/mod_wsgi tests.

``apache`` (per test) and ``apache_module`` (per module) are factories: call them with a site
configuration (``@PORT@``/``@SITES@`` placeholders, see ``apache.py``) and get a running
:class:`ApacheServer`; every server a factory started is stopped at the end of its scope.

Where this machine cannot run them the tests skip, saying what is missing; with ``$CI`` (or
``$WSGI_PROBE_REQUIRE_APACHE``, which ``scripts/test-all`` sets) they fail instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NoReturn

import pytest

from .apache import (
    ApacheServer,
    ApacheUnavailable,
    cleanup,
    ensure_venv,
    missing_for_server,
    start_apache,
)
from .wsgi_servers import ensure_servers_venv


def apache_required() -> bool:
    """True where a missing Apache must fail the run rather than skip (CI, scripts/test-all)."""
    return any(os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")
               for name in ("CI", "WSGI_PROBE_REQUIRE_APACHE"))


def unavailable(reason: str) -> NoReturn:
    if apache_required():
        pytest.fail(f"real Apache tests cannot run here: {reason}", pytrace=False)
    pytest.skip(reason)


class ApacheFactory:
    """Starts servers for one fixture scope and stops all of them at its end."""

    def __init__(self, venv: Path) -> None:
        self.venv = venv
        self.servers: list[ApacheServer] = []

    def __call__(self, site_config: str, *, files: Mapping[str, str] | None = None,
                 extra: Mapping[str, str] | None = None) -> ApacheServer:
        try:
            server = start_apache(site_config, venv=self.venv, files=files, extra=extra)
        except ApacheUnavailable as exc:
            unavailable(str(exc))
        self.servers.append(server)
        return server

    def close(self) -> None:
        errors: list[Exception] = []
        while self.servers:
            try:
                cleanup(self.servers.pop())
            except Exception as exc:  # stop the others anyway
                errors.append(exc)
        if errors:
            raise errors[0]


@pytest.fixture(scope="session")
def apache_venv() -> Path:
    """The venv mod_wsgi embeds (built on first use, ~1 minute); skips/fails if impossible."""
    missing = missing_for_server()
    if missing:
        unavailable("cannot run Apache: missing " + ", ".join(missing))
    try:
        return ensure_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))


@pytest.fixture(scope="session")
def servers_venv() -> Path:
    """The venv of the application servers (gunicorn, uWSGI, waitress; built on first use);
    skips/fails if impossible."""
    try:
        return ensure_servers_venv()
    except ApacheUnavailable as exc:
        unavailable(str(exc))


@pytest.fixture
def apache(apache_venv: Path) -> Iterator[ApacheFactory]:
    factory = ApacheFactory(apache_venv)
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture(scope="module")
def apache_module(apache_venv: Path) -> Iterator[ApacheFactory]:
    factory = ApacheFactory(apache_venv)
    try:
        yield factory
    finally:
        factory.close()
