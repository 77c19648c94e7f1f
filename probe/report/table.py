"""``--format table``: what a person reads during an incident.

One row per URL, then for each problem what it means and what to change, so
the reader needs nothing else to fix httpd.conf.
"""

from __future__ import annotations

import io
import shutil
import textwrap

from rich.console import Console
from rich.table import Table
from rich.text import Text

from probe.addresses import is_fleet
from probe.model import EndpointAnswer, Report, Status, TargetResult
from probe.safe_text import printable

STYLES = {Status.OK: "green", Status.WARNING: "yellow", Status.CRITICAL: "bold red",
          Status.UNKNOWN: "magenta"}


def render(report: Report, *, color: bool = False, width: int | None = None) -> str:
    out = io.StringIO()
    # On a terminal the table fits the screen; in a file or pipe it keeps its
    # natural width, since nothing is gained by cutting it.
    if width is None:
        width = shutil.get_terminal_size((100, 40)).columns if color else 250
    text_width = min(width, 110)
    # Only the middle columns give way; a screen narrower than URL and verdict need
    # gets longer lines rather than cut URLs (rich crops what does not fit).
    width = max(width, _needed_width(report))
    console = Console(
        file=out,
        force_terminal=color,
        no_color=not color,
        width=width,
        highlight=False,
        soft_wrap=False,
    )
    fleet = is_fleet((t.url, t.address) for t in report.targets)
    console.print(_table(report, fleet))
    problems = report.problems
    for number, target in enumerate(problems, 1):
        console.print()
        verdict = _verdict(target)
        at = f" at {target.address}" if target.url in fleet else ""
        console.print(Text.assemble((f"[{number}] {printable(target.url)}{at}: ", "bold"),
                                    (verdict, "red")))
        console.print(Text(_paragraph(target.explanation, text_width)))
        if target.fix:
            console.print(Text(_paragraph("Fix: " + target.fix, text_width)))
    for finding in report.findings:
        console.print()
        style = STYLES[finding.severity]
        console.print(Text.assemble((f"{finding.severity.value.upper()} ", style),
                                    (printable(finding.code), "bold")))
        console.print(Text(_paragraph(finding.explanation, text_width)))
    console.print()
    status = report.status
    summary = (f"{status.value.upper()}: {_count(len(report.targets), 'URL')}, "
               f"{len(report.targets) - len(problems)} ok, {_count(len(problems), 'problem')}, "
               f"{_count(len(report.findings), 'finding')} in {report.duration_s:.2f}s")
    if report.interrupted:
        summary += " (interrupted: partial results)"
    console.print(Text(summary, style=STYLES[status]))
    return "\n".join(line.rstrip() for line in out.getvalue().split("\n"))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _paragraph(text: str, width: int) -> str:
    """Indented and wrapped by hand: rich would pad every wrapped line with spaces.

    Printed as a rich Text, never as markup: a server's words may hold ``[``.
    """
    first, *rest = printable(text).split("\n")
    wrapped = textwrap.fill(first, width=width - 1, initial_indent="    ",
                            subsequent_indent="    ")
    # Further lines are a config snippet: keep them verbatim, indented under the text.
    return "\n".join([wrapped, *("        " + line for line in rest)])


def _table(report: Report, fleet: set[str]) -> Table:
    table = Table(show_lines=False, header_style="bold", pad_edge=True, expand=False)
    # The URL and the verdict are what a reader scans for: never break them.
    table.add_column("URL", no_wrap=True)
    if fleet:
        # A fleet's rows of one URL follow each other; the URL is written on the first only.
        table.add_column("address", no_wrap=True)
    # Wrappable (a value is one word, so it is cut with an ellipsis rather than
    # wrapped): rich narrows these before it would cut the URL or the verdict.
    for column in ("expected", "answered by", "pid", "settings"):
        table.add_column(column, overflow="ellipsis", min_width=MIN_WIDTH)
    table.add_column("verdict", no_wrap=True)
    previous = None
    for target in report.targets:
        style = "green" if target.ok else "red"
        first = printable(target.url) if target.url != previous or not fleet else ""
        previous = target.url
        # Text cells: a plain str cell would be read as rich markup.
        table.add_row(
            Text(first),
            *([Text(target.address or "-")] if fleet else []),
            Text(printable(target.expected or "(refuse)")),
            Text(printable(target.answered_by or "-")),
            Text(",".join(map(str, target.pids)) or "-"),
            Text(printable(_settings(target))),
            Text(_verdict(target), style=style),
        )
    return table


MIN_WIDTH = 5


def _needed_width(report: Report) -> int:
    """URL and verdict at full width, the other four columns at their minimum, borders."""
    fleet = is_fleet((t.url, t.address) for t in report.targets)
    url = max((len(printable(t.url)) + (len(t.address or "") + 3 if fleet else 0)
               for t in report.targets), default=0)
    verdict = max((len(_verdict(t)) for t in report.targets), default=0)
    return max(url, 3) + max(verdict, 7) + 4 * MIN_WIDTH + 6 * 2 + 7


def _settings(target: TargetResult) -> str:
    if target.observed is None:
        return "-"
    return EndpointAnswer.from_json(target.observed).settings or "-"


def _verdict(target: TargetResult) -> str:
    if target.cause:
        return f"{target.verdict.value} ({target.cause.value})"
    return target.verdict.value
