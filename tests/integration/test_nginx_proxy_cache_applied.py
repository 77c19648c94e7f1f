"""nginx 1.22's proxy_cache in front of two real gunicorns (the endpoint of
contrib/wsgi_endpoint.py around each), the shape of tester T32's :18111: one zone, the key
``$scheme$request_uri`` (no Host) in both blocks, ``proxy_ignore_headers Cache-Control``.

* swept with ``--config``: ``not_live`` (``cached``) in nginx's words, the
  proxy_ignore_headers line named and the two lines that let the probe pass; no other
  cache's words (CloudFront, Varnish, UseCanonicalName);
* those lines applied as printed, ``nginx -t`` and a reload: every URL ``ok``, and the
  ``cache_untested`` warning names the key line (users of one name still get the other's
  stored pages: shown with a real page fetched under both names);
* the key fix names both key lines (the zone's); R32 changed the first alone: the warning
  then names the line left (two's users still get one's page, stored under the old key);
  that line and the printed purge applied, then a reload: the warning goes, and two gets
  its own page.
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
from .nginx import NGINX, Nginx, start_kept, start_whoami, sweep_report
from .test_nginx_default_pass import running
from .wsgi_servers import WsgiServer

__all__ = ["running"]  # the fixture, shared with test_nginx_default_pass.py

MANIFEST = """[probe]
connect = "127.0.0.1:{port}"
token_env = "WSGI_PROBE_TOKEN"
samples = 3

[instances.one]
label = "one"
urls = ["http://one.test/"]

[instances.two]
label = "two"
urls = ["http://two.test/"]
"""
BLOCK = """
    server {{ listen 127.0.0.1:{port};
        server_name {name}.test;
        proxy_cache pages;
        proxy_cache_key $scheme$request_uri;
        proxy_ignore_headers Cache-Control Expires Set-Cookie;
        proxy_cache_valid 200 404 10m;
        add_header X-Cache-Status $upstream_cache_status always;
        location / {{ proxy_set_header Host $host;
            proxy_pass http://127.0.0.1:{app}; }} }}
"""


@pytest.fixture(scope="module")
def apps() -> Iterator[dict[str, WsgiServer]]:
    with app_servers() as servers:
        started = {label: start_whoami(label, servers.venv, servers.workdir)
                   for label in ("one", "two")}
        servers.started.extend(started.values())  # stopped with the scope
        yield started


@pytest.fixture
def cache() -> Iterator[Path]:
    """nginx's directory (its cache and proxy temp files), where its workers (not root) may
    write: not under pytest's tmp_path, which only its owner may enter."""
    where = Path(tempfile.mkdtemp(prefix="wsgi-probe-proxy-cache-"))
    where.chmod(0o777)
    yield where
    shutil.rmtree(where, ignore_errors=True)


def _sweep(server: Nginx, manifest: Path) -> dict[str, Any]:
    return sweep_report(manifest, "--config", str(server.conf))


def _apply(server: Nginx) -> None:
    done = subprocess.run([NGINX, "-t", "-p", str(server.prefix), "-c", str(server.conf), "-g",
                           f"pid {server.prefix}/t.pid;"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    server.reload()


def _page(port: int, name: str) -> tuple[str, str]:
    """A page of the application (not the probe's) under ``name``: its body and cache status."""
    got = requests.get(f"http://127.0.0.1:{port}/page", headers={"Host": name}, timeout=10)
    return got.text, got.headers.get("X-Cache-Status", "")


def test_the_printed_cache_fixes_applied_make_the_sweep_ok(
        apps: dict[str, WsgiServer], running: list[Nginx], tmp_path: Path,
        cache: Path) -> None:
    port = free_port()
    body = (f"    proxy_cache_path {cache / 'store'} levels=1:2 keys_zone=pages:1m inactive=10m;\n"
            + "".join(BLOCK.format(port=port, name=n, app=apps[n].port) for n in ("one", "two")))
    server = start_kept(body, port, running, cache)  # its temp files too
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(MANIFEST.format(port=port))
    for _ in range(2):  # the first sweep may find every sample a MISS (T32: it said ok)
        report = _sweep(server, manifest)
    targets = {t["url"]: t for t in report["targets"]}
    one = targets["http://one.test/"]
    assert (one["verdict"], one["cause"]) == ("not_live", "cached"), one
    lines = server.conf.read_text().splitlines()
    ignored = [n for n, line in enumerate(lines, 1) if "proxy_ignore_headers" in line]
    assert f"({server.conf}:{ignored[0]})" in one["fix"], one["fix"]
    assert not any(w in one["fix"] for w in ("CloudFront", "Varnish", "UseCanonicalName")), \
        one["fix"]
    # the fix applied as printed: its two lines in the block of each ignoring line
    added = re.findall(r"add '(proxy_cache_bypass [^']+;)' and '(proxy_no_cache [^']+;)'",
                       one["fix"])
    assert added, one["fix"]
    for number in ignored:
        lines[number - 1] += " " + " ".join(added[0])
    server.conf.write_text("\n".join(lines) + "\n")
    _apply(server)
    report = _sweep(server, manifest)
    assert {t["verdict"] for t in report["targets"]} == {"ok"}, report["targets"]
    warned = [f for f in report["findings"] if f["code"] == "cache_untested"]
    assert len(warned) == 1 and warned[0]["severity"] == "warning", report["findings"]
    keys = [n for n, line in enumerate(lines, 1) if "proxy_cache_key" in line]
    said = warned[0]["explanation"]
    assert f"the key at {server.conf}:{keys[0]}, {server.conf}:{keys[1]} holds no $host" in \
        said, said
    # what the warning is about, on a real page: two's users get one's stored page
    first, _ = _page(port, "one.test")
    second, status = _page(port, "two.test")
    assert second == first and status == "HIT", (first, second, status)
    key = re.search(r"Write '(proxy_cache_key [^']+;)' in place of each", said)
    assert key is not None, said
    # R32 changed the first line only: the warning names the one left, never "not in front"
    lines[keys[0] - 1] = re.sub(r"proxy_cache_key [^;]+;", key.group(1), lines[keys[0] - 1])
    server.conf.write_text("\n".join(lines) + "\n")
    _apply(server)
    report = _sweep(server, manifest)
    (left,) = [f for f in report["findings"] if f["code"] == "cache_untested"]
    assert f"the key at {server.conf}:{keys[1]} holds no $host" in left["explanation"], left
    assert "not the ones in front" not in left["explanation"]
    second, status = _page(port, "two.test")  # the entry one stored under the old key
    assert second == first and status == "HIT", (second, status)
    # the printed purge, then the reload: the entry stored under the old key is gone
    purge = re.search(r"'(find \S+ -type f -delete)'", left["explanation"])
    assert purge is not None and str(cache / "store") in purge.group(1), left
    subprocess.run(purge.group(1).split(), check=True, timeout=60)
    _apply(server)
    second, status = _page(port, "two.test")
    assert status == "MISS", (second, status)
    # the line left applied as printed
    lines[keys[1] - 1] = re.sub(r"proxy_cache_key [^;]+;", key.group(1), lines[keys[1] - 1])
    server.conf.write_text("\n".join(lines) + "\n")
    _apply(server)
    report = _sweep(server, manifest)
    assert {t["verdict"] for t in report["targets"]} == {"ok"}, report["targets"]
    assert not [f for f in report["findings"] if f["code"] == "cache_untested"], \
        report["findings"]
    mine, status = _page(port, "two.test")
    assert status == "MISS", (mine, status)  # its own, not the entry one stored
