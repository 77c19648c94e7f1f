"""Tester T34's nginx 1.22 routes decided by a regular expression's captures: a
``server_name ~^(?<site>...)`` whose capture names the socket (b-regex), a ``location ~
^/(?<app>shop|blog)`` whose capture does (d-locations). nginx's access log showed each
request at the socket the capture names (www.example.test at unix:/.../www.sock); the
route says the value and the line that sets it, never "set by no map or set line read"."""

from __future__ import annotations

from pathlib import Path

from probe.nginx import load_nginx
from probe.nginx.route import NginxConfig

REGEX = """
    server {
        listen 127.0.0.1:18382;
        server_name ~^(?<site>[^.]+)\\.example\\.test$;
        location / {
            proxy_set_header Host $host;
            proxy_pass http://unix:/tmp/t-real34/run/$site.sock;
        }
    }
    server {
        listen 127.0.0.1:18382;
        server_name ~^www\\d*\\.example\\.test$;
        location / {
            proxy_pass http://127.0.0.1:18403;
        }
    }
"""
LOCATIONS = """
    server {
        listen 127.0.0.1:18384;
        server_name portal.example.test;
        location /shop-admin/ {
            proxy_pass http://127.0.0.1:18403;
        }
        location ~ ^/(?<app>shop|blog) {
            rewrite ^/[^/]+/(.*)$ /$1 break;
            proxy_pass http://unix:/tmp/t-real34/run/$app.sock;
        }
        location ~ ^/n(\\d+)/ {
            proxy_pass http://127.0.0.1:184$1;
        }
    }
"""


def _config(tmp_path: Path, body: str) -> tuple[NginxConfig, str]:
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n" + body + "}\n")
    config = load_nginx(str(path))
    assert isinstance(config, NginxConfig)
    return config, str(path)


def test_a_server_name_capture_is_the_hosts_value_set_by_that_line(tmp_path: Path) -> None:
    config, path = _config(tmp_path, REGEX)
    route = config.route("http://shop.example.test/", "127.0.0.1:18382")
    step = route.step("upstream")
    assert route.upstream == "unix:/tmp/t-real34/run/shop.sock"
    assert step is not None
    assert (f"$site = 'shop': named capture of server_name ~^(?<site>[^.]+)\\.example\\.test$ "
            f"at {path}:6 on the Host 'shop.example.test'") in step.rule
    assert "set by no map" not in step.rule
    # nginx takes the first regular expression: www goes to the socket too (error.log: www.sock)
    assert config.route("http://www.example.test/", "127.0.0.1:18382").upstream == \
        "unix:/tmp/t-real34/run/www.sock"


def test_a_name_no_regex_matched_leaves_the_capture_empty(tmp_path: Path) -> None:
    """unknown.invalid reached the first block as its address's default: nginx connected to
    unix:/tmp/t-real34/run/.sock (its error log)."""
    config, _path = _config(tmp_path, REGEX)
    route = config.route("http://unknown.invalid/", "127.0.0.1:18382")
    step = route.step("upstream")
    assert route.upstream == "unix:/tmp/t-real34/run/.sock"
    assert step is not None and "so nginx leaves it empty" in step.rule


def test_a_location_capture_is_the_paths_value(tmp_path: Path) -> None:
    config, path = _config(tmp_path, LOCATIONS)
    for url, socket in (("http://portal.example.test/shop-admin/", "shop"),
                        ("http://portal.example.test/blog/", "blog")):
        route = config.route(url, "127.0.0.1:18384")
        step = route.step("upstream")
        assert route.upstream == f"unix:/tmp/t-real34/run/{socket}.sock"
        assert step is not None
        assert (f"$app = '{socket}': named capture of location ~ ^/(?<app>shop|blog) at "
                f"{path}:10 on the path") in step.rule


def test_a_numbered_capture_of_the_location(tmp_path: Path) -> None:
    config, path = _config(tmp_path, LOCATIONS)
    route = config.route("http://portal.example.test/n03/", "127.0.0.1:18384")
    assert route.upstream == "127.0.0.1:18403"
    step = route.step("upstream")
    assert step is not None and f"$1 = '03': capture 1 of location ~ ^/n(\\d+)/ at {path}:14" \
        in step.rule
