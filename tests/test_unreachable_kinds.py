"""An URL whose requests failed in several ways, and failures between the answers of two
masters of one server: each kind counted and worded, and a restart during the sweep said as
one (a fleet tester's lab: 1553 of 2000 refused around a gunicorn stopped and started, the
fix worded for the one request that was closed)."""

from __future__ import annotations

from probe.diagnose.unreachable_words import unreachable
from probe.endpoint_answer import EndpointAnswer
from probe.errors import ErrorKind
from probe.model import Sample, Verdict

AT = "127.0.0.1:28103"


def answered(pid: int, ppid: int, started: str) -> Sample:
    return Sample(10.0, 200, endpoint=EndpointAnswer.from_json({
        "schema": 1, "label": "mysite", "pid": pid, "ppid": ppid, "started_at": started,
        "instance_id": f"i{pid}",
        "settings_module": {"environ": "mysite.settings", "loaded": "mysite.settings"},
        "server": {"software": "gunicorn/23.0.0", "listen": AT, "hostname": "vm",
                   "multiprocess": True}}), address=AT)


def refused() -> Sample:
    return Sample(1.0, error=f"http://site.example.com/__probe__: connection refused by {AT}",
                  error_kind=ErrorKind.CONNECT, address=AT)


def closed() -> Sample:
    return Sample(1.0, error=f"http://site.example.com/__probe__: {AT} closed the connection "
                             f"without an answer", error_kind=ErrorKind.CLOSED, address=AT)


def test_each_kind_of_failure_is_counted_and_worded() -> None:
    failed = [closed(), refused(), refused(), refused()]
    found = unreachable(failed, 6)
    assert found.verdict is Verdict.UNREACHABLE
    assert found.explanation.startswith(
        "4 of 6 requests failed: 3 could not connect (http://site.example.com/__probe__: "
        f"connection refused by {AT}); 1 were closed without an HTTP answer ("), \
        found.explanation
    assert found.fix.startswith("3 could not connect: Check that the server is running"), \
        found.fix
    assert "1 were closed without an HTTP answer: The server at this address accepted" \
        in found.fix, found.fix
    assert "restarted" not in found.explanation + found.fix


def test_failures_between_two_masters_are_a_restart_during_the_sweep() -> None:
    samples = [answered(10021, 10020, "2025-01-01T10:00:00Z"), closed(), refused(),
               refused(), answered(10075, 10072, "2025-01-01T10:00:09Z")]
    failed = [s for s in samples if s.status_code is None]
    found = unreachable(failed, len(samples), samples)
    assert ("The answers before the failures came from parent pid 10020 (started_at "
            "2025-01-01T10:00:00Z) and those after them from parent pid 10072 (started_at "
            f"2025-01-01T10:00:09Z), both at server.listen {AT}: the server restarted during "
            "the sweep") in found.explanation, found.explanation
    assert found.fix.startswith("Probe again once the server has settled"), found.fix
    # One master before and after: its workers failed, no restart.
    same = [answered(10021, 10020, "2025-01-01T10:00:00Z"), refused(),
            answered(10022, 10020, "2025-01-01T10:00:05Z")]
    alone = unreachable([same[1]], 3, same)
    assert "restarted" not in alone.explanation + alone.fix


def test_an_oversized_answer_is_not_told_to_check_that_the_server_runs() -> None:
    # A security tester's hostile server: 1,001 header lines, or a body past the limit; the
    # answer came, so the server runs (observed: the error says what came).
    failed = [Sample(1.0, error="http://127.0.0.1:18851/fast/__probe__: answer with more than "
                                "1000 header lines or oversized headers",
                     error_kind=ErrorKind.PROTOCOL, address=AT)]
    found = unreachable(failed, 1)
    assert "Check that the server is running" not in found.fix, found.fix
    assert found.fix.startswith("Something at this address answered, but not with an answer "
                                "the probe reads"), found.fix
