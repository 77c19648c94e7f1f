"""Render a Report: table (people), json (machines), junit (CI systems)."""

from __future__ import annotations

from probe.model import Report


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    """The report as text in ``fmt`` (``table``, ``json`` or ``junit``)."""
    raise NotImplementedError("reports are being written")
