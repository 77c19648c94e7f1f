"""The ``dead_member`` finding (probe/diagnose/dead_member.py) on hand-built routes: when a
member's silence through a balancer shows it down, and when it does not (a backup, a member
marked down, too few samples, a balancing other than round robin, an answer without
``server.listen``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from probe.diagnose.dead_member import dead_member_findings
from probe.endpoint_answer import EndpointAnswer
from probe.front import FrontKind, Member, PredictedRoute, RouteStep, Source
from probe.manifest import Target
from probe.model import Finding, Observation, Sample

FRONT = "127.0.0.1:8000"
URLS = ("http://site.test/", "http://site.test/admin/")
A, B, C = "127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:8003"


class Front:
    """A front whose every URL passes to one group of ``members``."""

    def __init__(self, members: Sequence[Member]) -> None:
        self.members = tuple(members)

    @property
    def front(self) -> FrontKind:
        return FrontKind.NGINX

    @property
    def files(self) -> Sequence[str]:
        return ("nginx.conf",)

    @property
    def include_dirs(self) -> Sequence[str]:
        return ()

    def route(self, url: str, address: str | None) -> PredictedRoute:
        step = RouteStep("upstream", ", ".join(m.address for m in self.members),
                         "proxy_pass http://app (upstream app at nginx.conf:2)",
                         Source("nginx.conf", 9))
        return PredictedRoute(FrontKind.NGINX, url, address, (step,), members=self.members)


def member(address: str, line: int, **changes: object) -> Member:
    return dataclasses.replace(Member(address, Source("nginx.conf", line)), **changes)  # type: ignore[arg-type]  # the test's own changes


def answer(listen: str | None, pid: int) -> Sample:
    return Sample(elapsed_ms=1.0, status_code=200, endpoint=EndpointAnswer.from_json(
        {"schema": 1, "instance_id": f"i{pid}", "pid": pid, "label": "site",
         "server": {"listen": listen}}))


def sweep(members: Sequence[Member], answering: Sequence[str | None],
          samples: int) -> tuple[Finding, ...]:
    """Both URLs, ``samples`` each, answered in turn by ``answering``."""
    turn = iter(range(2 * samples))
    observations = [Observation(Target(url, "site", FRONT), tuple(
        answer(at, 100 + n) for n in (next(turn) for _ in range(samples))
        for at in [answering[n % len(answering)]])) for url in URLS]
    return dead_member_findings(observations, Front(members))


THREE = [member(A, 3), member(B, 4), member(C, 5)]


def test_a_member_round_robin_would_have_reached_is_named() -> None:
    [found] = sweep(THREE, [A, B], 6)
    assert found.code == "dead_member" and found.instances == ("site",)
    assert found.explanation.startswith(
        f"Member 'server {C};' (nginx.conf:5) of upstream app answered none of 12 samples of "
        f"http://site.test/ and http://site.test/admin/ through nginx at {FRONT}; the others "
        f"did, by server.listen ({A} (nginx.conf:3): 6 answers, {B} (nginx.conf:4): 6 "
        f"answers)."), found.explanation
    assert "12 samples are 4 turns" in found.explanation


def test_too_few_samples_for_round_robin_to_tell_say_nothing() -> None:
    # 4 turns of 3: 12 samples; 10 may miss a live member with several nginx workers.
    assert sweep(THREE, [A, B], 5) == ()
    # Weight counts: C's weight 2 makes a turn 4 requests, 16 samples.
    weighted = [*THREE[:2], member(C, 5, weight=2)]
    assert sweep(weighted, [A, B], 6) == ()
    assert len(sweep(weighted, [A, B], 8)) == 1


def test_backup_and_down_members_are_not_expected_to_answer() -> None:
    assert sweep([*THREE[:2], member(C, 5, backup=True)], [A, B], 10) == ()
    assert sweep([*THREE[:2], member(C, 5, down=True)], [A, B], 10) == ()


def test_other_balancing_is_skipped_and_random_has_its_own_bound() -> None:
    for method in ("least_conn at nginx.conf:2", "ip_hash at nginx.conf:2",
                   "hash $request_uri at nginx.conf:2", "random two least_conn at nginx.conf:2",
                   "lbmethod=bybusyness at httpd.conf:2"):
        group = [dataclasses.replace(m, balancing=method) for m in THREE]
        assert sweep(group, [A, B], 20) == (), method
    randomly = [dataclasses.replace(m, balancing="random at nginx.conf:2") for m in THREE]
    # A live member misses n samples with the chance (2/3)^n: below 1 in 1000 from 18.
    assert sweep(randomly, [A, B], 8) == ()
    [found] = sweep(randomly, [A, B], 9)
    assert "below 1 in 1000" in found.explanation


def test_an_answer_that_does_not_say_where_it_listens_decides_nothing() -> None:
    assert sweep(THREE, [A, B, None], 10) == ()
    # Nor one from outside the group (another front or application in between).
    assert sweep(THREE, [A, B, "127.0.0.1:9999"], 10) == ()


def test_the_members_parameters_are_read_from_nginx_lines(tmp_path: Path) -> None:
    from probe.nginx import load_nginx

    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""events {{}}
http {{
    upstream app {{
        least_conn;
        server {A} weight=3;
        server {B} down;
        server {C} backup;
    }}
    server {{ listen 8000; server_name site.test; location / {{ proxy_pass http://app; }} }}
}}
""", encoding="utf-8")
    route = load_nginx(str(conf)).route(URLS[0], FRONT)
    assert [(m.address, m.weight, m.down, m.backup) for m in route.members] == [
        (A, 3, False, False), (B, 1, True, False), (C, 1, False, True)]
    assert {m.balancing for m in route.members} == {f"least_conn at {conf}:4"}


def test_the_members_parameters_are_read_from_balancer_member_lines() -> None:
    from probe.apache.config import parse_text
    from probe.apache.route import ApacheRoutes
    from probe.apache.site_build import build_site

    text = f"""Listen 8000
<Proxy "balancer://app">
    BalancerMember "http://{A}" loadfactor=3
    BalancerMember "http://{B}" status=+D
    BalancerMember "http://{C}" status=+H
    BalancerMember "http://127.0.0.1:8004" lbset=1
    BalancerMember "http://127.0.0.1:8005" status=-D
    ProxySet lbmethod=bybusyness
</Proxy>
<VirtualHost *:8000>
    ServerName site.test
    ProxyPass "/" "balancer://app/"
</VirtualHost>
"""
    routes = ApacheRoutes(build_site(parse_text(text, "t.conf"), read_scripts=False))
    route = routes.route(URLS[0], FRONT)
    assert [(m.address, m.weight, m.down, m.backup) for m in route.members] == [
        (A, 3, False, False), (B, 1, True, False), (C, 1, False, True),
        ("127.0.0.1:8004", 1, False, True), ("127.0.0.1:8005", 1, False, False)]
    assert {m.balancing for m in route.members} == {"lbmethod=bybusyness at t.conf:8"}
    # On the ProxyPass line too; byrequests is round robin.
    plain = text.replace("    ProxySet lbmethod=bybusyness\n", "").replace(
        '"balancer://app/"', '"balancer://app/" lbmethod=bytraffic')
    route = ApacheRoutes(build_site(parse_text(plain, "t.conf"), read_scripts=False)).route(
        URLS[0], FRONT)
    assert {m.balancing for m in route.members} == {"lbmethod=bytraffic at t.conf:11"}
    byrequests = text.replace("bybusyness", "byrequests")
    route = ApacheRoutes(build_site(parse_text(byrequests, "t.conf"),
                                    read_scripts=False)).route(URLS[0], FRONT)
    assert {m.balancing for m in route.members} == {None}


class ApacheFront(Front):
    """The same group as an Apache balancer's BalancerMember lines."""

    @property
    def front(self) -> FrontKind:
        return FrontKind.APACHE

    def route(self, url: str, address: str | None) -> PredictedRoute:
        step = RouteStep("upstream", ", ".join(m.address for m in self.members),
                         "ProxyPass / balancer://app/ (<Proxy balancer://app>)",
                         Source("httpd.conf", 9))
        return PredictedRoute(FrontKind.APACHE, url, address, (step,), members=self.members)


def _apache_sweep(members: Sequence[Member]) -> Finding:
    observations = [Observation(Target(url, "site", FRONT), tuple(
        answer([A, B][n % 2], 100 + n) for n in range(6))) for url in URLS]
    [found] = dead_member_findings(observations, ApacheFront(members))
    return found


def test_the_fix_says_when_a_started_member_is_taken_back() -> None:
    # A re-sweep right after the member was started found it silent still: the front had
    # left it out for its retry period.
    [found] = sweep(THREE, [A, B], 6)
    assert "sweep again after fail_timeout, 10 s by default" in found.explanation
    timed = [*THREE[:2], member(C, 5, retry="fail_timeout=30s max_fails=2")]
    [found] = sweep(timed, [A, B], 6)
    assert "sweep again after its line's fail_timeout=30s max_fails=2." in found.explanation
    found = _apache_sweep(THREE)
    assert found.explanation.startswith(f"Member BalancerMember {C} (nginx.conf:5)")
    assert "sweep again after 60 s, httpd's default" in found.explanation
    assert "balancer-manager" in found.explanation and "graceful" in found.explanation
    found = _apache_sweep([*THREE[:2], member(C, 5, retry="retry=5")])
    assert "sweep again after its line's retry=5 (seconds)" in found.explanation


def test_the_members_retry_is_read_from_its_line(tmp_path: Path) -> None:
    from probe.apache.config import parse_text
    from probe.apache.route import ApacheRoutes
    from probe.apache.site_build import build_site
    from probe.nginx import load_nginx

    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""events {{}}
http {{
    upstream app {{ server {A} max_fails=2 fail_timeout=30s; server {B}; }}
    server {{ listen 8000; server_name site.test; location / {{ proxy_pass http://app; }} }}
}}
""", encoding="utf-8")
    route = load_nginx(str(conf)).route(URLS[0], FRONT)
    assert [m.retry for m in route.members] == ["max_fails=2 fail_timeout=30s", ""]
    text = f"""Listen 8000
<Proxy "balancer://app">
    BalancerMember "http://{A}" retry=5
    BalancerMember "http://{B}"
</Proxy>
<VirtualHost *:8000>
    ServerName site.test
    ProxyPass "/" "balancer://app/"
</VirtualHost>
"""
    routes = ApacheRoutes(build_site(parse_text(text, "t.conf"), read_scripts=False))
    assert [m.retry for m in routes.route(URLS[0], FRONT).members] == ["retry=5", ""]


def test_the_rule_says_what_it_assumes_and_the_check_that_decides() -> None:
    # A re-test: with more nginx workers than 4, or real users' requests sharing the round
    # robin's turns, a live member can miss every sample; the finding said so nowhere.
    [found] = sweep(THREE, [A, B], 6)
    assert ("enough for up to 4 nginx worker processes, each with its own turn, while no "
            "other client's requests go through the group") in found.explanation
    assert "which the member's own access log for the sweep's minute tells" in \
        found.explanation
