"""``probe discover`` and the addresses of a VirtualHost: one on several ports gets URLs on
each port a Listen opens; an IP-based one is probed at its own address (the instance's
``connect``), never at ``[probe] connect`` where another VirtualHost answers; mod_macro's
``Use`` lines are expanded, and one that cannot be is named, not left out silently."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from probe.addresses import expand
from probe.cli import main
from probe.discover import discover_paths
from probe.manifest import parse

from .test_discover import SITE_A, SITE_B, vhost


def _discover(tmp_path: Path, config: str) -> str:
    for name in ("a", "b"):
        (tmp_path / name).mkdir(exist_ok=True)
        (tmp_path / name / "wsgi.py").write_text(f'wsgi_endpoint.wrap(app, label="{name}")\n')
    conf = tmp_path / "site.conf"
    conf.write_text(config.replace("@ROOT@", str(tmp_path)))
    return discover_paths([conf])


def _urls(text: str) -> dict[str, list[str]]:
    return {name: list(i.urls) for name, i in parse(text, "discovered").instances.items()}


def test_a_virtualhost_on_two_ports_gets_urls_on_both(tmp_path: Path) -> None:
    text = _discover(tmp_path, "Listen 8000\nListen 8081\n" + vhost(SITE_A, "*:8000 *:8081"))
    assert _urls(text) == {"a": ["http://a.example:8000/", "http://a.example:8081/"]}


def test_a_port_of_several_that_no_listen_opens_is_said(tmp_path: Path) -> None:
    text = _discover(tmp_path, "Listen 8000\n" + vhost(SITE_A, "*:8000 *:8082"))
    assert _urls(text) == {"a": ["http://a.example:8000/"]}
    assert "is also on port 8082, where no Listen accepts connections" in text


def test_an_ip_based_virtualhost_is_probed_at_its_address(tmp_path: Path) -> None:
    text = _discover(tmp_path, "Listen 8000\n" + vhost(SITE_A, "*:8000")
                     + vhost(SITE_B, "127.0.0.2:8000"))
    manifest = parse(text, "discovered")
    assert manifest.probe.connect == "127.0.0.1:8000"
    assert manifest.instances["b"].connect == "127.0.0.2:8000"
    assert manifest.instances["a"].connect is None
    assert "is IP-based: httpd answers it only at 127.0.0.2:8000" in text
    chosen = expand(manifest.targets(), manifest.probe.connects, False,
                    own=manifest.own_connects())
    assert [(t.url, t.address) for t in chosen] == [
        ("http://a.example:8000/", "127.0.0.1:8000"), ("http://b.example:8000/", "127.0.0.2:8000")]


def test_one_ip_on_two_ports_gives_the_ip_alone(tmp_path: Path) -> None:
    text = _discover(tmp_path, "Listen 8000\nListen 8081\n"
                     + vhost(SITE_B, "127.0.0.2:8000 127.0.0.2:8081"))
    manifest = parse(text, "discovered")
    assert manifest.instances["b"].connect == "127.0.0.2"
    assert list(manifest.instances["b"].urls) == ["http://b.example:8000/",
                                                  "http://b.example:8081/"]



def test_sites_on_a_port_only_one_address_opens_are_probed_there(tmp_path: Path) -> None:
    # Listen 80 is first, but the sites are on 8080, which only 127.0.0.2 opens: a
    # connect to the first Listen's address would reach nothing on 8080.
    text = _discover(tmp_path, "Listen 80\nListen 127.0.0.2:8080\n"
                     + vhost(SITE_A, "*:8080") + vhost(SITE_B, "*:8080"))
    manifest = parse(text, "discovered")
    assert manifest.probe.connect == "127.0.0.2"
    chosen = expand(manifest.targets(), manifest.probe.connects, False,
                    own=manifest.own_connects())
    assert [(t.url, t.address) for t in chosen] == [
        ("http://a.example:8080/", "127.0.0.2:8080"), ("http://b.example:8080/", "127.0.0.2:8080"),
        ("http://unknown.invalid:8080/", "127.0.0.2:8080")]


def test_sites_on_a_port_the_probe_address_lacks_get_their_own_connect(tmp_path: Path) -> None:
    # No address opens both ports: [probe] connect is the first Listen's, and the site on
    # 8080 gets the address that opens 8080, saying why.
    text = _discover(tmp_path, "Listen 127.0.0.1:80\nListen 127.0.0.2:8080\n"
                     + vhost(SITE_A, "*:80") + vhost(SITE_B, "*:8080"))
    manifest = parse(text, "discovered")
    assert manifest.probe.connect == "127.0.0.1"
    assert manifest.instances["b"].connect == "127.0.0.2:8080"
    assert manifest.instances["a"].connect is None
    assert "is on port 8080, which only Listen 127.0.0.2:8080 at" in text
    assert "is IP-based" not in text



def test_the_main_servers_port_counts_where_it_has_applications(tmp_path: Path) -> None:
    # the main server's URL is on the first Listen's port, which 127.0.0.2 does not open
    text = _discover(tmp_path, "Listen 127.0.0.1:80\nListen 127.0.0.2:8080\n"
                     "WSGIScriptAlias /main @ROOT@/a/wsgi.py\n" + vhost(SITE_B, "*:8080"))
    manifest = parse(text, "discovered")
    assert manifest.probe.connect == "127.0.0.1"
    assert manifest.instances["b"].connect == "127.0.0.2:8080"

def test_listen_on_every_address_keeps_the_first_listen(tmp_path: Path) -> None:
    text = _discover(tmp_path, "Listen 80\nListen 127.0.0.1:8080\n" + vhost(SITE_A, "*:8080"))
    manifest = parse(text, "discovered")
    assert manifest.probe.connect == "127.0.0.1"
    assert manifest.instances["a"].connect is None
    assert _urls(text) == {"a": ["http://a.example:8080/"]}

def test_an_application_on_two_addresses_keeps_one_and_names_the_other(tmp_path: Path) -> None:
    # One script in a name-based and an IP-based VirtualHost: one instance, one address;
    # the URL that needs the other is a comment, not a request to the wrong VirtualHost.
    site_a2 = SITE_A.replace("a.example", "a2.example")
    text = _discover(tmp_path, "Listen 8000\n" + vhost(SITE_A, "*:8000")
                     + vhost(site_a2, "127.0.0.2:8000"))
    manifest = parse(text, "discovered")
    assert _urls(text) == {"a": ["http://a.example:8000/"]}
    assert manifest.instances["a"].connect is None
    assert "http://a2.example:8000/ (ServerName at " in text
    assert "is answered at 127.0.0.2:8000, this instance's other URLs at [probe] connect" \
        in text


def test_unknown_names_on_an_ip_address_are_not_refused_at_another(tmp_path: Path) -> None:
    text = _discover(tmp_path, "Listen 8000\n" + vhost(SITE_A, "127.0.0.2:8000")
                     + vhost(SITE_B, "127.0.0.2:8000"))
    manifest = parse(text, "discovered")
    assert manifest.refuse_urls == ()
    assert "Not under [refuse]: unknown host names reach this address only at " \
           "127.0.0.2:8000" in text


# Re-tester R31's Apache mod_proxy front (apache-front/httpd.conf, its sites trimmed to two):
# every VirtualHost on 127.0.0.1:18190, the first a catch-all refusing every path
R31_FRONT = """\
Listen 127.0.0.1:18190

<VirtualHost 127.0.0.1:18190>
    ServerName catchall.invalid
    <Location />
        Require all denied
    </Location>
</VirtualHost>

<VirtualHost 127.0.0.1:18190>
    ServerName shop.example.test
    ProxyPreserveHost On
    ProxyPass / http://127.0.0.1:18101/
    ProxyPassReverse / http://127.0.0.1:18101/
</VirtualHost>

<VirtualHost 127.0.0.1:18190>
    ServerName blog.example.test
    ProxyPreserveHost On
    ProxyPass /app/ http://127.0.0.1:18102/app/
</VirtualHost>
"""


def test_unknown_names_on_the_connect_address_itself_are_refused_there(
        tmp_path: Path) -> None:
    """R31: "Not under [refuse] ... check it with --connect 127.0.0.1:18190" where the
    manifest's connect was that already; the tester's [refuse] URL there got the catch-all's
    403 (ok). The URL is written, sent where connect sends it."""
    text = _discover(tmp_path, R31_FRONT)
    manifest = parse(text, "discovered")
    assert manifest.probe.connect == "127.0.0.1:18190"
    assert manifest.refuse_urls == ("http://unknown.invalid:18190/",), text
    assert "check it with probe sweep --connect" not in text, text
    assert "[probe] connect sends the request there" in text, text


MACRO = """\
<Macro VHost $name>
<VirtualHost *:8000>
    ServerName $name.example
    WSGIScriptAlias / @ROOT@/$name/wsgi.py
</VirtualHost>
</Macro>
Use VHost b
"""


def test_a_use_of_a_macro_makes_its_sites_citing_the_use_and_the_macro(
        tmp_path: Path) -> None:
    text = _discover(tmp_path, "Listen 8000\n" + vhost(SITE_A, "*:8000") + MACRO)
    conf = tmp_path / "site.conf"
    assert _urls(text) == {"a": ["http://a.example:8000/"], "b": ["http://b.example:8000/"]}
    # the line in the macro's body, and the Use line that made it
    assert (f"WSGIScriptAlias at {conf}:9 (macro VHost used at {conf}:12)") in text
    assert "not expanded" not in text


def test_a_use_mod_macro_cannot_expand_is_named_with_why(tmp_path: Path) -> None:
    config = "Listen 8000\n" + vhost(SITE_A, "*:8000") + MACRO.replace(
        "Use VHost b", "Use VHost b extra\nUse Other c")
    text = _discover(tmp_path, config)
    conf = tmp_path / "site.conf"
    assert _urls(text) == {"a": ["http://a.example:8000/"]}
    assert (f"# Use VHost b extra at {conf}:12 is not expanded: macro 'vhost' (defined at "
            f"{conf}:6) used with 2 arguments instead of 1;") in text
    assert f"# Use Other c at {conf}:13 is not expanded: macro 'other' undefined" in text
    result = CliRunner().invoke(main, ["discover", str(conf)])
    assert result.exit_code == 0
    assert "probe: warning: 2 mod_macro Use line(s) not expanded (httpd will not start" \
        in result.stderr


def test_a_listen_port_no_url_is_on_is_not_said_to_be_kept(tmp_path: Path) -> None:
    """fedora-confd (tester R21): ``Listen 48131`` for SSL with no site written on it; the
    comment said each URL keeps its own port '(43753, 48131)' though no URL was on 48131."""
    text = _discover(tmp_path, "Listen 8000\nListen 8443\n" + vhost(SITE_A, "*:8000"))
    assert _urls(text) == {"a": ["http://a.example:8000/"]}
    assert (f"Listen 8443 at {tmp_path}/site.conf:2: no port, so each URL keeps its own "
            f"(8000); no URL in this manifest is on 8443\n") in text
    both = _discover(tmp_path, "Listen 8000\nListen 8443\n" + vhost(SITE_A, "*:8000")
                     + vhost(SITE_B, "*:8443"))
    assert "no port, so each URL keeps its own (8000, 8443)\n" in both


def test_a_port_opened_only_where_an_ip_virtualhost_takes_every_name_gets_no_url(
        tmp_path: Path) -> None:
    # tester T24 m6: Listen 127.0.0.1:31782 removed; [::1]:31782 is opened, but
    # <VirtualHost [::1]:31782> takes every name there, so *:31782 is never reached
    text = _discover(tmp_path, "Listen 127.0.0.1:31781\nListen [::1]:31782\n"
                     + vhost(SITE_A, "*:31781 *:31782") + vhost(SITE_B, "[::1]:31782"))
    assert _urls(text) == {"a": ["http://a.example:31781/"], "b": ["http://b.example:31782/"]}
    assert "is answered at [::1]:31782" not in text
    said = " ".join(line.lstrip("# ") for line in text.splitlines() if "31782, opened" in line)
    assert "<VirtualHost *:31781 *:31782> (a.example) at " in said
    assert "is on port 31782, opened only by Listen [::1]:31782 at " in said
    assert "site.conf:2, where <VirtualHost [::1]:31782> (b.example) at " in said
    assert "is IP-based and takes every host name: no request reaches it on port 31782" in said


def test_a_port_with_one_listen_free_of_ip_virtualhosts_is_probed_there(
        tmp_path: Path) -> None:
    text = _discover(tmp_path, "Listen 127.0.0.1:31781\nListen [::1]:31782\n"
                     "Listen 127.0.0.3:31782\n"
                     + vhost(SITE_A, "*:31782") + vhost(SITE_B, "[::1]:31782"))
    manifest = parse(text, "discovered")
    chosen = expand(manifest.targets(), manifest.probe.connects, False,
                    own=manifest.own_connects())
    assert [(t.url, t.address) for t in chosen] == [
        ("http://a.example:31782/", "127.0.0.3:31782"), ("http://b.example:31782/", "[::1]:31782")]
