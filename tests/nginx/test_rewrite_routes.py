"""The route through ``set``, ``if``, ``try_files`` (to a named location, ``=code`` or a
URI), nested locations and ``map ... hostnames``, on small configurations.
tests/integration/test_nginx_rewrite_fidelity.py checks the same against a real nginx."""

from __future__ import annotations

from pathlib import Path

from probe.discover import discover_nginx
from probe.front import PredictedRoute
from probe.nginx import load_nginx
from probe.nginx.passes import AT_REQUEST_TIME


def _route(tmp_path: Path, server: str, url: str, http: str = "") -> PredictedRoute:
    (tmp_path / "nginx.conf").write_text(
        f"events {{}}\nhttp {{\n{http}\nserver {{\nlisten 8080;\n{server}\n}}\n}}\n")
    return load_nginx(str(tmp_path / "nginx.conf")).route(url, "127.0.0.1:8080")


def _line(tmp_path: Path, text: str) -> str:
    lines = (tmp_path / "nginx.conf").read_text().splitlines()
    return f"{tmp_path / 'nginx.conf'}:{next(n for n, t in enumerate(lines, 1) if text in t)}"


def test_set_literal_and_from_host_resolved_with_their_lines(tmp_path: Path) -> None:
    route = _route(tmp_path, "set $app 127.0.0.1:8001;\nlocation / {\nset $h $host;\n"
                   "proxy_set_header Host $h;\nproxy_pass http://$app;\n}",
                   "http://site.test/x")
    assert route.upstream == "127.0.0.1:8001" and route.undecided is None
    upstream, host = route.step("upstream"), route.step("host")
    assert upstream is not None and f"set $app 127.0.0.1:8001 at {_line(tmp_path, 'set $app')}" \
        in upstream.rule
    assert route.host_sent == "site.test"
    assert host is not None and f"set $h $host at {_line(tmp_path, 'set $h')}" in host.rule


def test_set_from_a_cookie_names_its_set_line(tmp_path: Path) -> None:
    route = _route(tmp_path, "location / {\nset $app $cookie_pool;\nproxy_pass http://$app;\n}",
                   "http://site.test/x")
    upstream = route.step("upstream")
    assert route.upstream is None and upstream is not None
    assert upstream.decision == AT_REQUEST_TIME
    assert f"set $app $cookie_pool at {_line(tmp_path, 'set $app')} names a value only a " \
           f"request has" in upstream.rule, upstream.rule


def test_try_files_falls_through_to_the_named_location(tmp_path: Path) -> None:
    route = _route(tmp_path, "location / {\ntry_files $uri $uri/ @django;\n}\n"
                   "location @django {\nproxy_pass http://127.0.0.1:8001;\n}",
                   "http://site.test/admin/")
    assert route.upstream == "127.0.0.1:8001" and not route.refused
    named = [s for s in route.steps if s.decision == "location @django"]
    assert len(named) == 1 and str(named[0].source) == _line(tmp_path, "location @django")
    assert f"try_files $uri $uri/ @django at {_line(tmp_path, 'try_files')}: the route " \
           f"assumes no file exists" in named[0].rule, named[0].rule
    mount = route.step("mount")
    assert mount is not None and mount.decision == "/admin/"


def test_try_files_code_and_uri_fallbacks(tmp_path: Path) -> None:
    refused = _route(tmp_path, "location / {\ntry_files $uri =404;\nproxy_pass "
                     "http://127.0.0.1:8001;\n}", "http://site.test/a")
    assert refused.refused and refused.upstream is None
    moved = _route(tmp_path, "location / {\ntry_files $uri /index.php?$args;\n}\n"
                   "location ~ \\.php$ {\nproxy_pass http://127.0.0.1:8002;\n}",
                   "http://site.test/a")
    mount = moved.step("mount")
    assert moved.upstream == "127.0.0.1:8002" and mount is not None
    assert mount.decision == "/index.php"


def test_if_decided_by_the_host_and_left_to_the_request(tmp_path: Path) -> None:
    server = ("if ($host = old.test) {\nreturn 301 https://new.test$request_uri;\n}\n"
              "location / {\nif ($http_x_forwarded_proto != https) {\nreturn 302 /https;\n}\n"
              "proxy_pass http://127.0.0.1:8001;\n}")
    old = _route(tmp_path, server, "http://old.test/a")
    assert old.refused and old.upstream is None
    said = old.steps[-1]
    assert said.decision.startswith("return 301") and "holds for this request" in said.rule
    new = _route(tmp_path, server, "http://new.test/a")
    assert new.upstream == "127.0.0.1:8001"  # the steps read, when the if does not hold
    assert new.undecided is not None and new.undecided.startswith(
        f"if ($http_x_forwarded_proto != https) at {_line(tmp_path, 'if ($http_x')} holds "
        f"return at {_line(tmp_path, 'return 302')}: whether it applies only a request "
        f"decides"), new.undecided


def test_if_holding_with_its_own_proxy_pass(tmp_path: Path) -> None:
    server = ("location / {\nif ($host ~ ^beta) {\nproxy_pass http://127.0.0.1:8003;\n}\n"
              "proxy_pass http://127.0.0.1:8001;\n}")
    assert _route(tmp_path, server, "http://beta.test/").upstream == "127.0.0.1:8003"
    assert _route(tmp_path, server, "http://gamma.test/").upstream == "127.0.0.1:8001"


def test_nested_caret_stops_only_its_parents_regular_expressions(tmp_path: Path) -> None:
    server = ("location /a/ {\nreturn 210;\nlocation ^~ /a/b/ { return 211; }\n"
              "location ~ y$ { return 214; }\n}\nlocation ~ z$ { return 215; }\n"
              "location / {\nlocation /blog/ { proxy_pass http://127.0.0.1:8001; }\n}")
    decided = {path: _route(tmp_path, server, f"http://any.test{path}").steps[-1].decision
               for path in ("/a/b/qy", "/a/b/qz", "/a/qy", "/blog")}
    assert decided == {"/a/b/qy": "return 211", "/a/b/qz": "return 215",
                       "/a/qy": "return 214", "/blog": "301 to /blog/"}, decided


def test_map_hostnames_longest_wildcard_before_regex(tmp_path: Path) -> None:
    http = ("map $host $pool {\nhostnames;\ndefault 127.0.0.1:9000;\n"
            "*.example.com 127.0.0.1:9001;\n.a.example.com 127.0.0.1:9002;\n"
            "www.example.* 127.0.0.1:9003;\n~^www 127.0.0.1:9004;\n}")
    got = {host: _route(tmp_path, "location / { proxy_pass http://$pool; }",
                        f"http://{host}/", http).upstream
           for host in ("b.a.example.com", "a.example.com", "x.example.com",
                        "www.example.org", "wwwx.org", "other.org")}
    assert got == {"b.a.example.com": "127.0.0.1:9002", "a.example.com": "127.0.0.1:9002",
                   "x.example.com": "127.0.0.1:9001", "www.example.org": "127.0.0.1:9003",
                   "wwwx.org": "127.0.0.1:9004", "other.org": "127.0.0.1:9000"}, got


def test_discover_gives_a_named_location_the_urls_of_the_try_files_reaching_it(
        tmp_path: Path) -> None:
    _route(tmp_path, "server_name www.example.com;\nlocation / {\ntry_files $uri @django;\n}\n"
           "location @orphan {\nproxy_pass http://127.0.0.1:8002;\n}\n"
           "location @django {\nproxy_pass http://127.0.0.1:8001;\n}", "http://x/")
    found = discover_nginx(str(tmp_path / "nginx.conf"))
    urls = {i.name: [u.url for u in i.urls] for i in found.instances}
    assert urls == {"app-8001": ["http://www.example.com:8080/"]}, urls
    assert [s for s in found.skipped if s.startswith("app-8002 (location @orphan proxy_pass")
            and "no URL written" in s], found.skipped


def test_rewrite_searches_again_breaks_or_redirects(tmp_path: Path) -> None:
    server = ("rewrite ^/perm$ /new/ permanent;\n"
              "location /rw/ {\nrewrite ^/rw/(.*)$ /app/$1 last;\n}\n"
              "location /app/ {\nproxy_pass http://127.0.0.1:8001/;\n}\n"
              "location /brk/ {\nrewrite ^/brk/(.*)$ /in/$1 break;\n"
              "proxy_pass http://127.0.0.1:8002/x/;\n}\n"
              "location /ck/ {\nrewrite ^ /$cookie_v last;\nproxy_pass http://127.0.0.1:8003;\n}")
    moved = _route(tmp_path, server, "http://s.test/rw/a")
    mount = moved.step("mount")
    assert moved.upstream == "127.0.0.1:8001" and mount is not None and mount.decision == "/a"
    assert any(s.decision == "rewrite to /app/a" and str(s.source) == _line(tmp_path, "^/rw/")
               for s in moved.steps), moved.steps
    broke = _route(tmp_path, server, "http://s.test/brk/a").step("mount")
    assert broke is not None and broke.decision == "/in/a"  # the whole new URI
    perm = _route(tmp_path, server, "http://s.test/perm")
    assert perm.refused and perm.steps[-1].decision == "return 301"
    cookie = _route(tmp_path, server, "http://s.test/ck/a")
    assert cookie.undecided is not None and cookie.undecided.startswith(
        f"rewrite ^ /$cookie_v last at {_line(tmp_path, 'cookie_v')} matches the path"), \
        cookie.undecided


def test_a_try_files_uri_back_to_its_own_location_is_a_file(tmp_path: Path) -> None:
    route = _route(tmp_path, "location / {\ntry_files $uri /index.html;\n"
                   "proxy_pass http://127.0.0.1:8001;\n}", "http://s.test/a")
    assert route.upstream is None and not route.refused
    assert route.steps[-1].decision == "file /index.html", route.steps


def test_an_unread_include_in_the_named_location_leaves_the_route_undecided(
        tmp_path: Path) -> None:
    site = tmp_path / "shop"
    site.write_text("server {\n listen 8080;\n server_name shop.test;\n"
                    " location / { try_files $uri @django; }\n"
                    " location @django {\n  include snippets/missing.conf;\n"
                    "  proxy_pass http://127.0.0.1:8001;\n }\n}\n")
    route = load_nginx(str(site)).route("http://shop.test/", "127.0.0.1:8080")
    assert route.undecided is not None and f"{site}:6 was not read" in route.undecided, route


def test_uwsgi_pass_through_a_set_variable(tmp_path: Path) -> None:
    (tmp_path / "uwsgi_params").write_text("uwsgi_param QUERY_STRING $query_string;\n")
    route = _route(tmp_path, "set $sock unix:/run/app.sock;\nlocation / {\n"
                   "include uwsgi_params;\nuwsgi_pass $sock;\n}", "http://s.test/")
    upstream = route.step("upstream")
    assert route.upstream == "unix:/run/app.sock" and upstream is not None
    assert f"set $sock unix:/run/app.sock at {_line(tmp_path, 'set $sock')}" in upstream.rule


def test_an_if_regex_anchored_with_a_dollar_is_decided(tmp_path: Path) -> None:
    """'$' ending a regular expression is its anchor, not a variable (a tester's
    ``if ($host !~* ^(example.com|localhost)$) { return 444; }``): decided for the URL's host."""
    server = ("server_name a.test www.a.test;\n"
              "if ($host !~* ^(a.test|localhost)$) { return 444; }\n"
              "location / { proxy_pass http://127.0.0.1:9001; }")
    refused = _route(tmp_path, server, "http://www.a.test/x")
    assert refused.undecided is None and refused.refused
    assert refused.steps[-1].decision == "return 444"
    assert refused.steps[-1].rule.startswith("if ($host !~* ^(a.test|localhost)$) at ")
    passed = _route(tmp_path, server, "http://a.test/x")
    assert passed.undecided is None and not passed.refused
    assert passed.upstream == "127.0.0.1:9001"
    # A string operand names a variable: only a request decides.
    guarded = _route(tmp_path, server.replace("!~* ^(a.test|localhost)$", "= $http_x_site"),
                     "http://a.test/x")
    assert guarded.undecided is not None and "$http_x_site" not in (guarded.upstream or "")
