"""contrib/prometheus: checked with the real promtool, and against what the exporter exports.

promtool comes from Debian's ``prometheus`` package. Without it these tests skip, except
where ``$CI`` is set: there a missing promtool is a failure, not a silent pass.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from probe.endpoint_answer import EndpointAnswer
from probe.exporter import command as exporter
from probe.exporter.metrics import ProbeCollector, SweepCollector, SweepCounters, SweepSnapshot
from probe.model import Cause, Report, TargetResult, Verdict

CONTRIB = Path(__file__).resolve().parents[1] / "contrib" / "prometheus"
ALERTS = (CONTRIB / "alerts.yml").read_text(encoding="utf-8")


def promtool() -> str:
    found = shutil.which("promtool") or shutil.which("promtool", path="/usr/bin")
    if found:
        return found
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail("promtool is missing; install Debian's 'prometheus' package in CI",
                    pytrace=False)
    pytest.skip("promtool is not installed (Debian package 'prometheus')")


def run_promtool(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([promtool(), *args], cwd=CONTRIB, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, f"promtool {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


SCRAPE_CONFIGS = ["prometheus.yml", "prometheus-multi-target.yml"]


@pytest.mark.parametrize("name", SCRAPE_CONFIGS)
def test_promtool_check_config(name: str) -> None:
    done = run_promtool("check", "config", name)
    assert "SUCCESS" in done.stdout + done.stderr


@pytest.mark.parametrize("name", SCRAPE_CONFIGS)
def test_each_scrape_config_has_one_job_of_urls(name: str) -> None:
    """Both jobs on the same URLs alert twice per misroute: each file ships one of them.
    Beside it only the exporters' own job, whose page (/exporter/metrics) has no URL."""
    config = (CONTRIB / name).read_text(encoding="utf-8")
    jobs = re.split(r"^\s*- job_name:", config, flags=re.M)[1:]
    of_urls = [job for job in jobs if "metrics_path: /exporter/metrics" not in job]
    assert len(of_urls) == 1
    assert all(job.split()[0] == "wsgi-probe-exporters" for job in jobs if job not in of_urls)


def test_promtool_check_sharded_config() -> None:
    done = run_promtool("check", "config", "prometheus-sharded.yml")
    assert "SUCCESS" in done.stdout + done.stderr


def test_the_sharded_config_has_one_job_per_shard() -> None:
    """Each job keeps its own shard and scrapes its own exporter: no URL in two jobs."""
    config = (CONTRIB / "prometheus-sharded.yml").read_text(encoding="utf-8")
    jobs = re.findall(r"^\s*- job_name: wsgi-probe-shard-(\d+)", config, re.M)
    kept = re.findall(r'regex: "(\d+)"\n\s*action: keep', config)
    moduli = set(re.findall(r"modulus: (\d+)", config))
    assert jobs == kept == [str(i) for i in range(len(jobs))]
    assert moduli == {str(len(jobs))}
    assert len(set(re.findall(r"replacement: (127\.0\.0\.1:\d+)", config))) == len(jobs)


def test_promtool_check_rules() -> None:
    done = run_promtool("check", "rules", "alerts.yml")
    assert "SUCCESS: 5 rules found" in done.stdout + done.stderr


def test_promtool_test_rules() -> None:
    done = run_promtool("test", "rules", "alerts_test.yml")
    assert "SUCCESS" in done.stdout + done.stderr


def test_promtool_test_rules_can_fail(tmp_path: Path) -> None:
    """The unit tests really assert: a broken rule makes them fail."""
    (tmp_path / "alerts.yml").write_text(ALERTS.replace("for: 2m", "for: 10m"))
    (tmp_path / "alerts_test.yml").write_text((CONTRIB / "alerts_test.yml").read_text())
    done = subprocess.run([promtool(), "test", "rules", "alerts_test.yml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    assert "WSGIProbeMisroute" in done.stdout + done.stderr


def every_verdict_report() -> Report:
    return Report(tuple(
        TargetResult(url=f"http://{v.value.replace('_', '-')}.example/", expected="p",
                     verdict=v, cause=Cause.ALIAS_ORDER if v is not Verdict.OK else None,
                     explanation="", fix="",
                     observed=EndpointAnswer.from_json(
                         {"label": "p", "pid": 1, "started_at": "2024-01-01T00:00:00Z"}),
                     status_code=200, samples=1, elapsed_ms=1.0)
        for v in Verdict))


def exported_names() -> set[str]:
    report = every_verdict_report()
    texts = [generate_latest(SweepCollector(SweepSnapshot(SweepCounters(1, 0), report, 1.0))),
             generate_latest(ProbeCollector(report.targets[:1], 0.1)),
             *(generate_latest(own) for own in exporter.process_collectors())]
    return {s.name for text in texts for f in text_string_to_metric_families(text.decode())
            for s in f.samples}


def test_alerts_use_only_metrics_the_exporter_exports() -> None:
    used = set(re.findall(r"\b((?:wsgi_probe|probe|process)_[a-z_]+)\b", ALERTS))
    assert used, "no metric found in alerts.yml"
    assert used <= exported_names(), used - exported_names()


def test_alerts_cover_every_problem_verdict_once() -> None:
    # Each URL rule names its verdicts twice (the current verdict, and the last 10 minutes'
    # when a sweep failed): the same list both times.
    groups = sorted(set(re.findall(r'verdict=~"([^"]+)"', ALERTS)))
    assert len(groups) == 2  # WSGIProbeMisroute, and WSGIProbeDown's target_unreachable
    assert all(ALERTS.count(f'verdict=~"{group}"') == 2 for group in groups)
    covered = [v for group in groups for v in group.split("|")]
    assert sorted(covered) == sorted(v.value for v in Verdict if v is not Verdict.OK)


@pytest.mark.parametrize("name", SCRAPE_CONFIGS)
def test_scrape_config_points_at_the_default_port(name: str) -> None:
    config = (CONTRIB / name).read_text(encoding="utf-8")
    assert exporter.DEFAULT_LISTEN in config
    assert set(re.findall(r"127\.0\.0\.1:(\d+)", config)) == {str(exporter.DEFAULT_PORT)}
