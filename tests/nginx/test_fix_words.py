"""What a fix through nginx tells the operator to write: the location as the configuration
writes it (with its line) or said to be unread, and a proxy_pass target nginx accepts, each
with its evidence (tests/integration/test_nginx_scenarios.py has both from real servers).
The targets are checked with the real ``nginx -t`` where nginx is installed."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from probe.diagnose import ConfigJoin, diagnose
from probe.diagnose.config_reload import nginx_reload
from probe.diagnose.fronts import same_listen
from probe.diagnose.pass_target import OwnAnswer, pass_target
from probe.lint import lint_nginx
from probe.manifest import parse
from probe.model import Observation
from probe.nginx import load_nginx
from tests.test_diagnose import ep, thrice

NGINX = "/usr/sbin/nginx"
MANIFEST = """
[instances.wiki]
label = "wiki"
urls = ["http://site.test/wiki/"]
"""
URL = "http://site.test/wiki/"
CONF = """events {{}}
http {{
    server {{
        listen 127.0.0.1:18080;
        server_name site.test;
        location {pattern} {{
            proxy_pass http://127.0.0.1:8001/;
            proxy_set_header Host $host;
        }}
    }}
}}
"""


def _obs(url: str, expected: str | None, label: str, listen: str, **request: Any,
         ) -> Observation:
    data = ep(label, host="site.test", mount="", path_info="/__probe__", process_group="",
              application_group="")
    data["server"] = {"software": "gunicorn/23.0.0", "mod_wsgi_version": None,
                      "listen": listen}
    data["request"].update(request)
    observed = thrice(url, expected, data)
    return dataclasses.replace(observed, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:18080")
        for s in observed.samples))


def _stripped_fix(tmp_path: Path, pattern: str | None) -> str:
    """The fix of a /wiki/ prefix stripped, with the configuration (pattern) or without."""
    config = None
    if pattern is not None:
        path = tmp_path / "nginx.conf"
        path.write_text(CONF.format(pattern=pattern))
        config = ConfigJoin(load_nginx(str(path)))
    observed = _obs(URL, "wiki", "wiki", "127.0.0.1:8001", script_name="",
                    path_info="//__probe__", host_allowed=True)
    target = diagnose(parse(MANIFEST), [observed], config=config).targets[0]
    assert target.verdict.value == "mount_mismatch", target
    return target.fix


def test_the_location_is_quoted_as_written_with_its_line(tmp_path: Path) -> None:
    fix = _stripped_fix(tmp_path, "/wiki")
    conf = tmp_path / "nginx.conf"
    assert f"in the nginx 'location /wiki' ({conf}:6;" in fix, fix
    assert "location /wiki/ keep" not in fix
    assert "write it 'location /wiki/'" in fix  # /wiki/x arrives as //x under /wiki + '/'
    fix = _stripped_fix(tmp_path, "/wiki/")
    assert f"in the nginx 'location /wiki/' ({conf}:6)" in fix and "write it" not in fix


def test_an_unread_location_is_said_unread_not_invented(tmp_path: Path) -> None:
    fix = _stripped_fix(tmp_path, None)
    assert "location /wiki/ keep" not in fix and "'location" not in fix, fix
    assert "in the nginx location that proxies /wiki/ (not read here" in fix


OWN = "http://blog2.test/"


@pytest.mark.parametrize(("listen", "expected"), [
    ("127.0.0.1:8001", "http://127.0.0.1:8001"),
    ("[::1]:8001", "http://[::1]:8001"),
    ("unix:/run/blog.sock", "http://unix:/run/blog.sock:"),
    ("*:18003", "http://127.0.0.1:18003"),
    ("0.0.0.0:18003", "http://127.0.0.1:18003"),
    ("[::]:18003", "http://127.0.0.1:18003"),
    (":18003", "http://127.0.0.1:18003"),
])
def test_a_pass_target_is_one_nginx_accepts(tmp_path: Path, listen: str, expected: str) -> None:
    words = pass_target("blog", OwnAnswer(listen, OWN, "127.0.0.1:18080", "waitress"),
                        "127.0.0.1:18080")
    written = re.findall(r"'proxy_pass ([^']+);'", words)
    assert written == [expected], words
    assert f"server.listen {listen!r}" in words  # the field, quoted as an observation
    wildcard = listen.rpartition(":")[0] in ("*", "0.0.0.0", "[::]", "")
    assert ("an inference" in words) is wildcard
    if shutil.which(NGINX) is None:
        return
    conf = tmp_path / "t.conf"
    conf.write_text(f"error_log {tmp_path}/e.log; pid {tmp_path}/p.pid; events {{}}\n"
                    f"http {{ server {{ listen 127.0.0.1:1; location / {{ proxy_pass "
                    f"{expected}; }} }} }}\n")
    done = subprocess.run([NGINX, "-t", "-q", "-c", str(conf), "-p", str(tmp_path)],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr


def test_a_wildcard_reached_directly_is_probed_not_inferred() -> None:
    words = pass_target("blog", OwnAnswer("*:18003", OWN, "127.0.0.1:18003", "waitress"),
                        "127.0.0.1:18080")
    assert "'proxy_pass http://127.0.0.1:18003;'" in words and "inference" not in words
    assert "the probe reached it at 127.0.0.1:18003" in words


def test_wildcard_listens_are_any_host_on_their_port() -> None:
    for wild in ("*:8001", "0.0.0.0:8001", "[::]:8001", ":8001"):
        assert same_listen(wild, "127.0.0.1:8001") and same_listen("127.0.0.1:8001", wild)
        assert not same_listen(wild, "127.0.0.1:8002")
    assert not same_listen("127.0.0.2:8001", "127.0.0.1:8001")


TWO = """[instances.wiki]
label = "wiki"
urls = ["http://site.test/wiki/"]

[instances.blog]
label = "blog"
urls = ["http://blog.test/", "http://blog2.test/"]
"""


def test_a_wrong_upstream_fix_never_pastes_a_wildcard(tmp_path: Path) -> None:
    """blog.test is passed to the wiki; blog answers its own blog2.test on '*:18003'
    (waitress). The fix gives a target nginx accepts: the proxy_pass read that reaches blog
    (with --config), or one inferred from the field and said so."""
    observations = [_obs(URL, "wiki", "wiki", "127.0.0.1:8001", host_allowed=True),
                    _obs("http://blog.test/", "blog", "wiki", "127.0.0.1:8001"),
                    _obs(OWN, "blog", "blog", "*:18003", host_allowed=True)]
    target = diagnose(parse(TWO), observations).targets[1]
    assert target.verdict.value == "wrong_instance", target
    assert "proxy_pass at *:18003" not in target.fix and "http://*:" not in target.fix
    assert "'proxy_pass http://127.0.0.1:18003;'" in target.fix and "inference" in target.fix
    path = tmp_path / "nginx.conf"
    path.write_text("""events {}
http {
    server { listen 127.0.0.1:18080; server_name site.test;
        location /wiki/ { proxy_pass http://127.0.0.1:8001; proxy_set_header Host $host; } }
    server { listen 127.0.0.1:18080; server_name blog.test;
        location / { proxy_pass http://127.0.0.1:8001; proxy_set_header Host $host; } }
    server { listen 127.0.0.1:18080; server_name blog2.test;
        location / { proxy_pass http://blog_pool; proxy_set_header Host $host; } }
    upstream blog_pool { server 127.0.0.1:18003; }
}
""")
    configured = diagnose(parse(TWO), observations,
                          config=ConfigJoin(load_nginx(str(path)))).targets[1]
    assert configured.cause is not None and configured.cause.value == "wrong_upstream"
    assert configured.fix == (
        f"At {path}:6, pass to blog's upstream: 'proxy_pass http://blog_pool;' as at "
        f"{path}:8, which passes blog's own URL {OWN} and reached it. "
        f"{nginx_reload(str(path))}"), configured.fix


def test_the_shared_upstream_fix_writes_a_proxy_pass(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text("""events {}
http {
    upstream one { server 127.0.0.1:8001; }
    upstream two { server 127.0.0.1:8002; }
    server { listen 18080; server_name a.test; location / { proxy_pass http://one; } }
    server { listen 18080; server_name b.test; location / { proxy_pass http://one/; } }
}
""")
    found = [f for f in lint_nginx(str(path)).findings if f.code == "nginx_shared_upstream"]
    assert len(found) == 1 and found[0].fix is not None
    assert found[0].fix == (f"if one of the unused upstreams is this site's application, write "
                            f"'proxy_pass http://two/;' (upstream two at {path}:4) in place of "
                            f"'proxy_pass http://one/;' at {path}:6"), found[0].fix
