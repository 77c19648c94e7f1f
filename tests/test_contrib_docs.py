"""contrib/'s own documentation says what is true: the metrics table of
contrib/prometheus/README.md has every ``wsgi_probe_*`` metric the exporter serves with its
labels (as docs/monitoring.md's does, tests/test_docs.py), and every test file a contrib
file cites as the one that runs it exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_docs import every_metric

ROOT = Path(__file__).resolve().parents[1]
CONTRIB = ROOT / "contrib"


def readme_rows() -> dict[str, set[str]]:
    """metric -> its labels, from the rows of contrib/prometheus/README.md's Metrics table."""
    text = (CONTRIB / "prometheus" / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(wsgi_probe_\w+)` \|([^|]*)\|", text, re.M)
    return {name: {label.strip() for label in labels.split(",") if label.strip()}
            for name, labels in rows}


def test_the_contrib_prometheus_metrics_table_is_what_the_exporter_serves() -> None:
    served = {name: labels for name, labels in every_metric().items()
              if name.startswith("wsgi_probe_")}
    assert readme_rows() == served


@pytest.mark.parametrize("path", sorted(p for p in CONTRIB.rglob("*") if p.is_file()),
                         ids=lambda p: str(p.relative_to(CONTRIB)))
def test_contrib_cites_only_tests_that_exist(path: Path) -> None:
    cited = set(re.findall(r"\btests/[\w/]+\.py\b", path.read_text(errors="replace")))
    assert {c for c in cited if not (ROOT / c).is_file()} == set()
