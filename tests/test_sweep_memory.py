"""What a large sweep holds per URL: requests made as they are sent (probe/sweep.py), the
fair request loops asking for no request before it is sent (probe/addresses.py), and equal
diagnoses kept once (probe/diagnose). The reports they make are guarded by the sweep and
report tests; these guard that the structures behave as the lists they replace."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from probe import addresses
from probe.diagnose import _once
from probe.diagnose.wording import Diagnosis
from probe.http_messages import Request
from probe.liveness import NONCE_HEADER
from probe.manifest import Target
from probe.model import Evidence, EvidenceKind, Sample, Verdict
from probe.sweep import requests_for

TARGETS = [Target("http://a.example/x/", "one", "127.0.0.1:8001"),
           Target("http://b.example/", "two", "127.0.0.2:8002"),
           Target("http://c.example/y", None)]


def test_requests_are_the_targets_in_order_samples_each() -> None:
    requests = requests_for(TARGETS, 2, "__probe__")
    assert len(requests) == 6
    assert [r.url for r in requests] == [
        "http://a.example/x/__probe__", "http://a.example/x/__probe__",
        "http://b.example/__probe__", "http://b.example/__probe__",
        "http://c.example/y/__probe__", "http://c.example/y/__probe__"]
    assert [requests.connect(i) for i in range(6)] == [r.connect for r in requests]
    assert [r.connect for r in requests][::2] == ["127.0.0.1:8001", "127.0.0.2:8002", None]
    assert requests[-1] is requests[5]
    assert [r.url for r in requests[1:3]] == [requests[1].url, requests[2].url]
    with pytest.raises(IndexError):
        requests[6]


def test_a_request_is_the_same_until_its_nonce_is_taken() -> None:
    requests = requests_for(TARGETS, 1, "__probe__")
    first = requests[0]
    assert requests[0] is first  # asked for twice (a log line, the loop): one nonce sent
    nonce = first.headers[NONCE_HEADER]
    assert requests.nonce(0) == nonce
    again = requests[0]  # forgotten once judged: a new request, a new nonce
    assert again is not first
    assert again.headers[NONCE_HEADER] != nonce
    nonces = {requests[i].headers[NONCE_HEADER] for i in range(3)}
    assert len(nonces) == 3


class Recorded(Sequence[Request]):
    """Requests that count how often they are asked for."""

    def __init__(self, connects: list[str | None]) -> None:
        self.connects = connects
        self.asked = 0

    def __len__(self) -> int:
        return len(self.connects)

    def __getitem__(self, index: Any) -> Any:
        self.asked += 1
        return Request(f"http://h/{index}", {}, connect=self.connects[index])


class Loop:
    """A transport that records what each request loop was given."""

    def __init__(self) -> None:
        self.given: list[Sequence[Request]] = []

    def probe_all(self, requests: Sequence[Request], *, concurrency: int, end: float | None,
                  on_sample: Callable[[int, Sample], None],
                  interrupted: Callable[[], bool] = lambda: False) -> None:
        self.given.append(requests)
        for index, request in enumerate(requests):
            on_sample(index, Sample(elapsed_ms=float(request.url.rsplit("/", 1)[1])))


def test_one_address_asks_for_no_request_before_the_loop() -> None:
    requests, loop = Recorded(["x:1"] * 5), Loop()
    seen: list[tuple[int, float]] = []
    addresses.probe_fairly(loop, requests, concurrency=4, end=None,
                           on_sample=lambda i, s: seen.append((i, s.elapsed_ms)),
                           interrupted=lambda: False, connect_of=lambda i: "x:1")
    assert loop.given == [requests]
    assert requests.asked == 5 + 1  # the loop's five, and the end of its iteration
    assert seen == [(i, float(i)) for i in range(5)]


def test_a_fleet_gives_each_loop_its_own_requests() -> None:
    connects: list[str | None] = ["x:1", "y:2", "x:1", "y:2", "x:1"]
    requests, loop = Recorded(connects), Loop()
    seen: list[tuple[int, float]] = []
    addresses.probe_fairly(loop, requests, concurrency=4, end=None,
                           on_sample=lambda i, s: seen.append((i, s.elapsed_ms)),
                           interrupted=lambda: False)
    assert sorted([r.url for r in given] for given in loop.given) == [
        ["http://h/0", "http://h/2", "http://h/4"], ["http://h/1", "http://h/3"]]
    assert sorted(seen) == [(i, float(i)) for i in range(5)]
    assert [r.url for r in loop.given[0][0:2]] == [r.url for r in loop.given[0]][0:2]


def test_equal_diagnoses_are_kept_once() -> None:
    kept: dict[object, Any] = {}
    evidence = (Evidence(EvidenceKind.OBSERVED, "label = 'a'", "GET http://a/"),)
    first = _once(Diagnosis(Verdict.OK, explanation="answered by a", evidence=evidence), kept)
    second = _once(Diagnosis(Verdict.OK, explanation="".join(["answered by ", "a"]),
                             evidence=evidence), kept)
    other = _once(Diagnosis(Verdict.OK, explanation="answered by b"), kept)
    assert second is first
    assert other is not first
    unhashable = Diagnosis(Verdict.OK, evidence=[evidence[0]])  # type: ignore[arg-type]  # a list where a tuple belongs
    assert _once(unhashable, kept) is unhashable
