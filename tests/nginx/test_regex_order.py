"""Tester T34's b-regex: two server blocks of one address named by regular expressions,
``~^(?<site>[^.]+)\\.example\\.test$`` (to the socket $site names) before
``~^www\\d*\\.example\\.test$`` (to waitress at 127.0.0.1:18403). nginx tries them in
configuration order and the first match wins: www and www2 went to unix:/.../www.sock and
.../www2.sock (its error log: "No such file or directory"), 502. The tool said only
"start the application server listening on the address of the proxy_pass"."""

from __future__ import annotations

import copy
from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target, parse
from probe.model import Observation, Sample, TargetResult
from probe.nginx import load_nginx
from probe.nginx.regex_names import excluding
from probe.nginx.text import pcre
from tests import t34_answers

# b-regex's nginx.conf, its blocks as T34 wrote them (lines 6 and 16 here)
REGEX = """events {}
http {
    # one block per pattern: every <site>.example.test to its gunicorn/uWSGI socket
    server {
        listen 127.0.0.1:18382;
        server_name ~^(?<site>[^.]+)\\.example\\.test$;
        location / {
            proxy_set_header Host $host;
            proxy_pass http://unix:/tmp/t-real34/run/$site.sock;
        }
    }

    # www, www2... are the waitress main site
    server {
        listen 127.0.0.1:18382;
        server_name ~^www\\d*\\.example\\.test$;
        location / {
            proxy_set_header Host $host;
            proxy_pass http://127.0.0.1:18403;
        }
    }
}
"""
MANIFEST = """
[instances.shop]
label = "shop"
urls = ["http://shop.example.test/"]

[instances.www]
label = "www"
urls = ["http://www.example.test/", "http://www2.example.test/", "http://www3.other.test/"]
"""
FRONT = "127.0.0.1:18382"


def _shop() -> Observation:
    answer = copy.deepcopy(t34_answers.SHOP)
    answer["server"]["listen"] = "unix:/tmp/t-real34/run/shop.sock"  # b-regex's sweep.json
    return Observation(Target("http://shop.example.test/", "shop"), (Sample(
        1.0, 200, EndpointAnswer.from_json(answer), server="nginx/1.22.1", address=FRONT),) * 3)


def _www(tmp_path: Path, *extra: Observation) -> tuple[TargetResult, str]:
    conf = tmp_path / "nginx.conf"
    conf.write_text(REGEX)
    bad = Sample(1.0, 502, server="nginx/1.22.1", address=FRONT)
    observations = [_shop(), *(Observation(Target(u, "www"), (bad,) * 3) for u in (
        "http://www.example.test/", "http://www2.example.test/")), *extra]
    report = diagnose(parse(MANIFEST), observations, config=ConfigJoin(load_nginx(str(conf))))
    return next(t for t in report.targets if t.url == "http://www.example.test/"), str(conf)


def test_a_later_regex_block_never_reached_is_named_with_both_lines(tmp_path: Path) -> None:
    found, conf = _www(tmp_path)
    assert found.cause is not None and found.cause.value == "upstream_down"
    words = found.explanation or ""
    assert (f"www.example.test is matched by server_name ~^(?<site>[^.]+)\\.example\\.test$ at "
            f"{conf}:6, the first regular expression in the configuration's order") in words
    assert "it passes the URL to unix:/tmp/t-real34/run/www.sock" in words
    assert (f"server_name ~^www\\d*\\.example\\.test$ at {conf}:16 matches www.example.test too"
            in words), words
    assert f"which passes to 127.0.0.1:18403 ({conf}:19), is never reached" in words
    # no answer of www says where it listens: said undecided, with the request that decides
    assert "Whether www listens on 127.0.0.1:18403 no answer of this sweep shows" in words
    assert "--connect 127.0.0.1:18403 http://www.example.test/" in words
    assert (found.fix or "").startswith(
        f"At {conf}:6, write 'server_name ~^(?!www\\d*\\.example\\.test$)(?<site>[^.]+)\\."
        f"example\\.test$;' in place of"), found.fix
    assert "start the application server" not in (found.fix or "")
    assert {e.source for e in found.evidence} >= {f"{conf}:6", f"{conf}:16"}


def test_the_lookahead_leaves_www_to_the_later_block_and_keeps_the_sites() -> None:
    written = excluding("~^(?<site>[^.]+)\\.example\\.test$", "~^www\\d*\\.example\\.test$")
    assert written is not None
    regex = pcre(written[1:], True)
    assert regex is not None
    assert not regex.search("www.example.test") and not regex.search("www2.example.test")
    assert regex.search("shop.example.test") and regex.search("wwwx.example.test")


def test_an_instance_answering_elsewhere_is_not_sent_to_the_later_block(
        tmp_path: Path) -> None:
    """www's own answer (at another URL) says it listens on 127.0.0.1:18499: the block of
    line 16 is not the one meant, and nothing is said of it."""
    answer = copy.deepcopy(t34_answers.WWW)
    answer["server"]["listen"] = "127.0.0.1:18499"
    answer["request"]["host"] = "www3.other.test"
    own = Observation(Target("http://www3.other.test/", "www"), (Sample(
        1.0, 200, EndpointAnswer.from_json(answer), server="nginx/1.22.1", address=FRONT),) * 3)
    found, _conf = _www(tmp_path, own)
    assert "never reached" not in (found.explanation or ""), found.explanation
