"""A name to refuse behind a real Caddy (Debian's caddy, 2.6.2 when written): told in
Caddy's words, never nginx's ``return 444`` or Apache's catch-all VirtualHost, and the fix
given, applied, makes the URL refused (tester T35's unknown.invalid)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .apache import ApacheError, free_port
from .conftest import unavailable
from .nginx import sweep_report
from .wsgi_servers import WsgiServer, _start

pytestmark = pytest.mark.apache

SITE = """{{
    admin off
    auto_https off
}}
http://shop.test:{port} {{
    respond "shop" 200
}}
# what the start's readiness request (Host 127.0.0.1:PORT) reaches once a catch-all aborts
http://127.0.0.1:{port} {{
    respond "ready" 200
}}
"""


def _caddy(caddy: str, tmp_path: Path, port: int, text: str) -> WsgiServer:
    config = tmp_path / "Caddyfile"
    config.write_text(text, encoding="utf-8")
    home = tmp_path / "xdg"
    home.mkdir(exist_ok=True)
    try:
        return _start("caddy", [caddy, "run", "--config", str(config), "--adapter",
                                "caddyfile"], cwd=tmp_path, port=port,
                      log_path=tmp_path / "caddy.log",
                      env={"XDG_DATA_HOME": str(home), "XDG_CONFIG_HOME": str(home),
                           "HOME": str(home)})
    except ApacheError as exc:
        pytest.fail(str(exc), pytrace=False)


def test_a_name_caddy_serves_is_refused_by_its_catch_all_site(tmp_path: Path) -> None:
    caddy = shutil.which("caddy")
    if caddy is None:
        unavailable("caddy is not installed (Debian package caddy)")
    port = free_port()
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(f'[probe]\nconnect = "127.0.0.1:{port}"\nsamples = 2\n\n'
                        f'[refuse]\nurls = ["http://unknown.invalid:{port}/"]\n',
                        encoding="utf-8")
    server = _caddy(caddy, tmp_path, port, SITE.format(port=port))
    try:
        target = sweep_report(manifest)["targets"][0]
    finally:
        server.stop()
    assert target["verdict"] == "served_unmapped", target
    fix = target["fix"]
    assert fix.startswith("Refuse this host name in Caddy, the front that answered (Server: "
                          "Caddy): "), fix
    for foreign in ("return 444", "VirtualHost", "nginx -T", "apachectl", "server_name"):
        assert foreign not in fix, (foreign, fix)
    assert f"the lines 'http://:{port} {{', 'abort' and '}}', each on a line of its own" in \
        fix, fix
    catch_all = f"http://:{port} {{\n\tabort\n}}"
    # the fix applied: the catch-all site beside the named one
    server = _caddy(caddy, tmp_path, port, SITE.format(port=port) + catch_all + "\n")
    try:
        target = sweep_report(manifest)["targets"][0]
    finally:
        server.stop()
    assert target["verdict"] == "ok", target
