"""Edges of the decision logic that a one-character change would move unnoticed.

Each test pins a boundary or a precedence the code states (a cutoff, which liveness verdict
outranks which, which word a status line uses, what a manifest value may be) with the real
output that changes when the boundary moves. ``scripts/mutants`` plants those changes and
runs these tests to show they are caught.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from probe import manifest
from probe.endpoint_answer import EndpointAnswer
from probe.errors import ErrorKind, ManifestError
from probe.liveness import judge, new_nonce
from probe.model import Cause, Liveness, Report, Sample, Status, Verdict
from probe.report.nagios_evaluate import evaluate
from tests.test_check import HEALTHY, with_problems
from tests.test_check import evaluate as check_evaluate
from tests.test_check import result as target_result
from tests.test_diagnose import (
    SITE1,
    SITE2,
    SITES,
    STARTED,
    SUB,
    UNKNOWN,
    answered,
    ep,
    healthy,
    obs,
    result,
    run,
    sites,
)
from tests.test_liveness import TOKEN, endpoint_answer

# --- stale: the cutoff itself -----------------------------------------------------------------


def test_an_instance_started_exactly_at_the_cutoff_is_not_stale() -> None:
    """``--restarted-after`` T means "started at T or later is new code": a process whose
    start time is T to the millisecond restarted with the deploy."""
    at_start = datetime.fromisoformat(STARTED)
    report = run(healthy(), restarted_after=at_start)
    assert {t.verdict for t in report.targets} == {Verdict.OK}
    one_ms_later = run(healthy(), restarted_after=at_start.replace(microsecond=1000))
    assert result(one_ms_later, SITE1).verdict is Verdict.STALE


# --- inconsistent: every field of who answered counts -----------------------------------------


def test_samples_differing_only_in_an_undeclared_process_group_are_ok_and_say_so() -> None:
    """Two daemon groups running the same script for one host (a balancer between two
    backends configured differently): label, settings and interpreter agree, only the
    process group tells the answers apart. The manifest does not declare it: the URL is
    served right, and the groups are said (a pool mixing gunicorn with mod_wsgi-express
    was CRITICAL inconsistent with a misroute's fix, a tester's fleet)."""
    one = ep("project-1", host="site-1.example.com", pid=101, process_group="project-1")
    other = ep("project-1", host="site-1.example.com", pid=202, process_group="project-1-ssl")
    observed = obs(SITE1, "project-1", answered(one), answered(other), answered(one))
    found = result(run(healthy(**{SITE1: observed})), SITE1)
    assert found.verdict is Verdict.OK
    assert "project-1-ssl" in found.explanation and "does not declare" in found.explanation


def test_samples_differing_in_a_declared_process_group_are_inconsistent() -> None:
    one = ep("project-1", host="site-1.example.com", pid=101, process_group="project-1")
    other = ep("project-1", host="site-1.example.com", pid=202, process_group="project-1-ssl")
    observed = obs(SITE1, "project-1", answered(one), answered(other), answered(one))
    declared = sites(SITES.replace('settings = "mysite.settings"\n',
                                   'settings = "mysite.settings"\nprocess_group = "project-1"\n',
                                   1))
    found = result(run(healthy(**{SITE1: observed}), declared), SITE1)
    assert found.verdict is Verdict.INCONSISTENT
    assert "project-1-ssl" in found.explanation
    assert "process_group" in found.fix and "pid 202" in found.fix


# --- not_live: what outranks what -------------------------------------------------------------


def _with_liveness(liveness: Liveness, pid: int) -> Sample:
    data = ep("project-1", host="site-1.example.com", pid=pid)
    return Sample(elapsed_ms=1.0, status_code=200, endpoint=EndpointAnswer.from_json(data),
                  liveness=liveness)


@pytest.mark.parametrize("order", [(Liveness.FORGED, Liveness.CACHED),
                                   (Liveness.CACHED, Liveness.FORGED)])
def test_a_forged_signature_outranks_a_stale_nonce(order: tuple[Liveness, Liveness]) -> None:
    """A URL with one replayed and one forged answer: someone without the token answers is
    the graver news, whichever sample came first."""
    samples = [_with_liveness(liveness, pid) for liveness, pid in zip(order, (101, 102),
                                                                      strict=True)]
    found = result(run(healthy(**{SITE1: obs(SITE1, "project-1", *samples)})), SITE1)
    assert (found.verdict, found.cause) == (Verdict.NOT_LIVE, Cause.FORGED)
    assert "signature" in found.explanation


def test_a_broken_answer_outranks_a_stale_nonce() -> None:
    """An answer whose pid is not a number cannot be judged live or not: bad_answer."""
    data = ep("project-1", host="site-1.example.com")
    data["pid"] = "abc"
    broken = Sample(elapsed_ms=1.0, status_code=200, endpoint=EndpointAnswer.from_json(data),
                    liveness=Liveness.CACHED)
    found = result(run(healthy(**{SITE1: obs(SITE1, "project-1", broken)})), SITE1)
    assert found.verdict is Verdict.BAD_ANSWER
    assert "pid" in found.explanation


def test_an_upper_case_hex_signature_is_live() -> None:
    """Hex digits in either case are the same signature (an endpoint written in another
    language may print them in upper case)."""
    nonce = new_nonce()
    answer = endpoint_answer(token=TOKEN, nonce=nonce)
    assert answer.signature is not None
    upper = EndpointAnswer.from_json({**answer.raw, "signature": answer.signature.upper()})
    assert judge(upper, nonce, TOKEN) is Liveness.LIVE


# --- http_error and refusals ------------------------------------------------------------------


def test_http_500_is_a_server_error() -> None:
    failing = Sample(elapsed_ms=1.0, status_code=500)
    found = result(run(healthy(**{SITE2: obs(SITE2, "project-2", failing)})), SITE2)
    assert found.verdict is Verdict.HTTP_ERROR


def test_a_closed_connection_counts_as_refused() -> None:
    """Some servers refuse an unknown name by closing the connection (nginx's ``return
    444``): for a [refuse] URL that is the wanted outcome, not unreachable."""
    closed = Sample(elapsed_ms=1.0, error="the server closed the connection",
                    error_kind=ErrorKind.CLOSED)
    found = result(run(healthy(**{UNKNOWN: obs(UNKNOWN, None, closed, closed)})), UNKNOWN)
    assert found.verdict is Verdict.OK


# --- probe check: the status line's word and the state ----------------------------------------


def test_a_mix_of_misroutes_and_outages_is_failing_not_misrouted() -> None:
    report = with_problems(
        target_result(SUB, Verdict.WRONG_INSTANCE, expected="project-2",
                      cause=Cause.ALIAS_ORDER, answered_by="project-1"),
        target_result(SITE2, Verdict.UNREACHABLE, expected="project-2"),
    )
    _status, line, _perf, _lines = check_evaluate(report)
    assert "2 of 7 URLs failing:" in line
    only_misroutes = with_problems(
        target_result(SUB, Verdict.WRONG_INSTANCE, expected="project-2",
                      cause=Cause.ALIAS_ORDER, answered_by="project-1"))
    assert "1 of 7 URLs misrouted:" in check_evaluate(only_misroutes)[1]


def test_a_warning_finding_raises_an_all_ok_sweep_to_warning() -> None:
    from probe.check.options import CheckOptions
    from probe.model import Finding

    finding = Finding("embedded_shared_process", Status.WARNING, ("project-1", "project-2"),
                      "one process")
    output = evaluate(Report(HEALTHY, (finding,)), CheckOptions("m.toml"))
    assert output.status is Status.WARNING


def test_the_ok_line_counts_refused_urls_apart() -> None:
    _status, line, _perf, _lines = check_evaluate(Report(HEALTHY))
    assert "5 URLs answered by the expected instance, 2 URLs refused as required" in line


def test_a_single_address_is_not_named_on_the_status_line() -> None:
    report = with_problems(target_result(SITE2, Verdict.UNREACHABLE, expected="project-2"))
    line = check_evaluate(report)[1]
    assert "site-2.example.com/ unreachable" in line
    assert " at " not in line


# --- the manifest's bounds --------------------------------------------------------------------


def _refusing(statuses: str) -> str:
    return f'[refuse]\nurls = ["http://a.example/"]\nstatuses = {statuses}\n'


def test_every_status_code_from_100_to_599_may_count_as_refused() -> None:
    assert manifest.parse(_refusing("[100, 599]")).refuse_statuses == frozenset({100, 599})
    with pytest.raises(ManifestError):
        manifest.parse(_refusing("[600]"))


def _connecting(host: str) -> str:
    return f'[probe]\nconnect = "{host}:80"\n[refuse]\nurls = ["http://a.example/"]\n'


def test_a_host_name_may_have_253_characters_not_more() -> None:
    """DNS's limit for a name written without its final dot."""
    longest = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])
    assert len(longest) == 253
    assert manifest.parse(_connecting(longest)).probe.connect == f"{longest}:80"
    for too_long in (longest + "d", longest + "dd"):
        with pytest.raises(ManifestError, match="not HOST or HOST:PORT"):
            manifest.parse(_connecting(too_long))


def test_port_65535_is_a_port() -> None:
    parsed = manifest.parse(_connecting("127.0.0.1").replace(":80", ":65535"))
    assert parsed.probe.connect == "127.0.0.1:65535"
    with pytest.raises(ManifestError):
        manifest.parse(_connecting("127.0.0.1").replace(":80", ":65536"))


def test_a_timeout_of_zero_is_refused() -> None:
    text = '[probe]\ntimeout = 0.0\n[refuse]\nurls = ["http://a.example/"]\n'
    with pytest.raises(ManifestError, match="timeout: must be more than 0"):
        manifest.parse(text)
