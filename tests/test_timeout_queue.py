"""Requests that timed out at an address: how many of the sweep's requests were in flight
there at once and the timeout are said, with the check that tells the server's slowness from
the sweep's own queue; at a front whose answers came from several servers, that the answers
cannot tell which timed out (a tester's fleet: a member taking 1.5 s per request on 3 sync
processes, 8 of the sweep's requests at once, called too slow or stuck; at --concurrency 4
all ok; probe.diagnose.timeout_queue)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
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
    assert f"The answers at {FRONT} came from 3 servers (server.listen {M1}, {M2} and {M3}); " \
        "the timed-out requests got no answer, so the answers cannot tell which server they " \
        "went to." in found.fix, found.fix
    # M2 answered through the front too, and timed out at its own address: said as seen
    assert f"The sweep's requests to that server at its own address timed out too ({M2}: 2 " \
        "of 12)." in found.fix, found.fix


def test_the_member_that_answered_nothing_through_the_front_is_named() -> None:
    """The re-tester's fleet (shop-all, --timeout 1): the answers at the balancer came from
    m1 and m3 only; the slow m2 answered none and was left out of the words."""
    one, three = _from(M1), _from(M3)
    observations = [
        _at(ROOT, FRONT, one, three, one, three, _timed_out(ROOT), _timed_out(ROOT)),
        _at(ADMIN, FRONT, one, three, one, three, one, three),
        *(_at(u, a, *[_from(a)] * 6) for u in (ROOT, ADMIN) for a in (M1, M3)),
        _at(ROOT, M2, *[_timed_out(ROOT)] * 6),
        _at(ADMIN, M2, *[_timed_out(ADMIN)] * 6),
    ]
    found = _one(diagnose(_shop(None), observations), ROOT, FRONT)
    assert found.fix is not None
    assert f"The answers at {FRONT} came from 2 servers (server.listen {M1} and {M3})" \
        in found.fix, found.fix
    assert f"None of the answers at {FRONT} came from the sweep's other address (connect) " \
        f"{M2}: 12 of the 12 requests sent to it timed out." in found.fix, found.fix
    assert f"Whether it is a member behind {FRONT}, and so where the timed-out requests " \
        "may have gone, the answers cannot tell: the front's configuration does" in found.fix
    assert M1 + ":" not in found.fix.split("None of the answers")[1]  # it answered there


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


def _balancer(tmp_path: Path) -> manifest.Manifest:
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""events {{}}
http {{
    upstream shop {{
        server {M1};
        server {M2};
        server {M3};
    }}
    server {{
        listen {FRONT};
        server_name shop.example.com;
        location / {{ proxy_pass http://shop; }}
    }}
}}
""", encoding="utf-8")
    return manifest.parse(f"""\
[probe]
connect = "{FRONT}"
samples = 6
config = "{conf}"

[instances.shop]
label = "shop"
urls = ["{ROOT}"]
""", str(tmp_path / "m.toml"))


def test_with_the_configuration_the_members_are_named_and_the_silent_one_first(
        tmp_path: Path) -> None:
    """The re-tester's balancer.toml: nginx's upstream lists m1, m2 and m3; the answers came
    from m1 and m3; the slow m2 answered none."""
    from probe.diagnose.config_join import ConfigJoin
    from probe.nginx import load_nginx

    m = _balancer(tmp_path)
    conf = str(tmp_path / "nginx.conf")
    one, three = _from(M1), _from(M3)
    observations = [_at(ROOT, FRONT, one, three, one, three, _timed_out(ROOT),
                        _timed_out(ROOT))]
    found = diagnose(m, observations, config=ConfigJoin(load_nginx(conf))).targets[0]
    assert found.verdict is Verdict.UNREACHABLE
    assert found.explanation is not None and found.fix is not None
    assert (f"The configuration given passes it to upstream shop ({conf}:3), members {M1} "
            f"({conf}:4), {M2} ({conf}:5) and {M3} ({conf}:6). The other samples were "
            f"answered by {M1} (server.listen {M1}) and {M3} (server.listen {M3}); none by "
            f"{M2} ({conf}:5).") in found.explanation, found.explanation
    assert found.fix.endswith(
        "The timed-out requests got no answer, so the answers cannot tell which member they "
        "went to; start with the one none of the answers came from: a sweep of its own "
        f"address (--connect {M2}) tells which is slow."), found.fix
    assert "The answers at" not in found.fix  # the answers-alone words, replaced
    assert f"{conf}:5" in {e.source for e in found.evidence}


def test_every_member_answered_some_then_each_is_to_be_swept(tmp_path: Path) -> None:
    from probe.diagnose.config_join import ConfigJoin
    from probe.nginx import load_nginx

    m = _balancer(tmp_path)
    members = [_from(a) for a in (M1, M2, M3)]
    observations = [_at(ROOT, FRONT, *members, *members[:2], _timed_out(ROOT))]
    found = diagnose(m, observations, config=ConfigJoin(
        load_nginx(str(tmp_path / "nginx.conf")))).targets[0]
    assert found.explanation is not None and found.fix is not None
    assert "Every member answered some of the other samples" in found.explanation
    assert f"a sweep of each member's own address (--connect {M1}, {M2} and {M3})" in found.fix, \
        found.fix
