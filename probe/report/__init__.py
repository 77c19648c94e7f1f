"""Render a Report: table (people), json (machines), junit (CI systems)."""

from __future__ import annotations

from probe.model import Report


def render(report: Report, fmt: str, *, color: bool = False, width: int | None = None) -> str:
    """The report as text in ``fmt`` (``table``, ``json`` or ``junit``); ``width`` is the
    table's (None: no limit)."""
    if fmt == "json":
        from probe.report import json_report

        return json_report.render(report)
    if fmt == "junit":
        from probe.report import junit

        return junit.render(report)
    if fmt == "table":
        from probe.report import table

        return table.render(report, color=color, width=width)
    raise ValueError(f"unknown report format {fmt!r}")
