"""``probe discover``: the manifest written from Apache configuration parses and says the
right instances, URLs and process groups."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from probe.cli import main
from probe.discover import discover_paths
from probe.lint import lint_paths
from probe.manifest import Manifest, load, parse

SCENARIOS = Path(__file__).resolve().parent / "integration" / "scenarios"
SITES = Path(__file__).resolve().parent / "integration" / "sites"

SCRIPT = """\
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{settings}")
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
import wsgi_endpoint
application = wsgi_endpoint.wrap(application, label="{label}")
"""

CONFIG = """\
Listen 8080
WSGIDaemonProcess shop display-name=%{GROUP}
<VirtualHost *:8080>
    ServerName catch-all.invalid
    <Location />
        Require all denied
    </Location>
</VirtualHost>
<VirtualHost *:8080>
    ServerName Shop.Example.com
    ServerAlias www.shop.example.com *.shop.example.com
    WSGIScriptAlias /blog @ROOT@/blog/wsgi.py
    WSGIScriptAlias / @ROOT@/shop/wsgi.py process-group=shop
    WSGIScriptAliasMatch ^/api/(v\\d+) @ROOT@/api/$1.wsgi
</VirtualHost>
<VirtualHost *:8080>
    ServerName blog.example.com
    WSGIScriptAlias / @ROOT@/blog/wsgi.py
</VirtualHost>
<VirtualHost *:8080>
    ServerName other.example.com
    WSGIScriptAlias / @ROOT@/other/blog/wsgi.py
</VirtualHost>
"""


def write_config(tmp_path: Path) -> Path:
    for name, settings in (("shop", "shop.settings"), ("blog", "blog.settings"),
                           ("other/blog", "other.settings")):
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name / "wsgi.py").write_text(
            SCRIPT.format(settings=settings, label=name.replace("/", "-")))
    conf = tmp_path / "site.conf"
    conf.write_text(CONFIG.replace("@ROOT@", str(tmp_path)))
    return conf


def discovered(tmp_path: Path) -> tuple[str, Manifest]:
    text = discover_paths([write_config(tmp_path)])
    return text, parse(text, "discovered")


def test_round_trip_instances_urls_and_groups(tmp_path: Path) -> None:
    _, manifest = discovered(tmp_path)
    assert manifest.probe.connect == "127.0.0.1:8080"  # Listen gave only a port
    assert set(manifest.instances) == {"shop", "blog", "blog-2"}
    shop = manifest.instances["shop"]
    assert shop.process_group == "shop"
    assert shop.label == "shop" and shop.settings == "shop.settings"
    assert shop.urls == ("http://shop.example.com:8080/", "http://www.shop.example.com:8080/")
    blog = manifest.instances["blog"]
    assert blog.process_group is None  # embedded mode
    assert blog.urls == ("http://shop.example.com:8080/blog/",
                         "http://www.shop.example.com:8080/blog/",
                         "http://blog.example.com:8080/")
    other = manifest.instances["blog-2"]  # same directory name: made unique
    assert other.label == "other-blog" and other.settings == "other.settings"
    assert manifest.refuse_urls == ("http://unknown.invalid:8080/",)  # the catch-all's port


def test_comments_say_where_entries_came_from(tmp_path: Path) -> None:
    text, _ = discovered(tmp_path)
    conf = tmp_path / "site.conf"
    assert re.search(rf"# WSGIScriptAlias / .*process-group=shop at {re.escape(str(conf))}:13",
                     text)
    assert f"# Listen 8080 at {conf}:1" in text
    assert "*.shop.example.com is a wildcard, it cannot be probed" in text  # kept as a comment
    assert "^/api/(v\\d+)" in text and "add its URLs by hand" in text
    assert f"setdefault in {tmp_path}/shop/wsgi.py:2" in text


def test_scenario_manifests_are_covered(tmp_path: Path) -> None:
    """Discovering each scenario's configuration finds every instance URL its hand-written
    manifest expects, with the same labels, settings and (daemon mode) process groups."""
    for scenario in ("healthy", "ordering", "envleak"):
        template = (SCENARIOS / scenario / "httpd.conf.in").read_text()
        conf = tmp_path / f"{scenario}.conf"
        conf.write_text(template.replace("@PORT@", "80").replace("@SITES@", str(SITES)))
        found = parse(discover_paths([conf]), scenario)
        expected = load(SCENARIOS / scenario / "manifest.toml")
        for name, instance in expected.instances.items():
            got = found.instances[name]
            assert set(instance.urls) <= set(got.urls), (scenario, name)
            assert (got.label, got.settings) == (instance.label, instance.settings)
            daemon = "process-group=" in template
            assert got.process_group == (name if daemon else None), (scenario, name)


def test_cli_writes_the_file_and_exits_2_on_unreadable_input(tmp_path: Path) -> None:
    conf = write_config(tmp_path)
    out = tmp_path / "discovered.toml"
    runner = CliRunner()
    result = runner.invoke(main, ["discover", str(conf), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert set(load(out).instances) == {"shop", "blog", "blog-2"}

    missing = runner.invoke(main, ["discover", str(tmp_path / "nope.conf")])
    assert missing.exit_code == 2
    assert "nope.conf: cannot read" in missing.output
    assert "Traceback" not in missing.output


def test_a_url_two_aliases_map_stays_with_the_first(tmp_path: Path) -> None:
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "wsgi.py").write_text("")
    conf = tmp_path / "dup.conf"
    conf.write_text(f"ServerName a.example\nListen 127.0.0.1:8000\n"
                    f"WSGIScriptAlias / {tmp_path}/first/wsgi.py\n"
                    f"WSGIScriptAlias / {tmp_path}/second/wsgi.py\n")
    text = discover_paths([conf])
    manifest = parse(text, "dup")
    assert manifest.probe.connect == "127.0.0.1:8000"
    assert {n: i.urls for n, i in manifest.instances.items()} == {
        "first": ("http://a.example:8000/",)}
    assert "also mapped to instance first" in text


SITE_A = "    ServerName a.example\n    WSGIScriptAlias / @ROOT@/a/wsgi.py\n"
SITE_B = "    ServerName b.example\n    WSGIScriptAlias / @ROOT@/b/wsgi.py\n"
CATCH = "    ServerName default.invalid\n    <Location />\n        Require all denied\n" \
        "    </Location>\n"


def vhost(body: str, address: str = "*:80") -> str:
    return f"<VirtualHost {address}>\n{body}</VirtualHost>\n"


@pytest.mark.parametrize(("config", "refuse", "warned"), [
    # one site answers every host name: intended, neither warned about nor refused
    (SITE_A, (), False),
    (vhost(SITE_A), (), False),
    (vhost(SITE_A) + vhost(SITE_B, "*:8080"), (), False),
    (vhost(SITE_A + "    SSLEngine on\n", "*:8443"), (), False),
    # the first of several sites answers unknown names: lint warns, the sweep must see it
    (vhost(SITE_A) + vhost(SITE_B), ("http://unknown.invalid/",), True),
    (vhost(CATCH, "_default_:*") + vhost(SITE_A) + vhost(SITE_B, "*:443"),
     ("http://unknown.invalid/", "https://unknown.invalid/"), True),
    # a catch-all listed first: lint is content, the sweep checks that it refuses
    (vhost(CATCH) + vhost(SITE_A) + vhost(SITE_B), ("http://unknown.invalid/",), False),
    (vhost(CATCH, "*:8080") + vhost(SITE_A, "*:8080"), ("http://unknown.invalid:8080/",),
     False),
])
def test_refuse_exactly_where_lint_cares_about_unknown_host_names(
        tmp_path: Path, config: str, refuse: tuple[str, ...], warned: bool) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "wsgi.py").write_text("")
    conf = tmp_path / "site.conf"
    conf.write_text(config.replace("@ROOT@", str(tmp_path)))
    text = discover_paths([conf])
    assert parse(text, "discovered").refuse_urls == refuse
    fallback = [f for f in lint_paths([conf]).findings if f.code == "vhost_fallback"]
    assert bool(fallback) == warned
    if not refuse:
        # the URL advised for each address: its scheme and port, never http:// on a TLS one
        advised = {SITE_A: '"http://unknown.invalid/"',
                   vhost(SITE_A): '"http://unknown.invalid/"',
                   vhost(SITE_A) + vhost(SITE_B, "*:8080"):
                       '"http://unknown.invalid/", "http://unknown.invalid:8080/"'}.get(
            config, '"https://unknown.invalid:8443/"')
        assert "# No [refuse]" in text and f"# urls = [{advised}]" in text, text
        assert "is the only site and answers every host name" in text or "VirtualHost" \
            not in config


def test_the_refuse_url_advised_for_a_tls_address_is_https() -> None:
    """Each address's first VirtualHost skipped (the only site of *:80 and of the
    SSLEngine-on *:443): the URL advised to check it anyway is the address's own, not a
    plain http://unknown.invalid/ for the TLS one."""
    text = discover_paths([Path(__file__).parent / "lint" / "corpus" /
                           "homeautomation-http-https.conf"])
    assert "# *:443: <VirtualHost *:443> (localhost) at " in text, text
    assert '# urls = ["http://unknown.invalid/", "https://unknown.invalid/"]' in text, text


DEFAULT_PAGE = "    DocumentRoot @ROOT@/html\n"
REDIRECT_ONLY = "    ServerName r.example\n    Redirect / https://r.example/\n"


@pytest.mark.parametrize(("first", "said"), [
    # Debian's 000-default.conf listed first of several sites (what a real server has)
    (DEFAULT_PAGE, "is a static default page listed first of 3 VirtualHost(s)"),
    # a redirect-only site listed first: neither a site nor a catch-all lint knows
    (REDIRECT_ONLY, "is listed first of 3 VirtualHost(s) and has no WSGIScriptAlias"),
])
def test_no_refuse_says_why_for_an_address_of_several_sites(
        tmp_path: Path, first: str, said: str) -> None:
    # the closing words must not claim "no address has several sites" then
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "wsgi.py").write_text("")
    conf = tmp_path / "site.conf"
    conf.write_text((vhost(first) + vhost(SITE_A) + vhost(SITE_B)).replace(
        "@ROOT@", str(tmp_path)))
    text = discover_paths([conf])
    assert parse(text, "discovered").refuse_urls == ()
    assert "no address has several sites" not in text
    assert "# *:80: <VirtualHost *:80>" in text and said in text
    assert "# No [refuse]: the lines above say why, for each address." in text


def test_the_manifest_records_the_configuration_it_came_from(tmp_path: Path) -> None:
    text, manifest = discovered(tmp_path)
    assert manifest.probe.config == str(tmp_path / "site.conf")
    assert "# The configuration this came from" in text


def test_no_url_line_the_manifest_parser_refuses(tmp_path: Path) -> None:
    # httpd accepts these names and mounts (one argument each; apache2 -t: Syntax OK), but
    # none can be in a URL: each becomes one comment line, the rest still parses
    write_config(tmp_path)
    site = tmp_path / "site.conf"
    site.write_text(f"""\
<VirtualHost *:80>
    ServerName first.example.com
    WSGIScriptAlias / {tmp_path}/shop/wsgi.py
</VirtualHost>
<VirtualHost *:80>
    ServerName "IP do sistema"
    ServerAlias blog.example.com "my blog"
    WSGIScriptAlias / {tmp_path}/blog/wsgi.py
    WSGIScriptAlias "/other blog" {tmp_path}/other/blog/wsgi.py
</VirtualHost>
""")
    text = discover_paths([site])
    urls = {name: list(i.urls) for name, i in parse(text).instances.items()}
    assert urls == {"shop": ["http://first.example.com/"], "blog": ["http://blog.example.com/"]}
    comments = [line for line in text.splitlines() if "no URL written" in line]
    assert all(line.startswith("# ") for line in comments), comments
    said = " ".join(comments)
    assert f"ServerName 'IP do sistema' of the VirtualHost at {site}:5 cannot be the host " \
           f"of a URL: no URL written for it" in said
    for url in ("http://my blog/", "http://blog.example.com/other blog/",
                "http://my blog/other blog/"):
        assert f"{url!r}: no URL written for it" in said, text


def _two_sites(tmp_path: Path, config: str) -> str:
    for name in ("a", "b"):
        (tmp_path / name).mkdir(exist_ok=True)
        (tmp_path / name / "wsgi.py").write_text("")
    conf = tmp_path / "site.conf"
    conf.write_text(config.replace("@ROOT@", str(tmp_path)))
    return discover_paths([conf])


def test_several_ports_on_several_addresses_keep_each_urls_port(tmp_path: Path) -> None:
    """The first Listen's host:port for every URL sent https URLs on 8443 to port 8000 (a
    tester's layout): with several ports, connect has none, whatever the addresses."""
    text = _two_sites(tmp_path, "Listen 127.0.0.1:8000\nListen 127.0.0.2:8000\n"
                                "Listen 127.0.0.1:8443 https\n"
                                + vhost(SITE_A, "*:8000")
                                + vhost(SITE_B + "    SSLEngine on\n", "*:8443"))
    manifest = parse(text, "discovered")
    assert manifest.probe.connect == "127.0.0.1"
    assert "httpd also listens on 127.0.0.2" in text
    assert sorted(u for i in manifest.instances.values() for u in i.urls) == [
        "http://a.example:8000/", "https://b.example:8443/"]


def test_a_virtualhost_on_a_port_no_listen_opens_gets_no_url(tmp_path: Path) -> None:
    text = _two_sites(tmp_path, "Listen 127.0.0.1:8000\n"
                                + vhost(SITE_A, "*:8000") + vhost(SITE_B, "*:8090"))
    manifest = parse(text, "discovered")
    assert [u for i in manifest.instances.values() for u in i.urls] == [
        "http://a.example:8000/"]
    assert "is on port 8090, where no Listen accepts connections" in text
