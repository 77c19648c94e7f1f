"""A front on this machine that passes requests over HTTP with no header the probe endpoint
takes for a proxy's makes every client loopback to a ``--no-token`` endpoint (security
tester T37: nginx with ``proxy_set_header Host $host`` alone, lint's own fix for a bare
``proxy_pass``, gave 14 of 21 outside requests the full answer; Apache ``ProxyAddHeaders
Off``): ``nginx_client_not_forwarded`` and ``proxy_add_headers_off`` say so (notes), and the
Host fix carries the X-Forwarded-For line (docs/lint.md, docs/security.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.lint import LintResult, lint_nginx, lint_paths
from probe.lint.findings import ConfigFinding, Severity

XFF = "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"


def nginx(tmp_path: Path, server: str, http: str = "") -> LintResult:
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"events {{}}\nhttp {{\n{http}\nserver {{ listen 127.0.0.1:8080; "
                    f"server_name site.test;\n{server}\n}}\n}}\n")
    return lint_nginx(str(conf))


def found(result: LintResult, code: str) -> list[ConfigFinding]:
    return [f for f in result.findings if f.code == code]


def test_t37s_bare_proxy_pass_gets_the_note_and_the_host_fix_the_xff_line(
        tmp_path: Path) -> None:
    result = nginx(tmp_path, "location / { proxy_pass http://127.0.0.1:18102; }")
    [note] = found(result, "nginx_client_not_forwarded")
    assert note.severity is Severity.NOTE and note.line == 5
    assert "every client reaches the application as nginx's own loopback connection" in \
        note.message
    assert "the configuration does not say" in note.message
    assert (note.fix or "").startswith(f"add {XFF} in location / ")
    [host] = found(result, "nginx_host_not_forwarded")
    assert (host.fix or "").startswith("add proxy_set_header Host $host; in location / ")
    assert f"; and {XFF} beside it: with Host alone" in (host.fix or "")


@pytest.mark.parametrize("headers", [
    f"proxy_set_header Host $host; {XFF}",
    "proxy_set_header Host $host; proxy_set_header X-Real-IP $remote_addr;",
    "proxy_set_header Host $host; proxy_set_header X-Forwarded-Proto $scheme;",
    "proxy_set_header Host $host; proxy_set_header Forwarded \"for=$remote_addr\";",
])
def test_a_proxy_header_in_force_closes_it(tmp_path: Path, headers: str) -> None:
    result = nginx(tmp_path, f"location / {{ {headers} proxy_pass http://127.0.0.1:8001; }}")
    assert found(result, "nginx_client_not_forwarded") == []


def test_a_header_set_empty_is_not_sent(tmp_path: Path) -> None:
    result = nginx(tmp_path, 'location / { proxy_set_header Host $host; '
                             'proxy_set_header X-Forwarded-For ""; '
                             'proxy_pass http://127.0.0.1:8001; }')
    assert len(found(result, "nginx_client_not_forwarded")) == 1


def test_where_outer_lines_are_in_force_the_line_goes_beside_them(tmp_path: Path) -> None:
    # a line in the location alone would replace the server's Host (nginx inherits none)
    result = nginx(tmp_path, "proxy_set_header Host $host;\n"
                             "location / { proxy_pass http://127.0.0.1:8001; }")
    [note] = found(result, "nginx_client_not_forwarded")
    assert (note.fix or "").startswith(f"add {XFF} beside the proxy_set_header lines at ")
    assert "nginx.conf:4" in (note.fix or "") and "would replace them" in (note.fix or "")
    assert found(result, "nginx_host_not_forwarded") == []


@pytest.mark.parametrize(("target", "http", "said"), [
    ("http://10.0.0.5:8001", "", False),  # another machine: REMOTE_ADDR is not loopback
    ("http://backend.internal:8001", "", False),  # a name: where DNS sends it is not known
    ("http://unix:/run/app.sock", "", True),
    ("http://[::1]:8001", "", True),
    ("http://localhost:8001", "", True),
    ("http://app", "upstream app { server 127.0.0.1:8001; }", True),
    ("http://app", "upstream app { server 10.0.0.5:8001; }", False),
])
def test_only_a_backend_on_this_machine(tmp_path: Path, target: str, http: str,
                                        said: bool) -> None:
    result = nginx(tmp_path, f"location / {{ proxy_pass {target}; }}", http)
    assert bool(found(result, "nginx_client_not_forwarded")) is said


VHOSTS = """\
LoadModule proxy_module modules/mod_proxy.so
LoadModule proxy_http_module modules/mod_proxy_http.so
<VirtualHost 127.0.0.1:18120>
  ProxyAddHeaders Off
  ProxyPass / http://127.0.0.1:18102/
</VirtualHost>
<VirtualHost 127.0.0.1:18122>
  ProxyPass / http://127.0.0.1:18101/
</VirtualHost>
"""


def apache(tmp_path: Path, text: str) -> LintResult:
    conf = tmp_path / "httpd.conf"
    conf.write_text(text)
    return lint_paths([conf])


def test_t37s_proxy_add_headers_off_names_the_proxypass_it_is_in_force_for(
        tmp_path: Path) -> None:
    [note] = found(apache(tmp_path, VHOSTS), "proxy_add_headers_off")
    assert note.severity is Severity.NOTE and note.line == 4
    assert f"every client of ProxyPass at {tmp_path / 'httpd.conf'}:5 (a backend" in \
        note.message
    assert ":8:" not in note.message and "httpd.conf:8" not in note.message
    assert (note.fix or "").startswith("remove 'ProxyAddHeaders Off' at ")


@pytest.mark.parametrize("extra", [
    "ProxyVia On\n",
    "RequestHeader set X-Forwarded-For %{REMOTE_ADDR}s\n",
])
def test_another_line_sending_a_proxy_header_closes_it(tmp_path: Path, extra: str) -> None:
    assert found(apache(tmp_path, extra + VHOSTS), "proxy_add_headers_off") == []


def test_off_for_a_remote_backend_only_is_not_said(tmp_path: Path) -> None:
    text = VHOSTS.replace("http://127.0.0.1:18102/", "http://10.0.0.5:18102/")
    assert found(apache(tmp_path, text), "proxy_add_headers_off") == []


def test_the_sweep_joins_neither_note_to_a_urls_cause(tmp_path: Path) -> None:
    """They are about who may read a token-less endpoint: a wrong_upstream fix at that
    proxy_pass line must not carry them (probe/front_config.py)."""
    from probe.front_config import load_front

    result = nginx(tmp_path, "location / { proxy_set_header Host $host; "
                             "proxy_pass http://127.0.0.1:8001; }")
    assert found(result, "nginx_client_not_forwarded")
    join = load_front(str(tmp_path / "nginx.conf"), {})
    assert all(code != "nginx_client_not_forwarded" for code, _ in join.findings.values())
    (tmp_path / "httpd.conf").write_text(VHOSTS)
    assert found(apache(tmp_path, VHOSTS), "proxy_add_headers_off")
    join = load_front(str(tmp_path / "httpd.conf"), {})
    assert all(code != "proxy_add_headers_off" for code, _ in join.findings.values())
