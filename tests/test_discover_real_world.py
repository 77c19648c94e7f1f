"""Discover on real-world shapes (issue 13): http+https sites, VirtualHosts without
ServerName, redirecting twins, unreadable WSGI scripts."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from probe.cli import main
from probe.discover import discover_paths
from probe.manifest import parse


def write(tmp_path: Path, config: str, files: dict[str, str] | None = None) -> Path:
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text)
    conf = tmp_path / "httpd.conf"
    conf.write_text(config.replace("@ROOT@", str(tmp_path)))
    return conf


HTTP_HTTPS = """\
Listen 8080
Listen 8443
<VirtualHost *:8080>
    ServerName shop.example.com
    {http_body}
</VirtualHost>
<VirtualHost *:8443>
    ServerName shop.example.com
    SSLEngine on
    WSGIScriptAlias / @ROOT@/shop.wsgi
</VirtualHost>
"""


def test_http_and_https_keep_their_own_ports(tmp_path: Path) -> None:
    conf = write(tmp_path, HTTP_HTTPS.format(http_body="WSGIScriptAlias / @ROOT@/shop.wsgi"),
                 {"shop.wsgi": ""})
    manifest = parse(discover_paths([conf]))
    assert manifest.probe.connect == "127.0.0.1"
    [instance] = manifest.instances.values()
    assert instance.urls == ("http://shop.example.com:8080/", "https://shop.example.com:8443/")


def test_one_listen_keeps_host_and_port(tmp_path: Path) -> None:
    conf = write(tmp_path, "Listen 8080\nServerName a.example.com\n"
                           "WSGIScriptAlias / @ROOT@/a.wsgi\n", {"a.wsgi": ""})
    assert parse(discover_paths([conf])).probe.connect == "127.0.0.1:8080"


def test_a_redirecting_twin_is_not_an_instance_url(tmp_path: Path) -> None:
    body = ("RewriteEngine On\n    RewriteRule ^/(.*)$ https://shop.example.com/$1 [R=301,L]\n"
            "    WSGIScriptAlias / @ROOT@/shop.wsgi")
    text = discover_paths([write(tmp_path, HTTP_HTTPS.format(http_body=body),
                                 {"shop.wsgi": ""})])
    [instance] = parse(text).instances.values()
    assert instance.urls == ("https://shop.example.com:8443/",)
    assert "redirects every request (RewriteRule at" in text


def test_a_nameless_vhost_takes_the_main_server_name(tmp_path: Path) -> None:
    conf = write(tmp_path, """\
ServerName www.example.com
<VirtualHost *:80>
    WSGIScriptAlias / @ROOT@/a.wsgi
</VirtualHost>
""", {"a.wsgi": ""})
    [instance] = parse(discover_paths([conf])).instances.values()
    assert instance.urls == ("http://www.example.com/",)


def test_a_nameless_vhost_that_is_not_first_is_left_out(tmp_path: Path) -> None:
    conf = write(tmp_path, """\
<VirtualHost *:80>
    ServerName a.example.com
    WSGIScriptAlias / @ROOT@/a.wsgi
</VirtualHost>
<VirtualHost *:80>
    WSGIScriptAlias / @ROOT@/b.wsgi
</VirtualHost>
""", {"a.wsgi": "", "b.wsgi": ""})
    text = discover_paths([conf])
    assert [i.urls for i in parse(text).instances.values()] == [("http://a.example.com/",)]
    assert "has no ServerName" in text and "http://localhost/" not in text


def test_unreadable_script_is_said_on_stderr_and_in_the_manifest(tmp_path: Path) -> None:
    conf = write(tmp_path, "ServerName a.example.com\n"
                           "WSGIScriptAlias / @ROOT@/missing/wsgi.py\n")
    out = tmp_path / "site.toml"
    result = CliRunner().invoke(main, ["discover", str(conf), "-o", str(out)])
    assert result.exit_code == 0
    assert "probe: warning: cannot read WSGI script" in result.stderr
    assert "# WARNING: cannot read WSGI script" in out.read_text()
    readable = write(tmp_path, "ServerName a.example.com\n"
                               "WSGIScriptAlias / @ROOT@/a.wsgi\n", {"a.wsgi": ""})
    result = CliRunner().invoke(main, ["discover", str(readable), "-o", str(out)])
    assert "warning" not in result.stderr


def test_certbots_redirect_and_a_rule_without_the_engine(tmp_path: Path) -> None:
    """certbot writes R=permanent under RewriteCond lines of the VirtualHost's names; a rule
    without RewriteEngine on is never run, so its VirtualHost's URLs stay."""
    certbot = ("RewriteEngine on\n    RewriteCond %{SERVER_NAME} =shop.example.com\n"
               "    RewriteRule ^ https://%{SERVER_NAME}%{REQUEST_URI} [END,NE,R=permanent]\n"
               "    WSGIScriptAlias / @ROOT@/shop.wsgi")
    text = discover_paths([write(tmp_path, HTTP_HTTPS.format(http_body=certbot),
                                 {"shop.wsgi": ""})])
    [instance] = parse(text).instances.values()
    assert instance.urls == ("https://shop.example.com:8443/",)
    idle = certbot.replace("RewriteEngine on\n", "")
    text = discover_paths([write(tmp_path, HTTP_HTTPS.format(http_body=idle),
                                 {"shop.wsgi": ""})])
    [instance] = parse(text).instances.values()
    assert instance.urls == ("http://shop.example.com:8080/", "https://shop.example.com:8443/")
