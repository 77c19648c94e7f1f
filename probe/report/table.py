"""``--format table``: what a person reads during an incident.

One row per URL, problems first, then for each problem what it means and what to change,
so the reader needs nothing else to fix httpd.conf; the overall status last, coloured.

Rendered for the width it is given (the CLI passes the terminal's; None: no limit). Nothing
a reader acts on is ever cut or broken: not a URL (not even at its hyphens), not an
instance name, not a verdict. Instead, as the width shrinks, the layout gives way:

1. the full table (URL, expected, answered by, pid, settings, verdict);
2. without the pid and settings columns, which move under the table, into each problem's
   paragraph;
3. one block per URL: the URL on its own line, then its verdict and instances, wrapped.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from probe.addresses import is_fleet
from probe.model import Report, Status, TargetResult
from probe.safe_text import printable

STYLES = {Status.OK: "green", Status.WARNING: "yellow", Status.CRITICAL: "bold red",
          Status.UNKNOWN: "magenta"}

TEXT_MAX = 100
"""Paragraphs are wrapped at most this wide, even on a wider screen: long lines read badly."""

UNLIMITED = 10_000
INDENT = "    "


def render(report: Report, *, color: bool = False, width: int | None = None) -> str:
    targets = problems_first(report.targets)
    fleet = is_fleet((t.url, t.address) for t in targets)
    limit = width or UNLIMITED
    text_width = min(limit, TEXT_MAX)
    out = io.StringIO()
    console = Console(file=out, force_terminal=color, no_color=not color, width=limit,
                      highlight=False, soft_wrap=True)
    wide = _table(targets, detail=True, fleet=fleet)
    narrow = _table(targets, detail=False, fleet=fleet)
    moved = False
    if _natural_width(wide) <= limit:
        console.print(wide)
    elif _natural_width(narrow) <= limit:
        console.print(narrow)
        moved = True
    else:
        for target in targets:
            console.print(_block(target, limit, fleet))
        moved = True
    for number, target in enumerate(report.problems, 1):
        console.print()
        at = f" at {target.address}" if target.url in fleet else ""
        head = f"[{number}] {printable(target.url)}{at}:"
        # Too narrow for both on a line: the verdict goes under the URL (neither is cut).
        gap = " " if len(head) + 1 + len(_verdict(target)) <= limit else "\n" + INDENT
        console.print(Text.assemble((head, "bold"), gap, (_verdict(target), "red")))
        # Text, never markup: a server's words may hold "[".
        if moved and (detail := _detail(target)):
            console.print(Text(_paragraph(detail, text_width)))
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
    console.print(Text(_summary(report), style=STYLES[report.status]))
    return "\n".join(line.rstrip() for line in out.getvalue().split("\n"))


def problems_first(targets: Sequence[TargetResult]) -> list[TargetResult]:
    """Problem URLs, then the rest, each in manifest order.

    A URL probed at several addresses keeps its rows together (first when any is a problem).
    """
    failing = {t.url for t in targets if not t.ok}
    return sorted(targets, key=lambda t: t.url not in failing)


def _summary(report: Report) -> str:
    problems = len(report.problems)
    text = (f"{report.status.value.upper()}: {_count(len(report.targets), 'URL')}, "
            f"{len(report.targets) - problems} ok, {_count(problems, 'problem')}, "
            f"{_count(len(report.findings), 'finding')} in {report.duration_s:.2f}s")
    if report.interrupted:
        text += " (interrupted: partial results)"
    return text


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _wrap(text: str, width: int, indent: str, subsequent: str | None = None) -> str:
    # Whole words only: a URL or an instance name is never split, not even at a hyphen.
    return textwrap.fill(text, width=max(width - 1, len(indent) + 20), initial_indent=indent,
                         subsequent_indent=indent if subsequent is None else subsequent,
                         break_on_hyphens=False, break_long_words=False)


def _paragraph(text: str, width: int) -> str:
    """Indented and wrapped by hand: rich would pad every wrapped line with spaces.

    Printed as a rich Text, never as markup: a server's words may hold ``[``.
    """
    first, *rest = printable(text).split("\n")
    # Further lines are a config snippet: keep them verbatim, indented under the text.
    return "\n".join([_wrap(first, width, INDENT), *(INDENT * 2 + line for line in rest)])


def _table(targets: Sequence[TargetResult], *, detail: bool, fleet: set[str]) -> Table:
    table = Table(show_lines=False, header_style="bold", pad_edge=True, expand=False)
    # Every cell is one word a reader acts on: never wrapped, never cut (the layout gives
    # way instead, see the module docstring).
    columns = ["URL", *(["address"] if fleet else []), "expected", "answered by",
               *(["pid", "settings"] if detail else []), "verdict"]
    for column in columns:
        table.add_column(column, no_wrap=True, overflow="ignore")
    previous = None
    for target in targets:
        style = "green" if target.ok else "red"
        extra = [",".join(map(str, target.pids)) or "-", _settings(target)] if detail else []
        # A fleet's rows of one URL follow each other: the URL is written on the first only.
        url = "" if fleet and target.url == previous else printable(target.url)
        previous = target.url
        address = [Text(target.address or "-")] if fleet else []
        # Text cells: a plain str cell would be read as rich markup.
        table.add_row(Text(url), *address, Text(_expected(target)),
                      Text(printable(target.answered_by or "-")), *map(Text, extra),
                      Text(_verdict(target), style=style))
    return table


def _natural_width(table: Table) -> int:
    out = io.StringIO()
    Console(file=out, width=UNLIMITED, no_color=True, highlight=False).print(table)
    return max((len(line.rstrip()) for line in out.getvalue().splitlines()), default=0)


def _block(target: TargetResult, width: int, fleet: set[str]) -> Text:
    """The narrowest layout: the URL alone on a line, then what was meant and what happened."""
    line = f"{_verdict(target)}: expected {_expected(target)}"
    if target.answered_by:
        line += f", answered by {printable(target.answered_by)}"
    at = f" at {target.address}" if target.url in fleet else ""
    text = Text(printable(target.url) + at, style="bold")
    text.append("\n")
    text.append(_wrap(line, width, INDENT), style="green" if target.ok else "red")
    return text


def _detail(target: TargetResult) -> str:
    """What the narrow layouts leave out of the table: pids and settings."""
    parts = []
    if target.pids:
        parts.append("pid " + ", ".join(map(str, target.pids)))
    settings = _settings(target)
    if settings != "-":
        parts.append(f"settings {settings}")
    return "Seen: " + "; ".join(parts) + "." if parts else ""


def _expected(target: TargetResult) -> str:
    return printable(target.expected or "(refuse)")


def _settings(target: TargetResult) -> str:
    if target.observed is None:
        return "-"
    return target.observed.settings or "-"


def _verdict(target: TargetResult) -> str:
    if target.cause:
        return f"{target.verdict.value} ({target.cause.value})"
    return target.verdict.value
