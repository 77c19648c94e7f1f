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
        f"The location / at {shop}:10 in the server block at {shop}:1 (server_name "
        f"shop-project.com) hands the requests it takes to unix:{SOCK} with proxy_pass "
        f"http://unix:{SOCK} at {shop}:12, as does the location / at {django}:8 in the "
        f"server block at {django}:1 (server_name django-project.com www.django-project.com) "
        f"with proxy_pass http://unix:{SOCK} at {django}:11"), message
    assert "Whether that is meant the configuration cannot say: it is where one " \
           "application serves both names" in message, message
    assert fix.startswith("check whether one application is meant to serve both names. "
                          "If shop-project.com has its own"), fix
    assert "write that application's address (its server's bind, socket or Listen line) " \
        f"at {shop}:12" in fix, fix


def test_a_block_whose_other_location_passes_elsewhere_is_named_by_its_location(
        tmp_path: Path) -> None:
    # re-tester R30's emperor: site2's / goes to its own address, only /blog/ to site3's
    body = """server { listen 80; server_name site1.test;
  location / { uwsgi_pass unix:/run/site3.sock; } }
server { listen 80; server_name site2.test;
  location / { uwsgi_pass 127.0.0.1:18402; }
  location /blog/ { uwsgi_pass unix:/run/site3.sock; } }
"""
    conf = _conf(tmp_path, body)
    found = _found(conf)
    assert [(f.line) for f in found] == [7], found
    assert found[0].message.startswith(
        f"The location /blog/ at {conf}:7 in the server block at {conf}:5 (server_name "
        f"site2.test) hands the requests it takes to unix:/run/site3.sock with uwsgi_pass "
        f"unix:/run/site3.sock at {conf}:7, as does the location / at {conf}:4 in the server "
        f"block at {conf}:3 (server_name site1.test)"), found[0].message


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


CHAIN = """server {{ listen 80; server_name site1.example www.site1.example;
    location / {{ proxy_pass http://127.0.0.1:8080/; {host1} }} }}
server {{ listen 80; server_name site2.example www.site2.example;
    location / {{ proxy_pass http://127.0.0.1:8080/; {host2} }} }}
"""


def test_the_client_host_passed_to_one_tcp_address_is_a_name_based_front(
        tmp_path: Path) -> None:
    """Tester t-real22's healthy chain: nginx -> Apache, whose VirtualHosts pick each site's
    application by the Host nginx passes; warned at every later block before."""
    for value in ("$host", "$http_host"):
        line = f"proxy_set_header Host {value};"
        assert _found(_conf(tmp_path, CHAIN.format(host1=line, host2=line))) == [], value


def test_a_host_not_passed_by_one_block_is_said_with_the_host_to_pass(tmp_path: Path) -> None:
    conf = _conf(tmp_path, CHAIN.format(host1="proxy_set_header Host $host;", host2=""))
    [found] = _found(conf)
    assert (found.line, found.severity) == (6, Severity.WARNING), found
    fix = found.fix or ""
    assert "gunicorn" not in fix and "its own application server or socket" in fix, fix
    assert "(a name-based front, such as Apache's VirtualHosts), pass the client's Host in " \
           f"both blocks instead: proxy_set_header Host $host; beside the proxy_pass at " \
           f"{conf}:6;" in fix, fix


def test_a_unix_socket_with_the_host_passed_is_still_said(tmp_path: Path) -> None:
    """No name-based front listens on a unix socket: an application server does (t-real19's
    same-socket passed Host $http_host to gunicorn's)."""
    body = CHAIN.replace("http://127.0.0.1:8080/", f"http://unix:{SOCK}").format(
        host1="proxy_set_header Host $http_host;", host2="proxy_set_header Host $http_host;")
    [found] = _found(_conf(tmp_path, body))
    assert "name-based front" not in (found.fix or ""), found.fix


def test_a_twin_of_the_sockets_own_site_is_not_paired_with_the_copy(tmp_path: Path) -> None:
    # tester T36's nginx-h2 nginx.conf: alpha.test (TLS), gamma.test copied from it with
    # alpha's socket left, alpha.test again on an h2c port: only gamma's line is said
    sock = "/srv/t36/run/alpha.sock"
    body = f"""server {{ listen 127.0.0.1:18363 ssl http2; server_name alpha.test;
  location / {{ proxy_pass http://unix:{sock}; proxy_set_header Host $host; }} }}
server {{ listen 127.0.0.1:18363 ssl http2; server_name gamma.test;
  location / {{ proxy_pass http://unix:{sock}; proxy_set_header Host $host; }} }}
server {{ listen 127.0.0.1:18364 http2; server_name alpha.test;
  location / {{ proxy_pass http://unix:{sock}; proxy_set_header Host $host; }} }}
"""
    conf = _conf(tmp_path, body)
    found = _found(conf)
    assert [(f.line, f.message.split(" hands ")[0]) for f in found] == [
        (6, f"The location / at {conf}:6 in the server block at {conf}:5 (server_name "
            f"gamma.test)")], found
