"""``probe discover`` on a configuration that takes ServerRoot and Listen from the
environment httpd starts with: cfgov's httpd.conf (cfpb/consumerfinance.gov
cfgov/apache/conf/httpd.conf, ``PassEnv APACHE_SERVER_ROOT APACHE_PORT``; tester t-disc21,
lint-corpus/cfgov.toml). Discover wrote ``connect = "127.0.0.1:0"``, which the manifest
parser refuses, and dropped conf.d/wsgi.conf's application without a word."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from probe.cli import main
from probe.discover import discover_paths
from probe.manifest import parse

# cfgov's lines that matter, in order (httpd.conf :5 :11 :15 :16 :57; conf.d/wsgi.conf :7-8)
HTTPD_CONF = """\
PassEnv APACHE_SERVER_ROOT
PassEnv APACHE_PORT
ServerRoot "${APACHE_SERVER_ROOT}"
Listen ${APACHE_PORT}
IncludeOptional conf.d/*.conf
"""
WSGI_CONF = """\
ServerName https://www.consumerfinance.gov
WSGIDaemonProcess django
WSGIProcessGroup django
WSGIScriptAlias / /srv/cfgov/cfgov/wsgi.py
"""


def cfgov(tmp_path: Path) -> Path:
    conf = tmp_path / "conf" / "httpd.conf"
    conf.parent.mkdir()
    conf.write_text(HTTPD_CONF)
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "wsgi.conf").write_text(WSGI_CONF)
    return conf


def test_an_undefined_listen_variable_writes_no_connect_and_says_why(tmp_path: Path) -> None:
    conf = cfgov(tmp_path)
    text = discover_paths([conf], environ={"APACHE_SERVER_ROOT": str(tmp_path)})
    assert "\nconnect =" not in text
    assert (f"# Listen ${{APACHE_PORT}} at {conf}:4: ${{APACHE_PORT}} is not defined here"
            in text)
    assert "give APACHE_PORT to probe discover as httpd gets it" in text
    assert f"the main server answers on the port of Listen ${{APACHE_PORT}} at {conf}:4" in text
    assert ":0/" not in text


def test_an_include_after_an_undefined_server_root_is_said_not_dropped(tmp_path: Path) -> None:
    conf = cfgov(tmp_path)
    result = CliRunner().invoke(main, ["discover", str(conf)], env={"APACHE_PORT": "8000"})
    assert result.exit_code == 0, result.output
    said = (f"IncludeOptional conf.d/*.conf at {conf}:5 was not read: relative to the "
            f"ServerRoot at {conf}:3, whose ${{APACHE_SERVER_ROOT}} is not defined here")
    assert said in result.stderr
    assert "give APACHE_SERVER_ROOT to probe discover as httpd gets it" in result.stderr
    assert said in " ".join(result.stdout.split())  # the comment, joined across its lines


def test_with_both_variables_given_the_application_is_found(tmp_path: Path) -> None:
    conf = cfgov(tmp_path)
    text = discover_paths([conf], environ={"APACHE_SERVER_ROOT": str(tmp_path),
                                           "APACHE_PORT": "8000"})
    manifest = parse(text, "discovered")
    assert list(manifest.instances["django"].urls) == ["http://www.consumerfinance.gov:8000/"]
    assert "was not read" not in text


def test_a_scheme_in_server_name_is_not_what_the_port_speaks(tmp_path: Path) -> None:
    """cfgov's conf.d/wsgi.conf:1 ``ServerName https://www.consumerfinance.gov`` with
    ``Listen 8000`` and no SSLEngine: httpd speaks plain HTTP there (the scheme only goes
    into the URLs it writes about itself), so the URL is http, with a comment saying why."""
    conf = cfgov(tmp_path)
    text = discover_paths([conf], environ={"APACHE_SERVER_ROOT": str(tmp_path),
                                           "APACHE_PORT": "8000"})
    assert "https://www.consumerfinance.gov" not in text.replace("writes https://", "")
    said = " ".join(line.lstrip("# ") for line in text.splitlines() if "ServerName at" in line)
    assert f"ServerName at {tmp_path}/conf.d/wsgi.conf:1 writes https://" in said
    assert "the main server speaks http (no SSLEngine on, not port 443)" in said
