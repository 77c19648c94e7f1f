"""probe/baseline.py: save who answered each (URL, address), compare a later sweep with it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from probe import baseline
from probe.endpoint_answer import EndpointAnswer
from probe.errors import UsageError
from probe.model import Report, Status, TargetResult, Verdict

URL = "http://site-1.example.com/suburl/"
CREATED = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
BEFORE = "2026-11-30T02:00:00+00:00"
AFTER = "2026-11-30T03:30:00Z"


def target(address: str, label: str = "project-2", *, started: str = BEFORE,
           instance_id: str = "a1", version: str | None = None,
           verdict: Verdict = Verdict.OK) -> TargetResult:
    observed: dict[str, Any] = {
        "schema": 1, "label": label, "instance_id": instance_id, "pid": 7,
        "process_group": label, "application_group": f"site-1.example.com|/{label}",
        "settings_module": {"environ": "mysite.settings", "loaded": "mysite.settings"},
        "started_at": started,
    }
    if version is not None:
        observed["code"] = {"version": version}
    return TargetResult(url=URL, expected="project-2", verdict=verdict, cause=None,
                        explanation="", fix="", observed=EndpointAnswer.from_json(observed),
                        status_code=200, samples=1,
                        elapsed_ms=1.0, answered_by=label, address=address)


def saved(tmp_path: Path, *targets: TargetResult) -> baseline.Baseline:
    path = tmp_path / "baseline.json"
    baseline.save(Report(targets), str(path), now=CREATED)
    return baseline.load(str(path))


def findings(before: baseline.Baseline, *targets: TargetResult) -> list[tuple[str, Status, str]]:
    report = baseline.compare(Report(targets), before)
    return [(f.code, f.severity, f.explanation) for f in report.findings]


def test_round_trip(tmp_path: Path) -> None:
    loaded = saved(tmp_path, target("10.0.0.1:80", version="v1"))
    assert loaded.created == CREATED
    assert [(e.url, e.address, e.instance, e.label, e.settings, e.process_group,
             e.code_version, e.instance_id) for e in loaded.entries] == [
        (URL, "10.0.0.1:80", "project-2", "project-2", "mysite.settings", "project-2", "v1",
         "a1")]


def test_unchanged_and_other_process_of_the_same_group_is_no_finding(tmp_path: Path) -> None:
    before = saved(tmp_path, target("10.0.0.1:80"), target("10.0.0.2:80"))
    # Another process of the group answered (another instance id), loaded before the baseline.
    assert findings(before, target("10.0.0.1:80", instance_id="b2"), target("10.0.0.2:80")) == []


def test_another_instance_answering_is_critical(tmp_path: Path) -> None:
    before = saved(tmp_path, target("10.0.0.1:80"), target("10.0.0.2:80"))
    found = findings(before, target("10.0.0.1:80"), target("10.0.0.2:80", "project-1"))
    assert found == [(
        "baseline_changed", Status.CRITICAL,
        f"{URL} at 10.0.0.2:80 changed since the baseline: instance 'project-2' -> 'project-1'; "
        "label 'project-2' -> 'project-1'; process_group 'project-2' -> 'project-1'; "
        "application_group 'site-1.example.com|/project-2' -> 'site-1.example.com|/project-1'.")]
    report = baseline.compare(Report((target("10.0.0.2:80", "project-1"),)), before)
    assert report.status is Status.CRITICAL


def test_a_backend_left_behind_by_a_deploy(tmp_path: Path) -> None:
    before = saved(tmp_path, target("10.0.0.1:80", version="v1"),
                   target("10.0.0.2:80", version="v1"))
    found = findings(before, target("10.0.0.1:80", started=AFTER, instance_id="c3",
                                    version="v2"),
                     target("10.0.0.2:80", version="v1"))
    assert found == [
        ("baseline_restarted", Status.OK,
         f"{URL} at 10.0.0.1:80 restarted since the baseline: code_version 'v1' -> 'v2'; "
         f"started_at '{BEFORE}' -> '{AFTER}'."),
        ("baseline_not_restarted", Status.CRITICAL,
         f"{URL} at 10.0.0.2:80 did not restart since the baseline while 10.0.0.1:80 did: its "
         f"answer came from a process started {BEFORE}, before the baseline was taken "
         f"({CREATED.isoformat()}), with the instance_id a1 it had then. It runs code.version "
         f"'v1', they run 'v2': it still runs the old code."),
    ]


def test_a_backend_that_kept_its_processes_but_runs_the_same_code(tmp_path: Path) -> None:
    # A graceful restart of one backend (new workers, same code) is no "old code" elsewhere.
    before = saved(tmp_path, target("10.0.0.1:80", version="v2"),
                   target("10.0.0.2:80", version="v2"))
    found = findings(before, target("10.0.0.1:80", started=AFTER, instance_id="c3",
                                    version="v2"),
                     target("10.0.0.2:80", instance_id="b2", version="v2"))
    [(_, severity, text)] = [f for f in found if f[0] == "baseline_not_restarted"]
    assert severity is Status.CRITICAL  # a missed restart, whatever the code says of itself
    assert "old code" not in text
    assert f"a process started {BEFORE}, before the baseline was taken" in text
    assert "(instance b2)" in text  # another process of it than the baseline's
    assert ("It reports the code.version they report ('v2'), so it is not shown to run "
            "older code") in text
    # Without code.version, nothing is said of the code but that it is not known.
    before = saved(tmp_path, target("10.0.0.1:80"), target("10.0.0.2:80"))
    found = findings(before, target("10.0.0.1:80", started=AFTER, instance_id="c3"),
                     target("10.0.0.2:80"))
    [(_, severity, text)] = [f for f in found if f[0] == "baseline_not_restarted"]
    assert severity is Status.CRITICAL
    assert "old code" not in text and "Whether it runs older code, the answers do not say" in text


def test_one_server_at_two_addresses_is_named_as_one(tmp_path: Path) -> None:
    before = saved(tmp_path, target("10.0.0.1:80", version="v1"),
                   target("10.0.0.2:80", version="v1"), target("10.0.0.3:80", version="v1"))
    found = findings(before, target("10.0.0.1:80", started=AFTER, instance_id="c3",
                                    version="v2"),
                     target("10.0.0.2:80", instance_id="s1", version="v1"),
                     target("10.0.0.3:80", instance_id="s1", version="v1"))
    stayed = [text for code, _, text in found if code == "baseline_not_restarted"]
    assert len(stayed) == 1
    assert stayed[0].startswith(f"{URL} at 10.0.0.2:80 and 10.0.0.3:80 (one server: the same "
                                f"processes, by instance_id or pid on one host, answer at "
                                f"both) did not restart")


def test_addresses_that_appear_or_vanish(tmp_path: Path) -> None:
    before = saved(tmp_path, target("10.0.0.1:80"), target("10.0.0.2:80"))
    found = findings(before, target("10.0.0.1:80"), target("10.0.0.3:80"))
    assert [(code, severity) for code, severity, _ in found] == [
        ("baseline_changed", Status.CRITICAL), ("baseline_changed", Status.CRITICAL)]
    assert "10.0.0.3:80 is not in the baseline" in found[0][2]
    assert "10.0.0.2:80 was in the baseline" in found[1][2]


def test_an_answer_that_stopped_is_a_change(tmp_path: Path) -> None:
    before = saved(tmp_path, target("10.0.0.1:80"))
    gone = TargetResult(url=URL, expected="project-2", verdict=Verdict.UNREACHABLE, cause=None,
                        explanation="", fix="", observed=None, status_code=None, samples=1,
                        elapsed_ms=1.0, address="10.0.0.1:80")
    [(code, severity, text)] = findings(before, gone)
    assert (code, severity) == ("baseline_changed", Status.CRITICAL)
    assert text.endswith("changed since the baseline: instance 'project-2' -> None; "
                         "verdict 'ok' -> 'unreachable'.")


@pytest.mark.parametrize(("content", "message"), [
    ("{", "not JSON"),
    ('{"kind": "x"}', "not a wsgi-probe baseline"),
    ('{"kind": "wsgi-probe-baseline", "schema": 1, "entries": {}}', "entries: must be a list"),
    ('{"kind": "wsgi-probe-baseline", "schema": 1, "entries": [], "created": "now"}',
     "created: must be an ISO 8601 time"),
    ('{"kind": "wsgi-probe-baseline", "schema": 1, "created": "2026-11-30T03:00:00+00:00", '
     '"entries": [{"url": 1}]}', "entries[0]: must be an object with keys"),
])
def test_bad_baseline_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError) as info:
        baseline.load(str(path))
    assert message in str(info.value)


def test_missing_baseline_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read"):
        baseline.load(str(tmp_path / "none.json"))


def test_saved_file_is_plain_json(tmp_path: Path) -> None:
    saved(tmp_path, target("10.0.0.1:80"))
    data = json.loads((tmp_path / "baseline.json").read_text(encoding="utf-8"))
    assert data["kind"] == "wsgi-probe-baseline"
    assert data["entries"][0]["address"] == "10.0.0.1:80"


def test_one_address_each_time_is_compared_whatever_dns_gave(tmp_path: Path) -> None:
    before = saved(tmp_path, target("10.0.0.1:80"))
    assert findings(before, target("10.0.0.2:80")) == []
    [(code, _severity, text)] = findings(before, target("10.0.0.2:80", "project-1"))
    assert code == "baseline_changed"
    assert text.startswith(f"{URL} at 10.0.0.2:80 changed since the baseline: instance")
