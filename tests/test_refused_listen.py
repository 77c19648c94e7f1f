"""An ``unreachable`` URL whose connections were refused, swept with Apache's ``--config``:
whether a ``Listen`` read opens the address probed (probe/diagnose/join_refused.py). From
re-tester T24's layout (real Apache, two ports, three addresses): m4 lost ``Listen
127.0.0.2:31781`` (the site made ``*:31781``), m6 ``Listen 127.0.0.1:31782``; with --config
the words were those without. tests/integration/test_missing_listen_apache.py applies the
fix to a real Apache."""

from __future__ import annotations

import os
import textwrap

from probe import manifest
from probe.apache.config import parse_text
from probe.apache.route import ApacheRoutes
from probe.apache.site_build import build_site
from probe.diagnose import ConfigJoin, diagnose
from probe.errors import ErrorKind
from probe.manifest import Target
from probe.model import EvidenceKind, Observation, Sample, TargetResult, Verdict

SITES = """\
Listen 127.0.0.1:31781
@LISTEN@
Listen [::1]:31782
<VirtualHost *:31781>
    DocumentRoot /var/www/html
</VirtualHost>
<VirtualHost *:31781 *:31782>
    ServerName a.example.test
</VirtualHost>
<VirtualHost *:31781>
    ServerName c.example.test
</VirtualHost>
<VirtualHost [::1]:31782>
    ServerName d.example.test
</VirtualHost>
"""
READ = os.path.abspath("t.conf")
"""The file read as ps shows Apache started with it: its absolute path (re-tester R30)."""


def _config(listen: str, text: str = SITES) -> ConfigJoin:
    routes = ApacheRoutes(build_site(parse_text(textwrap.dedent(
        text.replace("@LISTEN@", listen)), "t.conf"), read_scripts=False))
    return ConfigJoin(routes, {}, routes.divergence, routes.intended, routes.refuse_block)


def _refused(url: str, at: str, listen: str, text: str = SITES) -> TargetResult:
    refused = Sample(elapsed_ms=1.0, error=f"{url}__probe__: connection refused by {at}",
                     error_kind=ErrorKind.CONNECT)
    parsed = manifest.parse(f'[instances.x]\nlabel = "x"\nurls = ["{url}"]\n')
    observed = Observation(Target(url, "x", at), (refused, refused))
    [target] = diagnose(parsed, [observed], config=_config(listen, text)).targets
    assert target.verdict is Verdict.UNREACHABLE
    return target


def test_no_listen_opens_the_address_the_listen_is_the_fix() -> None:
    # m4: Listen 127.0.0.2:31781 removed, c.example.test's site made *:31781
    target = _refused("http://c.example.test:31781/", "127.0.0.2:31781",
                      "Listen 127.0.0.1:31782")
    assert ("The configuration given opens no Listen for 127.0.0.2:31781 (Listen "
            "127.0.0.1:31781 at t.conf:1), so Apache started with it refuses connections "
            "there") in target.explanation, target.explanation
    assert ("<VirtualHost *:31781> (c.example.test) at t.conf:10 for this URL, and 2 other(s) "
            "(t.conf:4, t.conf:7).") in target.explanation, target.explanation
    assert target.fix.startswith(
        "Add 'Listen 127.0.0.2:31781' to the configuration (after Listen 127.0.0.1:31781 at "
        "t.conf:1) and restart Apache with this file ('apachectl -k graceful' where "
        f"apachectl starts Apache with {READ}, else 'apache2 -f {READ} -k graceful', httpd on "
        f"other systems: a graceful restart opens a new Listen)"), target.fix
    assert "the Apache running there was not restarted with this file" in target.fix
    # re-tester R30: a bare 'apachectl -S' reads the system's files, not one given with -f
    assert f"'ps -ww -o pid=,args= -C apache2,httpd' whether an Apache runs with {READ} " \
        "(its -f), and that Apache's own command line with '-S' in place of its '-k start' " \
        "the configuration it read ('apachectl -S' where its command line shows no -f)." \
        in target.fix, target.fix
    assert ("configured", "Listen 127.0.0.1:31781", "t.conf:1") in \
        [(e.kind.value, e.claim, e.source) for e in target.evidence]


def test_no_listen_of_the_port_at_all_is_listen_port_where_another_port_has_one() -> None:
    # m6: Listen 127.0.0.1:31782 gone; with [::1]:31782 gone too, the port has no Listen
    no_port = SITES.replace("Listen [::1]:31782\n", "")
    target = _refused("http://a.example.test:31782/", "127.0.0.1:31782", "", no_port)
    assert "(none of port 31782)" in target.explanation, target.explanation
    # every Listen names an address: "Listen 31782" would open the others too
    assert target.fix.startswith("Add 'Listen 127.0.0.1:31782' to the configuration"), \
        target.fix
    target = _refused("http://a.example.test:31782/", "127.0.0.1:31782", "",
                      no_port.replace("Listen 127.0.0.1:31781", "Listen 31781"))
    assert target.fix.startswith("Add 'Listen 31782' to the configuration"), target.fix


def test_an_address_bound_listen_of_the_port_makes_it_address_bound() -> None:
    # m6 itself: Listen [::1]:31782 only; "Listen 31782" beside it would not bind
    target = _refused("http://a.example.test:31782/", "127.0.0.1:31782", "")
    assert target.fix.startswith("Add 'Listen 127.0.0.1:31782' to the configuration (after "
                                 "Listen [::1]:31782 at t.conf:3)"), target.fix


def test_a_listen_that_opens_it_says_the_server_was_not_started_with_it() -> None:
    for listen, at in (("Listen 127.0.0.2:31781", "127.0.0.2:31781"),
                       ("Listen 31781", "127.0.0.2:31781"),
                       ("Listen [::]:31781", "127.0.0.2:31781")):
        text = SITES if listen != "Listen 31781" else SITES.replace(
            "Listen 127.0.0.1:31781\n", "")
        target = _refused("http://c.example.test:31781/", at, listen, text)
        assert f"The configuration given opens {at} ({listen} at t.conf:" in \
            target.explanation, (listen, target.explanation)
        assert "is not running, or was not started with this file" in target.explanation
        assert target.fix.startswith(f"Check what listens at {at}: 'ss -ltnp'"), target.fix
        assert f"whether an Apache runs with {READ} (its -f)" in target.fix, target.fix
    # [::1] by its own Listen line
    target = _refused("http://d.example.test:31782/", "[::1]:31782", "")
    assert "The configuration given opens [::1]:31782 (Listen [::1]:31782 at t.conf:3)" in \
        target.explanation, target.explanation


def test_0_0_0_0_does_not_open_an_ipv6_address() -> None:
    target = _refused("http://d.example.test:31782/", "[::1]:31782", "Listen 0.0.0.0:31782",
                      SITES.replace("Listen [::1]:31782\n", ""))
    assert target.fix.startswith("Add 'Listen [::1]:31782'"), target.fix


def test_no_virtualhost_for_the_port_proposes_no_line() -> None:
    # a fleet swept with another server's file: nothing written for that port here
    target = _refused("http://a.example.test:9999/", "127.0.0.1:9999", "")
    assert "writes no VirtualHost for port 9999: it may be another server's configuration" \
        in target.explanation, target.explanation
    assert "Listen 127.0.0.1:9999" not in target.fix


def test_a_timeout_or_a_file_without_listen_says_no_listen_words() -> None:
    url, at = "http://c.example.test:31781/", "127.0.0.2:31781"
    timed_out = Sample(elapsed_ms=1.0, error=f"{url}__probe__: timed out",
                       error_kind=ErrorKind.TIMEOUT)
    parsed = manifest.parse(f'[instances.x]\nlabel = "x"\nurls = ["{url}"]\n')
    [target] = diagnose(parsed, [Observation(Target(url, "x", at), (timed_out,))],
                        config=_config("")).targets
    assert "Listen" not in target.explanation + target.fix
    alone = _refused(url, at, "", "\n".join(line for line in SITES.splitlines()
                                            if not line.startswith("Listen")))
    assert "holds no Listen line" in alone.explanation, alone.explanation
    assert not [e for e in alone.evidence if e.kind is EvidenceKind.CONFIGURED]
