"""lint's nginx_shared_backend: two server blocks for different names hand over to one
address (tester t-real19's set-up A, ``same-socket``: shop-project.com's site copied from
django-project.com's, its gunicorn socket not changed; lint was silent). Worded as a check:
both blocks, their names and lines, and what decides. Not said where the configuration says
the sharing is meant (one upstream group for both), or it is one site (names shared: a TLS
twin, www.), a redirect, the catch-all, or two protocols."""

from __future__ import annotations

from pathlib import Path

from probe.lint import lint_nginx
from probe.lint.findings import ConfigFinding, Severity
from tests.nginx.sites_enabled import SOCKETS, tree

SOCK = SOCKETS["django-project.com"]


def _found(conf: Path) -> list[ConfigFinding]:
    return [f for f in lint_nginx(str(conf)).findings if f.code == "nginx_shared_backend"]


def _conf(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "nginx.conf"
    path.write_text("events {}\nhttp {\n" + body + "}\n")
    return path


def test_the_copied_socket_is_a_check_naming_both_blocks(tmp_path: Path) -> None:
    conf = tree(tmp_path, "same-socket")
    found = _found(conf)
    shop = tmp_path / "sites-enabled" / "shop-project.com"
    django = tmp_path / "sites-enabled" / "django-project.com"
    assert [(f.file, f.line, f.severity) for f in found] == [
        (str(shop), 12, Severity.WARNING)], found
    message, fix = found[0].message, found[0].fix or ""
    assert message.startswith(
        f"server block at {shop}:1 (server_name shop-project.com) hands its requests to "
        f"unix:{SOCK} with proxy_pass http://unix:{SOCK} at {shop}:12, as does the server "
        f"block at {django}:1 (server_name django-project.com www.django-project.com) with "
        f"proxy_pass http://unix:{SOCK} at {django}:11"), message
    assert "Whether that is meant the configuration cannot say: it is where one " \
           "application serves both names" in message, message
    assert fix.startswith("check whether one application is meant to serve both names. "
                          "If shop-project.com has its own"), fix
    assert f"write that application's address (its bind or socket option) at {shop}:12" \
        in fix, fix


def test_each_site_on_its_own_socket_says_nothing(tmp_path: Path) -> None:
    assert _found(tree(tmp_path, "healthy")) == []


def test_one_upstream_group_for_both_blocks_is_meant(tmp_path: Path) -> None:
    body = f"""upstream shared {{ server unix:{SOCK}; }}
server {{ listen 80; server_name a.test; location / {{ proxy_pass http://shared; }} }}
server {{ listen 80; server_name b.test; location / {{ proxy_pass http://shared; }} }}
"""
    assert _found(_conf(tmp_path, body)) == []


def test_two_groups_with_one_member_are_said(tmp_path: Path) -> None:
    body = f"""upstream a_app {{ server unix:///{SOCK.lstrip('/')}; }}
upstream b_app {{ server unix:{SOCK}; }}
server {{ listen 80; server_name a.test; location / {{ proxy_pass http://a_app; }} }}
server {{ listen 80; server_name b.test; location / {{ proxy_pass http://b_app; }} }}
"""
    found = _found(_conf(tmp_path, body))
    assert [f.line for f in found] == [6], found
    assert f"upstream b_app ({tmp_path}/nginx.conf:4) with server unix:{SOCK} at " \
           f"{tmp_path}/nginx.conf:4" in found[0].message, found[0].message


def test_uwsgi_pass_to_one_socket_is_said(tmp_path: Path) -> None:
    body = """server { listen 80; server_name a.test;
    location / { include uwsgi_params; uwsgi_pass unix:///run/uwsgi/app.sock; } }
server { listen 80; server_name b.test;
    location / { include uwsgi_params; uwsgi_pass unix:/run/uwsgi/app.sock; } }
"""
    (tmp_path / "uwsgi_params").write_text("uwsgi_param REQUEST_METHOD $request_method;\n")
    found = _found(_conf(tmp_path, body))
    assert [f.line for f in found] == [6], found


def test_twins_redirects_catch_alls_and_two_protocols_say_nothing(tmp_path: Path) -> None:
    body = """server { listen 80; server_name example.test www.example.test;
    return 301 https://example.test$request_uri; }
server { listen 443 ssl; server_name example.test;
    location / { proxy_pass http://127.0.0.1:8000; } }
server { listen 8443 ssl; server_name www.example.test;
    location / { proxy_pass http://127.0.0.1:8000; } }
server { listen 80 default_server; server_name _;
    location / { proxy_pass http://127.0.0.1:8000; } }
server { listen 80; server_name other.test;
    location / { uwsgi_pass 127.0.0.1:8000; } }
"""
    assert _found(_conf(tmp_path, body)) == []


def test_an_unused_upstream_leaves_it_to_shared_upstream(tmp_path: Path) -> None:
    body = """upstream b_app { server 127.0.0.1:8001; }
server { listen 80; server_name a.test; location / { proxy_pass http://127.0.0.1:8000; } }
server { listen 80; server_name b.test; location / { proxy_pass http://127.0.0.1:8000; } }
"""
    codes = [f.code for f in lint_nginx(str(_conf(tmp_path, body))).findings]
    assert "nginx_shared_upstream" in codes and "nginx_shared_backend" not in codes, codes


def test_a_subdomain_beside_its_wildcard_is_one_site(tmp_path: Path) -> None:
    body = """server { listen 80; server_name example.test .example.test;
    location / { proxy_pass http://127.0.0.1:8000; } }
server { listen 80; server_name other.example.test;
    location / { proxy_pass http://127.0.0.1:8000; } }
"""
    assert _found(_conf(tmp_path, body)) == []
