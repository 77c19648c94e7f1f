"""The nginx rules on the cases real site files showed: what a lost ``Host`` line and an
``X-Forwarded-Host`` change in the message, names written as ``.example.com`` or as regular
expressions, and a default block that passes with ``uwsgi_pass``. The nginx behaviour each
name message states was checked with nginx 1.22 (``nginx -t`` and requests on loopback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.discover import discover_nginx, render
from probe.lint import lint_nginx
from probe.lint.findings import ConfigFinding


def _lint(tmp_path: Path, http: str) -> list[ConfigFinding]:
    path = tmp_path / "nginx.conf"
    path.write_text(f"events {{}}\nhttp {{\n{http}\n}}\n")
    # nginx_client_not_forwarded: a note on most proxy_pass here (tests/lint/test_client_unseen)
    return [f for f in lint_nginx(str(path)).findings if f.code != "nginx_client_not_forwarded"]


def _only(findings: list[ConfigFinding], code: str) -> ConfigFinding:
    assert [f.code for f in findings] == [code], findings
    return findings[0]


def test_own_headers_with_nothing_above_drop_nothing(tmp_path: Path) -> None:
    finding = _only(_lint(tmp_path, """server { listen 18092; server_name a.example.org;
    proxy_set_header X-Real-IP $remote_addr;
    location / { proxy_pass http://127.0.0.1:8105; } }"""), "nginx_host_not_forwarded")
    assert "drop" not in finding.message and "inherit" not in finding.message


def test_an_outer_host_line_replaced_is_named(tmp_path: Path) -> None:
    finding = _only(_lint(tmp_path, """proxy_set_header Host $host;
server { listen 18092; server_name a.example.org;
    location / { proxy_set_header X-Real-IP $remote_addr;
                 proxy_pass http://127.0.0.1:8105; } }"""), "nginx_host_not_forwarded")
    assert f"proxy_set_header Host at {tmp_path / 'nginx.conf'}:3 is not in force" \
        in finding.message
    assert f"the level at {tmp_path / 'nginx.conf'}:5 has proxy_set_header lines of its own" \
        in finding.message


def test_x_forwarded_host_makes_disallowed_host_conditional(tmp_path: Path) -> None:
    http = """server { listen 18092; server_name a.example.org;
    location / { proxy_set_header X-Forwarded-Host $host;
                 proxy_pass http://127.0.0.1:8105; } }"""
    finding = _only(_lint(tmp_path, http), "nginx_host_not_forwarded")
    assert f"X-Forwarded-Host ({tmp_path / 'nginx.conf'}:4)" in finding.message
    assert "USE_X_FORWARDED_HOST is True" in finding.message
    assert "otherwise Django answers 400" in finding.message
    plain = _only(_lint(tmp_path, http.replace("X-Forwarded-Host", "X-Real-IP")),
                  "nginx_host_not_forwarded")
    assert "USE_X_FORWARDED_HOST" not in plain.message


APP = "location / { proxy_set_header Host $host; proxy_pass http://127.0.0.1:8106; }"
REFUSE = "server { listen 18093 default_server; return 444; }"


def _names(first: str, second: str) -> str:
    return (f"{REFUSE}\nserver {{ listen 18093; server_name {first}; {APP} }}\n"
            f"server {{ listen 18093; server_name {second}; {APP} }}")


def test_a_regex_written_twice_is_routing_not_a_warning_of_nginx(tmp_path: Path) -> None:
    finding = _only(_lint(tmp_path, _names(r"~^www\.(.+)$", r"~^www\.(.+)$")),
                    "nginx_duplicate_server_name")
    assert finding.line == 5
    assert "conflicting" not in finding.message  # nginx -t says nothing for regex names
    assert "the first that matches takes the request" in finding.message
    assert f"server block at {tmp_path / 'nginx.conf'}:4" in finding.message


@pytest.mark.parametrize(("first", "second", "clash"), [
    ("example.org", ".example.org", "example.org"),
    (".example.org", "example.org", "example.org"),
    (".example.org", "*.example.org", "*.example.org"),
    ("*.example.org", ".example.org", "*.example.org"),
])
def test_a_dot_name_claims_the_name_and_its_wildcard(tmp_path: Path, first: str, second: str,
                                                      clash: str) -> None:
    # nginx -t on each: conflicting server name "SECOND" on ..., ignored
    finding = _only(_lint(tmp_path, _names(first, second)), "nginx_duplicate_server_name")
    assert finding.line == 5
    assert f"the requests for {clash} go to the first" in finding.message
    assert f"ignores {second} in this block" in finding.message


def test_a_dot_name_and_its_name_in_one_block_are_no_clash(tmp_path: Path) -> None:
    assert _lint(tmp_path, _names("example.org .example.org", "other.example.org")) == []


UWSGI = """uwsgi_param REQUEST_METHOD $request_method;
server { listen 18094; server_name a.example.org;
    location / { uwsgi_pass 127.0.0.1:3031; } }
server { listen 18094; server_name b.example.org;
    location / { uwsgi_pass 127.0.0.1:3032; } }"""


def test_a_uwsgi_pass_with_no_uwsgi_param_in_force_is_named(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    bare = UWSGI.replace("uwsgi_param REQUEST_METHOD $request_method;\n", "")
    found = [f for f in _lint(tmp_path, bare) if f.code == "nginx_uwsgi_params_missing"]
    assert [(f.line, f.severity.value) for f in found] == [(4, "warning"), (6, "warning")]
    assert found[0].message.startswith(
        f"location / at {conf}:4 passes with uwsgi_pass 127.0.0.1:3031 at {conf}:4 and no "
        f"uwsgi_param line in force"), found[0].message
    assert "KeyError: 'REQUEST_METHOD'" in found[0].message and "502" in found[0].message
    assert found[0].fix is not None and found[0].fix.startswith(
        f"add include uwsgi_params; in location / ({conf}:4) before uwsgi_pass 127.0.0.1:3031;")
    # the http level's line is in force in both locations; a location's own replaces it
    assert not [f for f in _lint(tmp_path, UWSGI) if f.code == "nginx_uwsgi_params_missing"]
    own = UWSGI.replace("location / { uwsgi_pass 127.0.0.1:3031;",
                        "location / { uwsgi_param SCRIPT_NAME ''; uwsgi_pass 127.0.0.1:3031;")
    assert not [f for f in _lint(tmp_path, own) if f.code == "nginx_uwsgi_params_missing"]


def test_a_default_block_passing_with_uwsgi_serves_an_application(tmp_path: Path) -> None:
    finding = _only(_lint(tmp_path, UWSGI), "nginx_no_refusing_default")
    assert finding.line == 4
    assert f"uwsgi_pass at {tmp_path / 'nginx.conf'}:5" in finding.message


def test_the_fix_asks_to_unmark_a_default_server_only_where_one_is_marked(
        tmp_path: Path) -> None:
    first = _only(_lint(tmp_path, UWSGI), "nginx_no_refusing_default")
    assert first.fix is not None and "remove default_server" not in first.fix  # none marked
    marked = UWSGI.replace("server { listen 18094; server_name b",
                           "server { listen 18094 default_server; server_name b")
    finding = _only(_lint(tmp_path, marked), "nginx_no_refusing_default")
    assert finding.fix is not None
    assert finding.fix.endswith(f"(and remove default_server from {tmp_path / 'nginx.conf'}:6)")


def test_discover_writes_an_instance_for_each_uwsgi_pass_target(tmp_path: Path) -> None:
    """The sweep follows uwsgi_pass to its application (probe.nginx.passes), so discover
    writes its instances as it does proxy_pass's (tester t-disc21, uwsgi-emperor: 0
    instances, three comments)."""
    path = tmp_path / "nginx.conf"
    path.write_text(f"events {{}}\nhttp {{\n{UWSGI}\n}}\n")
    found = discover_nginx(str(path))
    urls = {i.name: [u.url for u in i.urls] for i in found.instances}
    assert urls == {"app-3031": ["http://a.example.org:18094/"],
                    "app-3032": ["http://b.example.org:18094/"]}, urls
    assert found.skipped == []
    assert f"# location / uwsgi_pass 127.0.0.1:3031 at {path}:5" in render(found)


def test_a_unix_socket_upstream_gets_host_localhost(tmp_path: Path) -> None:
    """nginx 1.22 sends Host: localhost to proxy_pass http://unix:... (its $proxy_host),
    checked in tests/integration/test_nginx_fidelity.py."""
    from probe.nginx import load_nginx

    finding = _only(_lint(tmp_path, """server { listen 18092; server_name a.example.org;
    location / { proxy_pass http://unix:/project/django_gunicorn.sock; } }"""),
                    "nginx_host_not_forwarded")
    assert "the application receives Host: localhost (nginx's default $proxy_host, " \
        "'localhost' for a unix: socket)" in finding.message, finding.message
    assert "unless localhost is in ALLOWED_HOSTS" in finding.message
    assert "Host: unix:" not in finding.message
    route = load_nginx(str(tmp_path / "nginx.conf")).route("http://a.example.org/",
                                                           "127.0.0.1:18092")
    host = route.step("host")
    assert route.host_sent == "localhost" and host is not None and \
        host.decision == "localhost", route.steps
    assert "nginx sends Host $proxy_host ('localhost' for a unix: socket)" in host.rule
    # the scheme's own port is left off, https's too (X-PH: $proxy_host, nginx 1.22)
    tls = _only(_lint(tmp_path, """server { listen 18092; server_name a.example.org;
    location / { proxy_pass https://127.0.0.1:443; } }"""), "nginx_host_not_forwarded")
    assert "the application receives Host: 127.0.0.1 (nginx's default" in tls.message


def test_a_block_with_only_the_empty_name_is_told_to_write_its_names(tmp_path: Path) -> None:
    """Checked with nginx 1.22: "conflicting server name "" on ..., ignored", and a request
    for the name meant for the second block gets the default's 444."""
    conf = tmp_path / "nginx.conf"
    finding = _only(_lint(tmp_path, """server { listen 18095 default_server; return 444; }
server { listen 18095;
    location / { proxy_set_header Host $host; proxy_pass http://127.0.0.1:8105; } }"""),
                    "nginx_duplicate_server_name")
    assert finding.line == 4
    assert finding.message.startswith(
        f'the server block at {conf}:4 has no server_name line, so nginx gives it the empty '
        f'name "", which the server block at {conf}:3 already has on *:18095'), finding.message
    assert (f"this block is reached by no request: the names meant for it reach the default "
            f"server of *:18095, server block at {conf}:3 (server_name \"\"), which closes the "
            f"connection (return 444 at {conf}:3)") in finding.message, finding.message
    assert finding.fix is not None and "remove" not in finding.fix.split("(")[0]
    assert finding.fix.startswith(f"add a server_name line with the host names this block is "
                                  f"meant for in the server block at {conf}:4"), finding.fix


def test_a_block_whose_only_location_is_exact_slash_is_warned(tmp_path: Path) -> None:
    """`location = /` in place of `location /`: every page but / gets nginx's 404."""
    conf = tmp_path / "nginx.conf"
    exact = ("server { listen 18094; server_name a.example.org;\n"
             "    location = / { proxy_pass http://127.0.0.1:3031; } }")
    [found] = [f for f in _lint(tmp_path, exact) if f.code == "nginx_exact_root_only"]
    assert (found.line, found.severity.value) == (4, "warning")
    assert "matches / only, exactly" in found.message
    blog = exact.replace(" } }", " }\n    location /blog/ { proxy_pass http://127.0.0.1:3032; } }")
    assert [f.line for f in _lint(tmp_path, blog) if f.code == "nginx_exact_root_only"] == [4]
    assert found.fix == f"write 'location /' (a prefix) in place of 'location = /' at {conf}:4"
    prefix = exact.replace("location = /", "location /")
    assert not [f for f in _lint(tmp_path, prefix) if f.code == "nginx_exact_root_only"]
