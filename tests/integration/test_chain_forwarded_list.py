"""Re-tester R32 on T32's chain after its fix, on real servers: nginx (``proxy_set_header
X-Forwarded-Host $host``) -> Apache mod_proxy (``ProxyPreserveHost On``) -> Apache mod_wsgi.
mod_proxy appends the Host it received, so the application gets X-Forwarded-Host with the
URL's name twice, and ``forwarded_host_undecided`` told nginx to write the line it has. With
Apache's configuration the fix is ``ProxyAddHeaders Off`` beside its ``ProxyPass``; applied
as printed, with the printed graceful restart, the application gets one value and the
finding is gone.
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

from .apache import MODULES_DIR, ApacheServer, ApacheUnavailable, free_port
from .conftest import ApacheFactory, unavailable
from .nginx import Nginx, start_nginx
from .test_apache_behind_nginx import APP, ENDPOINT, TOKEN
from .test_chain_inner_host import APACHE, NGINX
from .test_own_group_applied import restart_as_printed

pytestmark = pytest.mark.apache
CODE = "forwarded_host_undecided"


@pytest.fixture
def chain(apache: ApacheFactory, tmp_path: Path) -> Iterator[tuple[ApacheServer, Path]]:
    files = {"chain/wsgi_endpoint.py": ENDPOINT}
    for name in ("site1", "site2"):
        files[f"chain/{name}.wsgi"] = APP.format(name=name, token=TOKEN)
    second = free_port()
    server = apache(APACHE.replace("ProxyPreserveHost Off", "ProxyPreserveHost On"),
                    files=files, extra={"SECOND": str(second)})
    port = free_port()
    try:
        nginx: Nginx = start_nginx(NGINX.format(port=port, second=second), [port],
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
        yield server, manifest
    finally:
        nginx.stop()


def _sweep(manifest: Path, config: Path) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["sweep", "-m", str(manifest), "--config", str(config),
                                       "--format", "json", "--timeout", "30"])
    assert result.exit_code in (0, 1), result.output
    swept: dict[str, Any] = json.loads(result.output)
    return swept


@pytest.mark.parametrize("written", ["ProxyAddHeaders Off",
                                     "RequestHeader unset X-Forwarded-Host"])
def test_proxy_add_headers_off_is_the_fix_and_applied_the_list_is_gone(
        chain: tuple[ApacheServer, Path], written: str) -> None:
    server, manifest = chain
    before = _sweep(manifest, server.conf_path)
    assert {t["verdict"] for t in before["targets"]} == {"ok"}, before["targets"]
    found = [f for f in before["findings"] if f["code"] == CODE]
    assert found, before["findings"]
    text = found[0]["explanation"]
    lines = server.conf_path.read_text().splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("    ProxyPass / ")) + 1
    assert "2 values, each the URL's name" in text, text
    assert "it raises DisallowedHost" in text, text
    assert f"Write 'ProxyAddHeaders Off' beside the ProxyPass at {server.conf_path}:{rule}" \
        in text, text
    assert "proxy_set_header X-Forwarded-Host" not in text, text  # nginx's line is not it
    assert f"or '{'RequestHeader unset X-Forwarded-Host'}' there (mod_headers;" in text, text

    # applied as printed (either line offered), beside the ProxyPass, the printed graceful
    # restart run; RequestHeader needs mod_headers, which the fix names
    lines.insert(rule - 1, f"    {written}")
    if written.startswith("RequestHeader"):
        lines.insert(0, f'LoadModule headers_module "{MODULES_DIR}/mod_headers.so"')
    server.conf_path.write_text("\n".join(lines) + "\n")
    restart_as_printed(text, server)
    deadline = time.monotonic() + 30
    while True:
        after = _sweep(manifest, server.conf_path)
        if not [f for f in after["findings"] if f["code"] == CODE] or \
                time.monotonic() > deadline:
            break
        time.sleep(1)
    assert [f["code"] for f in after["findings"] if f["code"] == CODE] == [], after["findings"]
    assert {t["verdict"] for t in after["targets"]} == {"ok"}, after["targets"]
    forwarded = {t["observed"]["request"]["forwarded_host"] for t in after["targets"]}
    assert all(v is not None and "," not in v for v in forwarded), forwarded
