"""The mount fix behind Caddy (re-tester R35's apps.test/shop/ behind ``handle_path``): the
header and the line in Caddy's words, and a middleware that exists, printed whole: the fix's
last lines, run here as Python, set SCRIPT_NAME from the front's address only."""

from __future__ import annotations

from typing import Any

from probe.model import TargetResult
from tests.test_diagnose_force_script import _obs, _sweep

SHOP = "http://shop.test:35080/"
APPS = "http://apps.test:35080/shop/"
MANIFEST = f'[instances.m]\nlabel = "m"\nurls = ["{SHOP}", "{APPS}"]\n'


def _caddy(server: str = "Caddy, gunicorn", listen: str = "127.0.0.1:35101") -> TargetResult:
    observations = [_obs(url, server=server) for url in (SHOP, APPS)]
    for obs in observations:
        for sample in obs.samples:
            assert sample.endpoint is not None
            sample.endpoint.raw["server"]["listen"] = listen
    got = _sweep(*observations, manifest=MANIFEST)
    assert got[SHOP].verdict.value == "ok", got[SHOP]
    return got[APPS]


def _run(fix: str, environ: dict[str, str]) -> dict[str, Any]:
    """The fix's Python lines, executed as a WSGI script's end; the environ the application
    is called with."""
    seen: dict[str, Any] = {}

    def application(environ: dict[str, Any], start_response: object) -> list[bytes]:
        seen.update(environ)
        return []

    space: dict[str, Any] = {"application": application}
    exec(fix[fix.index("\ndef prefix_from_proxy("):], space)  # noqa: S102 - the printed code
    space["application"](dict(environ), None)
    return seen


def test_caddy_is_told_its_header_up_line_and_how_to_reload() -> None:
    sub = _caddy()
    assert sub.verdict.value == "mount_mismatch", sub
    fix = sub.fix
    head = fix.partition("\n")[0]
    assert "in the header X-Forwarded-Prefix (Server: Caddy, gunicorn)" in head, head
    assert ("in the site in Caddy's configuration that serves apps.test:35080, inside the "
            "reverse_proxy (to 127.0.0.1:35101, server.listen) of the route that takes /shop "
            "off the path") in head, head
    assert "add the line 'header_up X-Forwarded-Prefix /shop'" in head, head
    assert "'caddy reload --config FILE'" in head and "'admin off'" in head, head
    for foreign in ("proxy_set_header", "RequestHeader", "PrefixMiddleware", "FORCE_SCRIPT_NAME ="):
        assert foreign not in fix, (foreign, fix)
    assert "REMOTE_ADDR 127.0.0.1 or ::1" in head, head


def test_the_printed_middleware_sets_script_name_from_the_front_only() -> None:
    fix = _caddy().fix
    assert fix.endswith("\napplication = prefix_from_proxy(application)"), fix
    front = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_PREFIX": "/shop",
             "SCRIPT_NAME": "", "PATH_INFO": "/__probe__"}
    seen = _run(fix, front)
    assert (seen["SCRIPT_NAME"], seen["PATH_INFO"]) == ("/shop", "/__probe__"), seen
    # the prefix still on the path (a front that passes it whole): moved off PATH_INFO
    seen = _run(fix, {**front, "PATH_INFO": "/shop/__probe__"})
    assert (seen["SCRIPT_NAME"], seen["PATH_INFO"]) == ("/shop", "/__probe__"), seen
    # a client reaching gunicorn directly from elsewhere sets nothing
    seen = _run(fix, {**front, "REMOTE_ADDR": "192.0.2.7"})
    assert (seen["SCRIPT_NAME"], seen["PATH_INFO"]) == ("", "/__probe__"), seen


def test_an_address_the_answer_does_not_show_is_left_to_fill_with_its_check() -> None:
    fix = _caddy(listen="0.0.0.0:35101").fix
    assert "the answer does not show the front's address (server.listen '0.0.0.0:35101')" \
        in fix, fix
    assert 'proxies=("FRONT_ADDRESS",)' in fix, fix
    assert "access log" in fix, fix


def test_another_unread_front_is_named_without_caddy_words() -> None:
    fix = _caddy(server="gunicorn", listen="127.0.0.1:35101").fix
    assert "header_up" not in fix, fix
    assert "def prefix_from_proxy(" in fix, fix
