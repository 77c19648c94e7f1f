"""``vhost_ip_based``: an IP-based VirtualHost takes every request to its address, the
``*:PORT`` sites are never considered there, and where httpd listens on the port only at
such addresses they are never reached, so ``vhost_fallback`` says nothing of them
(tests/integration/test_ip_vhost_apache.py checks it against apache2 -S and requests)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from probe.diagnose import diagnose
from probe.discover import discover_paths
from probe.front_config import load_front
from probe.lint import ConfigFinding, Severity, lint_paths
from probe.manifest import parse
from tests.test_diagnose import obs, status

SITES = """\
<VirtualHost 127.0.0.1:18180>
    DocumentRoot @ROOT@/html
</VirtualHost>
<VirtualHost *:18180>
    ServerName a.example
    WSGIScriptAlias / @ROOT@/a/wsgi.py
</VirtualHost>
<VirtualHost *:18180>
    ServerName b.example
    WSGIScriptAlias / @ROOT@/b/wsgi.py
</VirtualHost>
"""


def _write(tmp_path: Path, listen: str) -> Path:
    for name in ("a", "b"):
        (tmp_path / name).mkdir(exist_ok=True)
        (tmp_path / name / "wsgi.py").write_text("")
    conf = tmp_path / "httpd.conf"
    conf.write_text(f"ServerName localhost\n{listen}" + SITES.replace("@ROOT@", str(tmp_path)))
    return conf


def _found(conf: Path, code: str) -> list[ConfigFinding]:
    return [f for f in lint_paths([conf]).findings if f.code == code]


def test_listening_only_at_the_ip_the_wildcard_sites_are_never_reached(tmp_path: Path) -> None:
    # Debian's 000-default.conf turned IP-based next to name-based sites, Listen at one IP
    conf = _write(tmp_path, "Listen 127.0.0.1:18180\n")
    [finding] = _found(conf, "vhost_ip_based")
    assert (finding.severity, finding.line) == (Severity.ERROR, 3)
    assert finding.message.startswith(
        f"<VirtualHost 127.0.0.1:18180> (no ServerName: localhost from the main server) at "
        f"{conf}:3 is the only VirtualHost for 127.0.0.1:18180: it takes every request to "
        f"that address, whatever its Host")
    assert f"<VirtualHost *:18180> (a.example) at {conf}:6, <VirtualHost *:18180> " \
           f"(b.example) at {conf}:10) are never considered" in finding.message
    assert f"(Listen 127.0.0.1:18180 at {conf}:2): they are never reached" in finding.message
    assert (finding.fix or "").startswith("make it <VirtualHost *:18180>")
    # no request reaches *:18180: what its first site would get is no finding
    assert _found(conf, "vhost_fallback") == []


def test_listening_everywhere_it_is_a_note_and_the_fallback_stands(tmp_path: Path) -> None:
    conf = _write(tmp_path, "Listen 18180\n")
    [finding] = _found(conf, "vhost_ip_based")
    assert finding.severity is Severity.NOTE
    assert f"they answer only connections to other addresses (Listen 18180 at {conf}:2)" \
        in finding.message
    assert [f.line for f in _found(conf, "vhost_fallback")] == [6]


def test_a_site_file_without_listen_gets_the_note(tmp_path: Path) -> None:
    conf = _write(tmp_path, "")
    [finding] = _found(conf, "vhost_ip_based")
    assert finding.severity is Severity.NOTE and "Listen" not in finding.message


def test_another_ip_or_port_hides_nothing(tmp_path: Path) -> None:
    conf = _write(tmp_path, "Listen 127.0.0.1:18180\n")
    conf.write_text(conf.read_text().replace("<VirtualHost 127.0.0.1:18180>",
                                             "<VirtualHost 127.0.0.1:18181>"))
    assert _found(conf, "vhost_ip_based") == []


def test_discover_refuses_nothing_where_nothing_is_reached(tmp_path: Path) -> None:
    conf = _write(tmp_path, "Listen 127.0.0.1:18180\n")
    text = discover_paths([conf])
    assert parse(text, "discovered").refuse_urls == ()
    assert "vhost_fallback" not in text
    assert "*:18180: its 2 VirtualHost(s), first <VirtualHost *:18180> (a.example) at " \
           f"{conf}:6, are never reached" in text and "(probe lint: vhost_ip_based)" in text


def test_the_sweep_fix_of_a_url_the_ip_based_vhost_takes(tmp_path: Path) -> None:
    # the IP-based VirtualHost claims no name: "stop claiming a.example" would be false
    conf = _write(tmp_path, "Listen 127.0.0.1:18180\n")
    manifest = parse('[probe]\nconnect = "127.0.0.1:18180"\n[instances.a]\nlabel = "a"\n'
                     'urls = ["http://a.example:18180/"]\n')
    missing = dataclasses.replace(status(404), server="Apache/2.4.71 (Debian)",
                                  address="127.0.0.1:18180")
    observed = obs("http://a.example:18180/", "a", missing, missing, missing)
    [target] = diagnose(manifest, [observed], config=load_front(str(conf), {})).targets
    assert "stop claiming" not in target.fix
    assert target.fix.startswith(f"At {conf}:3, write <VirtualHost *:18180> instead of "
                                 f"<VirtualHost 127.0.0.1:18180>"), target.fix


# T24's layout (real Apache, tests/integration/test_missing_listen_apache.py): two ports, an
# intranet site on its own IP of the first, an IPv6-only site of the second.
T24 = """\
ServerName localhost
Listen 127.0.0.1:31781
Listen 127.0.0.2:31781
@LISTEN2@
<VirtualHost *:31781 *:31782>
    ServerName a.example.test
</VirtualHost>
<VirtualHost 127.0.0.2:31781>
    ServerName c.example.test
</VirtualHost>
<VirtualHost [::1]:31782>
    ServerName d.example.test
</VirtualHost>
"""


def _t24(tmp_path: Path, listen2: str) -> Path:
    conf = tmp_path / "httpd.conf"
    conf.write_text(T24.replace("@LISTEN2@", listen2))
    return conf


def test_the_ip_based_vhosts_own_address_is_not_where_the_wildcard_sites_answer(
        tmp_path: Path) -> None:
    # T24 m6: the *:31781 sites were said to answer at 127.0.0.2:31781, c.conf's own address
    conf = _t24(tmp_path, "Listen [::1]:31782")
    [note] = [f for f in _found(conf, "vhost_ip_based") if f.line == 8]
    assert note.severity is Severity.NOTE
    assert note.message.endswith(f"; they answer only connections to other addresses "
                                 f"(Listen 127.0.0.1:31781 at {conf}:2)"), note.message


def test_a_port_listened_on_only_at_the_ip_based_vhosts_address_offers_the_listen(
        tmp_path: Path) -> None:
    # T24 m6: Listen 127.0.0.1:31782 removed; the fix offered only '*' or removing d.conf
    conf = _t24(tmp_path, "Listen [::1]:31782")
    [error] = [f for f in _found(conf, "vhost_ip_based") if f.line == 11]
    assert error.severity is Severity.ERROR
    assert f"(Listen [::1]:31782 at {conf}:4): they are never reached" in error.message
    assert (error.fix or "").endswith(
        f"; or, for the sites for *:31782 to be reached, add Listen 127.0.0.1:31782 "
        f"(127.0.0.1 is listened on for port 31781 at {conf}:2) and restart httpd (a "
        f"graceful restart, 'apachectl -k graceful', opens it)"), error.fix
    # with that Listen back, the note names it and not [::1]:31782
    conf = _t24(tmp_path, "Listen 127.0.0.1:31782\nListen [::1]:31782")
    [note] = [f for f in _found(conf, "vhost_ip_based") if f.line == 12]
    assert note.severity is Severity.NOTE
    assert note.message.endswith(f"(Listen 127.0.0.1:31782 at {conf}:4)"), note.message
