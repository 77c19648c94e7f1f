"""Tester T34's nginx 1.22 routes decided by a variable whose source is not the URL alone:
``split_clients`` (e-split: 20% of shop's requests to a canary, shop2). The real answers
(tests/t34_answers.py) through the real configuration: the split is read with its shares,
never "passes this URL to None"."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from probe.diagnose import ConfigJoin, diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target, parse
from probe.model import Observation, Sample, TargetResult
from probe.nginx import load_nginx
from tests import t34_answers

FRONT = "127.0.0.1:18385"
SPLIT = """
    upstream shop_app    { server 127.0.0.1:18401; }
    upstream shop_canary { server 127.0.0.1:18404; }
    split_clients "${remote_addr}${request_id}" $shop_backend {
        20%  shop_canary;
        *    shop_app;
    }
    server {
        listen 127.0.0.1:18385;
        server_name shop.example.test;
        location / { proxy_pass http://$shop_backend; }
    }
"""
MANIFEST = """
[instances.shop]
label = "shop"
urls = ["http://shop.example.test/"]
"""


def _sample(data: dict[str, Any], pid: int) -> Sample:
    answer = copy.deepcopy(data)
    answer.update(pid=pid, instance_id=f"{data['instance_id'][:-5]}{pid}")
    return Sample(1.0, 200, EndpointAnswer.from_json(answer), server="nginx/1.22.1",
                  address=FRONT)


def _shop(tmp_path: Path, body: str) -> tuple[TargetResult, str]:
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n" + body + "}\n")
    samples = [_sample(t34_answers.SHOP, 9513)] * 8 + [_sample(t34_answers.SHOP, 9518),
                                                       _sample(t34_answers.SHOP2, 9523)]
    obs = Observation(Target("http://shop.example.test/", "shop"), tuple(samples))
    report = diagnose(parse(MANIFEST), [obs], config=ConfigJoin(load_nginx(str(path))))
    return report.targets[0], str(path)


def test_a_split_is_read_with_its_shares_and_said_as_the_intended_share(
        tmp_path: Path) -> None:
    found, path = _shop(tmp_path, SPLIT)
    words = (found.explanation or "") + (found.fix or "")
    assert found.verdict.value == "inconsistent"
    assert "None" not in words
    assert (f"split_clients ${{remote_addr}}${{request_id}} $shop_backend at {path}:6 gives "
            f"$shop_backend shop_canary to 20% ({path}:7), shop_app to 80% ({path}:8)") in words
    assert (f"'shop2' 1 of 10 from pid 9523 at server.listen 127.0.0.1:18404, a member of "
            f"shop_canary (20%: '20% shop_canary;' at {path}:7)") in words
    assert "the split's share, not a misroute" in words
    assert "decision for the operator" in found.fix
    assert "holds servers of different applications" not in words


def test_an_undecided_pass_without_a_split_names_no_none(tmp_path: Path) -> None:
    """$shop_backend set by nothing read: where each request went is nginx's access log."""
    found, path = _shop(tmp_path, SPLIT.replace("split_clients", "# split_clients")
                        .replace("20%  shop_canary;", "").replace("*    shop_app;\n    }", ""))
    words = (found.explanation or "") + (found.fix or "")
    assert "None" not in words
    assert "leaves where this URL goes to each request" in words
    assert f"$upstream_addr shows where each request went from {path}:" in words
