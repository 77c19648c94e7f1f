"""T34's d-locations from its real configuration and answers (tests/t34_locations_answers.py): one
``location ~ ^/(?<app>shop|blog)`` with ``rewrite ^/[^/]+/(.*)$ /$1 break;`` passes shop
(gunicorn) and blog (uWSGI), under a server level's ``proxy_set_header Host $host;``. The old
fixes, applied, broke it: 'X-Forwarded-Prefix /shop' and '/blog' both in that location (both
applications received "/shop,/blog"); the location's first proxy_set_header dropped the Host
line (host_mismatch); gunicorn's SCRIPT_NAME header with the prefix still stripped (every
request refused, 500); and FORCE_SCRIPT_NAME ruled out by /shop-admin/, a URL shop answered
only because that location took it from www. The same with real servers:
tests/integration/test_nginx_shared_location.py."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import parse
from probe.model import Observation, TargetResult
from probe.nginx import load_nginx
from tests.t34_locations_answers import BLOG, SHOP, SHOP_ADMIN, WWW
from tests.test_diagnose import answered, obs

CONF = """worker_processes 1;
events { worker_connections 64; }
http {
    log_format up '$host $request_uri -> $upstream_addr $status';

    server {
        listen 127.0.0.1:18384;
        server_name portal.example.test;
        root /srv/portal;
        proxy_set_header Host $host;

        location / {
            try_files $uri @django;
        }
        location @django {
            proxy_pass http://127.0.0.1:18403;
        }
        # the main site's shop administration (www project)
        location /shop-admin/ {
            proxy_pass http://127.0.0.1:18403;
        }
        # sub-applications: /shop/... and /blog/... to their own sockets, prefix stripped
        location ~ ^/(?<app>shop|blog) {
            rewrite ^/[^/]+/(.*)$ /$1 break;
            proxy_pass http://unix:/tmp/t-real34/run/$app.sock;
        }
    }
}
"""
MANIFEST = """
[instances.shop]
label = "shop"
urls = ["http://portal.example.test/shop/"]

[instances.blog]
label = "blog"
urls = ["http://portal.example.test/blog/"]

[instances.www]
label = "www"
urls = ["http://portal.example.test/", "http://portal.example.test/shop-admin/"]
"""
SHOP_URL = "http://portal.example.test/shop/"
BLOG_URL = "http://portal.example.test/blog/"


def _observed(url: str, expected: str, data: dict[str, Any]) -> Observation:
    seen = obs(url, expected, answered(data), answered(data), answered(data))
    return dataclasses.replace(seen, samples=tuple(
        dataclasses.replace(s, server="nginx/1.22.1", address="127.0.0.1:18384")
        for s in seen.samples))


def _line(path: Path, text: str) -> str:
    lines = path.read_text().splitlines()
    return f"{path}:{next(n for n, t in enumerate(lines, 1) if text in t)}"


def _sweep(tmp_path: Path, conf: str = CONF) -> tuple[dict[str, TargetResult], Path]:
    path = tmp_path / "nginx.conf"
    path.write_text(conf)
    observed = [_observed(SHOP_URL, "shop", SHOP), _observed(BLOG_URL, "blog", BLOG),
                _observed("http://portal.example.test/", "www", WWW),
                _observed("http://portal.example.test/shop-admin/", "www", SHOP_ADMIN)]
    report = diagnose(parse(MANIFEST), observed, config=ConfigJoin(load_nginx(str(path))))
    return {t.url: t for t in report.targets}, path


def test_one_line_with_the_capture_for_the_location_both_instances_share(
        tmp_path: Path) -> None:
    found, path = _sweep(tmp_path)
    for url, mount, other in ((SHOP_URL, "/shop", "/blog"), (BLOG_URL, "/blog", "/shop")):
        target = found[url]
        assert target.verdict.value == "mount_mismatch", target
        fix = target.fix
        assert "'proxy_set_header X-Forwarded-Prefix /$app;'" in fix, fix
        # never a constant line of either mount in that shared location
        for each in (mount, other):
            assert f"X-Forwarded-Prefix {each};" not in fix, fix
        assert f"$app is the named capture of its expression, {mount} for this URL, " \
               f"{other} for " in fix, fix
        assert f"'location ~ ^/(?<app>shop|blog)' ({_line(path, 'location ~')})" in fix


def test_the_server_levels_lines_are_carried_into_the_location(tmp_path: Path) -> None:
    found, path = _sweep(tmp_path)
    host = _line(path, "proxy_set_header Host")
    for url in (SHOP_URL, BLOG_URL):
        assert f"copy 'proxy_set_header Host $host;' ({host}) into it too" in found[url].fix, \
            found[url].fix


def test_a_location_with_lines_of_its_own_needs_none_carried(tmp_path: Path) -> None:
    conf = CONF.replace("            rewrite ^/", "            proxy_set_header Host $host;\n"
                                                 "            rewrite ^/")
    found, _ = _sweep(tmp_path, conf)
    assert "copy 'proxy_set_header" not in found[SHOP_URL].fix, found[SHOP_URL].fix


def test_gunicorns_script_name_header_goes_with_the_rewrite_removed(tmp_path: Path) -> None:
    found, path = _sweep(tmp_path)
    fix = found[SHOP_URL].fix
    rewrite = _line(path, "rewrite ^/")
    assert f"keep 'rewrite ^/[^/]+/(.*)$ /$1 break;' ({rewrite}) stripping the prefix" in fix
    assert (f"With gunicorn (server.software) 'proxy_set_header SCRIPT_NAME /$app;' with the "
            f"rewrite at {rewrite} removed (the whole path passed on)") in fix, fix
    assert "proxy_pass without URI part" not in fix, fix
    # blog is uWSGI (server.uwsgi): its own words, no gunicorn header
    blog = found[BLOG_URL].fix
    assert "SCRIPT_NAME /$app" not in blog and "'--manage-script-name'" in blog, blog
    assert f"with the rewrite at {rewrite} removed" in blog, blog


def test_a_url_another_instance_answered_is_no_other_mount(tmp_path: Path) -> None:
    """/shop-admin/ (meant for www) answered by shop is a misroute, not shop's other site."""
    found, _ = _sweep(tmp_path)
    fix = found[SHOP_URL].fix
    assert "Not FORCE_SCRIPT_NAME" not in fix and "shop-admin" not in fix, fix
    assert 'FORCE_SCRIPT_NAME = "/shop"' in fix, fix


@pytest.mark.parametrize("pattern", ["^/(shop|blog)", "^/(?:shop|blog)"])
def test_without_a_named_capture_the_mount_gets_its_own_location(tmp_path: Path,
                                                                  pattern: str) -> None:
    conf = CONF.replace("^/(?<app>shop|blog)", pattern).replace("$app.sock", "shop.sock")
    found, _ = _sweep(tmp_path, conf)
    fix = found[SHOP_URL].fix
    assert f"The nginx 'location ~ {pattern}'" in fix and f"also passes {BLOG_URL} (blog)" \
        in fix, fix
    assert "'location ^~ /shop/'" in fix and "'proxy_set_header X-Forwarded-Prefix /shop;'" \
        in fix, fix
    assert "$app" not in fix, fix
