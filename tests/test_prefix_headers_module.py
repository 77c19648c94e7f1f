"""mount_mismatch through Apache's mod_proxy with --config: the fix's 'RequestHeader set
X-Forwarded-Prefix' needs mod_headers, as the scheme's X-Forwarded-Proto does (tester T36's
graceful: "Invalid command 'RequestHeader'", httpd not restarted). Where the configuration
read says what httpd loads and no LoadModule loads headers_module, the fix says to load it
first (probe.diagnose.scheme_apache.load_headers, one wording for both)."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin, diagnose
from probe.manifest import parse
from probe.model import Observation, TargetResult
from tests.test_diagnose_force_script import LISTS, MANIFEST, SUB, _obs

MODULES = "/usr/lib/apache2/modules"
LOADS = f"""\
LoadModule mpm_event_module {MODULES}/mod_mpm_event.so
LoadModule proxy_module {MODULES}/mod_proxy.so
LoadModule proxy_http_module {MODULES}/mod_proxy_http.so
"""
SITE = """\
Listen 8080
<VirtualHost *:8080>
    ServerName web.test
    ServerAlias lists.test
    ProxyPreserveHost On
    ProxyPass "/mailman3/" "http://127.0.0.1:8000/"
    ProxyPass "/" "http://127.0.0.1:8000/"
</VirtualHost>
"""


def _sweep(config: str) -> dict[str, TargetResult]:
    routes = ApacheRoutes(build_site(parse_text(textwrap.dedent(config), "t.conf"),
                                     read_scripts=False))
    join = ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)

    def at(url: str) -> Observation:
        observed = _obs(url, "gunicorn/23.0.0", server="gunicorn")
        return dataclasses.replace(observed, target=dataclasses.replace(
            observed.target, address="127.0.0.1:8080"))

    return {t.url: t for t in diagnose(parse(MANIFEST), [at(LISTS), at(SUB)],
                                       config=join).targets}


def test_the_prefix_header_is_told_with_loading_mod_headers_where_none_is_loaded() -> None:
    sub = _sweep(LOADS + SITE)[SUB]
    assert sub.verdict.value == "mount_mismatch", sub.explanation
    assert "'RequestHeader set X-Forwarded-Prefix /mailman3'" in sub.fix, sub.fix
    assert ("No LoadModule line read loads headers_module (mod_headers), and without it "
            "httpd refuses a RequestHeader line and does not restart") in sub.fix, sub.fix
    # the directory of the LoadModule lines read (the mpm's, t.conf:1), never a guess
    assert (f"load it first, with 'LoadModule headers_module {MODULES}/mod_headers.so' (the "
            f"directory of the LoadModule at t.conf:1)") in sub.fix, sub.fix
    assert sub.fix.count("headers_module") == 2, sub.fix


@pytest.mark.parametrize("config", [
    LOADS + f"LoadModule headers_module {MODULES}/mod_headers.so\n" + SITE,
    SITE,  # a fragment: what httpd loads is not said there
])
def test_no_load_is_asked_where_it_is_loaded_or_the_file_does_not_say(config: str) -> None:
    sub = _sweep(config)[SUB]
    assert "'RequestHeader set X-Forwarded-Prefix /mailman3'" in sub.fix, sub.fix
    assert "No LoadModule line read loads headers_module" not in sub.fix, sub.fix
