"""The nginx model on small configurations: reading (include, ``nginx -T``, errors), listen
and proxy_pass forms, and the route it predicts. tests/integration/test_nginx_fidelity.py
checks the same rules against a real nginx."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.front import FrontKind
from probe.nginx import NginxConfig, NginxUnreadable, load_nginx
from probe.nginx.model import parse_proxy_pass
from probe.nginx.select import normal_host


def _config(tmp_path: Path, http: str, files: dict[str, str] | None = None) -> NginxConfig:
    for name, text in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "nginx.conf").write_text(f"events {{}}\nhttp {{\n{http}\n}}\n")
    return load_nginx(str(tmp_path / "nginx.conf"))


def test_include_glob_in_sorted_order_with_file_and_line(tmp_path: Path) -> None:
    config = _config(tmp_path, "include sites/*.conf;", {
        "sites/b.conf": "server { listen 8080; server_name b.test; }\n",
        "sites/a.conf": "\n\nserver { listen 8080; server_name a.test; }\n"})
    assert [Path(f).name for f in config.files] == ["nginx.conf", "a.conf", "b.conf"]
    route = config.route("http://nobody.test:8080/", None)
    site = route.step("site")
    assert site is not None and site.source is not None
    assert (Path(site.source.file).name, site.source.line) == ("a.conf", 3)  # the first block
    assert "no block is default_server" in site.rule


def test_missing_plain_include_is_kept_unread_glob_is_not(tmp_path: Path) -> None:
    assert not _config(tmp_path, "include nothing/*.conf;").model.text.unread
    [unread] = _config(tmp_path, "include missing.conf;").model.text.unread
    assert (unread.directive.line, unread.path) == (3, str(tmp_path / "missing.conf"))


def test_not_nginx(tmp_path: Path) -> None:
    path = tmp_path / "httpd.conf"
    path.write_text("Listen 80\n<VirtualHost *:80>\nServerName a\n</VirtualHost>\n")
    with pytest.raises(NginxUnreadable, match="not an nginx configuration"):
        load_nginx(str(path))


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text("http {\n  server {\n    listen 80\n  }\n")
    with pytest.raises(NginxUnreadable, match=r"nginx\.conf:\d+"):
        load_nginx(str(path))


def test_dump_output_is_read_like_the_tree(tmp_path: Path) -> None:
    dump = ("nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
            "# configuration file /etc/nginx/nginx.conf:\n"
            "events {}\nhttp {\n    include /etc/nginx/sites-enabled/*;\n}\n\n"
            "# configuration file /etc/nginx/sites-enabled/blog:\n"
            "server {\n    listen 127.0.0.1:8080;\n    server_name blog.test;\n"
            "    location / { proxy_pass http://unix:/run/blog.sock:/; }\n}\n")
    path = tmp_path / "dump.txt"
    path.write_text(dump)
    config = load_nginx(str(path))
    assert config.files == ("/etc/nginx/nginx.conf", "/etc/nginx/sites-enabled/blog")
    route = config.route("http://blog.test/a/", "127.0.0.1:8080")
    assert route.upstream == "unix:/run/blog.sock"
    upstream = route.step("upstream")
    assert upstream is not None and str(upstream.source) == "/etc/nginx/sites-enabled/blog:4"


@pytest.mark.parametrize(("url", "target", "uri"), [
    ("http://127.0.0.1:8001", "127.0.0.1:8001", None),
    ("http://127.0.0.1:8001/", "127.0.0.1:8001", "/"),
    ("http://app_one/inner/", "app_one", "/inner/"),
    ("http://unix:/run/app.sock", "unix:/run/app.sock", None),
    ("http://unix:/run/app.sock:/x/", "unix:/run/app.sock", "/x/"),
])
def test_proxy_pass_forms(url: str, target: str, uri: str | None) -> None:
    proxy = parse_proxy_pass(url, "f:1")
    assert (proxy.target, proxy.uri) == (target, uri)


@pytest.mark.parametrize(("header", "name"), [
    ("Example.COM", "example.com"), ("example.com:8080", "example.com"),
    ("example.com.", "example.com"), ("[::1]:80", "[::1]")])
def test_host_header_normalised(header: str, name: str) -> None:
    assert normal_host(header) == name


def test_listen_forms_and_default_server(tmp_path: Path) -> None:
    config = _config(tmp_path, """
        server { listen 8080; server_name first.test; return 404; }
        server { listen [::1]:8080; server_name six.test; return 405; }
        server { listen 127.0.0.1:8080 default_server; server_name dflt.test; return 403; }
        server { listen 127.0.0.1:8080; server_name other.test; return 410; }
    """)
    at = config.model.servers
    assert [(lst.host, lst.port, lst.default_server) for s in at for lst in s.listens] == [
        ("*", 8080, False), ("[::1]", 8080, False), ("127.0.0.1", 8080, True),
        ("127.0.0.1", 8080, False)]
    route = config.route("http://unknown.test:8080/", "127.0.0.1:8080")
    assert route.refused and "default_server of 127.0.0.1:8080" in route.steps[0].rule
    assert any(s.decision == "return 403" for s in route.steps)
    assert config.route("http://first.test:8080/", "127.0.0.1:8080").steps[1].decision \
        == "return 403"  # the wildcard block is not among 127.0.0.1's
    assert config.route("http://first.test:8080/", "127.0.0.3:8080").steps[1].decision \
        == "return 404"


def test_regex_names_in_order_and_named_captures(tmp_path: Path) -> None:
    config = _config(tmp_path, """
        server { listen 80; server_name ~^(?<sub>\\w+)\\.one\\.test$; return 401; }
        server { listen 80; server_name ~\\.test$; return 402; }
        server { listen 80; server_name ~[; return 403; }
    """)
    assert config.route("http://a.one.test/", None).steps[1].decision == "return 401"
    assert config.route("http://a.two.test/", None).steps[1].decision == "return 402"


def test_a_regex_name_keeps_its_case_and_matches_without_it(tmp_path: Path) -> None:
    """nginx compiles server_name regexes caseless, as written: lower-cased, \\D (not a digit)
    became \\d (a digit)."""
    config = _config(tmp_path, """
        server { listen 80; server_name ~^\\D+\\.test$; return 401; }
        server { listen 80 default_server; return 402; }
    """)
    assert config.route("http://Abc.test/", None).steps[1].decision == "return 401"
    assert config.route("http://123.test/", None).steps[1].decision == "return 402"


def test_host_and_path_sent(tmp_path: Path) -> None:
    config = _config(tmp_path, """
        upstream blog { server 127.0.0.1:9001; server 127.0.0.1:9002; }
        proxy_set_header Host $host;
        server { listen 80; server_name a.test;
            location /blog/ { proxy_pass http://blog/; }
            location /raw/ { proxy_set_header X-Real-IP $remote_addr;
                             proxy_pass http://127.0.0.1:9003; }
        }
    """)
    blog = config.route("http://a.test/blog/admin/", None)
    assert blog.front is FrontKind.NGINX
    assert (blog.upstream, blog.host_sent) == ("127.0.0.1:9001, 127.0.0.1:9002", "a.test")
    mount = blog.step("mount")
    assert mount is not None and mount.decision == "/admin/"
    raw = config.route("http://a.test/raw/x", None)
    assert raw.host_sent == "127.0.0.1:9003"  # a level with its own headers drops Host $host
    host = raw.step("host")
    assert host is not None and "$proxy_host" in host.rule
