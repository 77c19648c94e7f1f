"""A URL answered through nginx at an address where the configuration given has no server
block listening (e-split's 127.0.0.1:18385, swept with a file whose block listens on 18386):
the words once read "The server block that takes 'www.example.test' (no server block listens
on 127.0.0.1:18385, None) passes it with no hand-over read": a raw None, and a block that
does not exist. The real answers of T34's Django sites (tests/t34_answers.py)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from probe.diagnose import ConfigJoin, diagnose
from probe.diagnose.nginx_unlistened import step_said
from probe.endpoint_answer import EndpointAnswer
from probe.front import RouteStep, Source
from probe.manifest import Target, parse
from probe.model import Observation, Sample
from probe.nginx import load_nginx
from tests import t34_answers

CONF = """events {}
http {
    server {
        listen 127.0.0.1:18386;
        server_name www.example.test;
        location / { proxy_pass http://127.0.0.1:18403; }
    }
}
"""
MANIFEST = """
[instances.www]
label = "www"
urls = ["http://www.example.test/"]

[refuse]
urls = ["http://unknown.invalid/"]
"""


def _sample(data: dict[str, Any], host: str) -> Sample:
    answer = copy.deepcopy(data)
    answer["request"]["host"] = host
    return Sample(1.0, 200, EndpointAnswer.from_json(answer), server="nginx/1.22.1",
                  address="127.0.0.1:18385")


def test_no_block_listening_where_nginx_answered_blames_no_line_and_prints_no_none(
        tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(CONF)
    observations = [
        Observation(Target("http://www.example.test/", "www"),
                    (_sample(t34_answers.SHOP, "www.example.test"),) * 3),
        Observation(Target("http://unknown.invalid/", None),
                    (_sample(t34_answers.SHOP, "unknown.invalid"),) * 3)]
    report = diagnose(parse(MANIFEST), observations, config=ConfigJoin(load_nginx(str(conf))))
    for found in report.targets:
        words = f"{found.explanation} {found.fix}"
        assert "None" not in words, words
        assert found.cause is None, found
        assert (f"The configuration given has no server block listening on 127.0.0.1:18385, "
                f"where this answer came from: it listens on 127.0.0.1:18386 ({conf}:4).") \
            in words, words
        assert "The server block that takes" not in words
        assert found.fix is not None and found.fix.startswith(
            "Sweep with the configuration the nginx at 127.0.0.1:18385 reads"), found.fix


def test_a_site_step_without_a_line_is_said_by_its_rule() -> None:
    assert step_said(RouteStep("site", "none", "no server block listens on 127.0.0.1:18385",
                               None)) == "no server block listens on 127.0.0.1:18385"
    assert step_said(RouteStep("site", "b", "server_name x matched exactly",
                               Source("f", 3))) == "server_name x matched exactly, f:3"
