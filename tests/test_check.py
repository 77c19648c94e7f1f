"""probe check: thresholds, states, output and the plugin's exits, against hand-built Reports.

The command-line tests run ``probe check`` as a subprocess, as Nagios does: exit codes
and "nothing but one line on stdout" are only trustworthy that way.
"""

from __future__ import annotations

import math
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from probe.check import plugin as check
from probe.check.plugin import CheckOptions, Thresholds, parse_range
from probe.diagnose import ConfigJoin
from probe.endpoint_answer import EndpointAnswer
from probe.errors import ManifestError, ProbeError, UsageError
from probe.manifest import Manifest, parse
from probe.model import Cause, Finding, Report, Status, TargetResult, Verdict
from tests.monitoring_helpers import MANIFEST, PROBE, closed_port, parse_output, silent_server


def result(url: str, verdict: Verdict = Verdict.OK, *, expected: str | None = "project-1",
           cause: Cause | None = None, answered_by: str | None = "project-1",
           elapsed_ms: float = 4.0, status_code: int | None = 200,
           observed: dict[str, Any] | None = None) -> TargetResult:
    if verdict is Verdict.UNREACHABLE:
        status_code, answered_by = None, None
    elif observed is None:
        observed = {"label": answered_by}
    return TargetResult(url=url, expected=expected, verdict=verdict, cause=cause,
                        explanation=f"explained {verdict.value}", fix=f"fix {verdict.value}",
                        observed=EndpointAnswer.from_json(observed) if observed else None,
                        status_code=status_code, samples=3,
                        elapsed_ms=elapsed_ms, answered_by=answered_by)


HEALTHY = (
    result("http://site-1.example.com/"),
    result("http://www.site-1.example.com/"),
    result("http://site-1.example.com/suburl/", expected="project-2", answered_by="project-2"),
    result("http://site-2.example.com/", expected="project-2", answered_by="project-2"),
    result("http://www.site-2.example.com/", expected=None, answered_by=None, status_code=404),
    result("http://unknown.invalid/", expected=None, answered_by=None, status_code=404),
    result("http://site-3.example.com/", expected="project-2", answered_by="project-2"),
)


def with_problems(*replacements: TargetResult) -> Report:
    by_url = {r.url: r for r in replacements}
    return Report(tuple(by_url.get(t.url, t) for t in HEALTHY), duration_s=0.25)


MISROUTED = with_problems(
    result("http://site-1.example.com/suburl/", Verdict.WRONG_INSTANCE, expected="project-2",
           cause=Cause.ALIAS_ORDER, answered_by="project-1"),
    result("http://www.site-2.example.com/", Verdict.SERVED_UNMAPPED, expected=None,
           cause=Cause.VHOST_FALLBACK, answered_by="project-1"),
)


def evaluate(report: Report, **options: Any) -> tuple[Status, str, dict[str, dict[str, str]],
                                                      list[str]]:
    output = check.evaluate(report, CheckOptions("m.toml", **options), elapsed=0.5)
    from probe.report.nagios import render

    status_line, perf, lines = parse_output(render(output))
    return output.status, status_line, perf, lines


# -- ranges: every example of the guidelines ------------------------------------------


@pytest.mark.parametrize(("spec", "alerts", "quiet"), [
    # 10: alert if < 0 or > 10
    ("10", [-1, 11, 1000], [0, 5, 10]),
    # 10: alert if < 10
    ("10:", [-1, 0, 9], [10, 11, 10**9]),
    # ~:10 alert if > 10
    ("~:10", [11, 1000], [-10**9, -1, 0, 10]),
    # 10:20 alert if < 10 or > 20
    ("10:20", [9, 21, 0], [10, 15, 20]),
    # @10:20 alert if >= 10 and <= 20
    ("@10:20", [10, 15, 20], [9, 21, 0]),
    # and the default: any problem
    ("0", [1, 2], [0]),
])
def test_guideline_range_examples(spec: str, alerts: list[int], quiet: list[int]) -> None:
    critical = Thresholds(critical=parse_range(spec, "-c"))
    warning = Thresholds(warning=parse_range(spec, "-w"))
    for value in alerts:
        assert critical.status(value) is Status.CRITICAL, (spec, value)
        assert warning.status(value) is Status.WARNING, (spec, value)
    for value in quiet:
        assert critical.status(value) is Status.OK, (spec, value)
        assert warning.status(value) is Status.OK, (spec, value)


@pytest.mark.parametrize("spec", ["", "@", ":", "@:", "abc", "20:10", "1:2:3", "~", "10:abc",
                                  "1e3", "--1"])
def test_bad_ranges_are_usage_errors(spec: str) -> None:
    with pytest.raises(UsageError, match="-w"):
        parse_range(spec, "-w")


def test_decimal_ranges() -> None:
    assert Thresholds(critical=parse_range("0.5:2.5", "-c")).status(3) is Status.CRITICAL
    assert Thresholds(critical=parse_range("0.5:2.5", "-c")).status(2) is Status.OK


def test_default_thresholds_any_problem_is_critical() -> None:
    assert Thresholds().status(0) is Status.OK
    assert Thresholds().status(1) is Status.CRITICAL


def test_warning_alone_never_critical() -> None:
    """-w 5 alone: the default critical range (any problem) must not win over it."""
    thresholds = Thresholds(warning=parse_range("5", "-w"))
    assert thresholds.effective_critical is None
    assert [thresholds.status(n) for n in (0, 5, 6, 100)] == [
        Status.OK, Status.OK, Status.WARNING, Status.WARNING]
    _status, _line, perf, _lines = evaluate(MISROUTED, thresholds=Thresholds(
        warning=parse_range("1", "-w")))
    assert (perf["problems"]["warn"], perf["problems"]["crit"]) == ("1", "")
    assert _status is Status.WARNING


def test_warning_and_critical_together() -> None:
    thresholds = Thresholds(warning=parse_range("0", "-w"), critical=parse_range("2", "-c"))
    assert [thresholds.status(n) for n in range(4)] == [
        Status.OK, Status.WARNING, Status.WARNING, Status.CRITICAL]


# -- evaluating a sweep ---------------------------------------------------------------


def test_healthy_is_ok_with_perfdata() -> None:
    status, line, perf, lines = evaluate(Report(HEALTHY, duration_s=0.25))
    assert status is Status.OK
    assert line == ("WSGI-PROBE OK - 5 URLs answered by the expected instance, "
                    "2 URLs refused as required")
    assert lines == []
    assert set(perf) == {"urls", "ok", "problems", "time"}
    assert perf["urls"]["value"] == "7" and perf["ok"]["value"] == "7"
    assert perf["problems"] == {"label": "problems", "value": "0", "uom": "", "warn": "",
                                "crit": "0", "min": "0", "max": "7"}
    assert perf["time"]["uom"] == "s" and perf["time"]["value"] == "0.5"
    assert perf["time"]["max"] == "10"


def test_misroute_status_line_as_the_issue_shows_it() -> None:
    status, line, perf, lines = evaluate(MISROUTED)
    assert status is Status.CRITICAL
    assert line == ("WSGI-PROBE CRITICAL - 2 of 7 URLs misrouted: site-1.example.com/suburl/ "
                    "answered by project-1 (alias_order), www.site-2.example.com/ served by "
                    "project-1 instead of refused (vhost_fallback)")
    assert perf["problems"]["value"] == "2" and perf["ok"]["value"] == "5"
    # One long-output line per problem, in report order.
    assert len(lines) == 2
    assert lines[0].startswith("CRITICAL: http://site-1.example.com/suburl/ wrong_instance")
    assert "explained wrong_instance" in lines[0] and "Fix:" not in lines[0]
    assert lines[1].startswith("CRITICAL: http://www.site-2.example.com/ served_unmapped")


def test_the_status_line_words_the_problems_by_their_verdicts() -> None:
    """Re-tester R26: "2 of 5 URLs misrouted" for two settings_mismatch (settings_path), each
    served by its right instance."""
    settings = [result(url, Verdict.SETTINGS_MISMATCH, expected="project-2",
                       cause=Cause.SETTINGS_PATH, answered_by="project-2")
                for url in ("http://site-1.example.com/suburl/", "http://site-2.example.com/")]
    _status, line, _perf, _lines = evaluate(with_problems(*settings))
    assert line.startswith("WSGI-PROBE CRITICAL - 2 of 7 URLs on other settings: "), line
    both = with_problems(settings[0], result(
        "http://www.site-2.example.com/", Verdict.SERVED_UNMAPPED, expected=None,
        cause=Cause.VHOST_FALLBACK, answered_by="project-1"))
    _status, line, _perf, _lines = evaluate(both)
    assert line.startswith("WSGI-PROBE CRITICAL - 2 of 7 URLs on other settings or "
                           "misrouted: "), line


def test_unreachable_is_critical_not_unknown() -> None:
    report = with_problems(result("http://site-2.example.com/", Verdict.UNREACHABLE,
                                  expected="project-2"))
    status, line, _perf, lines = evaluate(report)
    assert status is Status.CRITICAL
    assert line == "WSGI-PROBE CRITICAL - 1 of 7 URLs failing: site-2.example.com/ unreachable"
    assert lines[0].startswith("CRITICAL: http://site-2.example.com/ unreachable (expected "
                               "project-2)")


def test_status_line_names_three_problems_then_counts_the_rest() -> None:
    broken = [result(t.url, Verdict.WRONG_INSTANCE, expected=t.expected, answered_by="x")
              for t in HEALTHY[:5]]
    _status, line, _perf, lines = evaluate(with_problems(*broken))
    assert line.count("answered by x") == 3
    assert line.endswith(", ... (+2 more)")
    assert len(lines) == 5
    _status, verbose_line, _perf, verbose_lines = evaluate(with_problems(*broken), verbose=1)
    assert verbose_line.count("answered by x") == 5 and "more" not in verbose_line
    assert all(" Fix: fix wrong_instance" in x for x in verbose_lines)


def test_thresholds_decide_the_state() -> None:
    thresholds = Thresholds(warning=parse_range("1", "-w"), critical=parse_range("3", "-c"))
    status, _line, perf, lines = evaluate(MISROUTED, thresholds=thresholds)
    assert status is Status.WARNING
    assert perf["problems"]["warn"] == "1" and perf["problems"]["crit"] == "3"
    assert lines[0].startswith("WARNING: ")
    relaxed = Thresholds(critical=parse_range("5", "-c"))
    status, line, _perf, lines = evaluate(MISROUTED, thresholds=relaxed)
    assert status is Status.OK
    assert "2 of 7 URLs misrouted" in line  # still said, just not alerted on
    assert lines[0].startswith("WITHIN THRESHOLDS: ")


def test_warning_finding_makes_warning() -> None:
    finding = Finding("embedded_shared_process", Status.WARNING, ("project-1", "project-2"),
                      "Both run in the Apache child processes.")
    status, line, _perf, lines = evaluate(Report(HEALTHY, (finding,)))
    assert status is Status.WARNING
    assert line.endswith("; 1 finding: embedded_shared_process")
    assert lines == ["WARNING: embedded_shared_process (project-1, project-2): "
                     "Both run in the Apache child processes."]


def test_critical_finding_beats_relaxed_thresholds() -> None:
    finding = Finding("x", Status.CRITICAL, (), "bad")
    status, *_ = evaluate(Report(HEALTHY, (finding,)),
                          thresholds=Thresholds(critical=parse_range("9", "-c")))
    assert status is Status.CRITICAL


def test_problem_outranks_warning_finding() -> None:
    finding = Finding("x", Status.WARNING, (), "meh")
    status, *_ = evaluate(Report(MISROUTED.targets, (finding,)))
    assert status is Status.CRITICAL


def test_interrupted_or_empty_sweep_is_unknown() -> None:
    assert evaluate(Report(HEALTHY, interrupted=True))[0] is Status.UNKNOWN
    assert evaluate(Report(()))[0] is Status.UNKNOWN


def test_per_url_perfdata_unique_in_19_characters() -> None:
    report = with_problems(result("http://site-2.example.com/", Verdict.UNREACHABLE,
                                  expected="project-2"))
    _status, _line, perf, _lines = evaluate(report, perfdata_urls=True)
    assert len(perf) == 4 + len(HEALTHY)
    assert len({label[:19] for label in perf}) == len(perf)
    assert perf["site-1.example.com/"] == {
        "label": "site-1.example.com/", "value": "0.004", "uom": "s", "warn": "",
        "crit": "", "min": "0", "max": ""}
    assert any(label.endswith("~www.site-1.example.com/") for label in perf)
    assert perf["site-2.example.com/"]["value"] == "U"  # unreachable: no time to graph


def test_without_option_no_per_url_perfdata() -> None:
    assert set(evaluate(MISROUTED)[2]) == {"urls", "ok", "problems", "time"}


def test_verbose_levels_add_detail() -> None:
    manifest = parse(MANIFEST, "site.toml")
    output = check.evaluate(MISROUTED, CheckOptions("site.toml", verbose=2), manifest=manifest)
    assert sum(line.startswith("OK: ") for line in output.long_output) == 5
    assert "OK: http://unknown.invalid/ refused (HTTP 404) in 4.0 ms" in output.long_output
    assert "OK: http://site-3.example.com/ answered by project-2 in 4.0 ms" in output.long_output
    assert any(line.startswith("manifest site.toml: ") and "sweep deadline=9s" in line
               for line in output.long_output)
    assert not any(line.startswith("observed at") for line in output.long_output)
    output = check.evaluate(MISROUTED, CheckOptions("site.toml", verbose=3), manifest=manifest)
    assert sum(line.startswith("observed at ") for line in output.long_output) == 2


# -- running: manifest, token, sweep, errors -------------------------------------------


class FakeSweep:
    def __init__(self, report: Report | None = None, error: Exception | None = None) -> None:
        self.report = report or Report(HEALTHY)
        self.error = error
        self.calls: list[tuple[Manifest, float | None]] = []
        self.tokens: list[str | None] = []
        self.configs: list[ConfigJoin | None] = []

    def __call__(self, manifest: Manifest, *, deadline: float | None = None,
                 token: str | None = None, config: ConfigJoin | None = None) -> Report:
        self.calls.append((manifest, deadline))
        self.configs.append(config)
        self.tokens.append(token)
        if self.error:
            raise self.error
        return self.report


def test_run_passes_a_deadline_inside_the_timeout() -> None:
    sweep = FakeSweep(MISROUTED)
    output = check.run(CheckOptions("site.toml", timeout=10),
                       sweep=sweep, load=lambda path: parse(MANIFEST, path))
    assert output.status is Status.CRITICAL
    [(manifest, deadline)] = sweep.calls
    assert manifest.source == "site.toml"
    assert deadline == 9.0
    assert check.sweep_deadline(1.0) == 0.5  # a short -t still leaves the sweep half


@pytest.mark.parametrize(("report", "status", "said"), [
    (Report(HEALTHY, unprobed=2), Status.UNKNOWN,
     "; 2 URLs not probed: the time limit (-t) ran out before they were sent"),
    (Report(MISROUTED.targets, unprobed=1), Status.CRITICAL,
     "; 1 URL not probed: the time limit (-t) ran out before it was sent"),
    (Report((), unprobed=6), Status.UNKNOWN, "no URL was probed before the time limit (6 URLs "
                                             "not sent)"),
])
def test_urls_not_sent_in_time_are_unknown_not_failing(report: Report, status: Status,
                                                      said: str) -> None:
    """Not asked, a URL has not failed: the check did not finish (UNKNOWN), unless what it
    did find is a problem."""
    output = check.run(CheckOptions("site.toml"), sweep=FakeSweep(report),
                       load=lambda path: parse(MANIFEST, path))
    assert output.status is status
    assert output.summary.endswith(said)


def test_run_reads_the_token_once_and_passes_it_to_the_sweep(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("s3cr3t-tökén\n", encoding="utf-8")
    sweep = FakeSweep()
    check.run(CheckOptions("site.toml", token_file=str(token_file)), sweep=sweep,
              load=lambda path: parse(MANIFEST, path))
    assert sweep.tokens == ["s3cr3t-tökén"]


def test_run_applies_command_line_overrides() -> None:
    sweep = FakeSweep()
    check.run(CheckOptions("site.toml", connect=("127.0.0.1:8080",)), sweep=sweep,
              load=lambda path: parse(MANIFEST, path))
    assert sweep.calls[0][0].probe.connect == "127.0.0.1:8080"


def test_repeated_connect_probes_a_fleet() -> None:
    sweep = FakeSweep()
    check.run(CheckOptions("site.toml", connect=("127.0.0.1:8080", "127.0.0.2:8080")),
              sweep=sweep, load=lambda path: parse(MANIFEST, path))
    assert sweep.calls[0][0].probe.connects == ("127.0.0.1:8080", "127.0.0.2:8080")


def with_config(path: Path) -> str:
    return f"[probe]\nconfig = {str(path)!r}\n{MANIFEST}"


def test_the_manifests_configuration_goes_to_the_sweep(tmp_path: Path) -> None:
    conf = tmp_path / "httpd.conf"
    conf.write_text("<VirtualHost *:80>\n    ServerName site-1.example.com\n"
                    "    WSGIScriptAlias / /srv/project-1/wsgi.py process-group=project-1\n"
                    "</VirtualHost>\n", encoding="utf-8")
    sweep = FakeSweep(MISROUTED)
    output = check.run(CheckOptions("site.toml"), sweep=sweep,
                       load=lambda path: parse(with_config(conf), path))
    [config] = sweep.configs
    assert isinstance(config, ConfigJoin)
    assert output.status is Status.CRITICAL
    assert not any("configuration" in line for line in output.long_output)


def test_no_configuration_named_none_read() -> None:
    sweep = FakeSweep()
    check.run(CheckOptions("site.toml"), sweep=sweep, load=lambda path: parse(MANIFEST, path))
    assert sweep.configs == [None]


@pytest.mark.parametrize(("report", "state"), [(Report(HEALTHY), Status.OK),
                                               (MISROUTED, Status.CRITICAL)],
                         ids=["ok", "misrouted"])
def test_an_unreadable_configuration_is_one_line_not_the_state(
        tmp_path: Path, report: Report, state: Status) -> None:
    missing = tmp_path / "nope.conf"
    sweep = FakeSweep(report)
    output = check.run(CheckOptions("site.toml"), sweep=sweep,
                       load=lambda path: parse(with_config(missing), path))
    assert sweep.configs == [None]  # swept all the same
    assert output.status is state
    assert output.long_output[0] == ("configuration not read, explanations made without it: "
                                     f"[probe] config {missing}: no such file or directory")
    assert sum("configuration not read" in line for line in output.long_output) == 1


def test_bad_manifest_is_unknown() -> None:
    def load(path: str) -> Manifest:
        raise ManifestError(f"{path}: TOML syntax error: bad (at line 1, column 2)")

    output = check.run(CheckOptions("site.toml"), sweep=FakeSweep(), load=load)
    assert output.status is Status.UNKNOWN and output.exit_code == 3
    assert output.summary == "site.toml: TOML syntax error: bad (at line 1, column 2)"


def test_unreadable_token_file_is_unknown_before_sweeping(tmp_path: Path) -> None:
    sweep = FakeSweep()
    missing = tmp_path / "nope"
    output = check.run(CheckOptions("site.toml", token_file=str(missing)), sweep=sweep,
                       load=lambda path: parse(MANIFEST, path))
    assert output.status is Status.UNKNOWN
    assert "token file" in output.summary and "cannot be read" in output.summary
    assert sweep.calls == []


def test_empty_token_file_is_unknown_before_sweeping(tmp_path: Path) -> None:
    sweep = FakeSweep()
    empty = tmp_path / "token"
    empty.write_text("\n", encoding="utf-8")
    output = check.run(CheckOptions("site.toml", token_file=str(empty)), sweep=sweep,
                       load=lambda path: parse(MANIFEST, path))
    assert output.status is Status.UNKNOWN and output.exit_code == 3
    assert "is empty" in output.summary
    assert sweep.calls == []


@pytest.mark.parametrize("content", [None, "", "not a certificate\n"])
def test_a_ca_file_that_cannot_be_used_is_unknown_before_sweeping(
        tmp_path: Path, content: str | None) -> None:
    """libcurl reads ca_file at the first HTTPS request: a missing one was every https URL
    CRITICAL, with a fix about the server's certificate."""
    sweep = FakeSweep()
    ca = tmp_path / "ca.pem"
    if content is not None:
        ca.write_text(content, encoding="utf-8")
    text = f"[probe]\nca_file = {str(ca)!r}\n" + MANIFEST
    output = check.run(CheckOptions("site.toml"), sweep=sweep, load=lambda path: parse(text, path))
    assert output.status is Status.UNKNOWN
    assert output.summary.startswith(f"CA file {str(ca)!r} cannot be used: ")
    assert sweep.calls == []


def test_sweep_probe_error_is_unknown() -> None:
    output = check.run(CheckOptions("site.toml"), sweep=FakeSweep(error=ProbeError("no way")),
                       load=lambda path: parse(MANIFEST, path))
    assert (output.status, output.summary) == (Status.UNKNOWN, "no way")


def test_internal_error_is_unknown_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    output = check.run(CheckOptions("site.toml"),
                       sweep=FakeSweep(error=KeyError("verdict")),
                       load=lambda path: parse(MANIFEST, path))
    assert output.status is Status.UNKNOWN
    assert output.summary == "internal error: KeyError: 'verdict'"
    assert capsys.readouterr().err == ""


def test_stage_is_reported_for_the_timeout_message() -> None:
    stages: list[str] = []
    check.run(CheckOptions("site.toml"), sweep=FakeSweep(),
              load=lambda path: parse(MANIFEST, path), stage=stages.append)
    assert stages == ["loading the manifest", "sweeping 6 URLs", "judging the results"]


# -- the hard timeout -------------------------------------------------------------------


class Fired(Exception):
    pass


def test_watchdog_fires_with_the_stage() -> None:
    stage = check.Stage()
    stage("sweeping 6 URLs")
    seen: list[tuple[float, str]] = []

    def fire(timeout: float, text: str) -> None:
        seen.append((timeout, text))
        raise Fired

    # The block would sleep for a minute: only the alarm can end it (pytest's own timeout
    # would fail the run long before, so no wall-clock assertion is needed).
    with pytest.raises(Fired), check.watchdog(0.2, stage, fire):
        threading.Event().wait(60)
    assert seen == [(0.2, "sweeping 6 URLs")]


def test_watchdog_disarms_after_the_block() -> None:
    def fire(timeout: float, text: str) -> None:
        raise Fired

    before = signal.getsignal(signal.SIGALRM)
    with check.watchdog(0.2, check.Stage(), fire):
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0  # armed inside
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # disarmed after
    assert signal.getsignal(signal.SIGALRM) == before  # the previous handler is back


def test_watchdog_default_exits_unknown_with_one_line() -> None:
    code = textwrap.dedent("""
        import threading, time
        from probe.check import plugin as check
        stage = check.Stage()
        stage("sweeping 7 URLs")
        # A non-daemon thread stuck forever: a normal exit would wait for it.
        threading.Thread(target=time.sleep, args=(60,)).start()
        with check.watchdog(0.3, stage):
            time.sleep(30)
    """)
    # The stuck thread sleeps 60 s: the subprocess timeout (20 s) fails the test if the
    # watchdog's hard exit did not end the process.
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=20, check=False)
    assert done.returncode == 3
    assert done.stdout == ("WSGI-PROBE UNKNOWN - plugin timed out after 0.3 s while sweeping "
                           "7 URLs\n")
    assert done.stderr == ""


# -- the command line, as Nagios runs it ------------------------------------------------


def run_check(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PROBE, "check", *args], capture_output=True, text=True,
                          timeout=timeout, check=False, stdin=subprocess.DEVNULL)


@pytest.fixture
def manifest_file(tmp_path: Path) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(f'[probe]\nconnect = "127.0.0.1:{closed_port()}"\nsamples = 1\n' + MANIFEST)
    return path


@pytest.fixture
def silent() -> Iterator[int]:
    with silent_server() as port:
        yield port


def test_cli_unreachable_targets_are_critical(manifest_file: Path) -> None:
    done = run_check("-m", str(manifest_file), "--perfdata-urls")
    assert done.returncode == 2, done
    status, perf, lines = parse_output(done.stdout)
    assert status.startswith("WSGI-PROBE CRITICAL - 6 of 6 URLs failing: ")
    assert perf["urls"]["value"] == "6" and perf["problems"]["value"] == "6"
    assert len(lines) == 6 and all(line.startswith("CRITICAL: ") for line in lines)
    assert done.stderr == ""


def test_cli_timeout_bounds_the_check(tmp_path: Path, silent: int) -> None:
    """A server that never answers: -t 2 ends the check in time, CRITICAL per URL."""
    manifest = tmp_path / "slow.toml"
    manifest.write_text(f'[probe]\nconnect = "127.0.0.1:{silent}"\ntimeout = 60.0\n'
                        + MANIFEST)
    done = run_check("-m", str(manifest), "-t", "2", timeout=30)
    # CRITICAL per URL (not UNKNOWN): the sweep's own deadline inside -t ended the requests,
    # which would otherwise wait 60 s each.
    assert done.returncode == 2, done
    assert done.stdout.startswith("WSGI-PROBE CRITICAL - 6 of 6 URLs failing: ")


SLOW_LOOKUP = textwrap.dedent("""
    import socket, sys, time
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host == "slow-lookup.test":  # a resolver that hangs: nothing can interrupt it
            time.sleep(60)
        return real(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo
    from probe.cli import main
    main(["check", "-m", sys.argv[1], "-t", "2"])
""")


def test_cli_timeout_bounds_a_stuck_name_lookup(tmp_path: Path) -> None:
    """A worker thread stuck in getaddrinfo past -t must not keep the plugin alive."""
    manifest = tmp_path / "slow.toml"
    manifest.write_text('[probe]\nsamples = 1\ntimeout = 60.0\n'
                        '[instances.a]\nlabel = "a"\nurls = ["http://slow-lookup.test/"]\n')
    # The lookup hangs 60 s; the subprocess timeout (30 s) fails the test if -t did not end it.
    done = subprocess.run([sys.executable, "-c", SLOW_LOOKUP, str(manifest)],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 2, done
    assert done.stdout.startswith("WSGI-PROBE CRITICAL - 1 of 1 URL failing: "
                                  "slow-lookup.test/ unreachable"), done
    assert done.stderr == ""


@pytest.mark.parametrize("args", [
    (),                                   # -m missing
    ("-m", "x.toml", "--bogus"),          # unknown option
    ("-m", "x.toml", "-t", "soon"),       # not a number
    ("-m", "x.toml", "-t", "0"),          # out of range
    ("-m", "x.toml", "-t", "nan"),        # not a number, though no range check says so
    ("-m", "x.toml", "-t", "inf"),
    ("-m", "x.toml", "-t", "1e308"),
    ("-m", "x.toml", "-w", "abc"),        # not a range
    ("-m", "x.toml", "-c", "20:10"),      # start > end
    ("-m", "x.toml", "extra"),            # positional argument
    ("-m", "/"),                          # a directory
    ("-m", "x.toml", "--token-file", "/"),
    ("-m",),                              # -m without its FILE
    ("-m", "x.toml", "-t"),
    ("--man", "x.toml"),                  # abbreviations are not options (as with click)
    ("-m", "x.toml", "--perfdata-urls=yes"),
])
def test_cli_bad_arguments_are_unknown_with_one_line(args: tuple[str, ...]) -> None:
    done = run_check(*args)
    assert done.returncode == 3, done
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("WSGI-PROBE UNKNOWN - "), done
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0, 0.0])
def test_timeout_must_be_finite_and_positive(value: float) -> None:
    with pytest.raises(UsageError, match="-t"):
        check.check_timeout(value)


def test_cli_nan_timeout_is_a_usage_error() -> None:
    done = run_check("-m", "x.toml", "-t", "nan")
    assert done.returncode == 3
    assert done.stdout.startswith("WSGI-PROBE UNKNOWN - argument -t/--timeout: not a number of "
                                  "seconds")
    assert "internal error" not in done.stdout


def test_cli_warning_alone_is_warning(manifest_file: Path) -> None:
    done = run_check("-m", str(manifest_file), "-w", "2")
    assert done.returncode == 1, done  # 6 unreachable URLs: outside -w, and no -c given
    status, perf, _lines = parse_output(done.stdout)
    assert status.startswith("WSGI-PROBE WARNING - 6 of 6 URLs failing")
    assert perf["problems"]["warn"] == "2" and perf["problems"]["crit"] == ""


def test_cli_missing_manifest_is_unknown(tmp_path: Path) -> None:
    done = run_check("-m", str(tmp_path / "nope.toml"))
    assert done.returncode == 3
    assert done.stdout == f"WSGI-PROBE UNKNOWN - {tmp_path / 'nope.toml'}: cannot read " \
                          "manifest: No such file or directory\n"


def test_cli_bad_manifest_is_unknown(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[instances.a]\nurls = ['ftp://x/']\n")
    done = run_check("-m", str(path))
    assert done.returncode == 3
    assert done.stdout.startswith("WSGI-PROBE UNKNOWN - ") and "not an http(s) URL" in done.stdout
    assert done.stdout.count("\n") == 1


def test_cli_unreadable_token_file_is_unknown(manifest_file: Path, tmp_path: Path) -> None:
    done = run_check("-m", str(manifest_file), "--token-file", str(tmp_path / "token"))
    assert done.returncode == 3
    assert done.stdout.startswith("WSGI-PROBE UNKNOWN - token file ")


@pytest.mark.parametrize(("args", "line"), [
    (("-m", "x.toml", "--bogus"), "unrecognized arguments: --bogus"),
    # An abbreviation is not an option (as with click): --perf is not --perfdata-urls.
    (("-m", "x.toml", "--perf"), "unrecognized arguments: --perf"),
    (("-m", "/"), "argument -m/--manifest: '/' is a directory, not a file"),
    ((), "the following arguments are required: -m/--manifest"),
    (("-m", "x.toml", "-t", "0"),
     "argument -t/--timeout: not a number of seconds above 0 and at most 86400: '0'"),
])
def test_cli_usage_errors_say_what_and_where_to_look(args: tuple[str, ...], line: str) -> None:
    done = run_check(*args)
    assert (done.returncode, done.stdout, done.stderr) == (
        3, f"WSGI-PROBE UNKNOWN - {line} (see 'probe check --help')\n", "")


def test_cli_help_and_version_exit_unknown() -> None:
    done = run_check("-h")
    assert done.returncode == 3
    assert "[@][start:][end]" in done.stdout and "--perfdata-urls" in done.stdout
    assert RANGE_TABLE in done.stdout
    assert "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN." in done.stdout
    assert "  probe check -m site.toml -w 0 -c 2 -t 20 --perfdata-urls\n" in done.stdout
    for option in ("-m FILE, --manifest FILE", "-w RANGE, --warning RANGE",
                   "-c RANGE, --critical RANGE", "-t SECONDS, --timeout SECONDS", "--verbose",
                   "--perfdata-urls", "--connect HOST[:PORT]", "--token-file FILE",
                   "--version", "--help"):
        assert option in done.stdout
    assert done.stderr == ""
    done = run_check("-V")
    assert done.returncode == 3
    assert done.stdout.startswith("wsgi-probe, version ")


RANGE_TABLE = """\
RANGE is the standard threshold syntax, [@][start:][end]:
  10      alert if the count is outside 0..10
  10:     alert if below 10
  ~:10    alert if above 10
  10:20   alert if outside 10..20
  @10:20  alert if inside 10..20
"""


def test_probe_help_lists_check() -> None:
    done = subprocess.run([*PROBE, "--help"], capture_output=True, text=True, timeout=60,
                          check=True)
    assert "  check     Sweep the manifest as a Nagios/Icinga plugin: one status" in done.stdout


def test_the_click_group_forwards_check_unchanged() -> None:
    """``probe.cli.main(["check", ...])`` (``python -m probe``, scripts) parses as the
    console script does: one parser, one help text."""
    from click.testing import CliRunner

    from probe.cli import main

    forwarded = CliRunner().invoke(main, ["check", "--help"])
    assert forwarded.exit_code == 3
    assert forwarded.output == run_check("--help").stdout
    forwarded = CliRunner().invoke(main, ["check", "-m", "x.toml", "-h", "--bogus"])
    assert forwarded.exit_code == 3 and RANGE_TABLE in forwarded.output
    forwarded = CliRunner().invoke(main, ["check", "-m", "x.toml", "--", "--bogus"])
    assert forwarded.exit_code == 3
    assert forwarded.output == run_check("-m", "x.toml", "--", "--bogus").stdout
    assert forwarded.output == "WSGI-PROBE UNKNOWN - unrecognized arguments: -- --bogus " \
                               "(see 'probe check --help')\n"


def test_the_click_group_runs_a_check(tmp_path: Path) -> None:
    # In a subprocess: a check ends its process with os._exit, as the plugin must.
    code = "import sys; from probe.cli import main; main(['check', *sys.argv[1:]])"
    missing = tmp_path / "nope.toml"
    done = subprocess.run([sys.executable, "-c", code, "-m", str(missing), "-w", "1"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (
        3, f"WSGI-PROBE UNKNOWN - {missing}: cannot read manifest: No such file or "
           "directory\n", "")


def test_cli_options_in_any_order_and_long_forms(manifest_file: Path) -> None:
    done = run_check("--critical", "10", "--warning", "2", "--manifest", str(manifest_file),
                     "--timeout", "20", "-vv")
    assert done.returncode == 1, done  # 6 problems: outside -w 0..2, inside -c 0..10
    status, perf, lines = parse_output(done.stdout)
    assert status.startswith("WSGI-PROBE WARNING - ")
    assert perf["problems"]["warn"] == "2" and perf["problems"]["crit"] == "10"
    assert any("check timeout=20s" in line for line in lines)


def test_the_light_unknown_status_is_the_plugins() -> None:
    from probe.check.args import HELP_EXIT
    from probe.check.status_line import UNKNOWN_EXIT
    from probe.exits import PLUGIN_EXIT, ExitStatus

    assert UNKNOWN_EXIT == HELP_EXIT == ExitStatus.PLUGIN_UNKNOWN == PLUGIN_EXIT[Status.UNKNOWN]
    assert {PLUGIN_EXIT[s.value] for s in Status} == {0, 1, 2, 3}


ARGUMENT_WORDS = [
    ("-m", "site.toml"), ("--manifest", "other.toml"), ("-m", "DIR"), ("-m", "-x.toml"),
    ("-w", "2"), ("--warning", "@1:3"), ("-w", "-1"), ("-c", "~:10"), ("--critical", "0"),
    ("-t", "20"), ("--timeout", "1e1"), ("-t", "0"), ("-t", "nan"), ("-t", " 5"),
    ("-t", "86401"), ("-v",), ("--verbose",), ("-vv",), ("--perfdata-urls",),
    ("--connect", "127.0.0.1:8080"), ("--connect", "[::1]:80"), ("--token-file", "token"),
    ("--token-file", "DIR"), ("--",), ("extra",), ("-m",), ("-t",), ("-m=x.toml",),
    ("--manifest=x.toml",), ("-mx.toml",), ("--man", "x.toml"), ("-h",), ("-V",), ("",),
    ("--via", "check.sock"),
]


def command_lines() -> list[list[str]]:
    """Pairs and triples of the words above, in both orders: the usual lines and the odd."""
    import itertools

    lines = [list(itertools.chain(*combo)) for n in (1, 2, 3)
             for combo in itertools.permutations(ARGUMENT_WORDS, n)
             if n < 3 or combo[0][0] in ("-m", "--manifest")]
    return [["-m", "a.toml", "-m", "b.toml"], ["-t", "5", "-m", "a.toml", "-t", "6"], *lines]


def test_the_parser_is_built_once_and_parses_alike_each_time() -> None:
    """A resident checker builds it before it forks; every check then reuses it, so one
    parse must leave nothing behind for the next (--connect's list default above all)."""
    from probe.check.args import parse, parser

    assert parser() is parser()
    line = ["-m", "a.toml", "-vv", "--connect", "127.0.0.1:1", "--connect", "127.0.0.1:2"]
    first, again = parse(line), parse(line)
    assert first == again and first["connect"] == ("127.0.0.1:1", "127.0.0.1:2")
    assert parse(["-m", "a.toml", "-vv"])["connect"] == ()


@pytest.mark.parametrize(("words", "warning", "critical"), [
    (["-w", "-1:0", "-c", "-5"], "-1:0", "-5"),
    (["--warning", "-1:", "--critical", "-2:-1"], "-1:", "-2:-1"),
    (["-w=-1:2"], "-1:2", None),
    (["-w", "~:-1"], "~:-1", None),
])
def test_a_negative_range_is_the_value_of_its_option(words: list[str], warning: str,
                                                    critical: str | None) -> None:
    """As getopt takes it in the Monitoring Plugins: Icinga's CheckCommand passes ``-w`` and
    its value as two words, and ``-1:0`` is no option."""
    from probe.check.args import parse

    parsed = parse(["-m", "a.toml", *words, "-v"])
    assert (parsed["warning"], parsed["critical"], parsed["verbose"]) == (warning, critical, 1)


def test_an_option_after_w_is_still_an_option() -> None:
    from probe.check.args import parse

    with pytest.raises(UsageError, match="-w/--warning: expected one argument"):
        parse(["-m", "a.toml", "-w", "-v"])


def test_the_plain_parser_agrees_with_argparse(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Where :func:`probe.check.args._plain` answers (without argparse), it answers what
    argparse does; everything else is left to argparse, with its messages."""
    from probe.check.args import _plain, parser

    monkeypatch.chdir(tmp_path)
    (tmp_path / "DIR").mkdir()
    answered = refused = 0
    argparse_parser = parser()
    for words in command_lines():
        plain = _plain(words)
        try:
            wanted: dict[str, Any] | None = vars(argparse_parser.parse_args(words))
        except (UsageError, SystemExit):
            wanted = None
        if plain is None:
            refused += 1
        else:
            answered += 1
            assert wanted is not None, words
            # Options argparse knows and _plain never takes are absent, and None in argparse's.
            assert plain == {k: v for k, v in wanted.items() if k in plain}, words
            assert all(wanted[k] is None for k in wanted.keys() - plain.keys()), words
    assert answered > 200 and refused > 1000  # both paths really ran
    assert _plain(["-m", "site.toml"]) == {
        "manifest_path": "site.toml", "warning": None, "critical": None, "timeout": 10.0,
        "verbose": 0, "perfdata_urls": False, "connect": [], "token_file": None}
