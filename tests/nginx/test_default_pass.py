"""A URL the default server took and passed to the other application (a tester's Zulip z2b and
Taiga t1 on nginx 1.22): the block that took it is the one meant for the expected instance,
so its hand-over is the line to change (``wrong_upstream``), not a server_name
(probe.diagnose.nginx_default_pass); where another block could be the one meant, both stay
candidates. Also the z1 fix's line (the block meant for zulip has no server_name) and lint's
nginx_no_refusing_default naming the hand-over of ``location /``.
"""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import diagnose
from probe.diagnose.config_reload import nginx_reload
from probe.lint import lint_nginx
from probe.manifest import parse
from probe.model import Cause, EvidenceKind, Report, TargetResult, Verdict
from tests.nginx.test_route_fixes import BETA, GAMMA, _answer, _conf

WIKI = "unix:/run/wiki-uwsgi.sock"
ZULIP_MANIFEST = """
[instances.zulip]
label = "zulip"
urls = ["http://chat.test/", "http://chat.test/api/"]

[instances.wiki]
label = "wiki"
urls = ["http://wiki.test/"]
"""
# zulip-enterprise (no server_name) + zulip-include/app + upstreams, then zz-wiki
ZULIP = f"""    upstream tornado {{ server {GAMMA}; }}
    upstream django {{ server {WIKI}; }}
    server {{ listen 127.0.0.1:18080;
        location /json/events {{ proxy_pass http://tornado; }}
        location / {{ include uwsgi_params; uwsgi_pass django; }}
        location /api/ {{ include uwsgi_params; uwsgi_pass django; }} }}
    server {{ listen 127.0.0.1:18080; server_name wiki.test;
        location / {{ include uwsgi_params; uwsgi_pass {WIKI}; }} }}
"""
TAIGA_MANIFEST = """
[instances.taiga]
label = "taiga"
urls = ["http://taiga.test/api/v1/"]

[instances.colab]
label = "colab"
urls = ["http://colab.test/", "http://www.colab.test/"]
"""
TAIGA = f"""    server {{ listen 127.0.0.1:18080 default_server;
        server_name _;
        location / {{ try_files $uri $uri/ /index.html; }}
        location /api {{ proxy_set_header Host $http_host; proxy_pass http://{BETA}/api; }} }}
    server {{ listen 127.0.0.1:18080;
        server_name colab.test www.colab.test;
        location / {{ proxy_set_header Host $http_host; proxy_pass http://{BETA}; }} }}
"""


def _one(report: Report, url: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url)


def _line(tmp_path: Path, text: str) -> str:
    path = tmp_path / "nginx.conf"
    number = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)
    return f"{path}:{number}"


def _zulip(tmp_path: Path, body: str, wrong: str = WIKI) -> Report:
    (tmp_path / "uwsgi_params").write_text("uwsgi_param REQUEST_METHOD $request_method;\n"
                                           "uwsgi_param HTTP_HOST $host;\n")
    config = _conf(tmp_path, body)
    answers = [_answer("http://chat.test/", "zulip", "wiki", wrong),
               _answer("http://chat.test/api/", "zulip", "wiki", wrong),
               _answer("http://wiki.test/", "wiki", "wiki", WIKI)]
    return diagnose(parse(ZULIP_MANIFEST), answers, config=config)


def test_the_default_block_meant_for_zulip_passing_to_wikis_socket_is_the_upstream(
        tmp_path: Path) -> None:
    found = _one(_zulip(tmp_path, ZULIP), "http://chat.test/")
    member = _line(tmp_path, "upstream django")
    assert (found.verdict, found.cause) == (Verdict.WRONG_INSTANCE, Cause.WRONG_UPSTREAM), found
    assert found.fix.startswith(f"At {member}, replace 'server {WIKI}' (wiki's address) in "
                                f"upstream django by zulip's address"), found.fix
    assert "Add chat.test to the server_name of the block meant for" not in found.fix
    names = _line(tmp_path, "server_name wiki.test")
    assert "That address is wiki's: server block at " in found.explanation, found.explanation
    assert f"takes wiki's own URL http://wiki.test/ (server_name wiki.test matched exactly, " \
           f"{names})" in found.explanation, found.explanation
    assert "no other block listening there could be: the block at " in found.explanation
    path, json = _line(tmp_path, "location /json/events").rsplit(":", 1)
    block = f"{path}:{int(json) - 1}"
    assert found.fix.endswith(f"add a server_name line with it to the block at {block} (it "
                              f"has none) before the default server of this address is made "
                              f"to refuse unknown names. {nginx_reload(path)}"), found.fix
    assert any(e.kind is EvidenceKind.CONFIGURED and e.source == names
               for e in found.evidence), found.evidence


def test_the_taiga_default_block_passing_api_to_colabs_port_is_its_proxy_pass(
        tmp_path: Path) -> None:
    config = _conf(tmp_path, TAIGA)
    answers = [_answer("http://taiga.test/api/v1/", "taiga", "colab", BETA),
               _answer("http://colab.test/", "colab", "colab", BETA)]
    found = _one(diagnose(parse(TAIGA_MANIFEST), answers, config=config),
                 "http://taiga.test/api/v1/")
    assert (found.verdict, found.cause) == (Verdict.WRONG_INSTANCE, Cause.WRONG_UPSTREAM), found
    proxy = _line(tmp_path, f"proxy_pass http://{BETA}/api;")
    assert found.fix.startswith(f"At {proxy}, pass to taiga's address"), found.fix
    assert found.fix.endswith(
        f"Then, as taiga.test reaches that block only as the default server, add it to the "
        f"server_name at {_line(tmp_path, 'server_name _;')} before the default server of this "
        f"address is made to refuse unknown names. {nginx_reload(proxy.rsplit(':', 1)[0])}"
    ), found.fix
    assert "the block at " in found.explanation and "refuses" not in found.explanation


def test_another_block_that_could_be_meant_leaves_both_causes(tmp_path: Path) -> None:
    """A block for a name the manifest does not have could be taiga's (a misspelled name):
    which block is meant is not configured."""
    body = TAIGA + f"""    server {{ listen 127.0.0.1:18080; server_name taiga-old.test;
        location / {{ proxy_pass http://{GAMMA}; }} }}
"""
    config = _conf(tmp_path, body)
    answers = [_answer("http://taiga.test/api/v1/", "taiga", "colab", BETA),
               _answer("http://colab.test/", "colab", "colab", BETA)]
    found = _one(diagnose(parse(TAIGA_MANIFEST), answers, config=config),
                 "http://taiga.test/api/v1/")
    assert (found.verdict, found.cause) == (Verdict.WRONG_INSTANCE, None), found
    assert {c.cause for c in found.candidates} == {Cause.WRONG_UPSTREAM, Cause.DEFAULT_SERVER}
    assert "Which block is meant for taiga the configuration does not say" \
        in found.explanation, found.explanation
    assert "taiga-old.test" in found.fix and "Either way, make the default server" \
        in found.fix, found.fix


WIKI_FIRST = f"""    upstream django {{ server unix:/run/zulip.sock; }}
    server {{ listen 127.0.0.1:18080; server_name wiki.test;
        location / {{ include uwsgi_params; uwsgi_pass {WIKI}; }} }}
    server {{ listen 127.0.0.1:18080;
        location /json/events {{ proxy_pass http://{GAMMA}; }}
        location / {{ include uwsgi_params; uwsgi_pass django; }} }}
"""


def test_a_default_block_that_is_the_answering_instances_own_names_the_block_meant(
        tmp_path: Path) -> None:
    """Zulip z1: the wiki block comes first and takes chat.test as the default: the name is
    the cause. The fix named no line; the block meant for zulip is the only other one (no
    server_name), and where it passes / is said."""
    found = _one(_zulip(tmp_path, WIKI_FIRST), "http://chat.test/")
    assert found.cause is Cause.DEFAULT_SERVER, found
    path, json = _line(tmp_path, "location /json/events").rsplit(":", 1)
    block = f"{path}:{int(json) - 1}"
    assert found.fix.startswith(
        f"Add a server_name line with chat.test to the block at {block} (it has none), the "
        f"block meant for zulip: the only block listening on 127.0.0.1:18080, other than the "
        f"one that took it, that neither refuses nor takes another instance's URL by name; "
        f"it would pass http://chat.test/ with uwsgi_pass django"), found.fix
    assert any(e.kind is EvidenceKind.CONFIGURED and e.source == block
               for e in found.evidence), found.evidence


def test_lint_names_the_hand_over_of_the_location_that_serves_the_root(tmp_path: Path) -> None:
    """Zulip: the Tornado long-polling proxy_pass comes first in the block; the block's
    hand-over is location /'s uwsgi_pass. Taiga's location / passes nothing: its first one,
    with its location."""
    _zulip(tmp_path, ZULIP)
    lint = [f for f in lint_nginx(str(tmp_path / "nginx.conf")).findings
            if f.code == "nginx_no_refusing_default"]
    uwsgi = _line(tmp_path, "location / { include uwsgi_params; uwsgi_pass django")
    assert len(lint) == 1 and lint[0].message.endswith(
        f"reaches an application (uwsgi_pass at {uwsgi}, in location /, which serves /)"), lint
    _conf(tmp_path, TAIGA.replace(" default_server;", ";"))
    lint = [f for f in lint_nginx(str(tmp_path / "nginx.conf")).findings
            if f.code == "nginx_no_refusing_default"]
    api = _line(tmp_path, "location /api")
    assert len(lint) == 1 and lint[0].message.endswith(
        f"reaches an application (proxy_pass at {api}, in location /api)"), lint
