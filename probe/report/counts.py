"""How many URLs a report covers, said as URLs: a fleet probes each URL at several addresses,
and "6 URLs" for 2 URLs at 3 addresses would be wrong (each of the 6 is a target)."""

from __future__ import annotations

from probe.model import Report


def url_count(report: Report) -> int:
    return len({t.url for t in report.targets})


def several_addresses(report: Report) -> bool:
    """Whether some URL was probed at more than one address (a fleet)."""
    return len({(t.url, t.address) for t in report.targets}) > url_count(report)


def urls_at(report: Report) -> str:
    """``3 URLs``, or for a fleet ``2 URLs at 3 addresses``."""
    urls = url_count(report)
    text = f"{urls} URL{'s' if urls != 1 else ''}"
    if not several_addresses(report):
        return text
    return f"{text} at {len({t.address for t in report.targets})} addresses"


def scope(report: Report) -> str:
    """``3 URLs``, or for a fleet ``2 URLs at 3 addresses (6 targets)``."""
    if not several_addresses(report):
        return urls_at(report)
    return f"{urls_at(report)} ({len(report.targets)} targets)"


def noun(report: Report, count: int) -> str:
    """What ``count`` of the report's targets are called: URLs, or targets in a fleet."""
    word = "target" if several_addresses(report) else "URL"
    return word if count == 1 else f"{word}s"
