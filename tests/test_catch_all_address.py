"""The refusing catch-all a sweep with ``--config`` proposes is written for the address the
VirtualHosts a request reached use: ``<VirtualHost 127.0.0.1:PORT>`` for IP-based sites (as
hestiacp's templates write them), never a ``*:PORT`` one, which httpd never considers for
connections to an IP with VirtualHosts of its own (lint's ``vhost_ip_based`` says so in the
same report). A tester applied the ``*:PORT`` one to real Apache and unknown names were
still served by the first site; the real-Apache check is
tests/integration/test_applied_ip_catch_all.py."""

from __future__ import annotations

import textwrap

from probe import manifest
from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin, diagnose
from probe.lint.ip_vhost_rules import vhost_ip_based
from probe.manifest import Target
from probe.model import Observation, Report, Sample, TargetResult, Verdict

from .test_diagnose import answered, ep, status


def _site(label: str, at: str) -> str:
    return f"""\
<VirtualHost {at}>
    ServerName {label}.example.com
    ServerAlias www.{label}.example.com
    WSGIDaemonProcess {label} processes=1
    WSGIProcessGroup {label}
    WSGIApplicationGroup %{{GLOBAL}}
    WSGIScriptAlias / /srv/{label}/wsgi.py
</VirtualHost>
"""


REFUSE = """\
<VirtualHost {at}>
    ServerName default.invalid
    <Location />
        Require all denied
    </Location>
</VirtualHost>
"""

MANIFEST = """\
[probe]
connect = "{connect}"
[instances.shop]
label = "shop"
process_group = "shop"
urls = ["http://shop.example.com/", "http://www.shop.example.com/cart/"]
[instances.blog]
label = "blog"
process_group = "blog"
urls = ["http://blog.example.com/"]
[refuse]
urls = ["http://unknown.invalid/"]
"""


def _config(text: str) -> tuple[ConfigJoin, ApacheRoutes]:
    routes = ApacheRoutes(build_site(parse_text(textwrap.dedent(text), "t.conf"),
                                     read_scripts=False))
    return ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block,
                      routes.refuse_why), routes


def _answer(label: str, host: str) -> Sample:
    return answered(ep(label, host=host, vhost=f"{label}.example.com", application_group=""))


def _sweep(text: str, connect: str = "127.0.0.1:8080") -> tuple[Report, ApacheRoutes]:
    """shop's ServerAlias www.shop.example.com is missing (``text`` without it): blog,
    listed first, answers that name and unknown.invalid."""
    m = manifest.parse(MANIFEST.format(connect=connect), "m.toml")
    seen = [Observation(Target("http://shop.example.com/", "shop", connect),
                        (_answer("shop", "shop.example.com"),)),
            Observation(Target("http://www.shop.example.com/cart/", "shop", connect),
                        (_answer("blog", "www.shop.example.com"),)),
            Observation(Target("http://blog.example.com/", "blog", connect),
                        (_answer("blog", "blog.example.com"),)),
            Observation(Target("http://unknown.invalid/", None, connect),
                        (_answer("blog", "unknown.invalid"),))]
    join, routes = _config(text)
    return diagnose(m, seen, config=join), routes


def _ip_sites(at: str = "127.0.0.1:8080") -> str:
    return _site("blog", at) + _site("shop", at).replace(
        "    ServerAlias www.shop.example.com\n", "")


def _one(report: Report, url: str) -> TargetResult:
    return next(t for t in report.targets if t.url == url)


def _block_address(fix: str) -> str:
    """The address of the catch-all the fix writes (the block after its last colon)."""
    opening = next(line for line in fix.splitlines()
                   if line.strip().startswith("<VirtualHost "))
    return opening.strip()[len("<VirtualHost "):-1]


def test_ip_based_sites_get_a_catch_all_written_with_their_address() -> None:
    report, _ = _sweep(_ip_sites())
    found = _one(report, "http://www.shop.example.com/cart/")
    assert found.verdict is Verdict.WRONG_INSTANCE, found
    assert found.fix is not None
    assert "Add 'ServerAlias www.shop.example.com' inside" in found.fix, found.fix
    assert "<VirtualHost *:8080>\n" not in found.fix, found.fix
    assert _block_address(found.fix) == "127.0.0.1:8080", found.fix
    assert "a <VirtualHost *:8080> is never considered for connections to 127.0.0.1:8080" \
        in found.fix, found.fix
    assert "written for 127.0.0.1:8080, because httpd takes the VirtualHosts of the " \
           "connection's IP before those of '*' and <VirtualHost 127.0.0.1:8080> " \
           "(blog.example.com) at t.conf:1 is the first of those written for 127.0.0.1:8080: " \
           "a <VirtualHost *:8080>" in found.fix, found.fix
    assert "as the VirtualHosts of that address are" not in found.fix, found.fix
    refused = _one(report, "http://unknown.invalid/")
    assert refused.verdict is Verdict.SERVED_UNMAPPED, refused
    assert refused.fix is not None and refused.fix.startswith("At t.conf:1, list first")
    assert _block_address(refused.fix) == "127.0.0.1:8080", refused.fix


def test_a_star_catch_all_already_there_is_told_to_take_the_ip_address() -> None:
    """The tester's second sweep: the ``*:PORT`` catch-all applied, unknown names still
    served; the fix names that VirtualHost's line, not the same ``*:PORT`` block again, and
    lint's vhost_ip_based says that address is never considered."""
    text = REFUSE.format(at="*:8080") + _ip_sites()
    report, routes = _sweep(text)
    refused = _one(report, "http://unknown.invalid/")
    assert refused.verdict is Verdict.SERVED_UNMAPPED, refused
    assert refused.fix is not None
    assert _block_address(refused.fix) == "127.0.0.1:8080", refused.fix
    assert ("<VirtualHost *:8080> (default.invalid) at t.conf:1 refuses, but is such a one: "
            "write 127.0.0.1:8080 instead of *:8080 on its line") in refused.fix, refused.fix
    [lint] = vhost_ip_based(routes.site)
    assert "(<VirtualHost *:8080> (default.invalid) at t.conf:1) are never considered" in \
        lint.message, lint.message
    assert _block_address(refused.fix) != "*:8080"


def test_the_ip_catch_all_written_first_refuses() -> None:
    report, _ = _sweep(REFUSE.format(at="127.0.0.1:8080") + _ip_sites())
    found = _one(report, "http://unknown.invalid/")
    # The catch-all is the first of the set: httpd would refuse; an answer from blog is
    # not what this configuration predicts, so no catch-all is proposed again.
    assert found.fix is None or "catch-all that refuses" not in found.fix, found.fix


def test_name_based_sites_keep_the_star_catch_all_without_a_reason() -> None:
    report, _ = _sweep(_ip_sites("*:8080"))
    found = _one(report, "http://www.shop.example.com/cart/")
    assert found.fix is not None
    assert "a catch-all that refuses unknown names. After the edit, restart Apache " \
        "gracefully" in found.fix and "The lines to write:\n<VirtualHost *:8080>\n" in \
        found.fix, found.fix


def test_mixed_says_which_set_the_connection_selects() -> None:
    """IP-based VirtualHosts for 127.0.0.2 on the port; the request went to 127.0.0.1,
    which has none of its own: the ``*`` set takes it, and its catch-all is ``*:8080``."""
    text = _site("admin", "127.0.0.2:8080") + _ip_sites("*:8080")
    report, _ = _sweep(text)
    found = _one(report, "http://www.shop.example.com/cart/")
    assert found.fix is not None
    assert _block_address(found.fix) == "*:8080", found.fix
    assert ("a connection to 127.0.0.1:8080 selects (<VirtualHost *:8080> (blog.example.com) "
            "at t.conf:9 first): no VirtualHost is written for 127.0.0.1 itself; those for "
            "127.0.0.2:8080 (t.conf:1) take only connections to 127.0.0.2") in found.fix, \
        found.fix


TYPO = """\
<VirtualHost *:8080>
    DocumentRoot /var/www/html
</VirtualHost>
<VirtualHost *:8080>
    ServerName graphite.example.org
    WSGIScriptAlias / /srv/graphite/wsgi.py
</VirtualHost>
<VirtualHost *:8080>
    ServerAdmin admin@weblate.example.org
    ServerName weblate.exmaple.org
    WSGIDaemonProcess weblate python-path=/srv/weblate
    WSGIProcessGroup weblate
    WSGIScriptAlias /weblate /srv/weblate/wsgi.py process-group=weblate
</VirtualHost>
"""

TYPO_MANIFEST = """\
[probe]
connect = "127.0.0.1:8080"
[instances.weblate]
label = "weblate"
process_group = "weblate"
urls = ["http://weblate.example.org/weblate/"]
"""


def _typo_fix(text: str) -> str:
    """The fix for weblate's URL, which no weblate answer reached (the Debian default
    VirtualHost, first, answered 404)."""
    url = "http://weblate.example.org/weblate/"
    m = manifest.parse(TYPO_MANIFEST, "m.toml")
    seen = [Observation(Target(url, "weblate", "127.0.0.1:8080"), (status(404),))]
    found = _one(diagnose(m, seen, config=_config(text)[0]), url)
    assert found.verdict is Verdict.NO_ENDPOINT, found
    assert found.fix is not None
    return found.fix


def test_a_server_name_one_swap_from_the_host_is_named_as_the_typo() -> None:
    fix = _typo_fix(TYPO)
    assert fix.startswith(
        "ServerName weblate.exmaple.org (t.conf:10) is one edit from weblate.example.org "
        "(two neighbouring letters swapped): if that is a typo, write ServerName "
        "weblate.example.org at t.conf:10; or add 'ServerAlias weblate.example.org' inside "
        "<VirtualHost *:8080> (weblate.exmaple.org) at t.conf:8"), fix
    assert "the first VirtualHost answers (t.conf:1)" in fix, fix


def test_without_a_near_name_the_alias_names_the_vhost_line() -> None:
    fix = _typo_fix(TYPO.replace("weblate.exmaple.org", "translate.example.net"))
    assert fix.startswith("Add 'ServerAlias weblate.example.org' inside <VirtualHost *:8080> "
                          "(translate.example.net) at t.conf:8 (which has WSGIScriptAlias /weblate "
                          "/srv/weblate/wsgi.py process-group=weblate, t.conf:13):"), fix
    assert "is one edit from" not in fix


def test_a_sibling_site_one_letter_away_is_no_typo() -> None:
    """site-1 and site-2 are one edit apart and two sites: only the expected instance's own
    VirtualHost is compared, and graphite's is not weblate's."""
    fix = _typo_fix(TYPO.replace("graphite.example.org", "weblate.example.orgx")
                    .replace("weblate.exmaple.org", "translate.example.net"))
    assert "weblate.example.orgx" not in fix, fix
