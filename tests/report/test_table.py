"""probe/report/table.py: what a person reads during an incident."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest

from probe.addresses import is_fleet
from probe.model import Report, TargetResult, Verdict
from probe.report import render, table
from probe.safe_text import printable
from tests.report.report_samples import (
    ALIAS_EXPLANATION,
    ALIAS_FIX,
    OBSERVED,
    result,
    sample_report,
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def words(text: str) -> str:
    """Whitespace-insensitive form: the paragraphs are wrapped to the width."""
    return " ".join(text.split())


def rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("│")]


def test_every_url_has_a_row_with_its_verdict_and_cause() -> None:
    text = render(sample_report(), "table")
    lines = rows(text)
    assert len(lines) == 5
    # Problems first, then the ok URLs, each in manifest order.
    expected = [
        ("http://site-1.example.com/suburl/", "project-2", "project-1", "101,103",
         "mysite.settings", "wrong_instance (alias_order)"),
        ("http://unknown.invalid/", "(refuse)", "project-1", "101", "mysite.settings",
         "served_unmapped (vhost_fallback)"),
        ("http://site-2.example.com/", "project-2", "-", "-", "-", "unreachable"),
        ("http://site-1.example.com/", "project-1", "project-1", "101", "mysite.settings",
         "ok"),
        ("http://www.site-2.example.com/", "(refuse)", "-", "-", "-", "ok"),
    ]
    for line, cells in zip(lines, expected, strict=True):
        assert tuple(cell.strip() for cell in line.strip("│").split("│")) == cells


def test_explanation_and_fix_of_each_problem() -> None:
    text = render(sample_report(), "table")
    flat = words(text)
    assert "[1] http://site-1.example.com/suburl/: wrong_instance (alias_order)" in text
    assert words(ALIAS_EXPLANATION) in flat
    assert words("Fix: " + ALIAS_FIX) in flat
    assert "[2] http://unknown.invalid/: served_unmapped (vhost_fallback)" in text
    assert "[3] http://site-2.example.com/: unreachable" in text
    assert "http://site-2.example.com/__probe__: connection refused" in text
    assert "[4]" not in text  # ok URLs get no paragraph


def test_config_snippet_in_a_fix_stays_verbatim() -> None:
    lines = render(sample_report(), "table").splitlines()
    start = lines.index("        <VirtualHost *:80>")
    assert lines[start + 1] == "            ServerName default.invalid"
    assert lines[start + 2] == "        </VirtualHost>"


def test_findings_and_summary() -> None:
    text = render(sample_report(), "table")
    assert "WARNING embedded_shared_process" in text
    assert "    project-1 and project-2 run embedded in the same process." in text
    assert text.rstrip().splitlines()[-1] == (
        "CRITICAL: 5 URLs, 2 ok, 3 problems, 1 finding in 0.46s"
    )


def test_all_ok_summary() -> None:
    report = Report(sample_report().targets[:1], duration_s=0.1)
    text = render(report, "table")
    assert "[1]" not in text
    assert text.rstrip().splitlines()[-1] == "OK: 1 URL, 1 ok, 0 problems, 0 findings in 0.10s"


def test_urls_not_sent_are_counted_in_the_summary() -> None:
    text = render(Report(sample_report().targets[:1], duration_s=0.1, unprobed=2), "table")
    assert text.rstrip().splitlines()[-1] == (
        "OK: 1 URL, 1 ok, 0 problems, 0 findings in 0.10s (2 URLs not probed: not sent "
        "before the end)")


def test_interrupted_is_said() -> None:
    text = render(Report(sample_report().targets[:1], interrupted=True), "table")
    assert text.rstrip().endswith("(interrupted: partial results)")


@pytest.mark.parametrize("width", [None, 200, 100, 80, 60])
def test_no_trailing_whitespace(width: int | None) -> None:
    text = table.render(sample_report(), width=width)
    bad = [line for line in text.splitlines() if line != line.rstrip()]
    assert bad == []


@pytest.mark.parametrize("width", [160, 120, 100, 80, 60])
def test_fits_the_width_and_cuts_no_name(width: int) -> None:
    """Every line fits; every URL, instance name, settings module and verdict is whole on
    one line (never cut with an ellipsis, never broken at a hyphen)."""
    report = sample_report()
    text = table.render(report, width=width)
    lines = text.splitlines()
    assert [line for line in lines if len(line) > width] == []
    assert "…" not in text
    whole = set(lines) | {token for line in lines for token in line.replace("│", " ").split()}
    for target in report.targets:
        assert any(target.url in line for line in lines), target.url
        assert any(table._verdict(target) in line for line in lines), target.url
    for name in ("project-1", "project-2", "mysite.settings", "(refuse)"):
        assert name in whole or any(name in line for line in lines), name
    # A line never ends inside a word broken at a hyphen ("site-" / "1.example.com").
    assert not [line for line in lines if line.endswith("-") and not line.endswith(" -")]


def test_wide_screen_keeps_every_column() -> None:
    lines = rows(table.render(sample_report(), width=160))
    assert len(lines) == 5
    assert "mysite.settings" in lines[0] and "101,103" in lines[0]


def test_narrow_screen_moves_pids_and_settings_under_the_table() -> None:
    text = table.render(sample_report(), width=80)
    assert "settings" not in " ".join(rows(text))  # no settings column ...
    # ... each problem says them in its paragraph instead.
    assert "    Seen: pid 101, 103; settings mysite.settings." in text.splitlines()


def test_problems_come_first_in_every_layout() -> None:
    for width in (160, 80, 50):
        text = table.render(sample_report(), width=width)
        first_ok = text.index("http://site-1.example.com/\n") if width < 100 else \
            text.index("│ http://site-1.example.com/ ")
        assert text.index("http://site-1.example.com/suburl/") < first_ok, width


def test_summary_is_coloured_by_the_overall_status() -> None:
    colored = table.render(sample_report(), color=True, width=160)
    last = colored.rstrip().splitlines()[-1]
    assert last.startswith("\x1b[1;31m") and "CRITICAL: 5 URLs" in last


def test_no_color_codes_off_a_terminal() -> None:
    assert "\x1b[" not in render(sample_report(), "table")


def test_color_on_a_terminal_keeps_the_text() -> None:
    colored = table.render(sample_report(), color=True, width=200)
    assert "\x1b[" in colored
    plain = ANSI.sub("", colored)
    assert "wrong_instance (alias_order)" in plain
    assert words(ALIAS_EXPLANATION) in words(plain)


def test_ad_hoc_and_settings_from_loaded() -> None:
    observed = {**OBSERVED, "settings_module": {"environ": "a.settings", "loaded": "b.settings"}}
    report = Report((result("http://a.example/", "*", Verdict.OK, observed=observed,
                            answered_by="x", pids=(7,)),))
    (line,) = rows(render(report, "table"))
    cells = [cell.strip() for cell in line.strip("│").split("│")]
    assert cells == ["http://a.example/", "*", "x", "7", "b.settings", "ok"]


def test_paragraphs_never_break_a_url_at_its_hyphens() -> None:
    text = table._paragraph("answered by http://www.my-site.example.com/suburl/ instead", 31)
    assert "    http://www.my-site.example.com/suburl/" in text.splitlines()


# -- the grid is drawn as rich's Table would draw it ---------------------------------------


def rich_table(targets: list[TargetResult], *, detail: bool, fleet: set[str]) -> str:
    """The table as the previous code drew it, with a rich ``Table`` (16 s for 10,000 rows)."""
    import io

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    drawn = Table(show_lines=False, header_style="bold", pad_edge=True, expand=False)
    columns = ["URL", *(["address"] if fleet else []), "expected", "answered by",
               *(["pid", "settings"] if detail else []), "verdict"]
    for column in columns:
        drawn.add_column(column, no_wrap=True, overflow="ignore")
    previous = None
    for target in targets:
        extra = [",".join(map(str, target.pids)) or "-", table._settings(target)] if detail \
            else []
        url = "" if fleet and target.url == previous else printable(target.url)
        previous = target.url
        address = [Text(target.address or "-")] if fleet else []
        drawn.add_row(Text(url), *address, Text(table._expected(target)),
                      Text(printable(target.answered_by or "-")), *map(Text, extra),
                      Text(table._verdict(target)))
    out = io.StringIO()
    Console(file=out, width=10_000, no_color=True, highlight=False, soft_wrap=True).print(drawn)
    return out.getvalue()


def odd_report() -> Report:
    """A fleet (one URL at two addresses), wide characters, an empty pid list, markup."""
    targets = (
        result("http://site-1.example.com/", "project-1", Verdict.OK, answered_by="project-1",
               pids=(101,), address="127.0.0.1:8080"),
        result("http://site-1.example.com/", "project-1", Verdict.WRONG_INSTANCE,
               answered_by="プロジェクト[bold]", pids=(102, 103), address="127.0.0.2:8080"),
        result("http://例え.テスト/", None, Verdict.SERVED_UNMAPPED, answered_by="p",
               address="127.0.0.1:8080"),
        result("http://x.test/a-very-long-path/" + "p" * 60, "project-2", Verdict.UNREACHABLE),
    )
    return Report(targets=targets, findings=())


@pytest.mark.parametrize("detail", [True, False])
@pytest.mark.parametrize("sample", [sample_report, odd_report])
def test_the_grid_is_drawn_as_richs_table(detail: bool, sample: Callable[[], Report]) -> None:
    targets = table.problems_first(sample().targets)
    fleet = is_fleet((t.url, t.address) for t in targets)
    grid = table._Grid(targets, detail=detail, fleet=fleet)
    reference = rich_table(targets, detail=detail, fleet=fleet)
    assert grid.text().plain + "\n" == reference
    assert grid.width == max(len(line) for line in reference.splitlines())


@pytest.mark.parametrize(("environ", "color"), [
    ({}, True), ({"NO_COLOR": "1"}, False), ({"NO_COLOR": "anything"}, False),
    ({"NO_COLOR": ""}, True)])
def test_no_color_turns_colour_off_on_a_terminal(environ: dict[str, str], color: bool) -> None:
    """no-color.org: NO_COLOR set and not empty, whatever its value."""
    from probe.environment import Environment

    env = Environment(stdout=io.StringIO(), stdout_isatty=True, environ=environ)
    assert env.color is color
    assert not Environment(stdout=io.StringIO(), stdout_isatty=False, environ={}).color
