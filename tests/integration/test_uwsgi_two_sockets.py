"""uWSGI with two sockets behind nginx (tester T34's e-split, on loopback): blog under a real
uWSGI started with ``--http-socket 127.0.0.1:PORT --http-socket DIR/blog.sock``, www under
gunicorn, and ``upstream www_pool { hash $host; server WWW; server BLOG; }``, its second
member blog's port by mistake. The endpoint says both sockets (``server.listens``) and the one
each request came in on (``server.listen``); the sweep names the member's line, not a reload;
the fix applied as printed (``nginx -t``, reload) sweeps ok."""

from __future__ import annotations

import json
import re
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from .apache import free_port
from .endpoint_sites import app_servers
from .nginx import NGINX, Nginx, start_kept, sweep_report

TOKEN = "uwsgi-two-sockets-token-0123456789ab"
HOSTS = "\nALLOWED_HOSTS = ['.example.test', '127.0.0.1']\n"
MANIFEST = """[probe]
connect = "127.0.0.1:{port}"
token_env = "WSGI_PROBE_TOKEN"
samples = 2

[instances.www]
label = "www"
urls = ["http://www.example.test/", "http://w2.example.test/"]
"""


@dataclass
class Sites:
    www: int  # gunicorn's port
    blog: int  # uWSGI's TCP socket
    sock: Path  # uWSGI's unix socket


@pytest.fixture(scope="module")
def sites() -> Iterator[Sites]:
    with app_servers() as servers:
        venv = servers.venv
        www = servers.site("www", HOSTS, top=servers.workdir / "www")
        blog = servers.site("blog", HOSTS, top=servers.workdir / "blog")
        port, sock = free_port(), servers.workdir / "blog.sock"
        gunicorn = servers.gunicorn("gunicorn-www", www, workers=1, token=TOKEN)
        servers.start("uwsgi-blog", [
            str(venv / "bin/uwsgi"), "--http-socket", f"127.0.0.1:{port}", "--http-socket",
            str(sock), "--master", "--processes", "1", "--virtualenv", str(venv),
            "--wsgi-file", str(blog / "mysite/wsgi.py"), "--chdir", str(blog), "--need-app",
            "--die-on-term", "--disable-logging"], blog, port=port, token=TOKEN)
        yield Sites(gunicorn.port, port, sock)


def _over_unix(path: Path) -> dict[str, Any]:
    with socket.socket(socket.AF_UNIX) as client:
        client.settimeout(10)
        client.connect(str(path))
        client.sendall(b"GET /__probe__ HTTP/1.0\r\nHost: www.example.test\r\n"
                       b"X-Probe-Token: " + TOKEN.encode() + b"\r\n\r\n")
        data = b""
        while chunk := client.recv(65536):
            data += chunk
    found: dict[str, Any] = json.loads(data.split(b"\r\n\r\n", 1)[1])["server"]
    return found


def _nginx_t(nginx: Nginx) -> None:
    done = subprocess.run([NGINX, "-t", "-p", str(nginx.prefix), "-c", str(nginx.conf)],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr


def test_the_member_at_the_other_socket_is_named_and_its_fix_works(
        sites: Sites, tmp_path: Path) -> None:
    every = [f"127.0.0.1:{sites.blog}", f"unix:{sites.sock}"]
    direct = requests.get(f"http://127.0.0.1:{sites.blog}/__probe__", timeout=10,
                          headers={"Host": "www.example.test", "X-Probe-Token": TOKEN}).json()
    assert direct["server"]["listens"] == every, direct["server"]
    assert direct["server"]["listen"] == f"127.0.0.1:{sites.blog}"
    unix = _over_unix(sites.sock)
    assert unix["listens"] == every and unix["listen"] == f"unix:{sites.sock}", unix
    running: list[Nginx] = []
    port = free_port()
    body = f"""
    upstream www_pool {{
        hash $host;
        server 127.0.0.1:{sites.www};
        server 127.0.0.1:{sites.blog};
    }}
    server {{ listen 127.0.0.1:{port} default_server; return 444; }}
    server {{
        listen 127.0.0.1:{port};
        server_name www.example.test w2.example.test;
        location / {{ proxy_pass http://www_pool; proxy_set_header Host $host; }}
    }}
"""
    try:
        nginx = start_kept(body, port, running, tmp_path)
        manifest = tmp_path / "manifest.toml"
        manifest.write_text(MANIFEST.format(port=port))
        conf = nginx.conf
        line = next(n for n, text in enumerate(conf.read_text().splitlines(), 1)
                    if f"server 127.0.0.1:{sites.blog};" in text)
        found = {t["url"]: t for t in sweep_report(manifest, "--config", str(conf),
                                                   token=TOKEN)["targets"]}
        www = found["http://www.example.test/"]  # nginx's hash of the host: the 2nd member
        assert www["verdict"] == "wrong_instance" and www["cause"] == "wrong_upstream", www
        assert www["observed"]["server"]["listen"] == f"127.0.0.1:{sites.blog}"
        assert www["observed"]["server"]["listens"] == every
        assert (f"'server 127.0.0.1:{sites.blog}' at {conf}:{line}") in www["explanation"], \
            www["explanation"]
        assert "not running this configuration" not in www["explanation"]
        edit = re.match(rf"At {re.escape(str(conf))}:{line}, remove '(server [^']+;)' "
                        r"\(blog's address\) from upstream www_pool", www["fix"])
        assert edit is not None, www["fix"]
        assert found["http://w2.example.test/"]["verdict"] == "ok"
        # the fix as printed: that line's text removed, nginx -t, reload
        text = conf.read_text()
        assert text.count(edit.group(1)) == 1
        conf.write_text(text.replace(edit.group(1), ""))
        _nginx_t(nginx)
        nginx.reload()
        after = sweep_report(manifest, "--config", str(conf), token=TOKEN)["targets"]
        assert [t["verdict"] for t in after] == ["ok", "ok"], after
    finally:
        for each in running:
            each.stop()
