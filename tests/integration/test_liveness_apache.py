"""Proof of liveness against a real cache: Apache mod_cache keyed on the path alone.

One Apache plays both parts. Behind, on a second port, two VirtualHosts with two real
Django instances in daemon mode (project-1 for site-1.example.com, project-2 for
site-2.example.com). In front, a reverse proxy with mod_cache whose VirtualHost answers
both names with ``UseCanonicalName On``: mod_cache then keys every entry on the
canonical name and the path, so the one probe answer it stores is served for both
hosts (the CloudFront/Varnish mistake of leaving Host out of the key). It is also told
to store what the endpoint marks ``no-store``, as misconfigured CDNs do.

Probed behind the cache, the answers carry another request's nonce: ``not_live``
(cause ``cached``), never ``ok``; probed directly, the same manifest is all ``ok``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from probe.cli import main
from probe.liveness import NONCE_HEADER, new_nonce

from .apache import MODULES_DIR, free_port
from .apache_blocks import daemons
from .conftest import ApacheFactory

pytestmark = pytest.mark.apache

MODULES = ("proxy", "proxy_http", "cache", "cache_socache", "socache_shmcb", "headers")

SITE = "\n".join(f'LoadModule {m}_module "{MODULES_DIR}/mod_{m}.so"' for m in MODULES) + """
Listen 127.0.0.1:@BACKEND@

""" + daemons("project-1", "project-2") + """
<VirtualHost 127.0.0.1:@BACKEND@>
    ServerName site-1.example.com
    WSGIScriptAlias / @SITES@/project-1/wsgi.py process-group=project-1 application-group=%{GLOBAL}
</VirtualHost>
<VirtualHost 127.0.0.1:@BACKEND@>
    ServerName site-2.example.com
    WSGIScriptAlias / @SITES@/project-2/wsgi.py process-group=project-2 application-group=%{GLOBAL}
</VirtualHost>

<VirtualHost *:@PORT@>
    ServerName cdn.example.com
    ServerAlias site-1.example.com site-2.example.com
    # The cache key is built from the canonical name: every alias shares one entry per path.
    UseCanonicalName On
    ProxyPreserveHost On
    ProxyPass / http://127.0.0.1:@BACKEND@/
    CacheEnable socache /
    CacheSocache shmcb
    CacheQuickHandler On
    CacheHeader On
    CacheStoreNoStore On
    CacheStorePrivate On
    CacheIgnoreCacheControl On
    CacheIgnoreNoLastMod On
    CacheDefaultExpire 600
    CacheLock Off
</VirtualHost>
"""

TOKEN = "liveness-scenario-token"

MANIFEST = """\
[probe]
connect = "127.0.0.1:{port}"
samples = 2
concurrency = 1
timeout = 10

[instances.project-1]
label = "project-1"
urls = ["http://site-1.example.com/"]

[instances.project-2]
label = "project-2"
urls = ["http://site-2.example.com/"]
"""


def sweep_json(port: int, tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / f"site-{port}.toml"
    path.write_text(MANIFEST.format(port=port), encoding="utf-8")
    result = CliRunner().invoke(main, ["sweep", "-m", str(path), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    # A replayed answer must not make two instances look like one loaded copy.
    assert [f["code"] for f in report["findings"]] == []
    return {t["url"]: t for t in report["targets"]}


def test_a_path_keyed_cache_is_caught(apache: ApacheFactory, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Through the proxy (it adds X-Forwarded-*) the endpoints answer only with the token, which
    # the Apache processes (their daemons) and the probe get from the environment.
    monkeypatch.setenv("WSGI_PROBE_TOKEN", TOKEN)
    backend = free_port()
    server = apache(SITE, extra={"BACKEND": str(backend)})
    # Warm the cache the way any earlier visitor would: one probe of site-1 through it.
    first = server.get("/__probe__", "site-1.example.com",
                       headers={NONCE_HEADER: new_nonce(), "X-Probe-Token": TOKEN})
    assert first.status_code == 200 and first.json()["label"] == "project-1"
    stored_nonce = first.json()["nonce"]

    behind = sweep_json(server.port, tmp_path)
    for url, target in behind.items():
        assert target["verdict"] == "not_live", (url, target["explanation"])
        assert target["cause"] == "cached"
        # The stored answer is shown, with the old nonce it carries.
        assert target["observed"]["nonce"] == stored_nonce
        assert "X-Cache: HIT" in target["explanation"] or "Age:" in target["explanation"]
        assert any(h.startswith("X-Cache: HIT") for h in target["cache_headers"])
    # site-2 got site-1's answer: without the nonce it would have looked misrouted.
    assert behind["http://site-2.example.com/"]["observed"]["label"] == "project-1"

    direct = sweep_json(backend, tmp_path)
    assert {t["verdict"] for t in direct.values()} == {"ok"}, direct
    assert all(t["cache_headers"] == [] for t in direct.values())
