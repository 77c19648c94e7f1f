"""``probe discover`` on an nginx address that speaks TLS (re-tester R36's nginx-h2): a default
server with ``ssl_reject_handshake on`` refuses every unknown name (the sweep judges the
``unrecognized_name`` alert refused), so it gets a ``[refuse]`` URL, ``https`` and the
address's port; a URL advised in a comment has the scheme and port of what listens there,
never ``http://unknown.invalid/`` (port 80, which nothing there serves). The lines are the
case's own, paths moved and the blocks that do not matter left out."""

from __future__ import annotations

from pathlib import Path

from probe.discover import discover_nginx, render
from probe.manifest import parse

# R36's px/nginx.conf: the default server at :14 rejects the handshake; :28364 is one block
R36 = """events {}
http {
    include /etc/nginx/uwsgi_params;

    server {
        listen 127.0.0.1:28363 ssl http2 default_server;
        server_name _;
        ssl_certificate /srv/tls/leaf.pem;
        ssl_certificate_key /srv/tls/leaf.key;
        ssl_reject_handshake on;
    }
    server {
        listen 127.0.0.1:28363 ssl http2;
        server_name alpha.test;
        ssl_certificate /srv/tls/leaf.pem;
        ssl_certificate_key /srv/tls/leaf.key;
        location / {
            proxy_pass http://unix:/srv/run/alpha.sock;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Proto $scheme;
        }
    }
    server {
        listen 127.0.0.1:28363 ssl http2;
        server_name beta.test;
        ssl_certificate /srv/tls/leaf.pem;
        ssl_certificate_key /srv/tls/leaf.key;
        location / {
            uwsgi_pass unix:/srv/run/beta.sock;
        }
    }
    server {
        listen 127.0.0.1:28364;
        server_name alpha.test;
        location / {
            proxy_pass http://unix:/srv/run/alpha.sock;
            proxy_set_header Host $host;
        }
    }
}
"""
REJECT = "        ssl_reject_handshake on;\n"


def _discover(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = tmp_path / "nginx.conf"
    path.write_text(text)
    return path, render(discover_nginx(str(path)))


def test_a_default_that_rejects_the_handshake_gets_an_https_refuse_url(tmp_path: Path) -> None:
    path, text = _discover(tmp_path, R36)
    assert parse(text).refuse_urls == ("https://unknown.invalid:28363/",), text
    assert (f"the one answering a name none of them claims, server block at {path}:5 "
            f"(server_name _), ends the TLS handshake of every name it gets "
            f"(ssl_reject_handshake on at {path}:10): a name none of them claims must be "
            f"refused") in text, text
    assert "catch-all on purpose" not in text and "http://unknown.invalid" not in text


def test_the_http_level_line_holds_for_the_default_unless_it_says_off(tmp_path: Path) -> None:
    # nginx takes the block's own line, else the http level's
    above = R36.replace(REJECT, "").replace("http {\n", "http {\n" + REJECT, 1)
    assert parse(_discover(tmp_path, above)[1]).refuse_urls == (
        "https://unknown.invalid:28363/",)
    off = above.replace("server_name _;\n", "server_name _;\n        ssl_reject_handshake off;\n")
    assert parse(_discover(tmp_path, off)[1]).refuse_urls == ()


def test_a_tls_catch_all_serving_files_advises_its_own_scheme_and_ports(tmp_path: Path) -> None:
    """Without the line the block serves files (a catch-all on purpose): no [refuse], and the
    URLs the comments name are https on 28363 and http on 28364, each as it listens."""
    path, text = _discover(tmp_path, R36.replace(REJECT, ""))
    assert parse(text).refuse_urls == ()
    assert (f"server block at {path}:5 (server_name _) ('listen 127.0.0.1:28363 ssl http2 "
            f"default_server' at {path}:6), names no host and serves files: a catch-all on "
            f"purpose") in " ".join(text.split()), text
    assert "(under [refuse], https://unknown.invalid:28363/ would make every sweep" in text
    assert ('# urls = ["https://unknown.invalid:28363/", "http://unknown.invalid:28364/"]'
            in text), text
    assert "http://unknown.invalid/" not in text and "http://unknown.invalid:28363" not in text


def test_the_default_port_of_the_scheme_is_left_out(tmp_path: Path) -> None:
    on_443 = R36.replace("28363", "443")
    assert parse(_discover(tmp_path, on_443)[1]).refuse_urls == ("https://unknown.invalid/",)
    served = on_443.replace(REJECT, "")
    assert '# urls = ["https://unknown.invalid/", "http://unknown.invalid:28364/"]' in \
        _discover(tmp_path, served)[1]
