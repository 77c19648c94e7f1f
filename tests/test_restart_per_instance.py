"""--restarted-after per instance (issue 24): a deploy of one application of two leaves the
other's processes alone, so they are not stale."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from probe import manifest
from probe.cli import main
from probe.deploy_time import Cutoff, RestartCutoffs, manifest_cutoffs, parse_restarted_after
from probe.errors import ManifestError, UsageError
from probe.model import Verdict
from probe.sweep import run_sweep

from .loopback_wsgi import serve
from .test_diagnose import SITE1, SITE2, SITES, healthy, result, run
from .test_sweep import SUB, apache, by_url, sites_manifest

# The healthy sites' processes started at 2024-05-01 10:00 UTC (tests/test_diagnose.py).
BEFORE = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
AFTER = datetime(2024, 5, 1, 11, 0, tzinfo=UTC)
NAMES = ["project-1", "project-2"]


def test_the_deployed_instance_is_stale_the_other_is_not() -> None:
    cutoffs = RestartCutoffs(None, {"project-2": Cutoff(AFTER, "--restarted-after project-2=X")})
    report = run(healthy(), restarted_after=cutoffs)
    assert result(report, SITE1).verdict is Verdict.OK
    stale = result(report, SITE2)
    assert stale.verdict is Verdict.STALE
    assert "(--restarted-after project-2=X)" in stale.explanation
    # Its subject first, as every URL's explanation: "all 3 samples ..." said of no URL.
    assert stale.explanation.startswith(f"{SITE2} is served by project-2: "), stale.explanation


def test_an_instance_of_its_own_goes_over_everyone() -> None:
    cutoffs = RestartCutoffs(Cutoff(AFTER, "--restarted-after T"),
                             {"project-1": Cutoff(BEFORE, "--restarted-after project-1=T0")})
    report = run(healthy(), restarted_after=cutoffs)
    assert result(report, SITE1).verdict is Verdict.OK
    assert result(report, SITE2).verdict is Verdict.STALE


def test_forms_of_the_option(tmp_path: Path) -> None:
    script = tmp_path / "wsgi.py"
    script.write_text("", encoding="utf-8")
    os.utime(script, (AFTER.timestamp(), AFTER.timestamp()))
    found = parse_restarted_after(
        ["2024-05-01T09:00:00Z", f"project-2=@{script}", "project-1 = 2024-05-01T11:00Z"], NAMES)
    assert found.everyone == Cutoff(BEFORE, "--restarted-after 2024-05-01T09:00:00Z")
    assert found.of("project-2") == Cutoff(AFTER, f"--restarted-after project-2=@{script}")
    assert found.of("project-1") == Cutoff(AFTER, "--restarted-after project-1=2024-05-01T11:00Z")
    assert found.of("other") == found.everyone
    # An @FILE whose path holds "=" is still the plain form.
    odd = tmp_path / "a=b.py"
    odd.write_text("", encoding="utf-8")
    assert parse_restarted_after([f"@{odd}"], NAMES).everyone is not None


@pytest.mark.parametrize(("values", "names", "message"), [
    (["T", "2024-05-01"], NAMES, "--restarted-after: not an ISO 8601 time or @FILE: 'T'"),
    (["2024-05-01", "2024-05-02"], NAMES,
     "--restarted-after: given twice for every instance (--restarted-after 2024-05-01 and "
     "2024-05-02); name the instance: --restarted-after INSTANCE=TIME"),
    (["nope=2024-05-01"], NAMES, "--restarted-after nope=...: no instance 'nope' in the manifest "
     "(instances: project-1, project-2)"),
    (["a=2024-05-01"], None, "--restarted-after a=...: no instance 'a' in the manifest "
     "(instances: none: URLs were given, not a manifest)"),
    (["project-1=2024-05-01", "project-1=2024-05-02"], NAMES,
     "--restarted-after project-1=...: given twice for project-1"),
    (["project-1=soon"], NAMES, "--restarted-after project-1=: not an ISO 8601 time or @FILE: "
     "'soon'"),
])
def test_bad_option_values_are_one_line(values: list[str], names: list[str] | None,
                                        message: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_restarted_after(values, names)
    assert str(info.value).startswith(message)


def with_key(value: str) -> str:
    return SITES.replace('label = "project-2"\n', f'label = "project-2"\nrestarted_after = '
                                                  f'{json.dumps(value)}\n', 1)


def test_manifest_key(tmp_path: Path) -> None:
    loaded = manifest.parse(with_key("2024-05-01T11:00:00Z"), "site.toml")
    assert loaded.instances["project-2"].restarted_after == "2024-05-01T11:00:00Z"
    assert manifest_cutoffs({"project-2": "2024-05-01T11:00:00Z"}).of("project-2") == Cutoff(
        AFTER, "instances.project-2.restarted_after = 2024-05-01T11:00:00Z")


@pytest.mark.parametrize(("value", "message"), [
    ("soon", "site.toml: instances.project-2.restarted_after: not an ISO 8601 time or @FILE: "
             "'soon'"),
    ("@wsgi.py", "site.toml: instances.project-2.restarted_after: @FILE needs an absolute path"),
    ("2099-01-01T00:00:00Z", "site.toml: instances.project-2.restarted_after: "
                             "'2099-01-01T00:00:00Z' is later than this machine's clock ("),
])
def test_bad_manifest_key_is_one_line(value: str, message: str) -> None:
    with pytest.raises(ManifestError) as info:
        manifest.parse(with_key(value), "site.toml")
    assert str(info.value).startswith(message)


def test_the_manifest_file_is_read_at_each_sweep(tmp_path: Path) -> None:
    """The exporter sweeps for days: each sweep reads the deployed file's time again."""
    script = tmp_path / "wsgi.py"
    script.write_text("", encoding="utf-8")
    now = datetime.now(UTC)
    os.utime(script, ((now - timedelta(hours=1)).timestamp(),) * 2)
    router = apache()  # its applications are wrapped (started) now
    with serve(router) as port:
        loaded = sites_manifest(port, samples=1)
        text = manifest_text(loaded).replace(
            'label = "project-2"\n', f'label = "project-2"\nrestarted_after = "@{script}"\n')
        loaded = manifest.parse(text, "site.toml")
        first = run_sweep(loaded)
        # The deploy, a minute after the applications started (no later: a deploy time
        # past the clock's allowed skew is refused).
        os.utime(script, ((now + timedelta(minutes=1)).timestamp(),) * 2)
        second = run_sweep(loaded)
        script.unlink()
        with pytest.raises(UsageError, match=r"instances.project-2.restarted_after: cannot read"):
            run_sweep(loaded)
    assert by_url(first)[SUB].verdict is Verdict.OK
    assert by_url(second)[SUB].verdict is Verdict.STALE
    assert by_url(second)[SITE1].verdict is Verdict.OK  # project-1 was not deployed


def manifest_text(loaded: manifest.Manifest) -> str:
    port = loaded.probe.connect
    return (f'[probe]\nconnect = "{port}"\nsamples = 1\n'
            f'[instances.project-1]\nlabel = "project-1"\nurls = ["{SITE1}"]\n'
            f'[instances.project-2]\nlabel = "project-2"\nurls = ["{SUB}"]\n')


def test_command_line_names_an_unknown_instance(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text(SITES, encoding="utf-8")
    done = CliRunner().invoke(main, ["sweep", "-m", str(path), "--restarted-after",
                                     "project-9=2024-05-01"])
    assert done.exit_code == 2
    assert done.stderr.startswith("probe: --restarted-after project-9=...: no instance")
