"""The exporter's ``/`` page: the last sweep, for a person at a laptop.

Problems come first, each as a block a person reads top to bottom (the URL, its verdict and
cause, who answered, the explanation, the fix): a table of nine columns ran its explanation
and fix off a 1280-pixel window. The findings follow, then the healthy URLs as a short list.

Every value shown can come from a server being probed (an endpoint may answer
anything), so every value goes through ``html.escape`` and the page is served
with a Content-Security-Policy that allows no script at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from probe.model import Report, TargetResult
from probe.report.counts import scope, several_addresses
from probe.safe_text import one_line
from probe.urls import public_url

CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'"

_STYLE = """
body { font-family: sans-serif; margin: 1.5em auto; max-width: 62em; padding: 0 1em;
       line-height: 1.4; }
.problem { border-left: .35em solid #b00; background: #fdf3f3; margin: 1em 0;
           padding: .5em 1em; }
.problem h3 { margin: .2em 0; font-size: 1.05em; }
.url { white-space: nowrap; font-family: monospace; }
.verdict { color: #b00; font-weight: bold; }
.facts { margin: .3em 0; display: grid; grid-template-columns: max-content 1fr;
         gap: .1em 1em; }
.facts dt { color: #555; }
.facts dd { margin: 0; }
.fix { background: #fff; border: 1px solid #e5c7c7; padding: .4em .6em; }
ul.ok { columns: 2 24em; padding-left: 1.2em; }
ul.ok .verdict { color: #070; font-weight: normal; }
.status { padding: .1em .5em; border-radius: .2em; color: #fff; font-weight: bold; }
.status-ok { background: #070; }
.status-warning { background: #a60; }
.status-critical { background: #b00; }
.status-unknown { background: #707; }
"""


def _e(value: object) -> str:
    # html.escape leaves control characters (ESC, BEL) as they are: escaped here first.
    return escape("" if value is None else one_line(str(value), limit=None), quote=True)


def render_page(report: Report | None, finished_at: float | None, *, manifest: str,
                version: str, complete: bool = True) -> str:
    """The whole HTML document; ``complete`` False marks a sweep that ran out of time."""
    if report is None or finished_at is None:
        body = "<p>No sweep has finished yet: the first scrape of /metrics starts one.</p>"
    else:
        body = _summary(report, finished_at, complete) + _problems(report) + _findings(report)
        body += _healthy(report)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width\">"
        f"<title>wsgi-probe exporter</title><style>{_STYLE}</style></head><body>"
        f"<h1>wsgi-probe exporter</h1><p>Manifest {_e(manifest)}, version {_e(version)}. "
        "<a href=\"metrics\">/metrics</a> runs a sweep; "
        "<code>/probe?target=URL</code> probes one URL; "
        "<a href=\"exporter/metrics\">/exporter/metrics</a> is the exporter itself.</p>"
        f"{body}</body></html>\n"
    )


def _summary(report: Report, finished_at: float, complete: bool) -> str:
    when = datetime.fromtimestamp(finished_at, UTC).isoformat(timespec="seconds")
    problems = len(report.problems)
    text = (f"<p>Last sweep finished {_e(when)} in {report.duration_s:.2f} s: "
            f"{_e(scope(report))}, {problems} problem{'' if problems == 1 else 's'}, "
            f"status <span class=\"status status-{_e(report.status.value)}\">"
            f"{_e(report.status.value.upper())}</span>.</p>")
    if not complete:
        text += ("<p><b>Incomplete:</b> the sweep ran out of the scrape's time; URLs "
                 "without an answer by then are shown unreachable.</p>")
    return text


def _expected(target: TargetResult) -> str:
    return {None: "(refused)", "*": "(any)"}.get(target.expected, target.expected) or ""


def _verdict(target: TargetResult) -> str:
    cause = f" ({target.cause_text})" if target.cause_text else ""
    return f"{target.verdict.value}{cause}"


def _problems(report: Report) -> str:
    """One block per problem URL (and address), in manifest order."""
    if not report.problems:
        return ""
    blocks = []
    fleet = several_addresses(report)
    for target in report.problems:
        at = f" at {target.address}" if fleet and target.address else ""
        facts = [("expected", _expected(target)),
                 ("answered by", target.answered_by or "no endpoint answered"),
                 ("answer", "no HTTP answer" if target.status_code is None
                  else f"HTTP {target.status_code}, {target.elapsed_ms:.1f} ms"),
                 ("address", target.address or "where DNS said")]
        rows = "".join(f"<dt>{_e(k)}</dt><dd class=\"fact-{_e(k.replace(' ', '-'))}\">"
                       f"{_e(v)}</dd>" for k, v in facts)
        fix = f"<p class=\"fix\"><b>Fix:</b> {_e(target.fix)}</p>" if target.fix else ""
        blocks.append(
            f"<article class=\"problem\"><h3><span class=\"url\">{_e(public_url(target.url))}"
            f"</span>{_e(at)}: <span class=\"verdict\">{_e(_verdict(target))}</span></h3>"
            f"<dl class=\"facts\">{rows}</dl>"
            f"<p class=\"explanation\">{_e(target.explanation)}</p>{fix}</article>")
    return f"<h2>Problems ({len(blocks)})</h2>" + "\n".join(blocks)


def _findings(report: Report) -> str:
    if not report.findings:
        return ""
    items = "".join(
        f"<li><b>{_e(f.severity.value)}: {_e(f.code)}</b> ({_e(', '.join(f.instances))}): "
        f"{_e(f.explanation)}</li>" for f in report.findings)
    return f"<h2>Findings ({len(report.findings)})</h2><ul class=\"findings\">{items}</ul>"


def _healthy(report: Report) -> str:
    """The ok URLs, one short line each: who answered (or refused), and where."""
    ok = [t for t in report.targets if t.ok]
    if not ok:
        return ""
    items = []
    fleet = several_addresses(report)
    for target in ok:
        who = ("refused as required" if target.expected is None
               else f"answered by {target.answered_by or _expected(target)}")
        at = f" at {target.address}" if fleet and target.address else ""
        items.append(f"<li><span class=\"url\">{_e(public_url(target.url))}</span>{_e(at)}: "
                     f"<span class=\"verdict\">ok</span>, {_e(who)}</li>")
    return f"<h2>OK ({len(ok)})</h2><ul class=\"ok\">{''.join(items)}</ul>"
