"""A WSGI script run again in an old process (mod_wsgi embedded mode's reload): its answer
reads a new code.version and started_at over modules imported before the deploy
(probe/diagnose/script_rerun.py, docs/verdicts.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from probe.deploy_time import Cutoff, RestartCutoffs
from probe.model import Cause, Status, Verdict

from .test_diagnose import SITE1, SITE2, answered, ep, healthy, obs, result, run, thrice

# The process, the script's first run, the deploy, the script's second run.
PROCESS = "2024-05-01T09:59:59.500+00:00"
FIRST = "2024-05-01T10:00:00.000+00:00"
DEPLOY = datetime(2024, 5, 1, 10, 30, tzinfo=UTC)
SECOND = "2024-05-01T10:31:00.000+00:00"


def embedded(*, loads: int = 2, first: str = FIRST, process: str = PROCESS,
             started_at: str = SECOND) -> dict[str, Any]:
    """project-1's answer from an embedded-mode Apache child (process_group '')."""
    data = ep("project-1", host="site-1.example.com", pid=4242, process_group="",
              started_at=started_at)
    data["ppid"] = 4200
    data["code"] = {"version": "r2", "version_source": "file:/srv/p1/REVISION",
                    "script_loads": loads, "first_loaded_at": first}
    data["process_started_at"] = process
    return data


def deployed(moment: datetime = DEPLOY) -> RestartCutoffs:
    return RestartCutoffs(Cutoff(moment, "--restarted-after T"), {})


def test_a_script_run_again_after_the_deploy_in_an_old_process_is_stale() -> None:
    report = run(healthy(**{SITE1: thrice(SITE1, "project-1", embedded())}),
                 restarted_after=deployed())
    found = result(report, SITE1)
    assert (found.verdict, found.cause) == (Verdict.STALE, Cause.STALE_CODE)
    assert found.explanation.startswith(
        f"{SITE1} is served by project-1, but with modules imported before "
        f"2024-05-01T10:30:00+00:00 (--restarted-after T): pid 4242 ran its WSGI script 2 "
        f"times (code.script_loads 2), the first at code.first_loaded_at {FIRST}, in a process "
        f"started at {PROCESS} (process_started_at), the last at {SECOND} (started_at), when it "
        f"read code.version 'r2'."), found.explanation
    assert "mod_wsgi embedded mode reloads a changed script so" in found.explanation
    assert found.fix.startswith("Restart Apache, not the script"), found.fix
    assert "'ps -ww -o args= -p 4200'" in found.fix, found.fix
    # Runnable as printed: '-k graceful' in place of the '-k start' ps shows, not after it.
    assert ("'$(ps -ww -o args= -p 4200 | sed \"s/ -k [a-z-]*//g\") -k graceful'"
            in found.fix), found.fix
    assert "plus '-k graceful'" not in found.fix, found.fix
    assert "touch its WSGI script" not in found.fix
    assert [e.claim for e in found.evidence] == [
        f"code.script_loads = 2, code.first_loaded_at {FIRST}"]
    # The others keep their verdicts; with a deploy time the URL decides, no finding.
    assert result(report, SITE2).verdict is Verdict.STALE  # started 10:00, before 10:30
    assert not [f for f in report.findings if f.code == "script_rerun"]


def test_a_script_first_run_after_the_deploy_is_not_stale_whenever_the_process_started() -> None:
    """An embedded child loads its script on its first request: a child older than the
    deploy that first ran the script after it imported the new modules."""
    late = embedded(first="2024-05-01T10:30:30.000+00:00")
    report = run(healthy(**{SITE1: thrice(SITE1, "project-1", late)}),
                 restarted_after=deployed())
    assert result(report, SITE1).verdict is Verdict.OK


def test_a_script_loaded_once_is_judged_by_started_at_as_before() -> None:
    once = embedded(loads=1, first=SECOND)
    report = run(healthy(**{SITE1: thrice(SITE1, "project-1", once)}),
                 restarted_after=deployed())
    assert result(report, SITE1).verdict is Verdict.OK


def test_an_answer_without_the_first_run_falls_back_to_the_process_start() -> None:
    data = embedded()
    del data["code"]["first_loaded_at"]
    report = run(healthy(**{SITE1: thrice(SITE1, "project-1", data)}),
                 restarted_after=deployed())
    found = result(report, SITE1)
    assert found.verdict is Verdict.STALE
    assert f"the first at process_started_at {PROCESS}, the last" in found.explanation


def test_without_a_deploy_time_a_warning_says_what_would_decide() -> None:
    report = run(healthy(**{SITE1: thrice(SITE1, "project-1", embedded())}))
    assert result(report, SITE1).verdict is Verdict.OK
    [finding] = [f for f in report.findings if f.code == "script_rerun"]
    assert (finding.severity, finding.instances) == (Status.WARNING, ("project-1",))
    assert "(code.script_loads 2)" in finding.explanation
    assert "--restarted-after" in finding.explanation and "not in the answers" in \
        finding.explanation
    assert "Restart Apache, not the script" in finding.explanation


def test_a_script_loaded_once_makes_no_finding() -> None:
    report = run(healthy(**{SITE1: thrice(SITE1, "project-1", embedded(loads=1))}))
    assert not [f for f in report.findings if f.code == "script_rerun"]


def test_two_interpreters_of_one_process_are_told_apart_by_their_group() -> None:
    """Re-tester R26: project-2's two mounts in one Apache child (pid 15252), each run twice,
    were said as 'pid 15252 ... ran its WSGI script 2 times' twice, nothing else apart."""
    one = ep("project-1", host="site-1.example.com", pid=4242, process_group="",
             application_group="site-1.example.com|", started_at=SECOND)
    two = dict(embedded(), application_group="site-1.example.com|/suburl")
    one.update(ppid=4200, process_started_at=PROCESS, code={
        "version": "r2", "version_source": "file:/srv/p1/REVISION", "script_loads": 2,
        "first_loaded_at": "2024-05-01T10:00:01.000+00:00"})
    report = run(healthy(**{SITE1: obs(SITE1, "project-1", answered(one), answered(two))}))
    [finding] = [f for f in report.findings if f.code == "script_rerun"]
    for group in ("site-1.example.com|", "site-1.example.com|/suburl"):
        assert f"pid 4242 (application_group {group!r}) ran its WSGI script 2 times" in \
            finding.explanation, finding.explanation
