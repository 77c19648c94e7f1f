"""Render a Report: table (people), json (machines), junit (CI systems)."""

from __future__ import annotations

from collections.abc import Iterable

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


def pieces(report: Report, fmt: str, *, color: bool = False,
           width: int | None = None) -> Iterable[str]:
    """:func:`render`'s text in pieces to write one after the other: the JSON report target
    by target (a sweep of a million URLs makes a report of 1.5 GB), the others whole."""
    if fmt == "json":
        from probe.report import json_report

        return json_report.chunks(report)
    return (render(report, fmt, color=color, width=width),)
