"""Apache's mod_proxy in front of a real waitress told its prefix (``--url-prefix=/b``) by a
``ProxyPass`` whose target ends in ``/`` and whose path does not (a tester's locuszoom flower
line, ``ProxyPass /celery-flower http://127.0.0.1:41813/celery-flower/``): waitress receives
PATH_INFO ``//__probe__``, the URL is ``ok``, and the ``doubled_slash`` warning names the field,
and with ``--config`` the line and its fix; the fix as written leaves a sweep with no such
finding (a healthy one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import ApacheFactory
from .test_apache_proxy import MODULES, Backends, _line, _row, backends
from .test_scenarios import sweep

pytestmark = pytest.mark.apache
__all__ = ["backends"]  # the module's fixture, used here by name

SITE = """\
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPreserveHost On
    ProxyPass /b http://127.0.0.1:{bp}/b/ keepalive=On
    ProxyPassReverse /b http://127.0.0.1:{bp}/b/
</VirtualHost>
"""
URL = "http://a.test/b/"


def _manifest(tmp_path: Path, backends: Backends) -> Path:
    path = tmp_path / "manifest.toml"
    path.write_text(f"""\
[probe]
samples = 4
token_file = "{backends.workdir / "token"}"

[instances.site-b]
label = "site-b"
settings = "mysite.settings"
script_name = "/b"
urls = ["{URL}"]
""", encoding="utf-8")
    return path


def _doubled(report: dict[str, Any]) -> list[str]:
    return [f["explanation"] for f in report["findings"] if f["code"] == "doubled_slash"]


def test_a_proxypass_doubling_the_slash_is_a_warning_with_its_line_and_fix(
        apache: ApacheFactory, backends: Backends, tmp_path: Path) -> None:
    manifest = _manifest(tmp_path, backends)
    site = SITE.format(bp=backends.bp.port)
    server = apache(MODULES + site)
    conf = server.conf_path
    _, report, context = sweep(server, manifest, "--config", str(conf))
    row = _row(report, URL)
    assert row["verdict"] == "ok", context
    assert row["observed"]["request"]["path_info"] == "//__probe__", row["observed"]
    [said] = _doubled(report)
    line = _line(conf, "ProxyPass /b ")
    assert "received request.path_info '//__probe__' with SCRIPT_NAME '/b'" in said, said
    whole = f"ProxyPass /b http://127.0.0.1:{backends.bp.port}/b keepalive=On"
    assert f"Fix: at {conf}:{line}, write '{whole}'" in said, said
    assert f"at {conf}:{line + 1}, 'ProxyPassReverse /b http://127.0.0.1:{backends.bp.port}/b'" \
        in said, said
    _, plain, _ = sweep(server, manifest)  # without --config: the candidates and the check
    [unsure] = _doubled(plain)
    assert "The answers do not show which line made it" in unsure, unsure
    assert "--config FILE" in unsure and "proxy_slash" in unsure, unsure
    # the fix as written: a healthy sweep, no doubled slash
    fixed = apache(MODULES + site.replace(f"{backends.bp.port}/b/", f"{backends.bp.port}/b"))
    _, again, context = sweep(fixed, manifest, "--config", str(fixed.conf_path))
    assert [t["verdict"] for t in again["targets"]] == ["ok"], context
    assert _row(again, URL)["observed"]["request"]["path_info"] == "/__probe__", context
    assert _doubled(again) == [], again["findings"]
