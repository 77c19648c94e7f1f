"""``stale`` worded from tester T29's real answers (tests/t29_answers.py). L3, blue/green:
green's gunicorn started before nginx switched to it, restarted_after set to the switch and
code_version 'r2', which every answer runs: the start before that time is said with the
declared version, never as "old code", and the fix is the deploy time before any reload.
L1, gunicorn --preload after a HUP: the workers run the master's load (its settings, r1),
while modules imported after the fork may be new (the page served r2's views)."""

from __future__ import annotations

from probe import manifest
from probe.deploy_time import manifest_cutoffs
from probe.model import Cause, TargetResult, Verdict
from tests import t29_answers as real
from tests.test_diagnose import answered, obs, result, run

URL = "http://a.test/"


def stale(answers: list[dict[str, object]], deploy: str,
          code_version: str | None = "r2") -> TargetResult:
    m = manifest.parse(real.manifest(deploy, code_version), "m.toml")
    samples = [answered(a) for a in answers] * 5
    found = result(run([obs(URL, "site-a", *samples)], m,
                       restarted_after=manifest_cutoffs({"site-a": deploy})), URL)
    assert found.verdict is Verdict.STALE, found.explanation
    return found


def test_a_standby_running_the_declared_version_is_no_old_code() -> None:
    found = stale(real.GREEN, real.GREEN_SWITCH)
    assert found.cause is None, found.cause
    assert "old code" not in found.explanation, found.explanation
    assert ("started at 2026-12-07T16:34:12.401+00:00), while running code.version 'r2' "
            "(observed, read from file:/tmp/t29/L3/a/green/REVISION), the manifest's "
            "code_version (instances.site-a.code_version): those processes run the declared "
            "version and started before that time.") in found.explanation, found.explanation
    assert "blue/green" in found.explanation, found.explanation
    # The deploy time first, the reload only where it is right.
    assert found.fix.startswith(
        "Check the deploy time these processes were judged by "
        "(instances.site-a.restarted_after = 2026-12-07T16:34:21.649Z), a time this server's "
        "processes had to start after: where it is the moment a front switched to a server "
        "already running (blue/green), set it to the time this server was started"), found.fix
    assert "leave it unset for a standby" in found.fix, found.fix
    assert found.fix.index("Only where it is right, reload") < \
        found.fix.index("send HUP to the gunicorn master (ppid 9612"), found.fix


def test_another_version_than_the_declared_one_is_still_old_code() -> None:
    # Blue (r1) answering after the same deploy time: old code, stale_code, HUP first.
    found = stale(real.BLUE, real.GREEN_SWITCH)
    assert found.cause is Cause.STALE_CODE, found.cause
    assert "old code is still serving there after the deploy" in found.explanation
    assert "the declared version" not in found.explanation, found.explanation
    assert found.fix.startswith("Send HUP to the gunicorn master (ppid 9608"), found.fix
    # Without code_version declared, the start time alone says it, as before.
    plain = stale(real.GREEN, real.GREEN_SWITCH, code_version=None)
    assert "old code is still serving" in plain.explanation, plain.explanation
    assert plain.fix.startswith("Send HUP"), plain.fix


def test_a_preload_load_is_said_as_the_master_read_it_and_a_mix_after_the_fork() -> None:
    found = stale(real.PRELOAD, real.PRELOAD_DEPLOY)
    assert found.cause is Cause.STALE_CODE, found.cause
    text = found.explanation
    assert "runs the old code" not in text and "old code from an old load" not in text, text
    assert ("A process forked from it runs what pid 28605 loaded before the deploy "
            "(code.version 'r1' as it read it, its settings and every module imported then), "
            "however new the process; modules imported later, after the fork, may be new: a "
            "mix (gunicorn --preload).") in text, text
    assert "uWSGI" not in text, text
    assert found.fix.startswith("Restart the gunicorn service"), found.fix
