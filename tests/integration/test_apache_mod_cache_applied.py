"""Apache mod_cache_disk in front of mod_wsgi, the shape of tester T32's cache-apache:
``CacheEnable disk /``, ``CacheStoreNoStore On``, two names of one VirtualHost. With
``CacheStorePrivate On`` too: the endpoint's answers now also say ``private`` (tester T37's
micro-cache gave them to anyone), which mod_cache honours by default, so T32's lines alone
no longer store them; an operator forcing a cache writes both.

* lint names ``CacheStoreNoStore On`` (``cache_store_no_store``), where it said clean before;
* swept twice with ``--config``: the second sweep gets the first one's stored answers
  (``not_live``, ``cached``) with the line named;
* the line applied as printed (``Off``) and Apache restarted: the stored answers outlive the
  restart (re-tester R32: ``Age: 16``, the same nonces). The fix then never repeats "set it
  Off", and names the purge of its CacheRoot (``htcacheclean -p ROOT -l 1``);
* that purge run as printed: every URL ``ok``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from probe.cli import main
from probe.lint import lint_paths

from .apache import MODULES_DIR, ApacheServer
from .conftest import ApacheFactory
from .test_apache_behind_nginx import APP, ENDPOINT, TOKEN

pytestmark = pytest.mark.apache

SITE = "".join(f'LoadModule {name}_module "{MODULES_DIR}/mod_{name}.so"\n'
               for name in ("cache", "cache_disk")) + """CacheRoot "@CACHE@"
CacheEnable disk /
CacheStoreNoStore On
CacheStorePrivate On
CacheDefaultExpire 600
CacheHeader on
CacheIgnoreNoLastMod On
<VirtualHost *:@PORT@>
    ServerName site1.example
    ServerAlias site2.example
    WSGIDaemonProcess cached processes=1 threads=2
    WSGIProcessGroup cached
    WSGIApplicationGroup %{GLOBAL}
    WSGIScriptAlias / @SITES@/cached/site.wsgi
</VirtualHost>
"""


@pytest.fixture
def cache_root() -> Iterator[Path]:
    """mod_cache_disk's directory, where Apache's children (not root) may write."""
    where = Path(tempfile.mkdtemp(prefix="wsgi-probe-mod-cache-"))
    where.chmod(0o777)
    yield where
    shutil.rmtree(where, ignore_errors=True)


def _sweep(manifest: Path, conf: Path) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["sweep", "-m", str(manifest), "--config", str(conf),
                                       "--format", "json", "--timeout", "30"])
    assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(result.output)
    return report


def _restart(server: ApacheServer) -> None:
    """What the fix's 'restart Apache' comes to here: the running Apache's own command
    line ('ps' shows '-f CONF -k start') with '-k graceful'."""
    done = subprocess.run(["apache2", "-f", str(server.conf_path), "-k", "graceful"],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr


def test_the_stored_answers_outlive_the_restart_and_the_printed_purge_clears_them(
        apache: ApacheFactory, tmp_path: Path, cache_root: Path) -> None:
    server = apache(SITE, files={"cached/wsgi_endpoint.py": ENDPOINT,
                                 "cached/site.wsgi": APP.format(name="site", token=TOKEN)},
                    extra={"CACHE": str(cache_root)})
    (tmp_path / "token").write_text(TOKEN + "\n")
    (tmp_path / "token").chmod(0o600)
    manifest = tmp_path / "cached.toml"
    manifest.write_text(
        f'[probe]\nconnect = "127.0.0.1:{server.port}"\ntoken_file = "{tmp_path}/token"\n'
        f'samples = 2\n\n[instances.site]\nlabel = "site"\nurls = ['
        f'"http://site1.example/", "http://site2.example/"]\n')
    conf = server.conf_path
    lines = conf.read_text().splitlines()
    store = lines.index("CacheStoreNoStore On") + 1
    assert [f.line for f in lint_paths([conf]).findings
            if f.code == "cache_store_no_store"] == [store]
    _sweep(manifest, conf)  # an empty cache: live answers, stored
    report = _sweep(manifest, conf)
    stored = [t for t in report["targets"] if t["cause"] == "cached"]
    assert stored, report["targets"]
    assert f"'CacheStoreNoStore On' ({conf}:{store})" in stored[0]["fix"], stored[0]["fix"]
    # applied as printed, Apache restarted: the answers stored before are still given
    lines[store - 1] = "CacheStoreNoStore Off"
    conf.write_text("\n".join(lines) + "\n")
    _restart(server)
    time.sleep(1)
    report = _sweep(manifest, conf)
    stored = [t for t in report["targets"] if t["cause"] == "cached"]
    assert stored, report["targets"]
    fix = stored[0]["fix"]
    assert "set it Off" not in fix and "write 'CacheStoreNoStore Off'" not in fix, fix
    assert f"'CacheStoreNoStore Off' ({conf}:{store})" in fix, fix
    purge = re.search(r"'(htcacheclean -p \S+ -l 1)'", fix)
    assert purge is not None and str(cache_root) in purge.group(1), fix
    done = subprocess.run(purge.group(1).split(), capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    report = _sweep(manifest, conf)
    assert {t["verdict"] for t in report["targets"]} == {"ok"}, report["targets"]
