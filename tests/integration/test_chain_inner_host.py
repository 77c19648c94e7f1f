"""Tester T32's chain on real servers: nginx (``proxy_set_header Host $host``) -> Apache
mod_proxy on a second Listen (``ProxyPreserveHost Off``) -> Apache mod_wsgi daemon mode,
name-based VirtualHosts, on loopback. The application gets the ProxyPass target as Host and
X-Forwarded-Host with the URL's name twice; site2's URL lands on site1's VirtualHost.

With nginx's configuration the fix leaves nginx's lines (its Host line already passes the
name: never "replace it by itself") and points at the server its proxy_pass names; with
Apache's, it is the ``ProxyPreserveHost`` line at its line. That printed fix, applied as
written and followed by the printed graceful restart, makes the sweep ok.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from probe.cli import main

from .apache import ApacheServer, ApacheUnavailable, free_port
from .conftest import ApacheFactory, unavailable
from .nginx import Nginx, start_nginx
from .test_apache_behind_nginx import APP, ENDPOINT, TOKEN
from .test_apache_proxy import MODULES
from .test_own_group_applied import restart_as_printed

pytestmark = pytest.mark.apache

APACHE = MODULES + """Listen 127.0.0.1:@SECOND@
<VirtualHost 127.0.0.1:@SECOND@>
    ServerName site1.example
    ServerAlias site2.example
    ProxyPreserveHost Off
    ProxyPass / http://127.0.0.1:@PORT@/
</VirtualHost>
""" + "".join(f"""<VirtualHost *:@PORT@>
    ServerName {name}.example
    WSGIDaemonProcess {name} processes=1 threads=2
    WSGIProcessGroup {name}
    WSGIApplicationGroup %{{GLOBAL}}
    WSGIScriptAlias / @SITES@/chain/{name}.wsgi
</VirtualHost>
""" for name in ("site1", "site2"))
NGINX = """
    server {{
        listen 127.0.0.1:{port};
        server_name site1.example site2.example;
        location / {{
            proxy_pass http://127.0.0.1:{second};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Host $host;
        }}
    }}
"""


@pytest.fixture
def chain(apache: ApacheFactory, tmp_path: Path) -> Iterator[tuple[ApacheServer, Nginx, Path]]:
    files = {"chain/wsgi_endpoint.py": ENDPOINT}
    for name in ("site1", "site2"):
        files[f"chain/{name}.wsgi"] = APP.format(name=name, token=TOKEN)
    second = free_port()
    server = apache(APACHE, files=files, extra={"SECOND": str(second)})
    port = free_port()
    try:
        nginx = start_nginx(NGINX.format(port=port, second=second), [port],
                            workdir=tmp_path / "nginx")
    except ApacheUnavailable as exc:
        unavailable(str(exc))
    (tmp_path / "token").write_text(TOKEN + "\n")
    (tmp_path / "token").chmod(0o600)
    manifest = tmp_path / "chain.toml"
    manifest.write_text(
        f'[probe]\nconnect = "127.0.0.1"\ntoken_file = "{tmp_path}/token"\nsamples = 2\n\n'
        + "".join(f'[instances.{n}]\nlabel = "{n}"\nprocess_group = "{n}"\n'
                  f'urls = ["http://{n}.example:{port}/"]\n\n' for n in ("site1", "site2")))
    try:
        yield server, nginx, manifest
    finally:
        nginx.stop()


def _sweep(manifest: Path, config: Path) -> dict[str, dict[str, Any]]:
    result = CliRunner().invoke(main, ["sweep", "-m", str(manifest), "--config", str(config),
                                       "--format", "json", "--timeout", "30"])
    assert result.exit_code in (0, 1), result.output
    return {t["url"].split("/")[2].split(".")[0]: t for t in json.loads(result.output)["targets"]}


def _line(conf: Path, text: str) -> int:
    return conf.read_text().splitlines().index(text) + 1


def test_the_inner_proxys_preserve_host_is_the_fix_and_applied_it_is_ok(
        chain: tuple[ApacheServer, Nginx, Path]) -> None:
    server, nginx, manifest = chain
    outer = _sweep(manifest, nginx.conf)
    host = f"{nginx.conf}:{_line(nginx.conf, '            proxy_set_header Host $host;')}"
    for name, target in outer.items():
        fix = target["fix"]
        assert target["verdict"] != "ok", (name, target["explanation"])
        assert "by 'proxy_set_header Host $host;'" not in fix, fix  # no line fixed into itself
        assert fix.startswith(f"Leave nginx's lines as they are: proxy_set_header Host $host "
                              f"({host}) passes the URL's Host already."), fix
        assert "2 proxies passed the request on" in target["explanation"], target["explanation"]

    inner = _sweep(manifest, server.conf_path)
    off = _line(server.conf_path, "    ProxyPreserveHost Off")
    site2 = inner["site2"]
    assert (site2["verdict"], site2["cause"]) == ("wrong_instance", "host_rewritten"), site2
    fix = site2["fix"]
    assert fix.startswith(f"At {server.conf_path}:{off}, write 'ProxyPreserveHost On' (it says "
                          f"'ProxyPreserveHost Off')"), fix
    assert "probe lint reports proxy_host at" in site2["explanation"], site2["explanation"]

    # applied as printed: the line written On, the printed graceful restart run
    lines = server.conf_path.read_text().splitlines()
    lines[off - 1] = "    ProxyPreserveHost On"
    server.conf_path.write_text("\n".join(lines) + "\n")
    restart_as_printed(fix, server)
    deadline = time.monotonic() + 30
    while True:
        after = _sweep(manifest, server.conf_path)
        if {t["verdict"] for t in after.values()} == {"ok"} or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert {n: t["verdict"] for n, t in after.items()} == {"site1": "ok", "site2": "ok"}, after
