"""A finder across URLs that fails (a bug a hostile answer sets off) costs one warning, never
the URLs' verdicts or the other report (probe.diagnose.sweep_findings)."""

from __future__ import annotations

import pytest

from probe.diagnose import INTERNAL_ERROR
from probe.diagnose import sweep_findings as module
from probe.model import Status
from tests.test_diagnose import healthy, run, verdicts


def _boom(*_: object) -> tuple[()]:
    raise ValueError("a finder's bug\nover two lines")


@pytest.mark.parametrize("finder", ["backend_findings", "settings_root_findings",
                                    "code_drift_findings"])
def test_a_failing_finder_is_one_internal_error_warning_and_the_verdicts_stand(
        monkeypatch: pytest.MonkeyPatch, finder: str) -> None:
    monkeypatch.setattr(module, finder, _boom)
    report = run(healthy())
    assert verdicts(report) == {url: ("ok", None) for url in healthy()}
    (finding,) = report.findings
    assert finding.code == INTERNAL_ERROR
    assert finding.severity is Status.WARNING
    assert "ValueError: a finder's bug" in finding.explanation
    assert finding.explanation.isprintable()  # the bug's words are one line of the report
    assert "each URL's verdict stands" in finding.explanation
