"""Requests that timed out at an address: how many of the sweep's requests were in flight
there at once and the timeout are said, with the check that tells the server's slowness from
the sweep's own queue; at a front whose answers came from several servers, that the answers
cannot tell which timed out (a tester's fleet: a member taking 1.5 s per request on 3 sync
processes, 8 of the sweep's requests at once, called too slow or stuck; at --concurrency 4
all ok; probe.diagnose.timeout_queue)."""

from __future__ import annotations

import dataclasses
from typing import Any

from probe import manifest
from probe.diagnose import diagnose
from probe.errors import ErrorKind
from probe.manifest import Target
from probe.model import Observation, Report, Sample, TargetResult, Verdict

from .test_diagnose import answered, ep

FRONT, M1, M2, M3 = "127.0.0.1:40407", "127.0.0.1:45455", "127.0.0.1:46461", "127.0.0.1:43947"
ROOT, ADMIN = "http://shop.example.com/", "http://shop.example.com/admin/"


def _shop(concurrency: int | None) -> manifest.Manifest:
    line = "" if concurrency is None else f"concurrency = {concurrency}\n"
    return manifest.parse(f"""\
[probe]
connect = ["{FRONT}", "{M1}", "{M2}", "{M3}"]
samples = 6
{line}
[instances.shop]
label = "shop"
urls = ["{ROOT}", "{ADMIN}"]
""", "m.toml")


def _from(listen: str) -> Sample:
    data: dict[str, Any] = ep("shop", host="shop.example.com")
    data["server"] = {"software": "gunicorn/23.0.0", "listen": listen, "multiprocess": True}
    return answered(data)


def _timed_out(url: str) -> Sample:
    return Sample(5000.0, error=f"{url}__probe__: timed out", error_kind=ErrorKind.TIMEOUT)


def _at(url: str, address: str, *samples: Sample) -> Observation:
    return Observation(Target(url, "shop", address), samples)


def _fleet(concurrency: int | None = None) -> Report:
    members = [_from(a) for a in (M1, M2, M3)]
    observations = [
        _at(ROOT, FRONT, *members, *members),
        _at(ADMIN, FRONT, *members, members[0], members[2], _timed_out(ADMIN)),
        *(_at(ROOT, a, _from(a), _from(a), _from(a), _from(a), _from(a), _from(a))
          for a in (M1, M2, M3)),
        _at(ADMIN, M1, *[_from(M1)] * 6),
        _at(ADMIN, M2, *[_from(M2)] * 4, _timed_out(ADMIN), _timed_out(ADMIN)),
        _at(ADMIN, M3, *[_from(M3)] * 6),
    ]
    return diagnose(_shop(concurrency), observations)


def _one(report: Report, url: str, address: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url and t.address == address)


def test_a_timeout_says_how_many_requests_were_in_flight_and_the_check() -> None:
    found = _one(_fleet(), ADMIN, M2)
    assert found.verdict is Verdict.UNREACHABLE
    assert found.fix is not None
    # 32 shared between 4 addresses: 8 at once, of the 12 requests sent to each.
    assert found.fix.startswith(
        f"Up to 8 of this sweep's requests were in flight to {M2} at once (concurrency 32, "
        f"shared between the sweep's 4 addresses; 12 requests sent there), each given 5 s "
        f"(timeout): an application server with fewer workers than 8 queues the rest"), \
        found.fix
    assert "Sweep again with --concurrency 4 (one request at a time per address) or " \
        "--samples 1 and compare" in found.fix
    assert "which of them" not in found.fix  # a member: one server answered here


def test_a_front_whose_answers_came_from_several_servers_cannot_tell_which() -> None:
    found = _one(_fleet(), ADMIN, FRONT)
    assert found.fix is not None
    assert f"The answers at {FRONT} came from 3 servers (server.listen {M1}, {M2} and {M3})" \
        in found.fix, found.fix
    assert "cannot tell which of them the timed-out requests went to (none answered " \
        "them)" in found.fix


def test_one_request_at_a_time_is_no_queue_of_the_sweep() -> None:
    found = _one(_fleet(concurrency=4), ADMIN, M2)
    assert found.fix is not None
    assert found.fix.startswith(
        f"Only one of this sweep's requests at a time was in flight to {M2} (concurrency 4, "
        f"shared between the sweep's 4 addresses), each given 5 s (timeout)"), found.fix
    assert "too slow or stuck" in found.fix
    assert "--samples 1" not in found.fix


def test_the_share_is_the_one_the_sweep_gives() -> None:
    from probe.addresses import concurrency_shares

    assert concurrency_shares(4, 32) == [8, 8, 8, 8]
    assert concurrency_shares(3, 4) == [2, 1, 1]
    assert concurrency_shares(4, 2) == [1, 1, 1, 1]


def test_a_single_server_sweep_says_the_concurrency_alone() -> None:
    m = dataclasses.replace(_shop(None), probe=dataclasses.replace(
        _shop(None).probe, connect=None, connects=()))
    found = diagnose(m, [Observation(Target(ROOT, "shop"), (_timed_out(ROOT),) * 2 + (
        _from(M1),) * 4)]).targets[0]
    assert found.fix is not None and found.fix.startswith(
        "Up to 6 of this sweep's requests were in flight to the server at once (concurrency "
        "32; 6 requests sent there)"), found.fix
    assert "--concurrency 1" in found.fix
