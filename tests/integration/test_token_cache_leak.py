"""nginx 1.22's micro-cache recipe (tester T37's cache-leak: ``proxy_cache_valid 200 60s;
proxy_ignore_headers Cache-Control Expires Set-Cookie;``) in front of real gunicorns running
contrib/wsgi_endpoint.py with a token.

* the current endpoint (``Vary: X-Probe-Token``, ``Cache-Control: no-store, private``): the
  sweep's tokened answers are stored (not_live, cached) but a request without the token gets
  the application's 404: no ``token_answer_public``;
* the same recipe with ``Vary`` in proxy_ignore_headers, and an older endpoint (its answers
  rewritten to ``Cache-Control: no-store`` alone): a client without the token gets the JSON,
  and the sweep says so (critical), with the line and the two lines to add under --config;
  those lines applied as printed with the printed purge: the client gets the 404, no finding.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from .apache import free_port
from .endpoint_sites import app_servers
from .nginx import NGINX, TOKEN, Nginx, start_kept, start_whoami, sweep_report
from .test_nginx_default_pass import running
from .wsgi_servers import WsgiServer, _start

__all__ = ["running"]

OLD = """\
import wsgi_endpoint


def not_found(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not the probe"]


probe = wsgi_endpoint.wrap(not_found, label="old", token={token!r})


def application(environ, start_response):
    # the headers of an endpoint older than Vary: X-Probe-Token
    def older(status, headers, *rest):
        kept = [(k, "no-store" if k == "Cache-Control" else v) for k, v in headers
                if k != "Vary"]
        return start_response(status, kept, *rest)
    return probe(environ, older)
"""
MANIFEST = """[probe]
connect = "127.0.0.1:{port}"
token_env = "WSGI_PROBE_TOKEN"
samples = 2

[instances.{label}]
label = "{label}"
urls = ["http://{label}.test/"]
"""
BLOCK = """
    server {{ listen 127.0.0.1:{port};
        server_name {label}.test;
        location / {{
            proxy_cache {label};
            proxy_cache_valid 200 60s;
            proxy_ignore_headers Cache-Control Expires Set-Cookie{vary};
            proxy_set_header Host $host;
            proxy_pass http://127.0.0.1:{app}; }} }}
"""


@pytest.fixture(scope="module")
def apps() -> Iterator[dict[str, WsgiServer]]:
    with app_servers() as servers:
        appdir = servers.workdir / "app-old"
        appdir.mkdir()
        shutil.copy(Path(__file__).resolve().parents[2] / "contrib" / "wsgi_endpoint.py",
                    appdir)
        (appdir / "old.py").write_text(OLD.format(token=TOKEN))
        port = free_port()
        old = _start("whoami-old", [str(servers.venv / "bin" / "gunicorn"), "--bind",
                                    f"127.0.0.1:{port}", "--workers", "1", "old:application"],
                     cwd=appdir, port=port, log_path=servers.workdir / "old.log")
        started = {"new": start_whoami("new", servers.venv, servers.workdir), "old": old}
        servers.started.extend(started.values())
        yield started


@pytest.fixture
def cache() -> Iterator[Path]:
    """nginx's directory, where its workers (not root) may write."""
    where = Path(tempfile.mkdtemp(prefix="wsgi-probe-token-cache-"))
    where.chmod(0o777)
    yield where
    shutil.rmtree(where, ignore_errors=True)


def _anonymous(port: int, label: str) -> requests.Response:
    return requests.get(f"http://127.0.0.1:{port}/__probe__", headers={"Host": f"{label}.test"},
                        timeout=10)


def _sweep(tmp: Path, port: int, label: str, conf: Path) -> dict[str, Any]:
    manifest = tmp / f"{label}.toml"
    manifest.write_text(MANIFEST.format(port=port, label=label))
    return sweep_report(manifest, "--config", str(conf))


def _leaks(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["code"] == "token_answer_public"]


def test_a_client_without_the_token_gets_the_stored_answer_only_where_nginx_ignores_vary(
        apps: dict[str, WsgiServer], running: list[Nginx], tmp_path: Path,
        cache: Path) -> None:
    ports = {label: free_port() for label in ("new", "vary", "old")}
    backend = {"new": apps["new"].port, "vary": apps["new"].port, "old": apps["old"].port}
    body = "".join(f"    proxy_cache_path {cache / label} levels=1:2 keys_zone={label}:1m "
                   f"inactive=10m;\n" for label in ports)
    body += "".join(BLOCK.format(port=port, label=label, app=backend[label],
                                 vary=" Vary" if label == "vary" else "")
                    for label, port in ports.items())
    server = start_kept(body, ports["new"], running, cache)
    conf = server.conf
    # the current endpoint: nginx keys the stored answer on the token header
    first = _sweep(tmp_path, ports["new"], "new", conf)  # its answers may all be a MISS
    assert not _leaks(first), first["findings"]  # asked: --config says nginx stores them
    report = _sweep(tmp_path, ports["new"], "new", conf)
    (target,) = report["targets"]
    assert (target["verdict"], target["cause"]) == ("not_live", "cached"), target
    assert not _leaks(report), report["findings"]
    got = _anonymous(ports["new"], "new")
    assert (got.status_code, got.text) == (404, "not the probe"), got.text
    # told to ignore Vary too, nginx gives it to anyone, and the sweep says so
    for label in ("vary", "old"):
        report = _sweep(tmp_path, ports[label], label, conf)
        (leak,) = _leaks(report)
        assert leak["severity"] == "critical", leak
        assert "token-protected answer is served to clients without the token" in \
            leak["explanation"], leak
        got = _anonymous(ports[label], label)
        assert got.status_code == 200 and got.json()["label"] == label.replace("vary", "new")
    assert "That line names Vary too" in _leaks(_sweep(tmp_path, ports["vary"], "vary", conf))[
        0]["explanation"]
    # the older endpoint: the printed lines applied in the printed block, then the purge
    said = leak["explanation"]
    lines = conf.read_text().splitlines()
    at = next(n for n, line in enumerate(lines, 1)
              if "Set-Cookie;" in line and n > _line_of(lines, "old.test"))
    assert f"In the block of {conf}:{at} add 'proxy_cache_bypass $http_x_probe_token;' and " \
           f"'proxy_no_cache $http_x_probe_token;'" in said, said
    assert "That line does not name Vary" in said, said
    lines[at - 1] += " proxy_cache_bypass $http_x_probe_token; proxy_no_cache $http_x_probe_token;"
    conf.write_text("\n".join(lines) + "\n")
    purge = re.search(r"'(find \S+ -type f -delete)'", said)
    assert purge is not None and str(cache / "old") in purge.group(1), said
    done = subprocess.run([NGINX, "-t", "-p", str(server.prefix), "-c", str(conf), "-g",
                           f"pid {server.prefix}/t.pid;"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    subprocess.run(purge.group(1).split(), check=True, timeout=60)
    server.reload()
    report = _sweep(tmp_path, ports["old"], "old", conf)
    assert not _leaks(report), report["findings"]
    assert {t["verdict"] for t in report["targets"]} == {"ok"}, report["targets"]
    got = _anonymous(ports["old"], "old")
    assert (got.status_code, got.text) == (404, "not the probe"), got.text


def _line_of(lines: list[str], text: str) -> int:
    return next(n for n, line in enumerate(lines, 1) if text in line)
