"""Shared test set-up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog


@pytest.fixture(autouse=True)
def _fresh_structlog() -> Iterator[None]:
    """Commands run in-process configure structlog for the whole process; undo it per test."""
    yield
    structlog.reset_defaults()
