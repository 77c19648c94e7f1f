"""``probe lint`` on the real-Apache scenarios of tests/integration: each scenario's misroute
is found statically, and the healthy configuration is clean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from probe.lint import LintResult, lint_paths

INTEGRATION = Path(__file__).resolve().parent.parent / "integration"
SCENARIOS = INTEGRATION / "scenarios"
SITES = INTEGRATION / "sites"


def lint_scenario(name: str, tmp_path: Path) -> LintResult:
    """Fill the template's placeholders (no Apache needed) and lint it.

    @SITES@ points at the repository's test sites, so the WSGI scripts the rules read
    are the ones the integration tests run.
    """
    template = (SCENARIOS / name / "httpd.conf.in").read_text(encoding="utf-8")
    values = {"PORT": "8080", "SITES": str(SITES), "SERVER_ROOT": str(tmp_path)}
    text = re.sub(r"@([A-Z][A-Z0-9_]*)@", lambda m: values[m.group(1)], template)
    conf = tmp_path / f"{name}.conf"
    conf.write_text(text, encoding="utf-8")
    return lint_paths([conf])


def test_the_sites_use_setdefault() -> None:
    # The envleak expectation rests on this; fail loudly if the sites change.
    for project in ("project-1", "project-2"):
        assert "os.environ.setdefault(" in (SITES / project / "wsgi.py").read_text()


def test_healthy_is_clean(tmp_path: Path) -> None:
    result = lint_scenario("healthy", tmp_path)
    assert result.findings == ()
    assert result.exit_status == 0


@pytest.mark.parametrize(("scenario", "code"), [
    ("ordering", "alias_order"),
    ("envleak", "environ_leak"),
    ("fallback", "vhost_fallback"),
])
def test_each_scenario_shows_its_misroute_and_only_it(scenario: str, code: str,
                                                      tmp_path: Path) -> None:
    result = lint_scenario(scenario, tmp_path)
    assert {f.code for f in result.findings} == {code}
    assert result.exit_status == 1


def test_ordering_names_the_two_aliases(tmp_path: Path) -> None:
    [finding] = lint_scenario("ordering", tmp_path).findings
    text = (tmp_path / "ordering.conf").read_text().splitlines()
    assert "WSGIScriptAlias /suburl" in text[finding.line - 1]
    root_line = next(i for i, line in enumerate(text, 1) if "WSGIScriptAlias / " in line
                     and "project-1" in line)
    assert f"ordering.conf:{root_line}" in finding.message


def test_envleak_flags_both_projects(tmp_path: Path) -> None:
    findings = lint_scenario("envleak", tmp_path).findings
    flagged = {Path(f.message.split()[0]).parent.name for f in findings}
    assert flagged == {"project-1", "project-2"}


def test_fallback_points_at_the_first_site(tmp_path: Path) -> None:
    [finding] = lint_scenario("fallback", tmp_path).findings
    text = (tmp_path / "fallback.conf").read_text().splitlines()
    assert text[finding.line - 1].strip().startswith("<VirtualHost")
    assert "site-1.example.com" in finding.message
