"""Apache httpd's mod_proxy_balancer over real gunicorn, the ProxyPass of a public how-to as
written (``ProxyPass "/" "balancer://NAME"``: a slash on the path, none on the target):
every request gets 500 and httpd logs AH01144. ``sweep --config`` words the 500 as
mod_proxy's (the ProxyPass line, the slash mismatch as the likely cause, AH01144 as the
check), never as a Python traceback or mod_wsgi's message; lint reports ``proxy_slash`` at
the line; the line the fix writes makes the sweep clean.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.lint import lint_paths

from .conftest import ApacheFactory
from .test_apache_proxy import MODULES, Backends, _line, _manifest, backends
from .test_scenarios import sweep

pytestmark = pytest.mark.apache

__all__ = ["backends"]  # the fixture, shared with test_apache_proxy

LITERAL = """\
<VirtualHost *:@PORT@>
    ServerName a.test
    ProxyPreserveHost On
    <Proxy "balancer://mycluster">
        BalancerMember "http://127.0.0.1:{one}"
    </Proxy>
    ProxyPass "/" "balancer://mycluster"
</VirtualHost>
"""

URLS = ["http://a.test/", "http://a.test/admin/"]


def test_a_balancer_target_without_the_slash_is_worded_as_mod_proxys_500(
        apache: ApacheFactory, backends: Backends, tmp_path: Path) -> None:
    manifest = _manifest(tmp_path, backends, URLS, [])
    server = apache(MODULES + LITERAL.format(one=backends.a.port))
    conf = server.conf_path
    line = _line(conf, 'ProxyPass "/" "balancer://mycluster"')
    _, report, context = sweep(server, manifest, "--config", str(conf))
    assert "AH01144: No protocol handler was valid for the URL" in server.error_log(), context
    for target in report["targets"]:
        assert (target["verdict"], target["status_code"]) == ("http_error", 500), context
        said, fix = target["explanation"], target["fix"]
        assert "through mod_proxy: ProxyPass / balancer://mycluster is the first ProxyPass" \
            in said, said
        assert f"({conf}:{line})" in said
        assert "No WSGI script of Apache's is on this route" in said
        assert "its path ends with / and its target does not" in said
        assert "which no <Proxy balancer://mycluster" in said, said
        assert fix.startswith(f'At {conf}:{line}, write ProxyPass "/" "balancer://mycluster/"'), \
            fix
        assert "AH01144" in fix and "WSGI0152" not in fix and "traceback" not in fix, fix

    warned = [f.line for f in lint_paths([conf]).findings if f.code == "proxy_slash"]
    assert warned == [line], warned

    # The line the fix writes: every URL ok.
    fixed = apache(MODULES + LITERAL.format(one=backends.a.port).replace(
        '"balancer://mycluster"\n</VirtualHost>', '"balancer://mycluster/"\n</VirtualHost>'))
    _, after, context = sweep(fixed, manifest, "--config", str(fixed.conf_path))
    assert {t["verdict"] for t in after["targets"]} == {"ok"}, context
