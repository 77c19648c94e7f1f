"""A ``ProxyPass`` inside ``<Location>`` with a parameter (a re-tester's locuszoom-hosted
``<Location /celery-flower/> ProxyPass http://...:5555/ keepalive=On``) in front of real
gunicorn and waitress: apache2 sends the path to the ``<Location>``'s backend, and ``sweep
--config`` reads that line too (it was skipped for its ``keepalive=On``, the route went to the
server's ``ProxyPass /`` and the fix said WSGIScriptAlias on an Apache without mod_wsgi). The
whole-path fix keeps the parameter and the slashes matched, lint's ``proxy_strips`` says the
same line, and the fix as written makes the sweep clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.lint import lint_paths

from .conftest import ApacheFactory
from .test_apache_proxy import Backends, _line, _manifest, _row, _sweep, backends

pytestmark = pytest.mark.apache
__all__ = ["backends"]  # the module's fixture, used here by name

LOCATION = """\
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPreserveHost On
    <Location /b/>
        ProxyPass http://127.0.0.1:{b}/ keepalive=On
        ProxyPassReverse http://127.0.0.1:{b}/
    </Location>
    ProxyPass / http://127.0.0.1:{a}/ keepalive=On
    ProxyPassReverse / http://127.0.0.1:{a}/
</VirtualHost>
"""


def test_a_location_proxypass_with_a_parameter_is_read_and_its_fix_works(
        apache: ApacheFactory, backends: Backends, tmp_path: Path) -> None:
    site = LOCATION.format(a=backends.a.port, b=backends.b.port)
    manifest = _manifest(tmp_path, backends, ["http://a.test/"], ["http://a.test/b/"])
    report, conf = _sweep(apache, site, manifest)
    row = _row(report, "http://a.test/b/")
    # apache2 sent /b/ to site-b's waitress (the <Location>'s line), its prefix taken off
    assert (row["answered_by"], row["verdict"]) == ("site-b", "mount_mismatch"), row
    line = _line(conf, f"ProxyPass http://127.0.0.1:{backends.b.port}/ keepalive=On")
    reverse = _line(conf, f"ProxyPassReverse http://127.0.0.1:{backends.b.port}/")
    whole = f"http://127.0.0.1:{backends.b.port}/b/"
    assert row["fix"].startswith(
        f"At {conf}:{line}, pass the path whole: 'ProxyPass {whole} keepalive=On' (at "
        f"{conf}:{reverse}, 'ProxyPassReverse {whole}')"), row["fix"]
    assert "WSGIScriptAlias" not in row["fix"] and "mod_wsgi" not in row["fix"], row["fix"]
    [strips] = [f for f in lint_paths([conf]).findings if f.code == "proxy_strips"]
    assert strips.line == line and f"'ProxyPass {whole} keepalive=On'" in (strips.fix or ""), \
        strips
    # the fix: the whole path, to the waitress told its prefix (--url-prefix=/b)
    fixed = site.replace(f"ProxyPass http://127.0.0.1:{backends.b.port}/ ",
                         f"ProxyPass http://127.0.0.1:{backends.bp.port}/b/ ")
    again, _ = _sweep(apache, fixed, manifest)
    assert all(t["verdict"] == "ok" for t in again["targets"]), again["targets"]
