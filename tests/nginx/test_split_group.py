"""The fix where an upstream group two applications pass to holds a member of each: each gets
a group of its own, the hand-over line kept as written (proxy_pass or uwsgi_pass); the real
nginx run is tests/integration/test_nginx_upstream_members.py."""

from __future__ import annotations

from probe.diagnose.join_upstream import _split_fix
from probe.front import Member, RouteStep, Source
from probe.manifest import Target
from probe.model import Observation


def _fix(rule: str) -> str:
    one = Member("127.0.0.1:8001", Source("/etc/nginx/app.conf", 2))
    two = Member("127.0.0.1:8002", Source("/etc/nginx/app.conf", 3))
    step = RouteStep("upstream", "127.0.0.1:8001, 127.0.0.1:8002", rule,
                     Source("/etc/nginx/app.conf", 9))
    theirs = [Observation(Target("http://other.example.com/", "other"), ())]
    return _split_fix("site", "app", step, {one: []}, [two], theirs)


def test_a_uwsgi_pass_keeps_its_directive_and_form() -> None:
    fix = _fix("uwsgi_pass app (upstream app at /etc/nginx/app.conf:1)")
    assert fix.endswith("'uwsgi_pass site_app;' in place of the line at "
                        "/etc/nginx/app.conf:9."), fix
    assert "'upstream site_app { server 127.0.0.1:8001; }'" in fix, fix
    assert "removing 'server 127.0.0.1:8002;' (/etc/nginx/app.conf:3) would take other " \
        "from it" in fix, fix


def test_a_proxy_pass_with_a_path_keeps_the_path() -> None:
    fix = _fix("proxy_pass http://app/api/ (upstream app at /etc/nginx/app.conf:1)")
    assert "'proxy_pass http://site_app/api/;' in place of" in fix, fix
