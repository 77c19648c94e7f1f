"""Apache's mod_proxy in front of real gunicorn and waitress, a ServerName typo in the second
VirtualHost (a tester's NetBox + locuszoom set-up, ``ServerName lz.tset``): the name falls to
the first VirtualHost, whose ProxyPass is right for its own site. ``sweep --config`` says
``vhost_fallback`` and names the typo's line, never the first VirtualHost's ProxyPass (applied,
that broke the first site); the fix as written makes the sweep clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import ApacheFactory
from .test_apache_proxy import Backends, _line, _manifest, _row, _sweep, backends

pytestmark = pytest.mark.apache
__all__ = ["backends"]  # the module's fixture, used here by name

TYPO = """\
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPreserveHost On
    ProxyPass / http://127.0.0.1:{a}/
    ProxyPassReverse / http://127.0.0.1:{a}/
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName b.tset
    ProxyPreserveHost On
    ProxyPass / http://127.0.0.1:{b}/ keepalive=On
    ProxyPassReverse / http://127.0.0.1:{b}/
</VirtualHost>
"""


def test_a_servername_typo_behind_mod_proxy_is_fixed_at_the_name_not_the_first_proxypass(
        apache: ApacheFactory, backends: Backends, tmp_path: Path) -> None:
    site = TYPO.format(a=backends.a.port, b=backends.b.port)
    manifest = _manifest(tmp_path, backends, ["http://a.test/"], ["http://b.test/"])
    report, conf = _sweep(apache, site, manifest)
    assert _row(report, "http://a.test/")["verdict"] == "ok", report["targets"]
    row = _row(report, "http://b.test/")
    assert (row["verdict"], row["cause"]) == ("wrong_instance", "vhost_fallback"), row
    first = _line(conf, f"ProxyPass / http://127.0.0.1:{backends.a.port}/")
    assert f"{conf}:{first}," not in row["fix"], row["fix"]
    name = _line(conf, "ServerName b.tset")
    assert f"write ServerName b.test at {conf}:{name}" in row["fix"], row["fix"]
    again, _ = _sweep(apache, site.replace("ServerName b.tset", "ServerName b.test"), manifest)
    assert all(t["verdict"] == "ok" for t in again["targets"]), again["targets"]
