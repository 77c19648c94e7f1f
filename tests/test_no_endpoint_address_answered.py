"""no_endpoint without --config at an address where other URLs got endpoint answers (a
re-tester's puppet b1: a misspelt ServerName, the default VirtualHost's static page answered):
the name not matched leads (vhost_fallback a candidate, the configuration the check),
installing last; where nothing answered at the address, installing leads as before."""

from __future__ import annotations

import dataclasses
from typing import Any

from probe import manifest
from probe.diagnose import diagnose
from probe.diagnose.discriminate import key_of
from probe.model import Cause, EvidenceKind, Observation, Sample
from tests.test_diagnose import answered, ep, obs, result, status

MANIFEST = """\
[instances.shop]
label = "shop"
urls = ["http://shop.test/"]

[instances.blog]
label = "blog"
urls = ["http://blog.test/"]
"""
AT = "127.0.0.1:8080"


def _at(observation: Observation, address: str = AT) -> Observation:
    return dataclasses.replace(observation, samples=tuple(
        dataclasses.replace(s, address=address, server="Apache/2.4.62 (Debian)")
        for s in observation.samples))


def _sweep(shop_at: str = AT, probed: dict[str, Sample] | None = None) -> str:
    blog = _at(obs("http://blog.test/", "blog", status(404), status(404), status(404)))
    shop = _at(obs("http://shop.test/", "shop", answered(ep("shop", host="shop.test"))), shop_at)
    found = result(diagnose(manifest.parse(MANIFEST, "m.toml"), [shop, blog],
                            probed=probed or {}), "http://blog.test/")
    assert found.fix is not None
    if shop_at == AT:
        assert [c.cause for c in found.candidates] == [Cause.VHOST_FALLBACK], found.candidates
        assert any(e.kind is EvidenceKind.OBSERVED and e.source == "GET http://shop.test/"
                   for e in found.evidence), found.evidence
    return found.fix


def test_another_url_answered_at_the_address_leads_with_the_name() -> None:
    fix = _sweep()
    assert fix.startswith(
        f"Check which VirtualHost takes blog.test at {AT} (probe sweep --config PATH names it "
        f"with its line; or the running Apache's own command line with '-S' in place of its "
        f"'-k start' ('ps -ww -o pid=,args= -C apache2,httpd' shows it; its binary and -f, -d "
        f"and -D options kept: 'apache2 -f FILE -S'; 'apachectl -S' where it shows no -f, "
        f"since apachectl reads the system's configuration)): where no VirtualHost names "
        f"blog.test, the first (default) one answered"), fix
    assert fix.index("Install the endpoint") > fix.index("does run blog's application"), fix


def _fix_with(shop_answer: dict[str, Any]) -> str:
    blog = _at(obs("http://blog.test/", "blog", status(404)))
    shop = _at(obs("http://shop.test/", "shop", answered(shop_answer)))
    found = result(diagnose(manifest.parse(MANIFEST, "m.toml"), [shop, blog]),
                   "http://blog.test/")
    assert found.fix is not None
    return found.fix


def test_the_check_is_the_answering_apache_s_own_command_line() -> None:
    """re-tester R30: an Apache started with -f (every test's) is not the one a bare
    'apachectl -S' reads; the other URL's mod_wsgi answer names its parent, that Apache."""
    fix = _fix_with({**ep("shop", host="shop.test"), "ppid": 4242})
    assert "(probe sweep --config PATH names it with its line; or '$(ps -ww -o args= -p 4242 " \
           "| sed \"s/ -k [a-z-]*//g\") -S' (the command line of the Apache pid 4242, the " \
           "answers' ppid, with -S in place of its -k; 'apachectl -S' where it shows no -f)): " \
           in fix, fix


def test_a_backend_s_parent_is_not_the_apache() -> None:
    """gunicorn behind Apache: its ppid is gunicorn's arbiter, so the ps route."""
    answer = {**ep("shop", host="shop.test"), "ppid": 4242,
              "server": {"software": "gunicorn/22.0.0"}}
    fix = _fix_with(answer)
    assert "4242" not in fix and "'ps -ww -o pid=,args= -C apache2,httpd' shows it" in fix, fix


def test_nothing_answered_at_the_address_leads_with_install() -> None:
    assert _sweep("127.0.0.1:9090").startswith("Install the endpoint")


def test_the_invalid_request_s_answer_is_said() -> None:
    blog = _at(obs("http://blog.test/", "blog", status(404)))
    key, _ = key_of(blog)
    shop = _at(obs("http://shop.test/", "shop", answered(ep("shop", host="shop.test"))))
    found = result(diagnose(manifest.parse(MANIFEST, "m.toml"), [shop, blog],
                            probed={key: status(404)}), "http://blog.test/")
    assert "got HTTP 404 (the same status): the default site's answer" in found.explanation, \
        found.explanation
    assert any(e.kind is EvidenceKind.PROBED for e in found.evidence), found.evidence


def test_each_front_gets_its_own_words() -> None:
    """Apache's names behind Apache, nginx's behind nginx: never one front's words for the
    other's site."""
    def fix_behind(server: str) -> str:
        def at(observation: Observation) -> Observation:
            return dataclasses.replace(observation, samples=tuple(
                dataclasses.replace(s, address=AT, server=server) for s in observation.samples))
        blog = at(obs("http://blog.test/", "blog", status(404)))
        shop = at(obs("http://shop.test/", "shop", answered(ep("shop", host="shop.test"))))
        found = result(diagnose(manifest.parse(MANIFEST, "m.toml"), [shop, blog]),
                       "http://blog.test/")
        assert found.fix is not None
        return found.fix

    apache, nginx = fix_behind("Apache/2.4.62 (Debian)"), fix_behind("nginx/1.22.1")
    assert "(its ServerName or ServerAlias)" in apache and "server_name" not in apache, apache
    assert "(its server_name)" in nginx and "ServerName" not in nginx, nginx
    assert "'nginx -T'" in nginx and "apachectl" not in nginx, nginx
