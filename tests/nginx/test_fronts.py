"""The front told from the answers, and the host and mount checks, on hand-built answers
(tests/integration/test_nginx_scenarios.py has them from real servers)."""

from __future__ import annotations

import dataclasses
from typing import Any

from probe.diagnose import diagnose
from probe.diagnose.fronts import front_of, host_allowed, listen
from probe.endpoint_answer import EndpointAnswer
from probe.front import FrontKind
from probe.manifest import parse
from probe.model import Observation, Sample, Verdict
from tests.test_diagnose import ep, thrice

MANIFEST = """
[instances.blog]
label = "blog"
urls = ["http://site.test/blog/"]
"""
URL = "http://site.test/blog/"


def _obs(data: dict[str, Any], server: str | None) -> Observation:
    obs = thrice(URL, "blog", data)
    return dataclasses.replace(obs, samples=tuple(
        dataclasses.replace(s, server=server) for s in obs.samples))


def _gunicorn(**request: Any) -> dict[str, Any]:
    data = ep("blog", host="site.test", mount="/blog", path_info="/__probe__",
              process_group="", application_group="")
    data["process_group"] = data["application_group"] = None
    data["server"] = {"software": "gunicorn/23.0.0", "mod_wsgi_version": None,
                      "listen": "127.0.0.1:8001"}
    data["request"].update(request)
    return data


def test_front_from_the_answers() -> None:
    assert front_of(_obs(_gunicorn(), "nginx/1.22.1"), None) is FrontKind.NGINX
    assert front_of(_obs(_gunicorn(), "gunicorn"), None) is FrontKind.APP_SERVER
    assert front_of(_obs(_gunicorn(), None), None) is FrontKind.APP_SERVER
    assert front_of(_obs(ep("blog", host="site.test"), None), None) is FrontKind.APACHE
    assert front_of(_obs(_gunicorn(), "nginx"), FrontKind.APACHE) is FrontKind.NGINX


def _verdict(data: dict[str, Any], server: str | None,
             declared: str = "") -> tuple[Verdict, str, str]:
    report = diagnose(parse(MANIFEST.replace("urls =", declared + "urls =")),
                      [_obs(data, server)])
    target = report.targets[0]
    return target.verdict, target.explanation, target.fix


def test_host_received_not_the_urls() -> None:
    verdict, explanation, fix = _verdict(_gunicorn(host="127.0.0.1:8001", host_allowed=False),
                                         "nginx/1.22.1")
    assert verdict is Verdict.HOST_MISMATCH
    assert "'127.0.0.1:8001'" in explanation and "400" in explanation
    assert "proxy_set_header Host $host;" in fix and "ProxyPreserveHost" not in fix


def test_host_django_rejects() -> None:
    verdict, explanation, fix = _verdict(_gunicorn(host_allowed=False), "nginx/1.22.1")
    assert verdict is Verdict.HOST_REJECTED
    assert "ALLOWED_HOSTS" in fix and "400" in explanation


def test_mount_stripped_behind_nginx_only() -> None:
    stripped = _gunicorn(script_name="", path_info="/__probe__", host_allowed=True)
    verdict, explanation, fix = _verdict(stripped, "nginx/1.22.1")
    assert verdict is Verdict.MOUNT_MISMATCH
    assert "took /blog off the path" in explanation and "X-Forwarded-Prefix /blog" in fix
    whole = _gunicorn(script_name="", path_info="/blog/__probe__", host_allowed=True)
    # the URL patterns decide (mount_undecided), unless the manifest declares the mount
    assert _verdict(whole, "nginx/1.22.1")[0] is Verdict.OK
    verdict, explanation, _ = _verdict(whole, "nginx/1.22.1", 'script_name = "/blog"\n')
    assert verdict is Verdict.MOUNT_MISMATCH and "404" in explanation
    assert _verdict(_gunicorn(script_name="/blog", host_allowed=True), "nginx")[0] is Verdict.OK
    # the application server reached directly strips nothing: not judged
    assert _verdict(stripped, None)[0] is Verdict.OK


def test_nginx_502_is_nginxs_not_apaches() -> None:
    obs = Observation(parse(MANIFEST).targets()[0], tuple(
        Sample(elapsed_ms=1.0, status_code=502, server="nginx/1.22.1") for _ in range(3)))
    target = diagnose(parse(MANIFEST), [obs]).targets[0]
    assert target.verdict is Verdict.HTTP_ERROR
    assert target.cause is not None and target.cause.value == "upstream_down"
    assert "Apache" not in target.explanation + target.fix
    assert "nginx answered 502" in target.explanation


def test_answer_fields_read_safely() -> None:
    answer = EndpointAnswer.from_json(_gunicorn(host_allowed="yes"))
    assert host_allowed(answer) is None and listen(answer) == "127.0.0.1:8001"
