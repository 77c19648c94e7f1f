"""The exporter's ``/`` page: the last sweep as a table, for people.

Every value shown can come from a server being probed (an endpoint may answer
anything), so every value goes through ``html.escape`` and the page is served
with a Content-Security-Policy that allows no script at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from probe.model import Report, TargetResult
from probe.urls import public_url

CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'"

_STYLE = """
body { font-family: sans-serif; margin: 1.5em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: .3em .6em; text-align: left; vertical-align: top; }
tr.problem td.verdict { color: #b00; font-weight: bold; }
tr.ok td.verdict { color: #070; }
td.url { white-space: nowrap; }
.status { padding: .1em .5em; border-radius: .2em; color: #fff; font-weight: bold; }
.status-ok { background: #070; }
.status-warning { background: #a60; }
.status-critical { background: #b00; }
.status-unknown { background: #707; }
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def render_page(report: Report | None, finished_at: float | None, *, manifest: str,
                version: str, complete: bool = True) -> str:
    """The whole HTML document; ``complete`` False marks a sweep that ran out of time."""
    if report is None or finished_at is None:
        body = "<p>No sweep has finished yet: the first scrape of /metrics starts one.</p>"
    else:
        when = datetime.fromtimestamp(finished_at, UTC).isoformat(timespec="seconds")
        summary = (f"<p>Last sweep finished {_e(when)} in {report.duration_s:.2f} s: "
                   f"{_count(len(report.targets), 'URL')}, "
                   f"{_count(len(report.problems), 'problem')}, "
                   f"status <span class=\"status status-{_e(report.status.value)}\">"
                   f"{_e(report.status.value.upper())}</span>.</p>")
        if not complete:
            summary += ("<p><b>Incomplete:</b> the sweep ran out of the scrape's time; URLs "
                        "without an answer by then are shown unreachable.</p>")
        # Problems first: they are what the reader came for; the rest keeps manifest order.
        ordered = sorted(report.targets, key=lambda t: t.ok)
        rows = "\n".join(_row(t) for t in ordered)
        findings = "".join(
            f"<li>{_e(f.severity.value)}: {_e(f.code)} ({_e(', '.join(f.instances))}): "
            f"{_e(f.explanation)}</li>" for f in report.findings)
        body = (summary
                + "<table><thead><tr><th>URL</th><th>expected</th><th>verdict</th>"
                  "<th>cause</th><th>answered by</th><th>ms</th><th>explanation</th>"
                  "<th>fix</th><th>address</th></tr></thead>\n<tbody>\n" + rows
                + "\n</tbody></table>"
                + (f"<h2>Findings</h2><ul>{findings}</ul>" if findings else ""))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>wsgi-probe exporter</title><style>{_STYLE}</style></head><body>"
        f"<h1>wsgi-probe exporter</h1><p>Manifest {_e(manifest)}, version {_e(version)}. "
        "<a href=\"metrics\">/metrics</a> runs a sweep; "
        "<code>/probe?target=URL</code> probes one URL.</p>"
        f"{body}</body></html>\n"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _row(target: TargetResult) -> str:
    expected = {None: "(refused)", "*": "(any)"}.get(target.expected, target.expected)
    css = "ok" if target.ok else "problem"
    cells = [
        public_url(target.url),
        expected,
        target.verdict.value,
        target.cause_text or "",
        target.answered_by or "",
        f"{target.elapsed_ms:.1f}",
        target.explanation,
        target.fix,
        target.address or "",  # last: a fleet's column, added after the others
    ]
    # The URL never wraps (a browser would break it at its hyphens: "site-" / "1.example").
    classes = {0: " class=\"url\"", 2: " class=\"verdict\""}
    tds = "".join(f"<td{classes.get(i, '')}>{_e(c)}</td>" for i, c in enumerate(cells))
    return f"<tr class=\"{css}\">{tds}</tr>"
