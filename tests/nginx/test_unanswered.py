"""URLs the endpoint did not answer through nginx, as a tester found them with nginx 1.22 and
real projects' configurations: a ``return 444`` was called a server that is not running, and
``no_endpoint`` advised installing the endpoint where nginx's own route answered (a prefix
location without its slash, a server block's redirect, an ``error_page`` for 502). The same
with real servers: tests/integration/test_nginx_unanswered.py."""

from __future__ import annotations

from pathlib import Path

from probe.diagnose import ConfigJoin, diagnose
from probe.errors import ErrorKind
from probe.manifest import parse
from probe.model import Cause, Observation, Sample, TargetResult, Verdict
from probe.nginx import load_nginx
from tests.nginx.test_route_fixes import _answer
from tests.test_diagnose import obs

MANIFEST = """
[instances.alpha]
label = "alpha"
urls = ["http://alpha.test/", "http://www.alpha.test/", "http://alpha.test/mediakit/"]
"""
AT = "127.0.0.1:18080"
ALPHA = "127.0.0.1:18101"
RUNNING = "Check that the server is running"


def _conf(tmp_path: Path, body: str) -> tuple[ConfigJoin, str]:
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n" + body + "}\n")
    return ConfigJoin(load_nginx(str(path))), str(path)


def _closed(url: str) -> Observation:
    sample = Sample(2.0, error=f"{url}__probe__: server closed the connection without answering",
                    error_kind=ErrorKind.CLOSED, address=AT)
    return obs(url, "alpha", sample, sample)


def _status(url: str, status: int, location: str | None = None) -> Observation:
    sample = Sample(2.0, status_code=status, location=location, server="nginx/1.22.1",
                    address=AT, error="not JSON")
    return obs(url, "alpha", sample, sample)


def _sweep(*observations: Observation, config: ConfigJoin | None = None
           ) -> dict[str, TargetResult]:
    report = diagnose(parse(MANIFEST), list(observations), config=config)
    return {t.url: t for t in report.targets}


def _answered() -> Observation:
    return _answer("http://alpha.test/", "alpha", "alpha", ALPHA)


def test_a_closed_connection_where_the_address_answered_is_said_as_observed() -> None:
    found = _sweep(_answered(), _closed("http://www.alpha.test/"))["http://www.alpha.test/"]
    assert found.verdict is Verdict.UNREACHABLE
    assert RUNNING not in found.fix
    assert "closed it without an HTTP answer" in found.explanation
    assert "answered http://alpha.test/ with HTTP 200 (Server: nginx/1.22.1)" in \
        found.explanation
    assert "return 444" in found.fix and "[refuse]" in found.fix
    assert any(e.source == "GET http://alpha.test/" for e in found.evidence)


def test_a_closed_connection_alone_is_not_called_a_server_not_running() -> None:
    found = _sweep(_closed("http://www.alpha.test/"))["http://www.alpha.test/"]
    assert found.verdict is Verdict.UNREACHABLE
    assert RUNNING not in found.fix and "accepted the connection" in found.fix


SITES = """    server {{ listen 127.0.0.1:18080 default_server; return 444; }}
    server {{ listen 127.0.0.1:18080;
        server_name alpha.test{www}; {guard}
        location / {{ proxy_pass http://127.0.0.1:18101; }}
        location /media {{ root /srv/www; }}
        error_page 500 502 503 504 /50x.html;
    }}
"""


def test_the_default_servers_return_444_is_named_with_the_block_to_give_the_name(
        tmp_path: Path) -> None:
    config, path = _conf(tmp_path, SITES.format(www="", guard=""))
    found = _sweep(_answered(), _closed("http://www.alpha.test/"),
                   config=config)["http://www.alpha.test/"]
    assert found.verdict is Verdict.UNREACHABLE and found.cause is Cause.DEFAULT_SERVER
    assert f"return 444 at {path}:3" in found.explanation
    assert "Add www.alpha.test to the server_name of server block at " + path + ":4" in found.fix
    assert RUNNING not in found.fix


def test_an_if_that_returns_444_is_named(tmp_path: Path) -> None:
    guard = "if ($host !~* ^(alpha.test|localhost)$) { return 444; }"
    config, path = _conf(tmp_path, SITES.format(www=" www.alpha.test", guard=guard))
    found = _sweep(_answered(), _closed("http://www.alpha.test/"),
                   config=config)["http://www.alpha.test/"]
    assert found.verdict is Verdict.UNREACHABLE and found.cause is None
    assert f"at {path}:5" in found.explanation and "return 444" in found.explanation
    assert found.fix.startswith(f"At {path}:5, let www.alpha.test through")


def test_a_prefix_location_without_its_slash_is_the_step_named(tmp_path: Path) -> None:
    config, path = _conf(tmp_path, SITES.format(www="", guard=""))
    found = _sweep(_answered(), _status("http://alpha.test/mediakit/", 404),
                   config=config)["http://alpha.test/mediakit/"]
    assert found.verdict is Verdict.NO_ENDPOINT and found.cause is Cause.URL_MAPPING
    assert "Install the endpoint" not in found.fix
    assert f"At {path}:7, write the prefix with its slash ('location /media/')" in found.fix
    assert "prefix without its closing slash" in found.explanation


def test_a_server_blocks_redirect_is_the_step_named(tmp_path: Path) -> None:
    body = SITES.format(www="", guard="") + (
        "    server { listen 127.0.0.1:18080; server_name www.alpha.test;\n"
        "        return 301 http://alpha.test$request_uri; }\n")
    config, path = _conf(tmp_path, body)
    found = _sweep(_answered(), _status("http://www.alpha.test/", 301,
                                        "http://alpha.test/__probe__"),
                   config=config)["http://www.alpha.test/"]
    assert found.verdict is Verdict.NO_ENDPOINT and found.cause is Cause.URL_MAPPING
    assert "Install the endpoint" not in found.fix
    assert found.fix.startswith(f"At {path}:11, the server block answers 301 itself")
    # alpha.test is another host than www.alpha.test: listed, its URL would get the token
    assert "to http://alpha.test/ (the answer's Location), on another host, " \
           "http://alpha.test:80, not http://www.alpha.test:80: listed in the manifest, or " \
           "followed" in found.fix, found.fix
    assert "list the URL it redirects to" not in found.fix
    # a Location on the URL's own host: the plain fix
    same = _sweep(_answered(), _status("http://www.alpha.test/", 301,
                                       "http://www.alpha.test/new/__probe__"),
                  config=config)["http://www.alpha.test/"]
    assert "list the URL it redirects to" in same.fix and "another host" not in same.fix


def test_an_error_page_for_502_is_named_where_the_route_reaches_the_application(
        tmp_path: Path) -> None:
    config, path = _conf(tmp_path, SITES.format(www="", guard=""))
    www = _sweep(_answered(), _status("http://www.alpha.test/", 404),
                 config=config)["http://www.alpha.test/"]
    assert www.cause is Cause.DEFAULT_SERVER  # the default server's block, not the endpoint
    found = _sweep(_status("http://alpha.test/", 404), config=config)["http://alpha.test/"]
    assert found.verdict is Verdict.NO_ENDPOINT
    assert f"'error_page 500 502 503 504 /50x.html' at {path}:8" in found.explanation
    assert found.fix.startswith("First read nginx's error log line")
    assert "install the endpoint" in found.fix


def test_a_block_that_lost_its_server_name_is_pointed_at(tmp_path: Path) -> None:
    """The tester's example.org: its block had no server_name, so every name of it fell to
    the default server's 444; no URL of the instance answered to say which block is its."""
    config, path = _conf(tmp_path, SITES.format(www="", guard="").replace(
        "server_name alpha.test; ", ""))
    found = _sweep(_closed("http://www.alpha.test/"), _closed("http://alpha.test/"),
                   config=config)["http://www.alpha.test/"]
    assert found.cause is Cause.DEFAULT_SERVER
    assert found.fix.startswith(f"Add www.alpha.test to the server_name of the server block "
                                f"meant for alpha (the server block at {path}:4 on this port "
                                f"has no server_name")


def test_an_exact_location_for_slash_is_named_not_a_location_for_the_probe_path(
        tmp_path: Path) -> None:
    """`location = /` in place of `location /` (a tester's example.org.conf:13): no location
    matches /__probe__, and the fix that added one for the probe path alone turned the sweep
    green while every other page got nginx's 404."""
    config, path = _conf(tmp_path, f"server {{ listen {AT}; server_name alpha.test;\n"
                                   f"location = / {{ proxy_pass http://{ALPHA}; }}\n}}\n")
    found = _sweep(_status("http://alpha.test/", 404), config=config)["http://alpha.test/"]
    assert found.cause is Cause.URL_MAPPING
    assert f"'location = /' at {path}:4 matches / only, exactly (=)" in found.explanation
    assert found.fix.startswith(f"At {path}:4, write 'location /' (a prefix) in place of "
                                f"'location = /'")
    assert "add a location for /__probe__ that passes" not in found.fix


def test_an_error_page_for_gateway_statuses_is_not_said_of_a_400(tmp_path: Path) -> None:
    """Zulip z2 (a tester's): gunicorn answered 400 to uwsgi_pass; 'error_page 500 502 503
    504' cannot make a 400, so it is not named as what may have answered."""
    config, _ = _conf(tmp_path, SITES.format(www="", guard=""))
    found = _sweep(_status("http://alpha.test/", 400), config=config)["http://alpha.test/"]
    assert found.verdict is Verdict.NO_ENDPOINT
    assert "'error_page " not in found.explanation
    assert not found.fix.startswith("First read nginx's error log line")


def test_an_error_page_answering_with_its_own_code_is_said_of_that_code(
        tmp_path: Path) -> None:
    body = SITES.format(www="", guard="").replace("500 502 503 504 /50x.html",
                                                  "502 =200 /50x.html")
    config, path = _conf(tmp_path, body)
    found = _sweep(_status("http://alpha.test/", 200), config=config)["http://alpha.test/"]
    assert f"'error_page 502 =200 /50x.html' at {path}:8" in found.explanation
    other = _sweep(_status("http://alpha.test/", 400), config=config)["http://alpha.test/"]
    assert "'error_page " not in other.explanation
