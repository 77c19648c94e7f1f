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

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from probe.addresses import is_fleet
from probe.model import Report, Status, TargetResult
from probe.report.counts import scope
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
    wide = _Grid(targets, detail=True, fleet=fleet)
    moved = False
    if wide.width <= limit:
        console.print(wide.text())
    elif (narrow := _Grid(targets, detail=False, fleet=fleet)).width <= limit:
        console.print(narrow.text())
        moved = True
    else:
        for target in targets:
            console.print(_block(target, limit, fleet))
        moved = True
    # One Text for every problem, printed once: a print per line cost 0.7 ms per problem.
    section = Text()
    for number, target in enumerate(report.problems, 1):
        at = f" at {target.address}" if target.url in fleet else ""
        head = f"[{number}] {printable(target.url)}{at}:"
        # Too narrow for both on a line: the verdict goes under the URL (neither is cut).
        gap = " " if len(head) + 1 + len(_verdict(target)) <= limit else "\n" + INDENT
        section.append("\n")
        section.append(head, "bold")
        section.append(gap)
        section.append(_verdict(target), "red")
        section.append("\n")
        # Appended as plain strings, never markup: a server's words may hold "[".
        if moved and (detail := _detail(target)):
            section.append(_paragraph(detail, text_width) + "\n")
        section.append(_paragraph(target.explanation, text_width) + "\n")
        if target.fix:
            section.append(_paragraph("Fix: " + target.fix, text_width) + "\n")
    if section:
        console.print(section, end="")
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
    text = (f"{report.status.value.upper()}: {scope(report)}, "
            f"{len(report.targets) - problems} ok, {_count(problems, 'problem')}, "
            f"{_count(len(report.findings), 'finding')} in {report.duration_s:.2f}s")
    if report.interrupted:
        text += " (interrupted: partial results)"
    if report.unprobed:
        text += f" ({_count(report.unprobed, 'URL')} not probed: not sent before the end)"
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


class _Grid:
    """The URL table, drawn as rich's default ``Table`` draws it (heavy head, one space of
    padding, every cell on one line) with rich's box characters and cell widths.

    Not a rich ``Table``: laying one out and measuring it costs about 0.6 ms per row, which
    made the table of a 10,000-URL sweep take 16 s, three times the sweep. A test compares
    this drawing with rich's ``Table`` line for line.
    """

    BOX = box.HEAVY_HEAD

    def __init__(self, targets: Sequence[TargetResult], *, detail: bool,
                 fleet: set[str]) -> None:
        self.header = ["URL", *(["address"] if fleet else []), "expected", "answered by",
                       *(["pid", "settings"] if detail else []), "verdict"]
        self.rows: list[tuple[list[str], str]] = []  # cells, and the verdict's style
        previous = None
        for target in targets:
            extra = [",".join(map(str, target.pids)) or "-", _settings(target)] if detail \
                else []
            # A fleet's rows of one URL follow each other: the URL is written on the first.
            url = "" if fleet and target.url == previous else printable(target.url)
            previous = target.url
            address = [target.address or "-"] if fleet else []
            cells = [url, *address, _expected(target), printable(target.answered_by or "-"),
                     *extra, _verdict(target)]
            self.rows.append((cells, "green" if target.ok else "red"))
        self.widths = [max([cell_len(name)] + [cell_len(cells[i]) for cells, _ in self.rows])
                       for i, name in enumerate(self.header)]
        # Each cell is padded by one space on either side, and each column has a border.
        self.width = sum(self.widths) + 3 * len(self.widths) + 1

    def text(self) -> Text:
        """The whole table as one Text: cells are never read as markup (a server's words
        may hold "["), and one Text prints far faster than a line each."""
        padded = [w + 2 for w in self.widths]
        out = Text(self.BOX.get_top(padded))
        out.append("\n")
        out.append(self.BOX.head_left)
        for name, width in zip(self.header, self.widths, strict=True):
            out.append(f" {self._pad(name, width)} ", style="bold")
            out.append(self.BOX.head_vertical)
        out.right_crop(1)
        out.append(self.BOX.head_right + "\n" + self.BOX.get_row(padded, level="head") + "\n")
        last = len(self.widths) - 1
        for cells, style in self.rows:
            line = self.BOX.mid_left + self.BOX.mid_vertical.join(
                f" {self._pad(cell, width)} "
                for cell, width in zip(cells[:last], self.widths[:last], strict=True))
            out.append(line + self.BOX.mid_vertical + " ")
            out.append(cells[-1], style=style)  # the verdict, coloured
            out.append(" " * (self.widths[-1] - cell_len(cells[-1])) + " "
                       + self.BOX.mid_right + "\n")
        out.append(self.BOX.get_bottom(padded))
        return out

    @staticmethod
    def _pad(cell: str, width: int) -> str:
        return cell + " " * (width - cell_len(cell))


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
    cause = target.cause_text
    return f"{target.verdict.value} ({cause})" if cause else target.verdict.value
