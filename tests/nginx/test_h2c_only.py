"""lint's nginx_h2c_only on tester T36's nginx-h2 listen lines: ``listen 127.0.0.1:18364
http2;`` (nginx.conf:70, HTTP/2 in clear alone: HTTP/1.1 clients get HTTP/2 frames) is
warned at its line; ``listen 127.0.0.1:18363 ssl http2;`` (ALPN keeps HTTP/1.1) and a
``stream`` server (no HTTP) are not. The real nginx's answer is checked in
tests/integration/test_nginx_h2c_only.py."""

from __future__ import annotations

from pathlib import Path

from probe.lint import lint_nginx
from probe.lint.findings import ConfigFinding, Severity

CONF = """\
events {}
http {
    server {
        listen 127.0.0.1:18363 ssl http2;
        server_name alpha.test;
        ssl_certificate /srv/tls/leaf.pem;
        ssl_certificate_key /srv/tls/leaf.key;
        location / { proxy_pass http://unix:/srv/run/alpha.sock; }
    }
    server {
        listen 127.0.0.1:18364 http2;
        server_name alpha.test;
        location / { proxy_pass http://unix:/srv/run/alpha.sock; }
    }
}
stream {
    server { listen 127.0.0.1:18365; proxy_pass 127.0.0.1:18364; }
}
"""


def _found(tmp_path: Path, text: str) -> list[ConfigFinding]:
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    return [f for f in lint_nginx(str(conf)).findings if f.code == "nginx_h2c_only"]


def test_http2_without_ssl_is_warned_at_its_listen_line(tmp_path: Path) -> None:
    found = _found(tmp_path, CONF)
    assert [(f.line, f.severity) for f in found] == [(11, Severity.WARNING)], found
    assert found[0].message.startswith(
        "'listen 127.0.0.1:18364 http2;' has http2 without ssl: the port speaks HTTP/2 in "
        "clear only"), found[0].message
    assert "HTTP/1.1 clients, browsers included" in found[0].message, found[0].message
    assert "write 'listen 127.0.0.1:18364;' (HTTP/1.1)" in (found[0].fix or ""), found[0].fix


def test_http2_with_ssl_is_not_warned(tmp_path: Path) -> None:
    assert _found(tmp_path, CONF.replace("18364 http2;", "18364 ssl http2;")) == []
