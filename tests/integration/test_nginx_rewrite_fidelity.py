"""The nginx model against a real nginx for what the rewrite phase and try_files decide
(``set``, ``if``, ``rewrite``, ``try_files`` to a named location or a URI), for locations nested in
locations (a nested ``^~`` stops only its parent's regular expressions) and for ``map``
with ``hostnames`` (exact, longest leading wildcard, longest trailing, regexes): the same
harness as test_nginx_fidelity, request by request."""

from __future__ import annotations

from pathlib import Path

from .nginx import Nginx
from .test_nginx_fidelity import Apps, _check, _observe, _run

# the fixtures of that module, by name (the "as" form re-exports them)
from .test_nginx_fidelity import apps as apps
from .test_nginx_fidelity import nginx as nginx

NESTED = """
server { listen 127.0.0.1:@P@;
    location /a/ { return 210;
        location ^~ /a/b/ { return 211; }
        location /a/c/ { return 212; location ~ x$ { return 213; } }
        location ~ y$ { return 214; }
        location /a/p/ { proxy_pass http://127.0.0.1:@ONE@; } }
    location ~ z$ { return 215; }
}
"""
NESTED_CASES = ["/a/q", "/a/qz", "/a/qy", "/a/b/q", "/a/b/qz", "/a/b/qy", "/a/c/q", "/a/c/qx",
                "/a/c/qz", "/a/c/qy", "/a/p", "/a/p/__probe__"]


def test_nested_locations(apps: Apps, nginx: list[Nginx], tmp_path: Path) -> None:
    config, port = _run(NESTED, apps, nginx, tmp_path)
    for path in NESTED_CASES:
        _check(config, apps, port, "any.test", path)


REWRITES = """
map $host $pool {
    hostnames;
    default 127.0.0.1:@THREE@;
    *.example.com 127.0.0.1:@ONE@;
    .a.example.com 127.0.0.1:@TWO@;
    www.example.* 127.0.0.1:@TWO@;
    ~^www 127.0.0.1:@ONE@;
}
server { listen 127.0.0.1:@P@; server_name ~.;
    root /nonexistent-wsgi-probe-root;
    set $app 127.0.0.1:@TWO@;
    if ($host = old.test) { return 216; }
    location / { try_files $uri $uri/ @django; }
    location @django { proxy_set_header Host $host; proxy_pass http://127.0.0.1:@ONE@; }
    location /set/ { set $name from-set.test; proxy_set_header Host $name;
                     proxy_pass http://$app; }
    location /spa/ { try_files $uri /set/__probe__; }
    location /cond/ { if ($host ~ ^beta) { proxy_pass http://127.0.0.1:@THREE@; }
                      proxy_pass http://127.0.0.1:@ONE@; }
    location /map/ { proxy_pass http://$pool; }
    rewrite ^/old/(.*)$ /set/$1 last;
    rewrite ^/perm$ /set/ permanent;
    location /rw/ { rewrite ^/rw/(.*)$ /cond/$1; }
    location /brk/ { rewrite ^/brk/(.*)$ /inner/$1 break;
                     proxy_pass http://127.0.0.1:@THREE@/ignored/; }
}
"""
REWRITE_CASES = [("site.test", "/__probe__"), ("site.test", "/x/y/__probe__"),
                 ("old.test", "/__probe__"), ("site.test", "/set/__probe__"),
                 ("site.test", "/spa/__probe__"), ("beta.test", "/cond/__probe__"),
                 ("gamma.test", "/cond/__probe__"), ("x.example.com", "/map/__probe__"),
                 ("b.a.example.com", "/map/__probe__"), ("a.example.com", "/map/__probe__"),
                 ("www.example.org", "/map/__probe__"), ("wwwx.org", "/map/__probe__"),
                 ("other.org", "/map/__probe__"), ("site.test", "/old/__probe__"),
                 ("site.test", "/perm"), ("gamma.test", "/rw/__probe__"),
                 ("site.test", "/brk/__probe__")]


def test_set_if_try_files_and_map(apps: Apps, nginx: list[Nginx], tmp_path: Path) -> None:
    config, port = _run(REWRITES, apps, nginx, tmp_path)
    for host, path in REWRITE_CASES:
        _check(config, apps, port, host, path)
    route = config.route("http://site.test/__probe__", f"127.0.0.1:{port}")
    named = [s for s in route.steps if s.decision == "location @django"]
    assert named and "assumes no file exists" in named[0].rule, route.steps


REWRITE_IN_IF = """
server { listen 127.0.0.1:@P@; server_name ~.;
    if ($host = srv-last.test) { rewrite ^/s/(.*)$ /one/$1 last; }
    if ($host = srv-break.test) { rewrite ^/s/(.*)$ /two/$1 break; }
    if ($host = srv-on.test) { rewrite ^/s/(.*)$ /two/$1; }
    rewrite ^/two/(.*)$ /one/$1;
    location /one/ { proxy_pass http://127.0.0.1:@ONE@; }
    location /two/ { proxy_pass http://127.0.0.1:@TWO@; }
    location /s/ { proxy_pass http://127.0.0.1:@THREE@; }
    location /l/ {
        if ($host = last.test) { rewrite ^/l/(.*)$ /two/$1 last; }
        if ($host = brk.test) { rewrite ^/l/(.*)$ /moved/$1 break; }
        if ($host = on.test) { rewrite ^/l/(.*)$ /two/$1; }
        if ($host = ret.test) { return 217; }
        if ($uri ~ ^/two/) { set $hop 1; }
        rewrite ^/two/(.*)$ /one/$1;
        proxy_pass http://127.0.0.1:@THREE@;
    }
    location /t/ { root /nonexistent-wsgi-probe-root; try_files $uri @three;
        if ($host = tf.test) { set $x 1; } }
    location @three { proxy_pass http://127.0.0.1:@THREE@; }
    location /tf-one/ { return 218; }
}
"""
# who answers each (label, the path it received; a code: nginx's own answer)
REWRITE_IN_IF_CASES = {
    ("srv-last.test", "/s/__probe__"): ("one", "/one/__probe__"),
    ("srv-break.test", "/s/__probe__"): ("two", "/two/__probe__"),
    ("srv-on.test", "/s/__probe__"): ("one", "/one/__probe__"),
    ("other.test", "/s/__probe__"): ("three", "/s/__probe__"),
    ("last.test", "/l/__probe__"): ("two", "/two/__probe__"),
    ("brk.test", "/l/__probe__"): ("three", "/moved/__probe__"),
    ("on.test", "/l/__probe__"): ("one", "/one/__probe__"),
    ("ret.test", "/l/__probe__"): ("217", ""),
    ("other.test", "/l/__probe__"): ("three", "/l/__probe__"),
    ("other.test", "/t/__probe__"): ("three", "/t/__probe__"),
    ("tf.test", "/t/__probe__"): ("404", "")}


def test_rewrite_inside_if_in_server_and_location(apps: Apps, nginx: list[Nginx],
                                                   tmp_path: Path) -> None:
    """nginx runs the rewrite module's lines of a level in order, an if's own lines where it
    stands when it holds: last searches the locations again, break stops the lines (in a
    location's if, with the if's configuration: its parent's proxy_pass), no flag goes on
    to the next line."""
    config, port = _run(REWRITE_IN_IF, apps, nginx, tmp_path)
    for (host, path), (who, received) in REWRITE_IN_IF_CASES.items():
        answer = _observe(port, host, path)
        seen = (answer.json()["label"], answer.json()["request"]["path_info"]) \
            if answer.status_code == 200 else (str(answer.status_code), "")
        assert seen == (who, received), (host, path, seen)  # what this test stands on
        _check(config, apps, port, host, path)


ERROR_PAGES = """
server { listen 127.0.0.1:@P@; server_name ~.;
    root /nonexistent-wsgi-probe-root;
    error_page 404 = @two;
    location / { }
    location /own/ { error_page 404 = @one; }
    location /uri/ { error_page 404 = /three/__probe__; }
    location /three/ { proxy_pass http://127.0.0.1:@THREE@; }
    location /plain/ { error_page 500 = @one; }
    location @one { proxy_pass http://127.0.0.1:@ONE@; }
    location @two { proxy_pass http://127.0.0.1:@TWO@; }
}
"""
ERROR_PAGE_CASES = {"/__probe__": "two", "/own/__probe__": "one", "/uri/__probe__": "three",
                    "/plain/__probe__": "404"}


def test_error_page_404_to_a_named_location_or_a_uri(apps: Apps, nginx: list[Nginx],
                                                      tmp_path: Path) -> None:
    """A location serving files (none under the root here) answers 404, and error_page takes
    it on: to a named location, to a URI searched again; inherited from the server block
    only by a location with no error_page of its own."""
    config, port = _run(ERROR_PAGES, apps, nginx, tmp_path)
    for path, who in ERROR_PAGE_CASES.items():
        answer = _observe(port, "any.test", path)
        seen = answer.json()["label"] if answer.status_code == 200 else str(answer.status_code)
        assert seen == who, (path, seen)
        _check(config, apps, port, "any.test", path)
    route = config.route("http://any.test/own/__probe__", f"127.0.0.1:{port}")
    named = [s for s in route.steps if s.decision == "location @one"]
    assert named and named[0].rule.startswith("error_page 404 = @one at ") \
        and "assumes no file exists" in named[0].rule, route.steps
