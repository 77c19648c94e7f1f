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


def _sample(data: dict[str, Any], pid: int, address: str = FRONT,
            host: str | None = None) -> Sample:
    """The real answer as another process of its server gave it, for a request to ``host``."""
    answer = copy.deepcopy(data)
    answer.update(pid=pid, instance_id=f"{data['instance_id'][:-5]}{pid}")
    answer["request"]["host"] = host or answer["request"]["host"]
    return Sample(1.0, 200, EndpointAnswer.from_json(answer), server="nginx/1.22.1",
                  address=address)


def _shop(tmp_path: Path, body: str) -> tuple[TargetResult, str]:
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n" + body + "}\n")
    samples = [_sample(t34_answers.SHOP, 9513)] * 8 + [_sample(t34_answers.SHOP, 9518),
                                                       _sample(t34_answers.SHOP2, 9523)]
    obs = Observation(Target("http://shop.example.test/", "shop"), tuple(samples))
    report = diagnose(parse(MANIFEST), [obs], config=ConfigJoin(load_nginx(str(path))))
    return report.targets[0], str(path)


def test_a_split_is_read_with_its_shares_and_its_other_share_is_wrong_by_the_manifest(
        tmp_path: Path) -> None:
    found, path = _shop(tmp_path, SPLIT)
    words = (found.explanation or "") + (found.fix or "")
    assert found.verdict.value == "inconsistent"
    assert "None" not in words
    assert (f"split_clients ${{remote_addr}}${{request_id}} $shop_backend at {path}:6 gives "
            f"$shop_backend shop_canary to 20% ({path}:7), shop_app to 80% ({path}:8)") in words
    assert (f"'shop2' 1 of 10 from pid 9523 at server.listen 127.0.0.1:18404, a member of "
            f"shop_canary (20%: '20% shop_canary;' at {path}:7)") in words
    # the words and the severity agree: a CRITICAL is never called "not a misroute"
    assert "not a misroute" not in words and "Nothing to correct" not in words
    assert ("sends 20% to shop_canary ('20% shop_canary;' at " + path + ":7), where 'shop2' "
            "answers: by the manifest, that share goes to the wrong application") in found.fix
    assert "If the split is not meant, remove the line(s) named" in found.fix
    assert ("give the canary the label 'shop' (probe endpoint --install WSGI_PY --label shop, "
            "or wrap(label='shop')) (its answers give settings 'mysite.settings', as 'shop''s "
            "do)") in found.fix, found.fix
    assert "holds servers of different applications" not in words


def test_the_canary_given_the_label_the_fix_names_is_ok(tmp_path: Path) -> None:
    """The fix's 'give the canary the label' followed: the URL is one kind of answer."""
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n" + SPLIT + "}\n")
    relabelled = copy.deepcopy(t34_answers.SHOP2)
    relabelled["label"] = "shop"
    samples = [_sample(t34_answers.SHOP, 9513)] * 9 + [_sample(relabelled, 9523)]
    obs = Observation(Target("http://shop.example.test/", "shop"), tuple(samples))
    report = diagnose(parse(MANIFEST), [obs], config=ConfigJoin(load_nginx(str(path))))
    assert report.targets[0].verdict.value == "ok", report.targets[0]


def test_an_undecided_pass_without_a_split_names_no_none(tmp_path: Path) -> None:
    """$shop_backend set by nothing read: where each request went is nginx's access log."""
    found, path = _shop(tmp_path, SPLIT.replace("split_clients", "# split_clients")
                        .replace("20%  shop_canary;", "").replace("*    shop_app;\n    }", ""))
    words = (found.explanation or "") + (found.fix or "")
    assert "None" not in words
    assert "leaves where this URL goes to each request" in words
    assert f"$upstream_addr shows where each request went from {path}:" in words


MAP = """
    upstream shop_app {{ server 127.0.0.1:18401; }}
    upstream blog_app {{ server 127.0.0.1:18402; }}
    upstream www_app  {{ server 127.0.0.1:18403; }}
    map $host $backend {{
        default            www_app;
        shop.example.test  shop_app;
        {blog}
        www.example.test   www_app;
    }}
    server {{
        listen 127.0.0.1:18380;
        server_name .example.test;
        location / {{
            proxy_set_header Host $host;
            proxy_pass http://$backend;
        }}
    }}
"""
MAP_FRONT = "127.0.0.1:18380"
MAP_MANIFEST = """
[instances.blog]
label = "blog"
urls = ["http://blog.example.test/"]

[instances.www]
label = "www"
urls = ["http://www.example.test/"]
"""


def _blog(tmp_path: Path, entry: str, *samples: Sample) -> tuple[TargetResult, str]:
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n" + MAP.format(blog=entry) + "}\n")
    www = Observation(Target("http://www.example.test/", "www"),
                      (_sample(t34_answers.WWW, 9520, MAP_FRONT),) * 3)
    obs = Observation(Target("http://blog.example.test/", "blog"), samples)
    report = diagnose(parse(MAP_MANIFEST), [obs, www],
                      config=ConfigJoin(load_nginx(str(path))))
    return report.targets[0], str(path)


def test_a_map_key_typo_is_fixed_at_its_entry_not_at_the_default_group(
        tmp_path: Path) -> None:
    """a-map: blog.example.test fell to the default www_app; T34 applied 'replace server
    127.0.0.1:18403 in upstream www_app' and www and every unknown name went to blog."""
    found, path = _blog(tmp_path, "blog.exmaple.test  blog_app;",
                        *(_sample(t34_answers.WWW, 9520, MAP_FRONT, "blog.example.test"),) * 3)
    assert found.cause is not None and found.cause.value == "wrong_upstream"
    assert (f"the key 'blog.exmaple.test' at {path}:10 is one edit from blog.example.test (two "
            f"neighbouring letters swapped), the likely typo") in (found.explanation or "")
    assert found.fix.startswith(f"At {path}:10, write the key blog.example.test in place of "
                                f"blog.exmaple.test, its value as it is.")
    assert "upstream www_app by" not in found.fix and "replace 'server" not in found.fix


def test_a_map_value_naming_no_upstream_is_said_at_its_entry(tmp_path: Path) -> None:
    """a-map A2: 'blog.example.test blgo_app;' (no upstream blgo_app): nginx's 502, its error
    log 'no resolver defined to resolve blgo_app'."""
    found, path = _blog(tmp_path, "blog.example.test  blgo_app;",
                        *(Sample(1.0, 502, server="nginx/1.22.1", address=MAP_FRONT),) * 3)
    assert found.cause is not None and found.cause.value == "upstream_down"
    assert (f"$backend = blgo_app from 'blog.example.test blgo_app;' at {path}:10") in \
        (found.explanation or "")
    assert "no resolver defined to resolve blgo_app" in (found.explanation or "")
    # the upstream block a slip away is named, by the measure of a key's typo
    assert found.fix.startswith(
        f"At {path}:10, write 'blog.example.test blog_app;' in place of 'blog.example.test "
        f"blgo_app;': upstream blog_app ({path}:5) is one edit from the value blgo_app (two "
        f"neighbouring letters swapped), the likely typo"), found.fix
    assert "curl" not in found.fix and "nothing listens" not in (found.explanation or "")


def test_a_map_value_near_no_upstream_asks_for_the_name_meant(tmp_path: Path) -> None:
    found, path = _blog(tmp_path, "blog.example.test  journal;",
                        *(Sample(1.0, 502, server="nginx/1.22.1", address=MAP_FRONT),) * 3)
    assert found.fix.startswith(f"At {path}:10, give 'blog.example.test' the name of the "
                                f"upstream block meant"), found.fix


def test_without_the_configuration_nginx_s_502_lists_an_unresolved_name() -> None:
    """a-map A2 swept without --config: the readings of the 502 and the error log lines the
    fix lists include nginx's 'no resolver defined to resolve NAME'; not where the Server
    header names another front."""
    def swept(server: str) -> TargetResult:
        obs = Observation(Target("http://blog.example.test/", "blog"),
                          (Sample(1.0, 502, server=server, address=MAP_FRONT),) * 3)
        return diagnose(parse(MAP_MANIFEST), [obs]).targets[0]

    found = swept("nginx/1.22.1")
    assert ("or a host name nginx cannot resolve (a variable proxy_pass whose value names no "
            "upstream: 'no resolver defined to resolve NAME' in nginx's error log)"
            ) in found.explanation, found.explanation
    assert "'no resolver defined to resolve NAME': the pass " \
           "line's value is no upstream block's name nor an address" in found.fix, found.fix
    other = swept("Apache/2.4.62")
    assert "resolve" not in other.explanation + other.fix, other
