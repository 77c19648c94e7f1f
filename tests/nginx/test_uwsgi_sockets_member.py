"""T34 e-split: blog's uWSGI listens on two --http-socket (127.0.0.1:18402 and run/blog.sock),
and upstream www_pool's second member is 127.0.0.1:18402. The sweep said "nginx is not
running this configuration as read ... no line of it is blamed" and "reload it": the
endpoint had said server.listen unix:.../blog.sock (uwsgi.opt's last socket). The member's
line is the cause. The real answers of T34's sites (tests/t34_answers.py), with the fields
this version's endpoint adds as the real uWSGI 2.0.31 gives them
(tests/integration/test_uwsgi_two_sockets.py)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from probe.diagnose import ConfigJoin, diagnose
from probe.endpoint_answer import EndpointAnswer
from probe.manifest import Target, parse
from probe.model import Cause, Observation, Sample, TargetResult
from probe.nginx import load_nginx
from tests import t34_answers

# e-split's nginx.conf (its paths left out: the lines stay where they were; 24 is the member)
CONF = """worker_processes 1;
events { worker_connections 64; }
http {
    log_format up '$host $request_uri -> $upstream_addr $status';
    proxy_set_header Host $host;


    upstream shop_app    { server 127.0.0.1:18401; }
    upstream shop_canary { server 127.0.0.1:18404; }
    # 20% of requests to the canary
    split_clients "${remote_addr}${request_id}" $shop_backend {
        20%  shop_canary;
        *    shop_app;
    }





    # two copies of the main site, by host (second member meant to be 18405, a second waitress)
    upstream www_pool {
        hash $host;
        server 127.0.0.1:18403;
        server 127.0.0.1:18402;
    }

    server {
        listen 127.0.0.1:18385 default_server;
        return 444;
    }
    server {
        listen 127.0.0.1:18385;
        server_name www.example.test example.test w2.example.test w3.example.test w4.example.test;
        location / { proxy_pass http://www_pool; }
    }
}
"""
MANIFEST = """
[instances.www]
label = "www"
urls = ["http://www.example.test/", "http://w2.example.test/"]
"""
SOCKETS = ["127.0.0.1:18402", "unix:/tmp/t-real34/run/blog.sock"]


def _sample(data: dict[str, Any], host: str, **server: Any) -> Sample:
    answer = copy.deepcopy(data)
    answer["request"]["host"] = host
    answer["server"].update(server)
    return Sample(1.0, 200, EndpointAnswer.from_json(answer), server="nginx/1.22.1",
                  address="127.0.0.1:18385")


def _www(tmp_path: Path, **server: Any) -> tuple[TargetResult, Path]:
    conf = tmp_path / "nginx.conf"
    conf.write_text(CONF)
    assert CONF.splitlines()[23].strip() == "server 127.0.0.1:18402;"
    observations = [
        Observation(Target("http://www.example.test/", "www"),
                    (_sample(t34_answers.BLOG, "www.example.test", **server),) * 3),
        Observation(Target("http://w2.example.test/", "www"),
                    (_sample(t34_answers.WWW, "w2.example.test"),) * 3)]
    report = diagnose(parse(MANIFEST), observations, config=ConfigJoin(load_nginx(str(conf))))
    return report.targets[0], conf


def test_a_member_at_another_socket_of_the_answering_server_is_named(tmp_path: Path) -> None:
    # several sockets and the request's not told (server.listen null): the member at one
    found, conf = _www(tmp_path, listen=None, listens=SOCKETS)
    words = f"{found.explanation} {found.fix}"
    assert found.cause is Cause.WRONG_UPSTREAM, words
    assert "not running this configuration" not in words and "nginx -T" not in words, words
    assert (f"blog listens on 127.0.0.1:18402 (server.listens {SOCKETS}): the address of its "
            f"member 'server 127.0.0.1:18402' at {conf}:24; which of them this request came "
            f"in on the answer does not say (server.listen null)") in words, words
    assert found.fix is not None and found.fix.startswith(
        f"At {conf}:24, remove 'server 127.0.0.1:18402;' (blog's address) from upstream "
        f"www_pool: www answers its own URL http://w2.example.test/ on server.listen "
        f"'127.0.0.1:18403', its member 'server 127.0.0.1:18403' at {conf}:23; or replace it "
        f"by the address of another server running www."), found.fix
    assert any(e.claim == f"server.listens = {SOCKETS!r}" for e in found.evidence)


def test_the_socket_the_request_came_in_on_is_the_member(tmp_path: Path) -> None:
    found, conf = _www(tmp_path, listen="127.0.0.1:18402", listens=SOCKETS)
    words = f"{found.explanation} {found.fix}"
    assert found.cause is Cause.WRONG_UPSTREAM, words
    assert (f"The answering server.listen 127.0.0.1:18402 is a member of upstream www_pool: "
            f"'server 127.0.0.1:18402' at {conf}:24.") in words, words
    assert found.fix is not None and found.fix.startswith(
        f"At {conf}:24, remove 'server 127.0.0.1:18402;' (blog's address)"), found.fix


def test_an_older_uwsgi_endpoints_listen_blames_nothing_and_names_the_check(
        tmp_path: Path) -> None:
    # the real answer: server.listen is the unix socket, no server.listens
    found, conf = _www(tmp_path)
    words = f"{found.explanation} {found.fix}"
    assert found.cause is None and "not running this configuration" not in words, words
    assert ("its request.server_port '18402' is the port of member 'server 127.0.0.1:18402' "
            f"at {conf}:24") in words, words
    assert [c.check for c in found.candidates] == [
        "'ss -ltnp sport = :18402' shows whether blog's uWSGI listens on 127.0.0.1:18402"]
