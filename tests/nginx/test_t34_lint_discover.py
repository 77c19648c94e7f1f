"""Tester T34's nginx cases (real nginx 1.22, gunicorn/uWSGI/waitress) read by lint and
discover:

* c-include, two blocks ``default_server`` for one address: ``nginx -t`` refuses it ("a
  duplicate default server ... www.conf:2"); lint said only nginx_no_refusing_default, as if
  it ran, and its fix kept www.conf's mark;
* c-include, blog-old.conf and blog.conf both ``server_name blog.example.test``: discover
  listed the URL under two instances and ``probe sweep`` refused its own manifest;
* a-map, ``proxy_pass http://$backend`` with ``map $host $backend``: one instance
  ``app--backend`` with http://example.test:18380/, the map's sites missing;
* d-locations, a regular expression location: skipped as "no server_name that can be probed"
  under ``server_name portal.example.test``.
"""

from __future__ import annotations

from pathlib import Path

from probe.discover.manifest_text import render
from probe.discover.nginx import discover_nginx
from probe.lint import lint_nginx
from probe.manifest import parse

SITE = """server {{
    listen 127.0.0.1:18383{default};
    server_name {names};
    location / {{
        proxy_set_header Host $host;
        proxy_pass http://127.0.0.1:{port};
    }}
}}
"""


def _include(tmp_path: Path, sites: dict[str, tuple[str, int, bool]]) -> Path:
    enabled = tmp_path / "sites-enabled"
    enabled.mkdir()
    for name, (names, port, default) in sites.items():
        (enabled / name).write_text(SITE.format(
            names=names, port=port, default=" default_server" if default else ""))
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"events {{ }}\nhttp {{\n    include {enabled}/*;\n}}\n")
    return conf


def test_two_default_servers_are_an_error_and_nothing_reasons_as_if_nginx_ran(
        tmp_path: Path) -> None:
    conf = _include(tmp_path, {"blog.conf": ("blog.example.test", 18402, False),
                               "shop.conf": ("shop.example.test", 18401, True),
                               "www.conf": ("www.example.test example.test", 18403, True)})
    findings = [f for f in lint_nginx(str(conf)).findings  # its note: test_client_unseen.py
                if f.code != "nginx_client_not_forwarded"]
    www, shop = tmp_path / "sites-enabled" / "www.conf", tmp_path / "sites-enabled" / "shop.conf"
    assert [(f.code, f.severity.value, f.where) for f in findings] == [
        ("nginx_duplicate_default", "error", f"{www}:2")], findings
    assert f"at {shop}:2" in findings[0].message and "nginx -t" in findings[0].message
    assert f"({shop}:2, {www}:2)" in (findings[0].fix or ""), findings[0].fix
    found = discover_nginx(str(conf))
    assert any("duplicate default server" in w for w in found.warnings), found.warnings
    assert "duplicate default server" in render(found)


def test_one_default_server_is_no_error(tmp_path: Path) -> None:
    conf = _include(tmp_path, {"blog.conf": ("blog.example.test", 18402, False),
                               "shop.conf": ("shop.example.test", 18401, True)})
    codes = [f.code for f in lint_nginx(str(conf)).findings
             if f.code != "nginx_client_not_forwarded"]  # its note: test_client_unseen.py
    assert codes == ["nginx_no_refusing_default"], codes


def test_a_name_two_blocks_claim_is_listed_once_under_the_block_nginx_picks(
        tmp_path: Path) -> None:
    conf = _include(tmp_path, {"blog-old.conf": ("blog.example.test", 18401, False),
                               "blog.conf": ("blog.example.test", 18402, False),
                               "shop.conf": ("shop.example.test", 18401, False),
                               "www.conf": ("www.example.test example.test", 18403, False)})
    found = discover_nginx(str(conf))
    text = render(found)
    manifest = parse(text)  # the sweep's own parser takes it
    urls = {n: list(i.urls) for n, i in manifest.instances.items()}
    assert urls == {"app-18401": ["http://blog.example.test:18383/",
                                  "http://shop.example.test:18383/"],
                    "app-18403": ["http://www.example.test:18383/",
                                  "http://example.test:18383/"]}, urls
    old = tmp_path / "sites-enabled" / "blog-old.conf"
    new = tmp_path / "sites-enabled" / "blog.conf"
    said = next(s for s in found.skipped if s.startswith("app-18402"))
    assert f"server block at {old}:1" in said and f"server_name at {new}:3" in said, said
    assert "no server_name that can be probed" not in text


A_MAP = """events { }
http {
    upstream shop_app { server 127.0.0.1:18401; }
    upstream blog_app { server 127.0.0.1:18402; }
    upstream www_app  { server 127.0.0.1:18403; }

    map $host $backend {
        default            www_app;
        shop.example.test  shop_app;
        blog.exmaple.test  blog_app;
        www.example.test   www_app;
    }

    server {
        listen 127.0.0.1:18380;
        server_name .example.test;
        location / {
            proxy_set_header Host $host;
            proxy_pass http://$backend;
        }
    }
}
"""


def test_a_map_of_the_host_gives_one_instance_per_upstream_its_keys_the_urls(
        tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(A_MAP)
    found = discover_nginx(str(conf))
    urls = {n: list(i.urls) for n, i in parse(render(found)).instances.items()}
    assert urls == {"www_app": ["http://example.test:18380/", "http://www.example.test:18380/"],
                    "shop_app": ["http://shop.example.test:18380/"],
                    "blog_app": ["http://blog.exmaple.test:18380/"]}, urls
    shop = next(i for i in found.instances if i.name == "shop_app")
    assert f"map key shop.example.test at {conf}:9" in shop.urls[0].source, shop.urls[0]


def test_a_map_not_keyed_by_the_host_writes_no_url(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(A_MAP.replace("map $host $backend", "map $cookie_pool $backend"))
    found = discover_nginx(str(conf))
    assert found.instances == [], found.instances
    said = " ".join(found.skipped)
    assert f"map $cookie_pool $backend at {conf}:7, keyed by $cookie_pool" in said, said
    assert "no URL written" in said


def test_a_regular_expression_location_is_the_reason_said_with_the_exact_name(
        tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text("""events { }
http {
    server {
        listen 127.0.0.1:18384;
        server_name portal.example.test;
        location /shop-admin/ { proxy_pass http://127.0.0.1:18403; }
        location ~ ^/(?<app>shop|blog) {
            rewrite ^/[^/]+/(.*)$ /$1 break;
            proxy_pass http://unix:/tmp/run/$app.sock;
        }
    }
}
""")
    said = " ".join(discover_nginx(str(conf)).skipped)
    assert "no server_name that can be probed" not in said, said
    assert (f"location ~ ^/(?<app>shop|blog) at {conf}:7: a regular expression location"
            in said), said
    assert "http://portal.example.test:18384/... and a path it matches" in said, said
