"""--config on tester T24's layout (tests/test_apache_several_addresses.py), the URLs to refuse
and the connect alternative:

* m2: ``<VirtualHost 127.0.0.1:31782>`` (meant for ``[::1]``) took refuse URLs sent to
  127.0.0.1:31782: ``vhost_fallback`` at its line with the address fix, not "cause
  undetermined ... no step of its route shows where it leaves the intended one";
* m3: ``ServerAlias www.a.example.test *.example.test`` took b.example.test: ``vhost_shadowed``
  at the alias's own line (a.conf:4), its names kept, no reordering; the set named as
  ``apachectl -S`` names it (``*:31782``, not ``_default_:31782``);
* m2, a.example.test: the ``connect`` alternative names its address, and only where a
  ``Listen`` opens every URL of the instance there (``connect = "[::1]"`` left project-1's
  :31781 URLs unreachable).
"""

from __future__ import annotations

from pathlib import Path

from probe import manifest
from probe.diagnose import diagnose
from probe.discover import discover_paths
from probe.front_config import load_front
from probe.manifest import Target
from probe.model import Cause, Observation, Report, TargetResult, Verdict

from .test_apache_several_addresses import MANIFEST, _answer, _at, layout

WWW = '"http://a.example.test:31782/", "http://www.a.example.test:31781/"'
REFUSE = MANIFEST.replace('"http://a.example.test:31782/"', WWW) + """\
[refuse]
urls = ["http://unknown.invalid:31782/", "http://b.example.test:31782/"]
"""
M2 = {"d.conf": ("[::1]:31782", "127.0.0.1:31782")}
M3 = {"a.conf": ("ServerAlias www.a.example.test",
                 "ServerAlias www.a.example.test *.example.test")}


def _sweep(conf: Path, url: str, expected: str | None, label: str) -> TargetResult:
    root = conf.parent
    host = url.split("/")[2].split(":")[0]
    seen = [_at("http://a.example.test:31781/", "project-1", "127.0.0.1:31781",
                _answer(root, "project-1", "a.example.test")),
            _at("http://www.a.example.test:31781/", "project-1", "127.0.0.1:31781",
                _answer(root, "project-1", "www.a.example.test")),
            Observation(Target(url, expected, "127.0.0.1:31782"),
                        (_answer(root, label, host), _answer(root, label, host)))]
    report: Report = diagnose(manifest.parse(REFUSE, "m.toml"), seen,
                              config=load_front(str(conf), {}))
    return next(t for t in report.targets if t.url == url)


def test_an_ip_vhost_that_took_a_refuse_url_is_the_cause_with_its_address(
        tmp_path: Path) -> None:
    conf = layout(tmp_path, M2)
    found = _sweep(conf, "http://unknown.invalid:31782/", None, "project-4")
    assert found.verdict is Verdict.SERVED_UNMAPPED, found
    said = f"{found.explanation} {found.fix}"
    assert found.cause is Cause.VHOST_FALLBACK, said
    assert not found.candidates, found.candidates
    assert "no step of its route" not in said and "undetermined" not in said, said
    d_conf = f"{tmp_path}/sites-enabled/d.conf:1"
    assert (found.fix or "").startswith(
        f"At {d_conf}, make that VirtualHost's address '*' (<VirtualHost *:31782>), or give it "
        f"the address it is meant for: httpd then compares names among the VirtualHosts of "
        f"*:31782 at 127.0.0.1 too, and unknown.invalid goes to <VirtualHost _default_:31782> "
        f"(no ServerName: localhost from the main server) at "
        f"{tmp_path}/sites-enabled/000-default.conf:4, the first of them"), found.fix
    assert "Check which site" not in said, said


def test_a_wildcard_alias_that_took_a_refuse_url_is_cited_at_its_own_line(
        tmp_path: Path) -> None:
    conf = layout(tmp_path, M3)
    found = _sweep(conf, "http://b.example.test:31782/", None, "project-1")
    said = f"{found.explanation} {found.fix}"
    assert found.cause is Cause.VHOST_SHADOWED, said
    assert not found.candidates, found.candidates
    assert "no step of its route" not in said, said
    a_conf = f"{tmp_path}/sites-enabled/a.conf"
    assert f"ServerAlias www.a.example.test *.example.test matches 'b.example.test', the first " \
           f"match among the 2 VirtualHosts for *:31782 ({a_conf}:4)" in said, said
    fix = found.fix or ""
    assert fix.startswith(f"At {a_conf}:4, stop claiming b.example.test: write the names that "
                          f"VirtualHost is meant to answer instead (ServerAlias "
                          f"www.a.example.test;"), fix
    assert "before it" not in fix and "list the site" not in fix, fix
    assert "_default_:31782>" in fix and "for _default_" not in said, said


def test_the_connect_alternative_needs_a_listen_for_every_url(tmp_path: Path) -> None:
    conf = layout(tmp_path, M2)
    url = "http://a.example.test:31782/"
    fix = _sweep(conf, url, "project-1", "project-4").fix or ""
    assert fix.startswith(f"At {tmp_path}/sites-enabled/d.conf:1, make that VirtualHost's "
                          f"address '*'"), fix
    assert "send a.example.test's requests" not in fix and "connect =" not in fix, fix
    with (tmp_path / "ports.conf").open("a") as ports:
        ports.write("Listen [::1]:31781\n")
    fix = _sweep(conf, url, "project-1", "project-4").fix or ""
    assert "or send a.example.test's requests to [::1], where <VirtualHost *:31781 *:31782> " \
           "(a.example.test)" in fix, fix
    assert 'connect = "[::1]" under [instances.project-1]' in fix, fix


def test_discover_says_the_ip_vhost_takes_the_names_of_the_port_s_other_sites(
        tmp_path: Path) -> None:
    """m2's discover: the manifest writes a.example.test:31782 with the connect 127.0.0.1,
    where d.conf's VirtualHost takes it; "usually intended" was said beside it."""
    text = discover_paths([layout(tmp_path, M2)])
    line = next(x for x in text.splitlines() if x.startswith("# 127.0.0.1:31782: "))
    assert "usually intended" not in line, line
    assert (f"<VirtualHost 127.0.0.1:31782> (d.example.test) at {tmp_path}/sites-enabled/d.conf:1 "
            f"is the only site there and takes every host name sent to that address, those the "
            f"*:31782 VirtualHosts claim too (a.example.test, www.a.example.test): httpd "
            f"compares no names there (probe lint: vhost_ip_based)") in line, line
