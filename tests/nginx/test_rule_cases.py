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
    return list(lint_nginx(str(path)).findings)


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


UWSGI = """server { listen 18094; server_name a.example.org;
    location / { uwsgi_pass 127.0.0.1:3031; } }
server { listen 18094; server_name b.example.org;
    location / { uwsgi_pass 127.0.0.1:3032; } }"""


def test_a_default_block_passing_with_uwsgi_serves_an_application(tmp_path: Path) -> None:
    finding = _only(_lint(tmp_path, UWSGI), "nginx_no_refusing_default")
    assert finding.line == 3
    assert f"uwsgi_pass at {tmp_path / 'nginx.conf'}:4" in finding.message


def test_the_fix_asks_to_unmark_a_default_server_only_where_one_is_marked(
        tmp_path: Path) -> None:
    first = _only(_lint(tmp_path, UWSGI), "nginx_no_refusing_default")
    assert first.fix is not None and "remove default_server" not in first.fix  # none marked
    marked = UWSGI.replace("server { listen 18094; server_name b",
                           "server { listen 18094 default_server; server_name b")
    finding = _only(_lint(tmp_path, marked), "nginx_no_refusing_default")
    assert finding.fix is not None
    assert finding.fix.endswith(f"(and remove default_server from {tmp_path / 'nginx.conf'}:5)")


def test_discover_names_the_uwsgi_locations_it_skips(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_text(f"events {{}}\nhttp {{\n{UWSGI}\n}}\n")
    found = discover_nginx(str(path))
    assert found.instances == []
    assert [s.split(" (")[0] for s in found.skipped] == [
        f"uwsgi_pass at {path}:4", f"uwsgi_pass at {path}:6"]
    assert "no instance" in render(found)
