"""probe/report/table.py: what a person reads during an incident."""

from __future__ import annotations

import re

import pytest

from probe.model import Report, Verdict
from probe.report import render, table
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
    expected = [
        ("http://site-1.example.com/", "project-1", "project-1", "101", "mysite.settings",
         "ok"),
        ("http://site-1.example.com/suburl/", "project-2", "project-1", "101,103",
         "mysite.settings", "wrong_instance (alias_order)"),
        ("http://www.site-2.example.com/", "(refuse)", "-", "-", "-", "ok"),
        ("http://unknown.invalid/", "(refuse)", "project-1", "101", "mysite.settings",
         "served_unmapped (vhost_fallback)"),
        ("http://site-2.example.com/", "project-2", "-", "-", "-", "unreachable"),
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


def test_interrupted_is_said() -> None:
    text = render(Report(sample_report().targets[:1], interrupted=True), "table")
    assert text.rstrip().endswith("(interrupted: partial results)")


@pytest.mark.parametrize("width", [None, 200, 100, 80, 60])
def test_no_trailing_whitespace(width: int | None) -> None:
    text = table.render(sample_report(), width=width)
    bad = [line for line in text.splitlines() if line != line.rstrip()]
    assert bad == []


@pytest.mark.parametrize("width", [120, 80, 60])
def test_urls_and_verdicts_are_never_cut(width: int) -> None:
    # site-1/ and site-1/suburl/ must stay two different, readable rows on a narrow screen.
    lines = rows(table.render(sample_report(), width=width))
    for line, target in zip(lines, sample_report().targets, strict=True):
        cells = [cell.strip() for cell in line.strip("│").split("│")]
        assert cells[0] == target.url
        assert cells[-1] == table._verdict(target)


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
